/*
 * Where a file's bytes lie on the device. A file written contiguously has exactly one extent;
 * its offset and length let a caller open BlockDevice.slice(offset, length) and put another
 * filesystem inside the file (persistence images), without going through FAT again.
 */
package org.stickwright.engine.fat;

/** {@code length} bytes of file content starting at byte {@code deviceOffset} of the device. */
public record FileExtent(long deviceOffset, long length) {
}
