/*
 * The squashfs 4.0 superblock: the first 96 bytes of the image, all little-endian.
 *
 *   0 magic "hsqs" (0x73717368)   4 inode count          8 modification time (Unix)
 *  12 block size (4 KiB..1 MiB)  16 fragment count      20 compression id (u16)
 *  22 log2(block size) (u16)     24 flags (u16)         26 id count (u16)
 *  28 version major (4)          30 version minor (0)   32 root inode reference (u64)
 *  40 bytes used                 48 id table            56 xattr id table
 *  64 inode table                72 directory table     80 fragment table
 *  88 export table               (table positions are byte offsets from the image start;
 *                                 0xFFFFFFFFFFFFFFFF means "absent")
 *
 * An inode reference packs the metadata block's offset from the inode table start (bits
 * 16-47) and the byte offset inside that block once decompressed (bits 0-15).
 */
package org.stickwright.engine.squashfs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import org.stickwright.engine.io.BlockDevice;

/** The parsed superblock of a squashfs 4.0 image. */
public record SquashfsSuperblock(long inodeCount, long modificationTime, int blockSize, long fragmentCount,
        Compression compression, int flags, int idCount, int versionMajor, int versionMinor, long rootInodeRef,
        long bytesUsed, long idTableStart, long xattrIdTableStart, long inodeTableStart, long directoryTableStart,
        long fragmentTableStart, long exportTableStart) {

    public static final int SIZE = 96;
    public static final int MAGIC = 0x73717368;
    /** Flag: compressor options follow the superblock in a metadata block. */
    public static final int FLAG_COMPRESSOR_OPTIONS = 0x0400;

    /** Compression ids of the superblock's byte 20. */
    public enum Compression {
        GZIP(1), LZMA(2), LZO(3), XZ(4), LZ4(5), ZSTD(6);

        private final int id;

        Compression(int id) {
            this.id = id;
        }

        public int id() {
            return id;
        }

        static Compression of(int id) {
            for (Compression c : values()) {
                if (c.id == id) {
                    return c;
                }
            }
            return null;
        }
    }

    /** Parses and validates the 96 bytes of {@code raw}; {@code position} is used in messages. */
    static SquashfsSuperblock parse(byte[] raw, long position, long deviceSize) throws SquashfsFormatException {
        if (raw.length < SIZE) {
            throw new SquashfsFormatException("superblock", position, "shorter than 96 bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != MAGIC) {
            throw new SquashfsFormatException("superblock", position, "magic hsqs missing");
        }
        int major = b.getShort(28) & 0xffff;
        int minor = b.getShort(30) & 0xffff;
        if (major != 4 || minor != 0) {
            throw new SquashfsFormatException("superblock", position, "version " + major + "." + minor
                    + " is not 4.0");
        }
        int blockSize = b.getInt(12);
        int blockLog = b.getShort(22) & 0xffff;
        if (blockSize < 4096 || blockSize > (1 << 20) || Integer.bitCount(blockSize) != 1
                || (1 << blockLog) != blockSize) {
            throw new SquashfsFormatException("superblock", position + 12, "block size " + blockSize
                    + " with log " + blockLog + " is invalid");
        }
        int compressionId = b.getShort(20) & 0xffff;
        Compression compression = Compression.of(compressionId);
        if (compression == null) {
            throw new SquashfsFormatException("superblock", position + 20, "unknown compression id " + compressionId);
        }
        long bytesUsed = b.getLong(40);
        if (bytesUsed < SIZE || bytesUsed > deviceSize) {
            throw new SquashfsFormatException("superblock", position + 40, "bytes used " + bytesUsed
                    + " does not fit the device's " + deviceSize + " bytes");
        }
        SquashfsSuperblock sb = new SquashfsSuperblock(b.getInt(4) & 0xffffffffL, b.getInt(8) & 0xffffffffL, blockSize,
                b.getInt(16) & 0xffffffffL, compression, b.getShort(24) & 0xffff, b.getShort(26) & 0xffff, major, minor,
                b.getLong(32), bytesUsed, b.getLong(48), b.getLong(56), b.getLong(64), b.getLong(72), b.getLong(80),
                b.getLong(88));
        for (long table : new long[] {sb.inodeTableStart, sb.directoryTableStart, sb.idTableStart}) {
            if (table < SIZE || table >= bytesUsed) {
                throw new SquashfsFormatException("superblock", position, "table offset " + table
                        + " lies outside the image's " + bytesUsed + " bytes");
            }
        }
        if (sb.inodeTableStart >= sb.directoryTableStart) {
            throw new SquashfsFormatException("superblock", position + 64, "inode table does not precede the "
                    + "directory table");
        }
        return sb;
    }

    /** Reads the superblock at {@code offset} of {@code device}, or empty if there is no squashfs magic there. */
    public static Optional<SquashfsSuperblock> probe(BlockDevice device, long offset) throws IOException {
        if (offset < 0 || offset + SIZE > device.size()) {
            return Optional.empty();
        }
        byte[] raw = device.readBytes(offset, SIZE);
        if (ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).getInt(0) != MAGIC) {
            return Optional.empty();
        }
        return Optional.of(parse(raw, offset, device.size() - offset));
    }

    /** Root directory's inode: metadata block offset from the inode table, and offset inside it. */
    public long rootInodeBlock() {
        return rootInodeRef >>> 16;
    }

    public int rootInodeOffset() {
        return (int) (rootInodeRef & 0xffff);
    }

    public boolean hasFragmentTable() {
        return fragmentTableStart != -1L && fragmentCount > 0;
    }
}
