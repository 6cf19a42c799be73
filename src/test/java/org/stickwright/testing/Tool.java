package org.stickwright.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs an external program (a reference tool, the CLI) and captures what it printed. */
public final class Tool {
    /** Exit code and output of a finished program. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public Result ok() {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " exited " + exitCode
                        + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr);
            }
            return this;
        }

        public String output() {
            return stdout + stderr;
        }
    }

    private Tool() {
    }

    public static Result run(String... command) {
        return run(null, 600, List.of(command));
    }

    public static Result run(Path workDir, long timeoutSeconds, List<String> command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            if (workDir != null) {
                builder.directory(workDir.toFile());
            }
            builder.environment().merge("PATH", "/usr/sbin:/sbin", (a, b) -> a + ":" + b);
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> slurp(process.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> slurp(process.getErrorStream()));
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
            }
            return new Result(List.copyOf(command), process.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static String slurp(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
