package org.stickwright.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Disk images for tests: an MBR with one partition, pseudo-random data, stretches of zeros. */
public final class TestImages {
    private TestImages() {
    }

    /**
     * Writes a disk image of {@code size} bytes: an MBR whose partition 1 (type 0x83) starts at
     * 1 MiB, then blocks of random data, every {@code zeroEvery}-th MiB left zero (0: none).
     */
    public static Path diskImage(Path file, long size, long seed, int zeroEvery) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] block = new byte[1 << 20];
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long at = 0; at < size; at += block.length) {
                int n = (int) Math.min(block.length, size - at);
                long mib = at >> 20;
                if (zeroEvery > 0 && mib % zeroEvery == zeroEvery - 1) {
                    out.position(at + n);
                    continue;
                }
                random.nextBytes(block);
                if (at == 0) {
                    writeMbr(block, size);
                }
                out.write(ByteBuffer.wrap(block, 0, n), at);
            }
            if (out.size() < size) {
                out.write(ByteBuffer.allocate(1), size - 1);
            }
        }
        return file;
    }

    private static void writeMbr(byte[] sector0, long size) {
        ByteBuffer b = ByteBuffer.wrap(sector0).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 446; i < 510; i++) {
            sector0[i] = 0;
        }
        b.put(446, (byte) 0x00);
        b.put(446 + 4, (byte) 0x83);
        b.putInt(446 + 8, 2048);
        b.putInt(446 + 12, (int) Math.max(1, size / 512 - 2048));
        sector0[510] = 0x55;
        sector0[511] = (byte) 0xAA;
    }

    /**
     * Compresses {@code source} with the real tool ({@code gz}, {@code xz}, {@code zst}), keeping
     * the source: the files users download are made by these tools, not by our libraries.
     */
    public static Path compressWithTool(Path source, String suffix) {
        String tool = switch (suffix) {
            case "gz" -> "gzip";
            case "xz" -> "xz";
            case "zst" -> "zstd";
            default -> throw new IllegalArgumentException(suffix);
        };
        Capabilities.requireTools(tool);
        Path target = Path.of(source + "." + suffix);
        if (tool.equals("zstd")) {
            Tool.run("zstd", "-q", "-f", "-k", "-1", source.toString()).ok();
        } else {
            Tool.run(tool, "-f", "-k", "-1", source.toString()).ok();
        }
        return target;
    }

    /** SHA-256 of {@code length} bytes of a file or device from its start. */
    public static String sha256(Path path, long length) throws IOException {
        try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            long left = length;
            long at = 0;
            while (left > 0) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), left));
                int n = in.read(buffer, at);
                if (n < 0) {
                    throw new IOException(path + " ended at " + at);
                }
                buffer.flip();
                digest.update(buffer);
                at += n;
                left -= n;
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** SHA-256 of a whole file. */
    public static String sha256(Path path) throws IOException {
        try (FileChannel in = FileChannel.open(path, StandardOpenOption.READ)) {
            return sha256(path, in.size());
        }
    }

    /**
     * Every entry under {@code root} by path: a file's SHA-256, mode and owner; a symlink's target and owner;
     * anything else its mode and owner. Two trees are equal in content, type, mode and owner when their maps are.
     */
    public static Map<String, String> describeTree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                String rel = "/" + root.relativize(p);
                LinkOption noFollow = LinkOption.NOFOLLOW_LINKS;
                String owner = Files.getAttribute(p, "unix:uid", noFollow) + ":"
                        + Files.getAttribute(p, "unix:gid", noFollow);
                if (Files.isSymbolicLink(p)) {
                    out.put(rel, "link " + Files.readSymbolicLink(p) + " " + owner);
                } else if (Files.isRegularFile(p, noFollow)) {
                    out.put(rel, "file " + sha256(p) + " " + owner + " "
                            + Files.getAttribute(p, "unix:mode", noFollow));
                } else if (!rel.equals("/")) {
                    out.put(rel, "other " + Files.getAttribute(p, "unix:mode", noFollow) + " " + owner);
                }
            }
        }
        return out;
    }
}
