/**
 * FAT12, FAT16 and FAT32 in pure Java: {@link org.stickwright.engine.fat.Fat32Formatter} makes
 * empty FAT32 volumes, {@link org.stickwright.engine.fat.FatWriter} fills them (the extract mode's
 * ISO tree, persistence image files), and {@link org.stickwright.engine.fat.FatFileSystem} reads
 * and edits any existing volume in place (the EFI boot images inside ISOs). Everything works on a
 * {@link org.stickwright.engine.io.BlockDevice}, usually a partition slice.
 *
 * <h2>The layout</h2>
 * A volume is four regions in a row: <b>reserved sectors</b> (the boot sector first), one or more
 * copies of the <b>FAT</b>, on FAT12/16 a <b>fixed root directory</b>, then the <b>data area</b>
 * cut into clusters numbered from 2. Files and directories are chains of clusters; the FAT says,
 * for each cluster, which one comes next.
 *
 * <h2>The boot sector (BIOS Parameter Block)</h2>
 * <pre>
 * offset size field                 FAT32 volume below
 * 0x00   3    jump                   EB 58 90
 * 0x03   8    OEM name               "MSWIN4.1"
 * 0x0B   2    bytes per sector       0x0200 = 512
 * 0x0D   1    sectors per cluster    0x01 (512-byte clusters: volume up to 260 MiB)
 * 0x0E   2    reserved sectors       0x0020 = 32
 * 0x10   1    number of FATs         2
 * 0x11   2    root entries           0 on FAT32 (FAT12/16: e.g. 512)
 * 0x13   2    total sectors (16 bit) 0, the 32-bit field is used
 * 0x15   1    media descriptor       0xF8 (fixed disk), repeated in FAT entry 0
 * 0x16   2    sectors per FAT (16)   0 on FAT32 -- this zero is what marks the FAT32 layout
 * 0x18   4    sectors/track, heads   63, 255 (only for CHS-era software)
 * 0x1C   4    hidden sectors         partition start LBA (0 here: no partition table)
 * 0x20   4    total sectors          0x00020000 = 131072 (64 MiB)
 * 0x24   4    sectors per FAT        0x00000400 = 1024
 * 0x2C   4    root directory cluster 2
 * 0x30   2    FSInfo sector          1        0x32 2 backup boot sector 6
 * 0x42   1    extended signature     0x29, so serial and label follow:
 * 0x43   4    volume serial          34 12 CD AB = 0xABCD1234, shown as "ABCD-1234"
 * 0x47   11   volume label           "STICK      "
 * 0x52   8    type string            "FAT32   " (informative only; never trust it)
 * 0x1FE  2    signature              55 AA
 * </pre>
 * FAT12/16 keep the extended fields at 0x24 instead (signature 0x26, serial 0x27, label 0x2B).
 * The FAT type follows from the cluster count, (total - reserved - FATs - root) / cluster:
 * under 4085 is FAT12, under 65525 FAT16, else FAT32. Here: (131072 - 32 - 2*1024) / 1 =
 * 128992 clusters, FAT32. Data starts at sector 32 + 2*1024 = 2080, byte 0x104000.
 *
 * <h2>FAT entries</h2>
 * FAT32 entries are 4 bytes (top 4 bits reserved), FAT16 2 bytes, FAT12 1.5 bytes (entry n at
 * byte n*3/2, low 12 bits if n is even, high 12 if odd). 0 is free, 0x0FFFFFF7 bad, 0x0FFFFFF8
 * and above end of chain. The first FAT of the example, at byte 32*512 = 0x4000, after creating
 * a directory and two small files:
 * <pre>
 * 00004000: f8ff ff0f ffff ff0f ffff ff0f ffff ff0f   entry 0 = media, 1 = reserved, 2 = root (end), 3 = /EFI (end)
 * 00004010: ffff ff0f ffff ff0f 0000 0000 0000 0000   4 = grub.cfg (end), 5 = "Long File.txt" (end), 6... free
 * </pre>
 *
 * <h2>Directory entries</h2>
 * 32-byte slots. A short (8.3) entry: name[11] at 0x00, attributes 0x0B (0x10 directory, 0x20
 * archive, 0x08 volume label, 0x0F marks a long-name slot), case flags 0x0C (0x08 base lower,
 * 0x10 extension lower), creation time 0x0D-0x11, access date 0x12, cluster high 16 bits 0x14,
 * write time 0x16, write date 0x18, cluster low 16 bits 0x1A, size 0x1C (32 bits: 4 GiB - 1 is
 * the largest file). Times: hour&lt;&lt;11 | minute&lt;&lt;5 | second/2; dates: (year-1980)&lt;&lt;9 |
 * month&lt;&lt;5 | day, in local wall-clock time. The example's root directory (cluster 2):
 * <pre>
 * 00104000: 5354 4943 4b20 2020 2020 2008 ...          "STICK      " attr 0x08: the label entry
 * 00104020: 4546 4920 2020 2020 2020 2010 0000 0539    "EFI" directory, created 07:08:10
 * 00104030: a658 a658 0000 0539 a658 0300 0000 0000    dates 0x58A6 = 2024-05-06, cluster 3, size 0
 * 00104040: 4752 5542 2020 2020 4346 4720 1800 ...     "GRUB    CFG" case flags 0x18: shown "grub.cfg",
 * 00104050: ...                          0400 0500 0000  no long name needed; cluster 4, 5 bytes
 * 00104060: 414c 006f 006e 0067 0020 000f 00d4 4600    long-name slot: 0x41 = part 1, last (0x40);
 * 00104070: 6900 6c00 6500 2e00 7400 0000 7800 7400    "Long File.txt" in UTF-16LE; checksum 0xD4
 * 00104080: 4c4f 4e47 4649 7e31 5458 5420 0000 0539    its short entry "LONGFI~1TXT"
 * </pre>
 * A long name is split into 13-unit parts (5 at 0x01, 6 at 0x0E, 2 at 0x1C), stored last part
 * first right before the short entry, ended by 0x0000 and padded with 0xFFFF when shorter than
 * its slots. Every part carries the checksum of the short name so a reader can tell when a tool
 * unaware of long names renamed the file: sum = ((sum &amp; 1) &lt;&lt; 7) + (sum &gt;&gt; 1) + byte, over
 * the 11 bytes, in 8 bits. For "LONGFI~1TXT" that gives 0xD4.
 *
 * <h2>Corrupt input</h2>
 * Nothing read from a volume is trusted: BPB fields are checked against each other and the device
 * size, chains are bounded by the cluster count (a loop is reported, not followed), directories by
 * FAT's 65536-slot limit, and a tree walk refuses to enter a directory twice. Every such failure
 * is a {@link org.stickwright.engine.fat.FatException} naming the structure and its byte offset.
 */
package org.stickwright.engine.fat;
