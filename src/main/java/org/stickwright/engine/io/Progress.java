package org.stickwright.engine.io;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters a running job updates and front ends pull (the GUI about ten times a second, the
 * CLI once a second): the job never calls back into a front end, so a slow terminal or UI
 * thread cannot slow the write.
 */
public final class Progress {
    private volatile String phase = "starting";
    private final AtomicLong done = new AtomicLong();
    private volatile long total;
    private volatile long phaseStartNanos = System.nanoTime();

    /** Starts a new phase with {@code total} units (bytes) to do. */
    public void startPhase(String name, long totalBytes) {
        done.set(0);
        total = totalBytes;
        phaseStartNanos = System.nanoTime();
        phase = name;
    }

    public void add(long bytes) {
        done.addAndGet(bytes);
    }

    public String phase() {
        return phase;
    }

    public long done() {
        return done.get();
    }

    public long total() {
        return total;
    }

    /** Average rate since the phase started. */
    public long bytesPerSecond() {
        long elapsed = System.nanoTime() - phaseStartNanos;
        return elapsed <= 0 ? 0 : (long) (done.get() * 1e9 / elapsed);
    }

    /** Seconds left at the average rate, or -1 while unknown. */
    public long secondsLeft() {
        long rate = bytesPerSecond();
        long left = total - done.get();
        return rate <= 0 || left < 0 ? -1 : left / rate;
    }
}
