package org.stickwright.engine.part;

import java.util.UUID;

/**
 * GUIDs as GPT stores them: "mixed-endian". The text form {@code C12A7328-F81F-11D2-BA4B-00A0C93EC93B}
 * is stored as {@code 28 73 2A C1 1F F8 D2 11 BA 4B 00 A0 C9 3E C9 3B}: the first three groups
 * (4, 2 and 2 bytes) little-endian, the last two groups (2 and 6 bytes) in text order.
 */
public final class Guids {
    private Guids() {
    }

    /** Decodes the 16 bytes at {@code offset}. */
    public static UUID decode(byte[] bytes, int offset) {
        long msb = 0;
        msb |= le(bytes, offset, 4) << 32;
        msb |= le(bytes, offset + 4, 2) << 16;
        msb |= le(bytes, offset + 6, 2);
        long lsb = 0;
        for (int i = 8; i < 16; i++) {
            lsb = (lsb << 8) | (bytes[offset + i] & 0xFF);
        }
        return new UUID(msb, lsb);
    }

    /** Encodes {@code guid} into the 16 bytes at {@code offset}. */
    public static void encode(UUID guid, byte[] bytes, int offset) {
        long msb = guid.getMostSignificantBits();
        long lsb = guid.getLeastSignificantBits();
        putLe(bytes, offset, msb >>> 32, 4);
        putLe(bytes, offset + 4, msb >>> 16, 2);
        putLe(bytes, offset + 6, msb, 2);
        for (int i = 15; i >= 8; i--) {
            bytes[offset + i] = (byte) lsb;
            lsb >>>= 8;
        }
    }

    private static long le(byte[] bytes, int offset, int length) {
        long value = 0;
        for (int i = length - 1; i >= 0; i--) {
            value = (value << 8) | (bytes[offset + i] & 0xFF);
        }
        return value;
    }

    private static void putLe(byte[] bytes, int offset, long value, int length) {
        for (int i = 0; i < length; i++) {
            bytes[offset + i] = (byte) (value >>> (8 * i));
        }
    }
}
