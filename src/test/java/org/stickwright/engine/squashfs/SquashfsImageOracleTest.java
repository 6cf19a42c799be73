package org.stickwright.engine.squashfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/** Our squashfs reader against unsquashfs, for images made by mksquashfs with each compressor. */
@Tag(Tags.ORACLE)
class SquashfsImageOracleTest {
    private static final DateTimeFormatter MINUTES = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
            .withZone(ZoneId.systemDefault());
    private static final Pattern LLS = Pattern.compile(
            "^(\\S{10}) (\\d+)/(\\d+)\\s+(.+?) (\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d) squashfs-root(.*?)( -> .*)?$");

    @TempDir
    static Path dir;
    static Path src;

    @BeforeAll
    static void buildSource() throws IOException {
        Capabilities.requireTools("mksquashfs", "unsquashfs", "mkfs.ext4");
        src = dir.resolve("src");
        Files.createDirectories(src.resolve("etc"));
        Files.createDirectories(src.resolve("LiveOS"));
        Files.createDirectories(src.resolve("usr/share/many"));
        Files.writeString(src.resolve("etc/os-release"), "NAME=\"Stickwright Test Linux\"\nID=stickwright\n"
                + "VERSION_ID=1\nPRETTY_NAME=\"Stickwright Test Linux 1\"\n");
        Random random = new Random(4);
        byte[] noise = new byte[300_000];
        random.nextBytes(noise);
        Files.write(src.resolve("usr/noise.bin"), noise);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            text.append("line ").append(i).append(" of a compressible text file\n");
        }
        Files.writeString(src.resolve("usr/share/text.txt"), text);
        byte[] holes = new byte[400_000];
        holes[200_000] = 1;
        Files.write(src.resolve("usr/sparse.bin"), holes);
        Files.write(src.resolve("usr/empty"), new byte[0]);
        for (int i = 0; i < 300; i++) {
            Files.writeString(src.resolve("usr/share/many/file-with-a-longer-name-" + i), "#" + i + "\n");
        }
        Files.createSymbolicLink(src.resolve("os-release"), Path.of("etc/os-release"));
        Files.createSymbolicLink(src.resolve("usr/share/dangling"), Path.of("../../no/such/target"));
        Files.writeString(src.resolve("Grüße-日本.txt"), "unicode\n");
        Tool.run("mkfifo", src.resolve("usr/fifo").toString()).ok();
        if (Capabilities.isRoot()) {
            Tool.run("mknod", src.resolve("usr/null").toString(), "c", "1", "3").ok();
            Tool.run("mknod", src.resolve("usr/loop0").toString(), "b", "7", "0").ok();
        }
        // Fedora's squashfs.img nests an ext4 root filesystem at LiveOS/rootfs.img.
        Path rootDir = dir.resolve("inner");
        Files.createDirectories(rootDir.resolve("etc"));
        Files.writeString(rootDir.resolve("etc/hostname"), "inner\n");
        Tool.run("mkfs.ext4", "-q", "-F", "-d", rootDir.toString(), src.resolve("LiveOS/rootfs.img").toString(), "4M")
                .ok();
    }

    private static Path squash(String compressor) {
        Path image = dir.resolve(compressor + ".sqfs");
        if (!Files.exists(image)) {
            Tool.run(null, 120, List.of("mksquashfs", src.toString(), image.toString(), "-comp", compressor,
                    "-noappend", "-quiet", "-processors", "1")).ok();
        }
        return image;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "xz", "zstd", "lz4", "lzo"})
    void listingEqualsUnsquashfs(String compressor) throws IOException {
        Path image = squash(compressor);
        TreeMap<String, String> expected = new TreeMap<>();
        for (String line : Tool.run("unsquashfs", "-lls", "-lln", image.toString()).ok().stdout().split("\n")) {
            Matcher m = LLS.matcher(line);
            if (m.matches()) {
                String target = m.group(7) == null ? "" : m.group(7);
                expected.put(m.group(6), m.group(1) + " " + m.group(2) + "/" + m.group(3) + " "
                        + m.group(4).replace(" ", "") + " " + m.group(5) + target);
            }
        }
        try (ImageFile device = ImageFile.openReadOnly(image)) {
            SquashfsImage squashfs = SquashfsImage.open(device);
            assertThat(squashfs.superblock().compression().name()).isEqualToIgnoringCase(compressor);
            TreeMap<String, String> actual = new TreeMap<>();
            actual.put("", describe(squashfs.root()));
            for (SquashfsEntry e : squashfs.walk()) {
                actual.put(e.path(), describe(e));
            }
            assertThat(actual).hasSizeGreaterThan(300).isEqualTo(expected);
        }
    }

    private static String describe(SquashfsEntry e) {
        String size = switch (e.type()) {
            case BLOCK_DEVICE, CHAR_DEVICE -> ((e.device() >> 8) & 0xfff) + "," + ((e.device() & 0xff)
                    | ((e.device() >> 12) & 0xfff00));
            default -> Long.toString(e.size());
        };
        return permissionString(e) + " " + e.uid() + "/" + e.gid() + " " + size + " "
                + MINUTES.format(Instant.ofEpochSecond(e.mtime()))
                + (e.symlinkTarget() != null ? " -> " + e.symlinkTarget() : "");
    }

    private static String permissionString(SquashfsEntry e) {
        char type = switch (e.type()) {
            case DIRECTORY -> 'd';
            case FILE -> '-';
            case SYMLINK -> 'l';
            case BLOCK_DEVICE -> 'b';
            case CHAR_DEVICE -> 'c';
            case FIFO -> 'p';
            case SOCKET -> 's';
        };
        StringBuilder sb = new StringBuilder().append(type);
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((e.permissions() & (0400 >> i)) != 0 ? rwx.charAt(i) : '-');
        }
        return sb.toString();
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "xz", "zstd", "lz4", "lzo"})
    void everyFileEqualsUnsquashfsExtraction(String compressor) throws IOException {
        Path image = squash(compressor);
        Path out = dir.resolve("out-" + compressor);
        Tool.run("unsquashfs", "-d", out.toString(), image.toString()).ok();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(out)) {
            files = new ArrayList<>(walk.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .toList());
        }
        assertThat(files).hasSizeGreaterThan(300);
        try (ImageFile device = ImageFile.openReadOnly(image)) {
            SquashfsImage squashfs = SquashfsImage.open(device);
            for (Path file : files) {
                String path = "/" + out.relativize(file);
                SquashfsEntry entry = squashfs.find(path).orElseThrow(() -> new AssertionError(path));
                assertThat(sha256(squashfs.readFile(entry, 16 << 20))).as(path)
                        .isEqualTo(sha256(Files.readAllBytes(file)));
            }
            String osRelease = new String(squashfs.readFile(squashfs.find("/etc/os-release").orElseThrow(), 65536),
                    StandardCharsets.UTF_8);
            assertThat(osRelease).contains("ID=stickwright");
            // The nested root filesystem is found and is an ext4 image (magic EF53 at byte 1080).
            SquashfsEntry rootfs = squashfs.find("/LiveOS/rootfs.img").orElseThrow();
            assertThat(rootfs.size()).isEqualTo(4L << 20);
            byte[] ext4 = squashfs.readFile(rootfs, 8 << 20);
            assertThat(ByteBuffer.wrap(ext4).order(ByteOrder.LITTLE_ENDIAN).getShort(1080) & 0xffff)
                    .isEqualTo(0xEF53);
        }
    }

    /** The family-detection path: the squashfs inside a live ISO, read through the file's extent. */
    @org.junit.jupiter.api.Test
    void squashfsInsideAnIsoIsReadThroughItsExtent() throws IOException {
        Capabilities.requireTools("xorriso");
        Path isoRoot = dir.resolve("iso-root");
        Files.createDirectories(isoRoot.resolve("LiveOS"));
        Files.copy(squash("xz"), isoRoot.resolve("LiveOS/squashfs.img"));
        Path iso = dir.resolve("live.iso");
        Tool.run(null, 120, List.of("xorriso", "-as", "mkisofs", "-R", "-J", "-V", "Fedora-Test", "-o", iso.toString(),
                isoRoot.toString())).ok();
        try (ImageFile device = ImageFile.openReadOnly(iso)) {
            assertThat(org.stickwright.engine.iso.IsoImage.looksLikeIso9660(device)).isTrue();
            org.stickwright.engine.iso.IsoImage image = org.stickwright.engine.iso.IsoImage.open(device);
            org.stickwright.engine.iso.IsoEntry img = image.find("/LiveOS/squashfs.img").orElseThrow();
            assertThat(img.extents()).hasSize(1);
            org.stickwright.engine.iso.IsoExtent extent = img.extents().get(0);
            SquashfsImage squashfs = SquashfsImage.open(device.slice(extent.offset(), extent.length()));
            assertThat(squashfs.find("/LiveOS/rootfs.img")).get().extracting(SquashfsEntry::type)
                    .isEqualTo(SquashfsEntry.Type.FILE);
            assertThat(new String(squashfs.readFile(squashfs.find("/etc/os-release").orElseThrow(), 4096),
                    StandardCharsets.UTF_8)).contains("ID=stickwright");
            assertThat(SquashfsSuperblock.probe(device, extent.offset())).isPresent();
            assertThat(SquashfsSuperblock.probe(device, 0)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gzip", "zstd"})
    void superblockEqualsUnsquashfsStat(String compressor) throws IOException {
        Path image = squash(compressor);
        String stat = Tool.run("unsquashfs", "-s", image.toString()).ok().stdout();
        try (ImageFile device = ImageFile.openReadOnly(image)) {
            SquashfsSuperblock sb = SquashfsSuperblock.probe(device, 0).orElseThrow();
            assertThat(stat).contains("Block size " + sb.blockSize())
                    .contains("Number of inodes " + sb.inodeCount())
                    .contains("Number of fragments " + sb.fragmentCount())
                    .contains("Filesystem size " + sb.bytesUsed() + " bytes")
                    .contains("Compression " + compressor);
            assertThat(SquashfsSuperblock.probe(device, 512)).isEmpty();
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
