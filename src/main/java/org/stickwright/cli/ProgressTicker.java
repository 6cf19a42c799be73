package org.stickwright.cli;

import org.stickwright.engine.io.Progress;

/**
 * Pulls a job's progress counters at a fixed pace and prints them (Raspberry Pi Imager's way:
 * the job never waits for the screen).
 */
final class ProgressTicker implements AutoCloseable {
    private final Thread thread;
    private volatile boolean running = true;

    ProgressTicker(Progress progress, Output output) {
        long periodMillis = output.json() ? 250 : 500;
        thread = new Thread(() -> {
            while (running) {
                try {
                    Thread.sleep(periodMillis);
                } catch (InterruptedException e) {
                    return;
                }
                if (running) {
                    output.progress(progress);
                }
            }
        }, "stickwright-progress");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
