/**
 * ISO 9660 (ECMA-119) with Joliet, Rock Ridge and El Torito: a reader over a
 * {@link org.stickwright.engine.io.BlockDevice} ({@link org.stickwright.engine.iso.IsoImage}), streaming
 * extraction to an {@link org.stickwright.engine.iso.IsoTreeSink}, an in-place content patcher
 * ({@link org.stickwright.engine.iso.IsoPatcher}) for hybrid sticks, and a rebuilder
 * ({@link org.stickwright.engine.iso.IsoRebuilder}) that writes a new image in which one file
 * (a live image's squashfs) has grown, moving the appended partitions behind it.
 *
 * <h2>Volume descriptors</h2>
 * Everything is counted in 2048-byte logical blocks. Blocks 0-15 (32 KiB) are the System Area,
 * free for an isohybrid MBR and GPT. From block 16 (byte 32768) follow volume descriptors, one
 * per block, each starting with a type byte and {@code "CD001"} and version 1, until a
 * terminator (type 255). The grub-rescue-cdrom.iso of Debian's grub-rescue-pc begins so:
 * <pre>
 * 00008000: 01 43 44 30 30 31 01 00  20 20 ...      type 1 = primary, "CD001", version 1
 * 00008050: b1 09 00 00 00 00 09 b1                 volume space size 2481 blocks, LE then BE
 * 0000809c: 22 00 13 00 00 00 00 00 00 13 ...       the root directory record (34 bytes), extent 19
 * 00008800: 00 43 44 30 30 31 01 45 4c 20 54 4f ... type 0 = boot record, "EL TORITO SPECIFICATION"
 * 00008847: 30 00 00 00                             its boot catalog is at block 0x30 = 48
 * </pre>
 * A Joliet image adds a supplementary descriptor (type 2) with escape sequence {@code %/@},
 * {@code %/C} or {@code %/E} at byte 88 whose tree carries UCS-2 big-endian names up to 64
 * characters (xorriso's -joliet-long: 103).
 *
 * <h2>Directory records</h2>
 * A directory is an extent of records; a record never crosses a block boundary (a zero length
 * byte pads to the block's end). The record of "boot" in grub-rescue's root directory
 * (block 19):
 * <pre>
 * 00 length 0x60      01 ext. attr. 0    02 extent 0x15 (LE) | 06 same BE   0a data length 0x800 LE|BE
 * 12 date 7e 05 03 16 0c 0d 00 = 1900+126 = 2026-05-03 22:12:13 GMT   19 flags 02 (directory)
 * 20 name length 04, 21 "boot", pad, then the System Use area:
 *    50 58 24 01 | 6d 41 00 00 00 00 41 6d | ...   "PX", 36 bytes, v1, st_mode 0x416d = 040555
 *    54 46 1a 01 0e | 3 short dates            "TF", flags 0x0e = modify, access, attributes
 *    4e 4d 09 01 00 62 6f 6f 74                "NM", 9 bytes, flags 0, name "boot"
 * </pre>
 * Files keep an ISO 9660 identifier like {@code BOOT.CAT;1}; Rock Ridge's NM carries the real
 * name. The root's "." record starts with {@code SP} ({@code 53 50 07 01 be ef 00}: check bytes
 * BE EF, skip 0), and its {@code CE} entry ({@code 43 45 1c 01}, block 0x14, offset 0, length
 * 0xed) moves the {@code ER} entry naming the RRIP extension to a continuation area in block 20.
 * Files of 4 GiB and more are several records of the same name, all but the last flagged 0x80.
 *
 * <h2>El Torito boot catalog</h2>
 * Block 48 of grub-rescue:
 * <pre>
 * 00018000: 01 00 00 00 ... 00 00 aa 55 55 aa   validation entry: header 1, platform 0 (x86),
 *                                               checksum 0x55aa makes the 16 words sum to 0
 * 00018020: 88 00 00 00 00 00 04 00 72 05 00 00 default entry: bootable, no emulation, 4 sectors
 *                                               of 512 bytes from block 0x572 = 1394
 * </pre>
 * A UEFI-capable image follows with a section header {@code 91 ef 01 00} (last section,
 * platform 0xEF, one entry) and an entry whose load block is the EFI FAT image
 * ({@code efiboot.img}); its file extent is where the FAT editor works in place.
 *
 * <h2>-partition_offset</h2>
 * xorriso's {@code -partition_offset 16} (Ubuntu, Arch, Fedora 37+) makes partition 1 start at
 * 512-byte sector 64 (block 16) and writes there a second primary and Joliet descriptor and a
 * second copy of the directory trees whose block numbers count from the partition start. The
 * file data is shared; both sets of records must be patched together.
 *
 * <h2>Rebuilding with a larger file</h2>
 * In the Fedora test fixture the partition set's descriptor (block 32) says 15154 blocks, so
 * the ISO volume proper ends at block 16 + 15154 = 15170 (byte 31068160); GPT partition 2, the
 * appended EFI image, starts there (sector 60680) and the El Torito EFI entry loads block 15170.
 * The whole-disk descriptor (block 16) says 17384 blocks: everything up to the backup GPT.
 * A squashfs that grows by 10 MB is written at block 15170; everything from there on moves by
 * 10 MB rounded up to 16 KiB (the ESP starts on 4 KiB, Gap1 and the image end on 16 KiB), so the EFI entry's load block,
 * GPT partition 2 and 3, both volume space sizes and GPT 1's last sector grow by the same amount.
 */
package org.stickwright.engine.iso;
