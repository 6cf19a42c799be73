/**
 * Squashfs 4.0, read-only: enough of the format to tell which distribution family a live image
 * belongs to (is there a nested {@code LiveOS/rootfs.img}, what does {@code /etc/os-release}
 * say) without mounting it. {@link org.stickwright.engine.squashfs.SquashfsImage} opens an image on a
 * {@link org.stickwright.engine.io.BlockDevice} (a slice of the ISO, from the file's extent).
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
 *
 * <h2>File data</h2>
 * A regular file's inode lists one 32-bit word per full data block: bits 0-23 the on-disk size
 * (0 = a hole of zeros), bit 24 "stored uncompressed". The tail shorter than a block usually
 * lives in a fragment block shared with other tails: fragment index and offset in the inode,
 * then the fragment table (16-byte entries: start, size word, unused) gives the block.
 */
package org.stickwright.engine.squashfs;
