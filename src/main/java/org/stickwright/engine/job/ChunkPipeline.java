package org.stickwright.engine.job;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.stickwright.engine.io.AlignedBuffers;
import org.stickwright.engine.io.Cancellation;

/**
 * Moves chunks of a stream through stages, each on its own thread, over bounded queues of a
 * fixed set of aligned buffers (bmaptool's reader → queue → writer shape): reading the next
 * chunk, hashing this one and writing the previous one overlap, and memory stays at
 * {@code buffers × bufferSize} however large the image.
 *
 * <p>No thread is ever interrupted: an interrupt closes any NIO channel the thread is using,
 * which would take the target's file descriptor down with it just when the job needs it to wipe
 * the partition table. Threads instead wait in short polls and watch a shared failure flag.
 */
final class ChunkPipeline {
    /** One unit of work: {@code length} bytes at {@code offset} of the image, in {@code buffer}. */
    static final class Chunk {
        final ByteBuffer buffer;
        long offset;
        int length;
        byte[] digest;
        /** Which region of the input (a bmap range) the chunk belongs to, and its place in it. */
        int region;
        int sequence;

        Chunk(ByteBuffer buffer) {
            this.buffer = buffer;
        }

        /** The chunk's bytes, positioned at 0 with limit {@code length}. */
        ByteBuffer data() {
            return buffer.duplicate().position(0).limit(length);
        }
    }

    /** Fills a chunk with the next piece of input; returns false when the input is exhausted. */
    interface Source {
        boolean fill(Chunk chunk) throws IOException;
    }

    /** Does one step of work on a chunk. */
    interface Stage {
        void process(Chunk chunk) throws IOException;

        /** Threads that run this stage side by side; chunks then leave it out of order. */
        default int threads() {
            return 1;
        }
    }

    /**
     * Runs {@code stage} on {@code threads} threads: for work that is per chunk and CPU-bound
     * (hashing), so both cores of a small machine keep up with a fast disk.
     */
    static Stage parallel(int threads, Stage stage) {
        return new Stage() {
            @Override
            public void process(Chunk chunk) throws IOException {
                stage.process(chunk);
            }

            @Override
            public int threads() {
                return threads;
            }
        };
    }

    private static final Chunk END = new Chunk(ByteBuffer.allocate(0));

    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final Cancellation cancellation;

    private ChunkPipeline(Cancellation cancellation) {
        this.cancellation = cancellation;
    }

    /**
     * Runs {@code source} and {@code stages} to the end of the input. The last stage runs on the
     * calling thread; the others each on a thread of their own, all joined before returning.
     */
    static void run(String name, int buffers, int bufferSize, Source source, List<Stage> stages,
            Cancellation cancellation) throws IOException {
        new ChunkPipeline(cancellation).execute(name, buffers, bufferSize, source, stages);
    }

    private void execute(String name, int buffers, int bufferSize, Source source, List<Stage> stages)
            throws IOException {
        BlockingQueue<Chunk> free = new ArrayBlockingQueue<>(buffers);
        for (int i = 0; i < buffers; i++) {
            free.add(new Chunk(AlignedBuffers.allocate(bufferSize)));
        }
        List<BlockingQueue<Chunk>> queues = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            queues.add(new ArrayBlockingQueue<>(buffers + 1));
        }
        List<Thread> threads = new ArrayList<>();
        threads.add(start(name + "-read", () -> {
            while (true) {
                Chunk chunk = take(free);
                cancellation.check();
                chunk.length = 0;
                chunk.digest = null;
                if (!source.fill(chunk)) {
                    put(queues.get(0), END);
                    return;
                }
                put(queues.get(0), chunk);
            }
        }));
        for (int i = 0; i < stages.size() - 1; i++) {
            Stage stage = stages.get(i);
            BlockingQueue<Chunk> in = queues.get(i);
            BlockingQueue<Chunk> out = queues.get(i + 1);
            AtomicInteger running = new AtomicInteger(stage.threads());
            for (int t = 0; t < stage.threads(); t++) {
                threads.add(start(name + "-stage" + (i + 1) + "." + t, () -> {
                    while (true) {
                        Chunk chunk = take(in);
                        if (chunk == END) {
                            // The last worker to finish passes the end on; the others hand it to a sibling.
                            put(running.decrementAndGet() == 0 ? out : in, END);
                            return;
                        }
                        stage.process(chunk);
                        put(out, chunk);
                    }
                }));
            }
        }
        try {
            Stage last = stages.get(stages.size() - 1);
            BlockingQueue<Chunk> in = queues.get(queues.size() - 1);
            while (true) {
                Chunk chunk = take(in);
                if (chunk == END) {
                    break;
                }
                cancellation.check();
                last.process(chunk);
                put(free, chunk);
            }
        } catch (IOException | RuntimeException | Error e) {
            failure.compareAndSet(null, e);
        }
        for (Thread thread : threads) {
            joinUninterruptibly(thread);
        }
        Throwable t = failure.get();
        if (t instanceof IOException io) {
            throw io;
        } else if (t instanceof RuntimeException re) {
            throw re;
        } else if (t instanceof Error err) {
            throw err;
        }
    }

    private interface Body {
        void run() throws IOException;
    }

    private Thread start(String name, Body body) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } catch (AbortedException e) {
                // another stage failed first; its failure is the one reported
            } catch (IOException | RuntimeException | Error e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private Chunk take(BlockingQueue<Chunk> queue) throws IOException {
        while (true) {
            abortIfFailed();
            try {
                Chunk chunk = queue.poll(50, TimeUnit.MILLISECONDS);
                if (chunk != null) {
                    return chunk;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            }
        }
    }

    private void put(BlockingQueue<Chunk> queue, Chunk chunk) throws IOException {
        while (true) {
            abortIfFailed();
            try {
                if (queue.offer(chunk, 50, TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted");
            }
        }
    }

    private void abortIfFailed() throws AbortedException {
        if (failure.get() != null) {
            throw new AbortedException();
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Unwinds a stage after another one failed. */
    private static final class AbortedException extends IOException {
        private static final long serialVersionUID = 1L;
    }
}
