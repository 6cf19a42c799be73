package org.stickwright.engine.job;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Random;
import java.util.UUID;

/**
 * The one source of every identifier and timestamp a create job writes. Random by default (two
 * sticks must not share filesystem UUIDs: udev's by-uuid links and {@code root=live:UUID=} would
 * pick either); seeded for reproducible output, which is how tests prove that the wizard and the
 * CLI make the same stick byte for byte.
 */
public final class Identifiers {
    /** 2024-01-01T00:00:00Z: any fixed instant will do; this one is inside FAT's and ext4's ranges. */
    static final Instant SEEDED_TIME = Instant.ofEpochSecond(1_704_067_200L);

    private final Random random;
    private final Instant now;

    private Identifiers(Random random, Instant now) {
        this.random = random;
        this.now = now;
    }

    public static Identifiers random() {
        return new Identifiers(new SecureRandom(), null);
    }

    public static Identifiers seeded(long seed) {
        return new Identifiers(new Random(seed), SEEDED_TIME);
    }

    /** A version-4 UUID. */
    public synchronized UUID uuid() {
        byte[] b = new byte[16];
        random.nextBytes(b);
        b[6] = (byte) ((b[6] & 0x0f) | 0x40);
        b[8] = (byte) ((b[8] & 0x3f) | 0x80);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = hi << 8 | (b[i] & 0xff);
            lo = lo << 8 | (b[8 + i] & 0xff);
        }
        return new UUID(hi, lo);
    }

    /** A 32-bit volume serial (FAT), never 0. */
    public synchronized int serial() {
        int s;
        do {
            s = random.nextInt();
        } while (s == 0);
        return s;
    }

    /** Random bytes for anything else (ext4 hash seeds, journal ids). */
    public synchronized void nextBytes(byte[] bytes) {
        random.nextBytes(bytes);
    }

    /** The time to stamp on what is written: now, or a fixed instant when seeded. */
    public Instant now() {
        return now == null ? Instant.now() : now;
    }

    public boolean seeded() {
        return now != null;
    }
}
