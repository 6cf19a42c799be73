/*
 * A device that looks like `base` grown to `size` bytes (zeros past base's end) and keeps every
 * write in memory, 512-byte sector by sector, never touching `base`. A create job runs all its
 * small edits (boot configs patched into ISO 9660 and the EFI FAT image, new partition table
 * entries, the moved backup GPT) against one of these before the target is opened, so every
 * check that can fail fails before the first byte is written, and the edits are then a short
 * list of sectors to replay onto the target and to verify.
 *
 * Example: a GPT ISO of 33,839,104 bytes planned for a 512 MiB stick: the overlay's size is
 * 536,870,912; reading LBA 1,048,575 (the future backup header) gives zeros until the GPT
 * writer puts a header there, after which pendingSectors() holds that sector, the backup array's
 * 32 sectors, LBA 1 and 2..33 (primary header and array), and the patched config blocks.
 */
package org.stickwright.engine.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;

/** An in-memory copy-on-write layer over a read-only device. */
public final class CopyOnWriteDevice implements BlockDevice {
    public static final int SECTOR = 512;

    private final BlockDevice base;
    private final long baseSize;
    private final long size;
    private final NavigableMap<Long, byte[]> sectors = new TreeMap<>();

    /**
     * @param base the read-only content (an ISO file)
     * @param size the size this device claims (the target's), at least {@code base}'s
     */
    public CopyOnWriteDevice(BlockDevice base, long size) throws IOException {
        this.base = base;
        this.baseSize = base.size();
        if (size < baseSize) {
            throw new IllegalArgumentException("overlay of " + size + " bytes is smaller than its base of " + baseSize);
        }
        this.size = size;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int logicalSectorSize() {
        return SECTOR;
    }

    @Override
    public int physicalSectorSize() {
        return SECTOR;
    }

    @Override
    public void read(ByteBuffer dst, long position) throws IOException {
        BlockDevice.checkRange(name(), size, position, dst.remaining());
        while (dst.hasRemaining()) {
            long sector = position / SECTOR;
            int within = (int) (position % SECTOR);
            int n = Math.min(dst.remaining(), SECTOR - within);
            byte[] pending = sectors.get(sector);
            if (pending != null) {
                dst.put(pending, within, n);
            } else {
                // Read the run of untouched sectors in one go from the base.
                Long nextPending = sectors.ceilingKey(sector + 1);
                long runEnd = Math.min(position + dst.remaining(),
                        nextPending == null ? Long.MAX_VALUE : nextPending * SECTOR);
                n = (int) (runEnd - position);
                readBase(dst.slice(dst.position(), n), position);
                dst.position(dst.position() + n);
            }
            position += n;
        }
    }

    private void readBase(ByteBuffer dst, long position) throws IOException {
        long fromBase = Math.max(0, Math.min(dst.remaining(), baseSize - position));
        if (fromBase > 0) {
            base.read(dst.slice(0, (int) fromBase), position);
        }
        for (int i = (int) Math.max(fromBase, 0); i < dst.remaining(); i++) {
            dst.put(i, (byte) 0);
        }
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        BlockDevice.checkRange(name(), size, position, src.remaining());
        while (src.hasRemaining()) {
            long sector = position / SECTOR;
            int within = (int) (position % SECTOR);
            int n = Math.min(src.remaining(), SECTOR - within);
            byte[] pending = sectors.get(sector);
            if (pending == null) {
                // A device whose size is not a whole number of sectors keeps a short last one.
                pending = new byte[(int) Math.min(SECTOR, size - sector * SECTOR)];
                readBase(ByteBuffer.wrap(pending), sector * SECTOR);
                sectors.put(sector, pending);
            }
            src.get(pending, within, n);
            position += n;
        }
    }

    @Override
    public void flush() {
        // Nothing is durable here by design: the job replays pendingSectors() onto the target.
    }

    @Override
    public String name() {
        return base.name() + " (planned edits)";
    }

    /** Every sector written so far, by sector number (512-byte units), with its full new content (the last one may be short). */
    public NavigableMap<Long, byte[]> pendingSectors() {
        return Collections.unmodifiableNavigableMap(sectors);
    }

    /** One past the last byte written, or 0. */
    public long writtenEnd() {
        return sectors.isEmpty() ? 0 : Math.min(size, (sectors.lastKey() + 1) * SECTOR);
    }

    @Override
    public void close() {
        // The base belongs to the caller.
    }
}
