package org.stickwright.engine.overlay;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.stickwright.engine.squashfs.SquashfsSuperblock;
import org.stickwright.engine.squashfs.SquashfsTreeSink;
import org.stickwright.engine.squashfs.SquashfsWriteException;
import org.stickwright.engine.squashfs.SquashfsWriter;

/**
 * Builds a squashfs with squashfs-tools-ng's {@code tar2sqfs}, fed the tree as a pax tar stream
 * on its standard input: its C compressors run on every core (liblzma for xz) and it writes
 * every compressor the kernel reads, so a merge keeps a zstd or lz4 image's compressor. Nothing
 * is staged on disk and no privilege is needed: owners, modes, times, device numbers and xattrs
 * travel in the tar headers. The stream, per entry (see PaxTarWriter): "./etc/hostname" with
 * typeflag '0', "./" for the root's own attributes, whiteouts as character devices 0:0.
 * The superblock's mkfs time comes from SOURCE_DATE_EPOCH, which libsquashfs honours.
 * A hard link is a '1' entry whose link names the earlier entry ("./usr/bin/perl"); tar2sqfs
 * gives both names one inode. Sockets cannot be put in a tar archive and are left out (counted
 * in {@link #socketsLeftOut}, with any further names of them).
 */
public final class Tar2SqfsSink implements SquashfsTreeSink {
    private static final String PROGRAM = "tar2sqfs";
    private static volatile Optional<String> version;

    private final Process process;
    private final PaxTarWriter tar;
    private final ByteArrayOutputStream errors = new ByteArrayOutputStream();
    private final Thread errorReader;
    private final Path output;
    private final java.util.Set<String> socketPaths = new java.util.HashSet<>(); // each one left out
    private boolean closed;

    private Tar2SqfsSink(Process process, Path output) {
        this.process = process;
        this.output = output;
        this.tar = new PaxTarWriter(new BufferedOutputStream(process.getOutputStream(), 1 << 20));
        this.errorReader = new Thread(() -> {
            try (InputStream in = process.getErrorStream()) {
                in.transferTo(errors);
            } catch (IOException e) {
                // the process is gone; its exit code tells the rest
            }
        }, "tar2sqfs-stderr");
        errorReader.setDaemon(true);
        errorReader.start();
    }

    /** "tar2sqfs (squashfs-tools-ng) 1.2.0" when tar2sqfs runs here, else empty. Asked once. */
    public static Optional<String> version() {
        Optional<String> known = version;
        if (known == null) {
            known = Optional.empty();
            try {
                Process p = new ProcessBuilder(PROGRAM, "--version").redirectErrorStream(true).start();
                String text = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 && !text.isBlank()) {
                    known = Optional.of(text.lines().findFirst().orElse(PROGRAM).strip());
                }
            } catch (IOException e) {
                // not installed
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            version = known;
        }
        return known;
    }

    /** Starts tar2sqfs writing {@code output} (replaced if it exists) with the compressor and block size given. */
    public static Tar2SqfsSink start(Path output, SquashfsSuperblock.Compression compression,
            SquashfsWriter.Options options) throws IOException {
        List<String> command = new ArrayList<>(List.of(PROGRAM, "--quiet", "--force", "--no-skip",
                "--compressor", compression.name().toLowerCase(Locale.ROOT),
                "--block-size", Integer.toString(options.blockSize()),
                "--num-jobs", Integer.toString(options.threads())));
        if (options.level() >= 0) {
            command.addAll(List.of("--comp-extra", "level=" + options.level()));
        }
        command.add(output.toString());
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("SOURCE_DATE_EPOCH", Long.toString(options.modificationTime()));
        return new Tar2SqfsSink(builder.start(), output);
    }

    /** Sockets in the tree (every name of them) that the tar stream could not carry. */
    @Override
    public long socketsLeftOut() {
        return socketPaths.size();
    }

    private static String tarPath(String path) {
        return path.equals("/") ? "./" : "." + path;
    }

    @Override
    public void directory(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs)
            throws IOException {
        guard(() -> tar.entry(tarPath(path), '5', mode, uid, gid, mtime, 0, "", 0, 0, xattrs));
    }

    @Override
    public void file(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs, long length,
            SquashfsWriter.ContentSource content) throws IOException {
        guard(() -> {
            tar.entry(tarPath(path), '0', mode, uid, gid, mtime, length, "", 0, 0, xattrs);
            byte[] buffer = new byte[1 << 20];
            for (long at = 0; at < length; ) {
                int n = (int) Math.min(buffer.length, length - at);
                content.read(at, buffer, 0, n);
                tar.out().write(buffer, 0, n);
                at += n;
            }
            tar.pad(length);
        });
    }

    @Override
    public void symlink(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs,
            String target) throws IOException {
        guard(() -> tar.entry(tarPath(path), '2', mode, uid, gid, mtime, 0, target, 0, 0, xattrs));
    }

    @Override
    public void device(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs,
            boolean block, int major, int minor) throws IOException {
        guard(() -> tar.entry(tarPath(path), block ? '4' : '3', mode, uid, gid, mtime, 0, "", major, minor, xattrs));
    }

    @Override
    public void fifo(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs)
            throws IOException {
        guard(() -> tar.entry(tarPath(path), '6', mode, uid, gid, mtime, 0, "", 0, 0, xattrs));
    }

    @Override
    public void socket(String path, int mode, long uid, long gid, long mtime, Map<String, byte[]> xattrs) {
        socketPaths.add(path);
    }

    /** A '1' entry naming the earlier entry; tar2sqfs makes both names one inode. */
    @Override
    public void hardLink(String path, String target) throws IOException {
        if (socketPaths.contains(target)) {
            socketPaths.add(path); // another name of a socket left out
            return;
        }
        guard(() -> tar.entry(tarPath(path), '1', 0, 0, 0, 0, 0, tarPath(target), 0, 0, Map.of()));
    }

    /** Ends the archive and waits for tar2sqfs; its exit status and messages decide success. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        guard(() -> {
            tar.finish();
            tar.out().close();
        });
        int exit = waitForExit();
        if (exit != 0) {
            throw new SquashfsWriteException(output.toString(), "tar2sqfs exited with " + exit + ": " + messages());
        }
    }

    private interface Step {
        void run() throws IOException;
    }

    /** A write into a dead pipe becomes tar2sqfs's own message, not "Broken pipe". */
    private void guard(Step step) throws IOException {
        try {
            step.run();
        } catch (IOException e) {
            if (e instanceof SquashfsWriteException || process.isAlive() && !closed) {
                process.destroy();
                throw e;
            }
            int exit = waitForExit();
            throw new SquashfsWriteException(output.toString(), "tar2sqfs stopped (exit " + exit + "): " + messages());
        }
    }

    private int waitForExit() throws IOException {
        try {
            int exit = process.waitFor();
            errorReader.join(10_000);
            return exit;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while tar2sqfs was writing " + output);
        }
    }

    private String messages() {
        String text = errors.toString(java.nio.charset.StandardCharsets.UTF_8).strip();
        return text.isEmpty() ? "(no message)" : text;
    }
}
