package org.stickwright.engine.squashfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.squashfs.SquashfsTrees.Entry;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * unsquashfs as the oracle for images we write: its listing shows the tree we fed in (types,
 * modes, owners, sizes, link targets, device numbers, xattrs) and its extraction (as root, so
 * owners, devices and xattrs are restored) equals the input byte for byte.
 */
@Tag(Tags.ORACLE)
@Tag(Tags.ROOT)
class SquashfsWriterOracleTest {
    private static final Pattern LLN = Pattern.compile(
            "^(\\S{10}) (\\d+)/(\\d+)\\s+(\\d+|\\d+,\\s*\\d+) \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d squashfs-root(.*?)"
                    + "(?: -> (.*))?$");

    @TempDir
    Path dir;

    static Path build(Path image, SquashfsWriter.Options options) throws IOException {
        try (SquashfsWriter w = SquashfsWriter.create(image, options)) {
            Entry root = SampleTree.root();
            w.directory("/", root.mode(), root.uid(), root.gid(), root.mtime(), root.xattrs());
            SquashfsTrees.write(w, SampleTree.entries());
        }
        return image;
    }

    @ParameterizedTest
    @EnumSource(value = SquashfsSuperblock.Compression.class, names = {"GZIP", "XZ"})
    void unsquashfsListsAndExtractsWhatWeWrote(SquashfsSuperblock.Compression compression) throws IOException {
        Capabilities.requireTools("unsquashfs", "getfattr");
        Capabilities.requireRoot();
        Path image = build(dir.resolve("out.sqfs"), SquashfsWriter.Options.defaults().withCompression(compression)
                .withModificationTime(SampleTree.MTIME));
        assertThat(Files.size(image) % 4096).isZero();

        String stats = Tool.run("unsquashfs", "-s", image.toString()).ok().stdout();
        assertThat(stats).contains("Compression " + compression.name().toLowerCase(java.util.Locale.ROOT))
                .contains("Block size 131072")
                .contains("Xattrs are compressed")
                .containsPattern("Number of inodes " + (SampleTree.entries().size() + 1));

        // The listing: unsquashfs -lln prints numeric owners, sizes, major,minor and link targets.
        String listing = Tool.run("unsquashfs", "-lln", "-d", "squashfs-root", image.toString()).ok().stdout();
        Map<String, String> listed = new TreeMap<>();
        for (String line : listing.split("\n")) {
            Matcher m = LLN.matcher(line);
            if (m.matches()) {
                String path = m.group(5).isEmpty() ? "/" : m.group(5);
                boolean isDir = m.group(1).startsWith("d");
                listed.put(path, m.group(1) + " " + m.group(2) + "/" + m.group(3) + " "
                        + (isDir ? "-" : m.group(4).replaceAll(",\\s*", ",")) + (m.group(6) == null ? ""
                        : " -> " + m.group(6)));
            }
        }
        Map<String, String> expectedListing = new TreeMap<>();
        expectedListing.put("/", lsLine(SampleTree.root()));
        for (Entry e : SampleTree.entries()) {
            expectedListing.put(e.path(), lsLine(e));
        }
        SquashfsTrees.assertSameTree(listed, expectedListing);

        // The extraction, byte for byte and attribute for attribute (xattrs through getfattr).
        Path out = dir.resolve("extracted");
        Tool.Result extract = Tool.run("unsquashfs", "-d", out.toString(), image.toString()).ok();
        assertThat(extract.output()).doesNotContainIgnoringCase("error").doesNotContainIgnoringCase("failed");
        SquashfsTrees.assertSameTree(SquashfsTrees.actual(out, true),
                SquashfsTrees.expected(SampleTree.root(), SampleTree.entries(), true));

        // Our own reader agrees on the superblock's honesty.
        try (ImageFile file = ImageFile.openReadOnly(image)) {
            SquashfsSuperblock sb = SquashfsImage.open(file).superblock();
            assertThat(sb.flags() & SquashfsWriter.FLAG_NO_XATTRS).isZero();
            assertThat(sb.exportTableStart()).isEqualTo(-1L);
            assertThat(sb.compression()).isEqualTo(compression);
        }
    }

    /** Found by hand: an unused id 0 made unsquashfs refuse a root-only image (more ids than 2 x inodes). */
    @org.junit.jupiter.api.Test
    void aRootOnlyImageAndAnUndeclaredRootAreAccepted() throws IOException {
        Capabilities.requireTools("unsquashfs");
        Path empty = dir.resolve("empty.sqfs");
        try (SquashfsWriter w = SquashfsWriter.create(empty, SquashfsWriter.Options.defaults())) {
            w.directory("/", 0700, 5, 6, 1234, Map.of());
        }
        assertThat(Tool.run("unsquashfs", "-lln", empty.toString()).ok().stdout())
                .containsPattern("(?m)^drwx------ 5/6 .* squashfs-root$");
        Path implicit = dir.resolve("implicit-root.sqfs");
        try (SquashfsWriter w = SquashfsWriter.create(implicit, SquashfsWriter.Options.defaults())) {
            w.symlink("/a", 0777, 7, 8, 0, Map.of(), "b");
        }
        assertThat(Tool.run("unsquashfs", "-lln", implicit.toString()).ok().stdout())
                .containsPattern("(?m)^drwxr-xr-x 0/0 .* squashfs-root$")
                .containsPattern("(?m)^lrwxrwxrwx 7/8 .* squashfs-root/a -> b$");
    }

    /** "-rwxr-xr-x 0/0 size" for a spec entry, as unsquashfs -lln prints it. */
    static String lsLine(Entry e) {
        char type = switch (e.kind()) {
            case DIR -> 'd';
            case FILE -> '-';
            case SYMLINK -> 'l';
            case CHAR -> 'c';
            case BLOCK -> 'b';
            case FIFO -> 'p';
            case SOCKET -> 's';
        };
        String size = switch (e.kind()) {
            case DIR -> "-";
            case FILE -> Long.toString(e.length());
            case SYMLINK -> Integer.toString(e.target().getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            // unsquashfs 4.5 lists the stored (new_encode_dev) number as rdev >> 8, rdev & 0xff, which is
            // major,minor only while minor < 256: mksquashfs's own images list the same way. The
            // extraction below checks the real numbers.
            case CHAR, BLOCK -> {
                long rdev = (e.minor() & 0xff) | ((long) e.major() << 8) | ((long) (e.minor() & ~0xff) << 12);
                yield (rdev >>> 8) + "," + (rdev & 0xff);
            }
            case FIFO, SOCKET -> "0";
        };
        return type + permissions(e.kind() == SquashfsTrees.Kind.SYMLINK ? 0777 : e.mode()) + " " + e.uid() + "/"
                + e.gid() + " " + size + (e.target() == null ? "" : " -> " + e.target());
    }

    static String permissions(int mode) {
        StringBuilder s = new StringBuilder();
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            s.append((mode & (0400 >> i)) != 0 ? rwx.charAt(i) : '-');
        }
        if ((mode & 04000) != 0) {
            s.setCharAt(2, s.charAt(2) == 'x' ? 's' : 'S');
        }
        if ((mode & 02000) != 0) {
            s.setCharAt(5, s.charAt(5) == 'x' ? 's' : 'S');
        }
        if ((mode & 01000) != 0) {
            s.setCharAt(8, s.charAt(8) == 'x' ? 't' : 'T');
        }
        return s.toString();
    }

    static List<String> lines(String text) {
        return List.of(text.split("\n"));
    }
}
