/*
 * ISO 9660 stores most numbers "both-endian" (ECMA-119 7.2.3 / 7.3.3): the little-endian
 * value followed by the same value big-endian. We read the little-endian half and write both.
 */
package org.stickwright.engine.iso;

final class Bytes {
    private Bytes() {
    }

    static int le16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    static long le32(byte[] b, int at) {
        return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }

    static long be32(byte[] b, int at) {
        return (b[at] & 0xffL) << 24 | (b[at + 1] & 0xffL) << 16 | (b[at + 2] & 0xffL) << 8 | (b[at + 3] & 0xffL);
    }

    /** Writes {@code value} as the 8-byte both-endian form (LE then BE). */
    static void putBoth32(byte[] b, int at, long value) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (value >>> (8 * i));
            b[at + 7 - i] = (byte) (value >>> (8 * i));
        }
    }

    static String ascii(byte[] b, int at, int length) {
        return new String(b, at, length, java.nio.charset.StandardCharsets.ISO_8859_1).strip();
    }
}
