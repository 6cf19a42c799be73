/**
 * Squashfs 4.0, read and written. {@link org.stickwright.engine.squashfs.SquashfsImage} opens an
 * image on a {@link org.stickwright.engine.io.BlockDevice} (a slice of the ISO, from the file's
 * extent) to tell which distribution family a live image belongs to, or to stream a file out of it
 * ({@code openFile}). {@link org.stickwright.engine.squashfs.SquashfsWriter} builds a new image
 * (gzip or xz) from a stream of entries, for merging a persistent overlay into a live root.
 *
 * <h2>Superblock</h2>
 * The first 96 bytes, little-endian. From {@code mksquashfs src g.sqfs -comp gzip}:
 * <pre>
 * 00: 68 73 71 73  "hsqs"                  04: 08 00 00 00  8 inodes
 * 08: 00 00 00 00  mkfs time 0             0c: 00 00 02 00  block size 131072
 * 10: 01 00 00 00  1 fragment              14: 01 00        compression 1 = gzip
 * 16: 11 00        log2(block size) = 17   18: c0 00        flags (no-xattrs, exportable, ...)
 * 1a: 01 00        1 id (uid/gid)          1c: 04 00 00 00  version 4.0
 * 20: de 00 00 00 00 00 00 00  root inode reference: block 0 of the inode table, offset 0xde
 * 28: 6c 95 04 00 ...  bytes used 300396   30: 64 95 04 00 ...  id table
 * 38: ff .. ff     no xattr table          40: 4c 94 04 00 ...  inode table
 * 48: c1 94 04 00 ...  directory table     50: 2e 95 04 00 ...  fragment table
 * 58: 56 95 04 00 ...  export table
 * </pre>
 * Compression ids: 1 gzip (zlib stream), 2 lzma, 3 lzo, 4 xz, 5 lz4, 6 zstd.
 *
 * <h2>Metadata blocks</h2>
 * Inodes, directory listings, fragment entries and ids live in metadata blocks: a 16-bit header
 * (bit 15: stored uncompressed; bits 0-14: bytes on disk) and at most 8192 bytes once
 * decompressed. An inode reference is (block offset from the inode table &lt;&lt; 16) | offset.
 * A directory inode names its listing in the directory table the same way; a listing is a
 * sequence of headers (count-1, inode block, base inode number) each followed by entries
 * (inode offset, inode number delta, type, name length-1, name).
 * A hard link is nothing more than two listing entries naming one inode; the inode's link
 * count says how many names it has, so a hard-linked file takes the extended inode (type 9),
 * the basic one having no link count field.
 *
 * <h2>File data</h2>
 * A regular file's inode lists one 32-bit word per full data block: bits 0-23 the on-disk size
 * (0 = a hole of zeros), bit 24 "stored uncompressed". The tail shorter than a block usually
 * lives in a fragment block shared with other tails: fragment index and offset in the inode,
 * then the fragment table (16-byte entries: start, size word, unused) gives the block.
 *
 * <h2>Writing: a worked example</h2>
 * {@code SquashfsWriter} with gzip, one thread, mtime 1700000000 (0x6553f100), given the root
 * (0755, 0:0) and {@code /hello} (0644, 1000:1000, xattr {@code user.note=hi}, content
 * {@code "hello\n"}) writes these 275 bytes (then zeros to 4096):
 * <pre>
 * 00  superblock: 2 inodes, mkfs 0x6553f100, block 0x20000, 1 fragment, gzip, log 17, flags 0
 *     (xattrs present, not exportable, no duplicate detection), 2 ids, 4.0, root inode ref 0x38,
 *     bytes used 0x113, id table 0xd1, xattr id table 0xfb, inodes 0x66, directories 0x94,
 *     fragments 0xbf, export table ff..ff (none)
 * 60  68 65 6c 6c 6f 0a             fragment block 0: the 6-byte tail, stored (gzip would grow it)
 * 66  2c 00 + 44 gzip bytes         inode table, one metadata block (bit 15 clear: compressed).
 *     Decompressed: at 0x00 the file's extended inode (type 9 because it has an xattr):
 *       09 00 a4 01 01 00 01 00 00 f1 53 65 01 00 00 00   type 9, mode 0644, uid idx 1, gid idx 1,
 *                                                         mtime, inode number 1
 *       00 00 00 00 00 00 00 00  06 00 .. 00  00 .. 00    blocks start 0, size 6, 0 sparse bytes
 *       01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00   nlink 1, fragment 0, offset 0, xattr id 0
 *     (no block size words: the whole file is its tail); at 0x38 the root's basic directory inode:
 *       01 00 ed 01 00 00 00 00 00 f1 53 65 02 00 00 00   type 1, 0755, ids 0/0, mtime, inode 2
 *       00 00 00 00 02 00 00 00 1c 00 00 00 03 00 00 00   listing at dir block 0 offset 0, nlink 2,
 *                                                         file size 0x1c = 25-byte listing + 3,
 *                                                         listing offset 0, parent inode 3 (count+1)
 * 94  17 00 + 23 gzip bytes         directory table; decompressed, the root's listing:
 *       00 00 00 00 00 00 00 00 01 00 00 00               header: 1 entry, inode block 0, base inode 1
 *       00 00 00 00 02 00 04 00 68 65 6c 6c 6f            offset 0, delta 0, type 2 (file), len-1 4,
 *                                                         "hello"
 * ad  10 80 + 16 bytes stored       fragment entries: 60 00.. (start 0x60), 06 00 00 01 (6 bytes,
 *                                   bit 24 = stored uncompressed), unused 0
 * bf  ad 00 00 00 00 00 00 00       fragment lookup: one u64 per fragment metadata block
 * c7  08 80 00 00 00 00 e8 03 00 00 id table block, stored: ids 0 and 1000
 * d1  c7 00 .. 00                   id lookup (the superblock's id table start points here)
 * d9  0e 80 00 00 04 00 6e 6f 74 65 02 00 00 00 68 69
 *                                   xattr key/values: type 0 (user.), name "note" without its
 *                                   prefix, value length 2, "hi"
 * e9  10 80 + 00..00 01 00 00 00 0e 00 00 00
 *                                   xattr ids: key/value ref 0, 1 xattr, 14 bytes
 * fb  d9 00.. 01 00 00 00 00 00 00 00 e9 00..
 *                                   xattr id table: key/values at 0xd9, 1 id, then the id blocks;
 *                                   it must end exactly at bytes used (the kernel checks)
 * </pre>
 * The writer keeps this order (data, inodes, directories, fragments, ids, xattrs) because the
 * kernel checks each table ends before the next begins. Inodes are written children first and the
 * root last, since a directory inode names its listing and a listing names its children's
 * inodes; a new listing header starts after 256 entries, when the inodes cross into another
 * metadata block, or when an inode number is more than 32767 from the header's base.
 */
package org.stickwright.engine.squashfs;
