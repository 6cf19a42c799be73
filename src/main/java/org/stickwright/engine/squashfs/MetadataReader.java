/*
 * Inodes, directories, fragment entries and ids live in metadata blocks: a 16-bit LE header
 * whose bit 15 says "stored uncompressed" and whose low 15 bits give the on-disk size, then
 * that many bytes, which decompress to at most 8192. Blocks follow each other without gaps,
 * so a reader that runs off the end of one continues at header + 2 + size.
 */
package org.stickwright.engine.squashfs;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.stickwright.engine.io.BlockDevice;

/** Reads byte runs from a chain of metadata blocks, with a small cache of decompressed blocks. */
final class MetadataReader {
    static final int BLOCK_SIZE = 8192;
    private static final int CACHE_BLOCKS = 128;

    /** A decompressed metadata block and where the next one starts. */
    record Block(byte[] data, long next) {
    }

    private final BlockDevice device;
    private final Decompressor decompressor;
    private final long limit;
    private final Map<Long, Block> cache = new LinkedHashMap<>(CACHE_BLOCKS, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Block> eldest) {
            return size() > CACHE_BLOCKS;
        }
    };

    MetadataReader(BlockDevice device, Decompressor decompressor, long limit) {
        this.device = device;
        this.decompressor = decompressor;
        this.limit = limit;
    }

    Block block(long position) throws IOException {
        Block cached = cache.get(position);
        if (cached != null) {
            return cached;
        }
        if (position < 0 || position + 2 > limit) {
            throw new SquashfsFormatException("metadata block", position, "lies outside the image's " + limit
                    + " bytes");
        }
        byte[] header = device.readBytes(position, 2);
        int word = (header[0] & 0xff) | (header[1] & 0xff) << 8;
        int size = word & 0x7fff;
        boolean uncompressed = (word & 0x8000) != 0;
        if (size == 0 || size > BLOCK_SIZE || position + 2 + size > limit) {
            throw new SquashfsFormatException("metadata block", position, "on-disk size " + size
                    + " is invalid");
        }
        byte[] raw = device.readBytes(position + 2, size);
        byte[] data = uncompressed ? raw : decompressor.decompress(raw, BLOCK_SIZE, "metadata block", position);
        Block block = new Block(data, position + 2 + size);
        cache.put(position, block);
        return block;
    }

    /** A cursor over the metadata stream that starts at block {@code position}, byte {@code offset}. */
    Cursor cursor(long position, int offset) throws IOException {
        Block block = block(position);
        if (offset < 0 || offset > block.data().length) {
            throw new SquashfsFormatException("metadata reference", position, "offset " + offset
                    + " lies outside a block of " + block.data().length + " bytes");
        }
        return new Cursor(position, block, offset);
    }

    /** Sequential reader across metadata blocks. */
    final class Cursor {
        private long blockPosition;
        private Block block;
        private int offset;

        private Cursor(long blockPosition, Block block, int offset) {
            this.blockPosition = blockPosition;
            this.block = block;
            this.offset = offset;
        }

        long blockPosition() {
            return blockPosition;
        }

        int offset() {
            return offset;
        }

        byte[] read(int length) throws IOException {
            byte[] out = new byte[length];
            int done = 0;
            while (done < length) {
                if (offset >= block.data().length) {
                    blockPosition = block.next();
                    block = block(blockPosition);
                    offset = 0;
                }
                int n = Math.min(length - done, block.data().length - offset);
                System.arraycopy(block.data(), offset, out, done, n);
                offset += n;
                done += n;
            }
            return out;
        }

        int u16() throws IOException {
            byte[] b = read(2);
            return (b[0] & 0xff) | (b[1] & 0xff) << 8;
        }

        long u32() throws IOException {
            byte[] b = read(4);
            return (b[0] & 0xffL) | (b[1] & 0xffL) << 8 | (b[2] & 0xffL) << 16 | (b[3] & 0xffL) << 24;
        }

        long u64() throws IOException {
            return u32() | u32() << 32;
        }
    }
}
