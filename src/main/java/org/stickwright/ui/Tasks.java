package org.stickwright.ui;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javafx.application.Platform;
import javafx.concurrent.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way the wizard does work off the FX thread (the shape of Cryptomator's {@code Tasks}):
 * {@code Tasks.create(callable).onSuccess(...).onError(...).andFinally(...).run()}. The callable
 * runs on a background thread; every handler runs on the FX thread. {@link #every} repeats a
 * callable at a fixed delay (drive polling) and can be paused while a job runs.
 */
public final class Tasks {
    private static final Logger LOG = LoggerFactory.getLogger(Tasks.class);
    private static final ExecutorService WORKERS = Executors.newCachedThreadPool(daemon("stickwright-task"));
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(daemon("stickwright-timer"));

    private Tasks() {
    }

    public static <T> Builder<T> create(Callable<T> work) {
        return new Builder<>(work);
    }

    /** Runs {@code work} now and then every {@code millis} after the previous run ended; results go to {@code onResult} on the FX thread. */
    public static <T> Repeating every(long millis, Callable<T> work, Consumer<T> onResult, Consumer<Throwable> onError) {
        Repeating repeating = new Repeating();
        repeating.future = TIMER.scheduleWithFixedDelay(() -> {
            if (repeating.paused.get()) {
                return;
            }
            try {
                T result = work.call();
                Platform.runLater(() -> {
                    if (!repeating.paused.get()) {
                        onResult.accept(result);
                    }
                });
            } catch (Exception e) {
                Platform.runLater(() -> onError.accept(e));
            }
        }, 0, millis, TimeUnit.MILLISECONDS);
        return repeating;
    }

    /** A repeating task: {@link #pause()} skips its runs (and drops a result already under way) until {@link #resume()}. */
    public static final class Repeating {
        private final AtomicBoolean paused = new AtomicBoolean();
        private ScheduledFuture<?> future;

        public void pause() {
            paused.set(true);
        }

        public void resume() {
            paused.set(false);
        }

        public boolean paused() {
            return paused.get();
        }

        public void stop() {
            future.cancel(false);
        }
    }

    /** Collects the handlers of one background task. */
    public static final class Builder<T> {
        private final Callable<T> work;
        private Consumer<T> onSuccess = value -> { };
        private Consumer<Throwable> onError = e -> LOG.error("background task failed", e);
        private Runnable andFinally = () -> { };

        private Builder(Callable<T> work) {
            this.work = work;
        }

        public Builder<T> onSuccess(Consumer<T> handler) {
            onSuccess = handler;
            return this;
        }

        public Builder<T> onError(Consumer<Throwable> handler) {
            onError = handler;
            return this;
        }

        public Builder<T> andFinally(Runnable handler) {
            andFinally = handler;
            return this;
        }

        /** Starts the task; cancelling the returned task drops its handlers (the work itself is interrupted). */
        public Task<T> run() {
            Task<T> task = new Task<>() {
                @Override
                protected T call() throws Exception {
                    return work.call();
                }
            };
            task.setOnSucceeded(event -> {
                try {
                    onSuccess.accept(task.getValue());
                } finally {
                    andFinally.run();
                }
            });
            task.setOnFailed(event -> {
                try {
                    onError.accept(task.getException());
                } finally {
                    andFinally.run();
                }
            });
            task.setOnCancelled(event -> andFinally.run());
            WORKERS.execute(task);
            return task;
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
