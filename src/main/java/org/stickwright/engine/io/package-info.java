/**
 * Bytes in and out: {@link org.stickwright.engine.io.BlockDevice} (a disk, an image file, or a
 * window onto either), the image a user chose ({@link org.stickwright.engine.io.ImageSource},
 * decompressed on the fly), and the counters and flag a running job shares with its front end.
 *
 * <h2>Worked example: what an image's first bytes say</h2>
 * A Fedora live ISO downloaded as {@code Fedora.iso.xz} starts with the xz magic
 * {@code FD 37 7A 58 5A 00}, so {@link org.stickwright.engine.io.Compression#sniff} says XZ and
 * every later read goes through the decompressor. The first 64 KiB of the decompressed stream
 * then hold:
 * <pre>
 *   0x0000  33 ED 90 90 …          isohybrid boot code (xorriso)
 *   0x01BE  80 00 01 00 00 … 00 00 00 00   MBR entry 1: active, type 0x00, from LBA 0
 *   0x01CE  00 … EF … 7C 04 00 00 …        MBR entry 2: type 0xEF, the EFI image
 *   0x01FE  55 AA                  boot signature
 *   0x8000  01 43 44 30 30 31 01   primary volume descriptor "CD001"
 *   0x8028  "Fedora-WS-Live-41-1-4"    volume identifier (the label dracut looks for)
 *   0x8050  00 A0 0C 00            volume space size 0x000CA000 blocks x 2048 bytes
 * </pre>
 * {@link org.stickwright.engine.io.ImageContent#probe} reads exactly these fields: an ISO 9660
 * volume with an MBR in front is a hybrid ISO, which boots from a stick written byte for byte.
 *
 * <h2>Direct I/O</h2>
 * A stick opened with O_DIRECT (Linux) or FILE_FLAG_NO_BUFFERING (Windows) accepts only
 * transfers whose position, length and buffer address are multiples of its logical sector
 * size; {@link org.stickwright.engine.io.AlignedBuffers} makes such buffers (4096-aligned,
 * which covers 512- and 4096-byte sectors). Image files need none of this, except when reopened
 * with {@link org.stickwright.engine.io.ImageFile#openReadOnlyDirect} for verification.
 */
package org.stickwright.engine.io;
