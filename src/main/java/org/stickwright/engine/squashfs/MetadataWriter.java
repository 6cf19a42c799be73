/*
 * Writes a squashfs metadata stream: bytes are cut into blocks of 8192, each block stored as a
 * 16-bit little-endian header (bit 15 = stored uncompressed, bits 0-14 = bytes that follow)
 * and then the block, compressed when that makes it smaller. A reference into the stream is
 * (offset of the block's header from the stream start << 16) | offset inside the block once
 * decompressed; the inode table, directory table, and the fragment, id and xattr tables are
 * all such streams. Blocks are kept in memory: tables are small next to file data (a Fedora
 * root of 400 000 inodes has an inode table of a few MiB).
 */
package org.stickwright.engine.squashfs;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** One metadata stream being assembled. */
final class MetadataWriter {
    static final int BLOCK_SIZE = 8192;

    private final BlockCompressor compressor;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final byte[] block = new byte[BLOCK_SIZE];
    private final List<Long> blockStarts = new ArrayList<>();
    private int fill;

    MetadataWriter(BlockCompressor compressor) {
        this.compressor = compressor;
    }

    /** Reference (block start << 16 | offset) of the next byte written. */
    long reference() {
        return (long) out.size() << 16 | fill;
    }

    /** Offset from the stream start of the block the next byte goes into. */
    long blockStart() {
        return out.size();
    }

    int offsetInBlock() {
        return fill;
    }

    void write(byte[] bytes) throws IOException {
        write(bytes, 0, bytes.length);
    }

    void write(byte[] bytes, int offset, int length) throws IOException {
        while (length > 0) {
            int n = Math.min(length, BLOCK_SIZE - fill);
            System.arraycopy(bytes, offset, block, fill, n);
            fill += n;
            offset += n;
            length -= n;
            if (fill == BLOCK_SIZE) {
                flushBlock();
            }
        }
    }

    private void flushBlock() throws IOException {
        blockStarts.add((long) out.size());
        BlockCompressor.Result r = compressor.compress(block, fill);
        int header = r.length() | (r.uncompressed() ? 0x8000 : 0);
        out.write(header & 0xff);
        out.write(header >>> 8);
        out.write(r.data(), 0, r.length());
        fill = 0;
    }

    /** Ends the stream (a partial last block is written) and returns all its bytes. */
    byte[] finish() throws IOException {
        if (fill > 0) {
            flushBlock();
        }
        return out.toByteArray();
    }

    /** Offsets from the stream start of every block written (valid after {@link #finish()}). */
    List<Long> blockStarts() {
        return blockStarts;
    }
}
