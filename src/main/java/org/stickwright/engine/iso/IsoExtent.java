/*
 * A file's bytes in ISO 9660 are one or more contiguous runs of 2048-byte blocks ("extents");
 * files over 4 GiB - 1 byte are split into several directory records flagged "multi-extent"
 * (flag bit 7), each naming the next run. Offsets here are absolute byte positions on the
 * device the image was opened from, ready for BlockDevice.slice(offset, length).
 */
package org.stickwright.engine.iso;

/** {@code length} bytes of a file stored contiguously from byte {@code offset} of the device. */
public record IsoExtent(long offset, long length) {
    public IsoExtent {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("negative extent " + offset + "+" + length);
        }
    }

    /** The 2048-byte logical block the extent starts at, relative to the device start. */
    public long block() {
        return offset / IsoImage.BLOCK_SIZE;
    }
}
