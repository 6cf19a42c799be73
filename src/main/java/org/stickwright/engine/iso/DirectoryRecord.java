/*
 * An ISO 9660 directory record (ECMA-119 9.1), little- and big-endian fields side by side:
 *
 *   0  length of this record (34 + name + pad + system use), records never cross a block
 *   1  extended attribute record length (in blocks, before the data)
 *   2  extent location, LBA   (4 bytes LE, then 4 bytes BE at 6)
 *  10  data length in bytes   (4 bytes LE, then 4 bytes BE at 14)
 *  18  recording date: years since 1900, month, day, hour, minute, second, GMT offset/15 min
 *  25  flags: 0x01 hidden, 0x02 directory, 0x80 multi-extent (more records follow)
 *  32  file identifier length, 33.. identifier ("NAME.EXT;1", 0x00 = ".", 0x01 = "..")
 *      a pad byte when the identifier length is even, then the System Use area (SUSP/RRIP)
 *
 * A length byte of 0 means "no more records in this block": continue at the next block.
 */
package org.stickwright.engine.iso;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/** One parsed directory record; {@code position} is its absolute byte offset on the device. */
final class DirectoryRecord {
    static final int MIN_LENGTH = 34;
    static final int FLAG_HIDDEN = 0x01;
    static final int FLAG_DIRECTORY = 0x02;
    static final int FLAG_MULTI_EXTENT = 0x80;

    final long position;
    final int length;
    final long extentLba;
    final long dataLength;
    final Instant recorded;
    final int flags;
    final byte[] identifier;
    /** Offset of the System Use area within the record, and its length. */
    final int systemUseOffset;
    final int systemUseLength;

    private DirectoryRecord(long position, int length, long extentLba, long dataLength, Instant recorded, int flags,
            byte[] identifier, int systemUseOffset, int systemUseLength) {
        this.position = position;
        this.length = length;
        this.extentLba = extentLba;
        this.dataLength = dataLength;
        this.recorded = recorded;
        this.flags = flags;
        this.identifier = identifier;
        this.systemUseOffset = systemUseOffset;
        this.systemUseLength = systemUseLength;
    }

    /**
     * Parses the record at {@code at} of {@code buf}; {@code available} is how many bytes of the
     * current block remain from {@code at}; {@code position} the record's device offset.
     */
    static DirectoryRecord parse(byte[] buf, int at, int available, long position) throws IsoFormatException {
        int length = buf[at] & 0xff;
        if (length < MIN_LENGTH) {
            throw new IsoFormatException("directory record", position, "length " + length + " is below 34");
        }
        if (length > available) {
            throw new IsoFormatException("directory record", position,
                    "length " + length + " crosses the block boundary (" + available + " bytes left)");
        }
        int nameLength = buf[at + 32] & 0xff;
        if (MIN_LENGTH - 1 + nameLength > length) {
            throw new IsoFormatException("directory record", position,
                    "identifier of " + nameLength + " bytes overflows a record of " + length);
        }
        long extent = Bytes.le32(buf, at + 2);
        long dataLength = Bytes.le32(buf, at + 10);
        int flags = buf[at + 25] & 0xff;
        byte[] identifier = new byte[nameLength];
        System.arraycopy(buf, at + 33, identifier, 0, nameLength);
        int suOffset = 33 + nameLength + ((nameLength & 1) == 0 ? 1 : 0);
        int suLength = Math.max(0, length - suOffset);
        return new DirectoryRecord(position, length, extent, dataLength, shortDate(buf, at + 18), flags, identifier,
                Math.min(suOffset, length), suLength);
    }

    boolean isDirectory() {
        return (flags & FLAG_DIRECTORY) != 0;
    }

    boolean isMultiExtent() {
        return (flags & FLAG_MULTI_EXTENT) != 0;
    }

    boolean isSelfOrParent() {
        return identifier.length == 1 && (identifier[0] == 0 || identifier[0] == 1);
    }

    /** The 7-byte date of directory records and short-form TF entries, or null when zero/invalid. */
    static Instant shortDate(byte[] b, int at) {
        int month = b[at + 1];
        int day = b[at + 2];
        if (month < 1 || month > 12 || day < 1 || day > 31) {
            return null;
        }
        int hour = b[at + 3];
        int minute = b[at + 4];
        int second = b[at + 5];
        if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
            return null;
        }
        int offsetQuarters = b[at + 6];
        if (offsetQuarters < -48 || offsetQuarters > 52) {
            offsetQuarters = 0;
        }
        try {
            return LocalDateTime.of(1900 + (b[at] & 0xff), month, day, hour, minute, second)
                    .toInstant(ZoneOffset.ofTotalSeconds(offsetQuarters * 15 * 60));
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }

    /** The 17-byte "YYYYMMDDHHMMSScc"+offset date of volume descriptors and long-form TF. */
    static java.time.OffsetDateTime longDate(byte[] b, int at) {
        String digits = new String(b, at, 16, java.nio.charset.StandardCharsets.US_ASCII);
        if (!digits.matches("\\d{16}") || digits.startsWith("0000")) {
            return null;
        }
        int offsetQuarters = b[at + 16];
        if (offsetQuarters < -48 || offsetQuarters > 52) {
            offsetQuarters = 0;
        }
        try {
            return java.time.OffsetDateTime.of(Integer.parseInt(digits.substring(0, 4)),
                    Integer.parseInt(digits.substring(4, 6)), Integer.parseInt(digits.substring(6, 8)),
                    Integer.parseInt(digits.substring(8, 10)), Integer.parseInt(digits.substring(10, 12)),
                    Integer.parseInt(digits.substring(12, 14)), Integer.parseInt(digits.substring(14, 16)) * 10_000_000,
                    ZoneOffset.ofTotalSeconds(offsetQuarters * 15 * 60));
        } catch (java.time.DateTimeException e) {
            return null;
        }
    }
}
