/**
 * Partition tables: MBR and GPT, read and written in pure Java, plus the edits a hybrid ISO
 * needs once it has been written to a larger stick.
 *
 * <h2>MBR</h2>
 * Sector 0 of the disk (512 bytes). Bytes 0..439 are boot code, 440..443 the disk signature,
 * 446..509 four 16-byte entries, 510..511 {@code 55 AA}. Each entry: status ({@code 80} =
 * active), CHS of the first sector, type, CHS of the last sector, first LBA (32-bit LE), sector
 * count (32-bit LE). A 64 MiB stick with one active FAT32 partition from 1 MiB to the end,
 * disk signature {@code 5717C4E2}:
 * <pre>
 *   0x1B8  e2 c4 17 57                  disk signature 0x5717C4E2, little-endian
 *   0x1BC  00 00                        reserved
 *   0x1BE  80                           active
 *          20 21 00                     CHS 0/32/33 = LBA 2048 in the 255-head, 63-sector geometry
 *          0c                           FAT32 with LBA addressing
 *          07 3f 08                     CHS of LBA 129023
 *          00 08 00 00                  first LBA 2048 (1 MiB)
 *          00 f0 01 00                  126976 sectors (62 MiB)
 *   0x1CE  00 x 48                      slots 2-4 empty
 *   0x1FE  55 aa
 * </pre>
 * An entry whose 16 bytes are not all zero is in use whatever its type: xorriso's isohybrid
 * MBR marks the ISO 9660 partition with type {@code 00}, start LBA 0, active. Only an all-zero
 * slot is free ({@link org.stickwright.engine.part.MbrPartitionEntry#isEmpty()}).
 *
 * <h2>GPT</h2>
 * A protective MBR (one {@code EE} entry from LBA 1), the primary header at LBA 1, its entry
 * array from LBA 2, and a backup array and header at the end of the disk. The same 64 MiB stick
 * (131072 sectors) with one EFI System Partition from LBA 2048 to 34815:
 * <pre>
 *   0x1BE   00 00 02 00 ee 28 20 08 01 00 00 00 ff ff 01 00   protective entry: LBA 1, 131071 sectors
 *   0x200   45 46 49 20 50 41 52 54   "EFI PART"
 *   0x208   00 00 01 00               revision 1.0
 *   0x20C   5c 00 00 00               header size 92
 *   0x210   cb 26 5b 26               CRC32 of these 92 bytes with this field zeroed
 *   0x218   01 00 .. 00               this header: LBA 1
 *   0x220   ff ff 01 00 ..            backup header: LBA 131071 (the last sector)
 *   0x228   22 00 .. 00               first usable LBA 34
 *   0x230   de ff 01 00 ..            last usable LBA 131038 (before the backup array at 131039)
 *   0x238   5e 0c c0 5e 0e 1d 7a 4b 9a 1f 01 23 45 67 89 ab   disk GUID 5EC00C5E-1D0E-4B7A-9A1F-0123456789AB
 *   0x248   02 00 .. 00               entry array at LBA 2
 *   0x250   80 00 00 00 80 00 00 00   128 entries of 128 bytes
 *   0x258   e0 db bc 9c               CRC32 of the 16384-byte array
 *   0x400   28 73 2a c1 1f f8 d2 11 ba 4b 00 a0 c9 3e c9 3b   type C12A7328-F81F-11D2-BA4B-00A0C93EC93B (EFI)
 *   0x410   5e ea 15 0d 00 00 00 40 80 00 00 00 00 00 ef 00   unique GUID 0D15EA5E-0000-4000-8000-00000000EF00
 *   0x420   00 08 00 .. / ff 87 00 ..                          LBA 2048 .. 34815 (inclusive)
 *   0x430   00 x 8                                             attributes (bit 2 would be "legacy BIOS bootable")
 *   0x438   45 00 46 00 49 00 00 ..                            name "EFI" in UTF-16LE
 * </pre>
 * The backup header in LBA 131071 differs in "this LBA" (131071), "other LBA" (1), the array
 * LBA (131039) and therefore its CRC32. GUIDs are mixed-endian: the first three groups are
 * stored little-endian ({@link org.stickwright.engine.part.Guids}).
 *
 * <h2>Which table rules, and hybrid ISOs</h2>
 * As in the Linux kernel, a GPT counts only behind a protective or hybrid MBR
 * ({@link org.stickwright.engine.part.PartitionTables}). {@link org.stickwright.engine.part.HybridIsoTables}
 * adds partitions after a hybrid ISO without changing its table kind: an MBR slot plus zeroed
 * stale GPT headers on isohybrid-MBR ISOs; a GPT entry, a backup moved to the stick's end and a
 * stretched protective entry on GPT ISOs. {@link org.stickwright.engine.part.LayoutPlanner} puts
 * every partition on a 1 MiB boundary. Corrupt tables raise
 * {@link org.stickwright.engine.part.PartitionTableException}, naming the structure and its byte
 * offset; a GPT with a damaged primary is read from its backup.
 */
package org.stickwright.engine.part;
