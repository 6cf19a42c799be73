/**
 * ext4, written and read in pure Java: {@link org.stickwright.engine.ext.Ext4Formatter} makes the
 * persistence filesystems (label, UUID, journal, a few files, directories and xattrs) and
 * {@link org.stickwright.engine.ext.Ext4Reader} reads what the kernel later wrote into them
 * (overlay inspection and merge), {@link org.stickwright.engine.ext.Ext4Editor} empties an
 * overlayfs store's directories in place (overlay reset on a shared persistence partition). Every number below comes from a real 16 MiB filesystem made
 * by {@code Ext4Formatter.format(image, Ext4Options.labelled("persistence").withUuid(
 * 5d0b1c7e-3f2a-4c8e-9b61-2a7d4e8f0c13).withReservedPercent(0))} holding
 * {@code /persistence.conf = "/ union\n"}; {@code e2fsck -fn} calls it clean.
 *
 * <h2>1. Blocks and groups</h2>
 * The filesystem is an array of blocks (here 4096 bytes; 1024 &lt;&lt; s_log_block_size).
 * Blocks are split into groups of s_blocks_per_group (32768, one bitmap block's worth of bits).
 * Each group has a block bitmap, an inode bitmap and an inode table; with {@code flex_bg} those
 * of 16 groups are packed together at the start of the first one. Groups 0, 1 and the powers of
 * 3, 5 and 7 ({@code sparse_super}) begin with a copy of the superblock and the group descriptor
 * table, followed by the reserved GDT blocks that let {@code resize2fs} grow the table.
 * Our 16 MiB example has 4096 blocks, one group:
 * <pre>
 * block 0      bytes 0..1023 boot area (untouched), 1024..2047 superblock
 * block 1      group descriptor table
 * block 2      reserved GDT block (owned by inode 7, the resize inode)
 * block 3      block bitmap          block 4   inode bitmap
 * blocks 5-68  inode table: 1024 inodes of 256 bytes
 * blocks 69-1092 journal (inode 8), then the resize inode's index block, directories, files
 * </pre>
 *
 * <h2>2. The superblock at byte 1024 (little-endian)</h2>
 * <pre>
 * 00000400: 0004 0000 0010 0000 0000 0000 b40b 0000   s_inodes_count 1024, s_blocks_count_lo 4096,
 *                                                     s_r_blocks_count 0, s_free_blocks_count 0x0bb4 = 2996
 * 00000410: f403 0000 0000 0000 0200 0000 0200 0000   s_free_inodes 1012, s_first_data_block 0,
 *                                                     s_log_block_size 2 (4096), s_log_cluster_size 2
 * 00000420: 0080 0000 0080 0000 0004 0000 ....        s_blocks_per_group 32768, clusters 32768,
 *                                                     s_inodes_per_group 1024
 * 00000438: 53ef                                      s_magic 0xEF53
 * 00000454: 0b00 0000 0001                            s_first_ino 11, s_inode_size 256
 * 0000045c: 3c00 0000 c202 0000 6b04 0000             features: compat 0x3c (has_journal ext_attr
 *                                                     resize_inode dir_index), incompat 0x2c2
 *                                                     (filetype extent 64bit flex_bg), ro_compat 0x46b
 *                                                     (sparse_super large_file huge_file dir_nlink
 *                                                     extra_isize metadata_csum)
 * 00000468: 5d0b 1c7e 3f2a 4c8e 9b61 2a7d 4e8f 0c13   s_uuid, big-endian as printed by blkid
 * 00000478: 7065 7273 6973 7465 6e63 65               s_volume_name "persistence"
 * 000004ce: 0100                                      s_reserved_gdt_blocks 1
 * 000004e0: 0800 0000                                 s_journal_inum 8
 * 000004fe: 4000                                      s_desc_size 64
 * 000007fc: (4 bytes)                                 s_checksum: crc32c of bytes 0x400..0x7fb
 * </pre>
 * All metadata_csum checksums are raw CRC-32C registers chained from a seed = crc32c(~0, s_uuid):
 * a group descriptor's 16-bit checksum covers (seed, group number, descriptor), an inode's
 * covers (seed, inode number, generation, inode), a directory block's 12-byte tail covers the
 * block under the inode's seed.
 *
 * <h2>3. Group descriptors (block 1, 64 bytes each)</h2>
 * <pre>
 * 00001000: 0300 0000 0400 0000 0500 0000 b40b f403   block bitmap 3, inode bitmap 4, inode table 5,
 *                                                     free blocks 2996, free inodes 1012
 * 00001010: 0200 0400 0000 0000 b745 1fd9 f403 0b40   2 directories, flags 0x4 (ITABLE_ZEROED),
 *                                                     bitmap checksums (lo), itable_unused 1012,
 *                                                     bg_checksum 0x400b
 * 00001038: 700a 63e7                                 bitmap checksums (hi)
 * </pre>
 * Groups with nothing allocated carry BLOCK_UNINIT (0x2) and INODE_UNINIT (0x1): their bitmaps
 * and inode tables are never read, so formatting 64 GiB writes only about 7 MiB.
 *
 * <h2>4. An inode and its extent tree</h2>
 * Inode n lives in group (n-1) / s_inodes_per_group at index (n-1) % s_inodes_per_group of
 * that group's table. Inode 12, {@code /persistence.conf}, is at block 5 + 11 * 256 bytes:
 * <pre>
 * 00005b00: a481 0000 0800 0000 00b9 5569 ...   i_mode 0x81a4 (regular file, 0644), i_uid 0,
 *                                               i_size 8, i_atime 0x6955b900 (2026-01-01)
 * 00005b1a: 0100 0800 0000 0000 0800            i_links_count 1, i_blocks 8 (512-byte units),
 *                                               i_flags 0x80000 (EXTENTS)
 * 00005b28: 0af3 0100 0400 0000 0000 0000       i_block: extent header: magic 0xF30A, 1 entry,
 *                                               room for 4, depth 0 (leaves follow)
 * 00005b34: 0000 0000 0100 0000 4b04 0000       extent: logical block 0, length 1,
 *                                               physical block (hi 0, lo 0x044b) = 1099
 * </pre>
 * Block 1099 (byte 0x44b000) holds {@code 2f20 756e 696f 6e0a} = "/ union\n". A file with more
 * than 4 extents gets depth &gt; 0: the inode then holds index entries (logical block, child
 * block) and each child block starts with its own header (up to 340 entries per 4 KiB block),
 * ending in a 4-byte crc32c tail.
 *
 * <h2>5. Directories and xattrs</h2>
 * A directory's blocks are records {inode u32, rec_len u16, name_len u8, file_type u8, name},
 * rec_len rounded to 4 and the last record stretched to the block's end (minus the 12-byte
 * checksum tail). The kernel converts large directories to htree (i_flags 0x1000): block 0 then
 * holds "." and a ".." whose rec_len hides the hash index, and interior index blocks look like
 * a single empty record, so a linear read still sees every name. Extended attributes live after
 * the inode's extra fields (magic 0xEA020000 at byte 128 + i_extra_isize) or in one block named
 * by i_file_acl; {@code trusted.overlay.opaque = "y"} is the entry {name_len 14, index 4
 * ("trusted."), value offset, value size 1, hash} followed by "overlay.opaque".
 *
 * <h2>6. Emptying a directory in place ({@link org.stickwright.engine.ext.Ext4Editor})</h2>
 * The same filesystem holding {@code /upper} (inode 12, directory block 1099) with
 * {@code /upper/etc} (inode 13, block 1100) and {@code /upper/hello} (inode 14, block 1101),
 * emptied at 2026-01-01 ({@code Ext4Editor.open(image, 1767225600).emptyDirectories(
 * List.of("/upper"))}); every byte that changes, in the order written:
 * <pre>
 * 0044b010: 0c00 0202 2e2e ... -&gt; e80f 0202 2e2e    ".." now spans the block up to the tail
 *                                                   (rec_len 4072); "etc" and "hello" are gone
 * 0044bff8: 0c00 00de 551a 8ffd -&gt; 0c00 00de c1f9 6b40   the directory block's crc32c tail
 * 00005b1a: 0300 -&gt; 0200                          /upper's i_links_count: no subdirectory left
 * 00005c1a / 00005d1a: links 2 / 1 -&gt; 0           inodes 13 and 14: i_dtime 0x6955b900 at
 *                                                   +0x14, size, i_blocks and the extent root
 *                                                   (entries 1 -&gt; 0) cleared, i_mode kept
 * 00004000: ff3f -&gt; ff0f                          inode bitmap: inodes 13 and 14 free
 * 00003089: 3f -&gt; 0f                              block bitmap: blocks 1100 and 1101 free
 * 0000100c: b20b f203 0400 -&gt; b40b f403 0300      descriptor: free blocks 2996, free inodes 1012,
 *                                                   3 directories; new bitmap crc32c (0x1018,
 *                                                   0x101a, 0x1038, 0x103a) and bg_checksum
 * 0000040c: b20b .. f203 -&gt; b40b .. f403          superblock free counts, s_wtime, s_checksum
 * </pre>
 * The order matters: names go first (the directory block and inode), then the inodes they
 * named, and only then the bitmaps. A crash anywhere leaves blocks and inodes still marked in
 * use that nothing names (e2fsck frees them), never one marked free that a file still owns.
 *
 * <h2>7. Growing in place ({@link org.stickwright.engine.ext.Ext4Grower})</h2>
 * A 16 MiB filesystem from our formatter (4096 blocks, one group of 32768) on a device grown to
 * 24 MiB: the group simply gets 2048 more blocks. Every byte that changes:
 * <pre>
 * 00003200..000032ff: ff.. -&gt; 00..   block bitmap bits 4096..6143: set as padding past the
 *                                     old end, now free blocks
 * 0000100c: b40b -&gt; b413              descriptor 0: free blocks 2996 -&gt; 5044
 * 00001018/1038, 101e: new crc32c of the block bitmap (lo/hi) and the descriptor's bg_checksum
 * 00000404: 0010 0000 -&gt; 0018 0000    s_blocks_count 4096 -&gt; 6144
 * 00000408: cc00 -&gt; 3201              s_r_blocks_count 204 -&gt; 306 (the same 5 %)
 * 0000040c: b40b -&gt; b413              s_free_blocks_count; 000007fc: s_checksum
 * </pre>
 * Growing past the last group adds groups, each starting with its backup superblock and
 * descriptor table when it is a sparse_super backup group, then its own block bitmap, inode
 * bitmap and inode table (INODE_UNINIT: nothing to zero). Every 64 groups (8 GiB) the
 * descriptor table needs a block more: reserved GDT block 0 becomes it in group 0 and every
 * backup, and the resize inode's map is rebuilt for the reserved blocks left. The primary
 * superblock is written last: before it, the old filesystem is what the kernel sees.
 *
 * <h2>8. Filling an empty directory ({@link org.stickwright.engine.ext.Ext4Populator})</h2>
 * The same 16 MiB filesystem with an empty /upper (inode 12, its listing in block 1099) gets
 * "etc/" and "etc/hostname" ("stickwright\n", 12 bytes). Every byte that changes, in the order
 * written:
 * <pre>
 * 0044e000: 7374 6963 6b77 7269 6768 740a     block 1102: hostname's content
 * 0044d000: 0d00 0000 0c00 0102 2e00 0000 ...  block 1101: etc's listing, "." (13) ".." (12)
 *                                              "hostname" (14), crc32c tail at 0044dff8
 * 0044c000: 0c00 0000 0c00 0102 2e00 0000 ...  block 1100: /upper's new listing, "." (12) ".."
 *                                              (2) "etc" (13), crc32c tail at 0044cff8
 * 00005c00: ed41 .. 0010 0000 ..               inode 13: mode 040755, size 4096, links 2,
 *                                              extent root naming block 1101, checksum
 * 00005d00: a481 .. 0c00 0000 ..               inode 14: mode 0100644, size 12, links 1,
 *                                              extent root naming block 1102, checksum
 * 00003089: 0f -&gt; 7f -&gt; 77                    block bitmap: 1100..1102 taken (step 3), then
 *                                              the old listing 1099 freed (step 5)
 * 00004001: 0f -&gt; 3f                          inode bitmap: inodes 13 and 14 taken
 * 0000100c: b40b f403 0300 -&gt; b20b f203 0400  descriptor: free blocks 2994, free inodes 1010,
 *                                              4 directories; bitmap crc32c and bg_checksum
 * 00005b1a: 02 -&gt; 03, 00005b3c: 4b -&gt; 4c     inode 12 (the link, step 4): links 3, its extent
 *                                              now names block 1100; new checksum at 00005b7c
 * 0000040c: b40b -&gt; b20b, 00000410: f4 -&gt; f2  superblock free counts and s_checksum, last
 * </pre>
 * Until inode 12 is written nothing names the new blocks or inodes; after it the old listing
 * block is the only thing left to free, so a crash at any point leaves a consistent tree.
 */
package org.stickwright.engine.ext;
