package org.stickwright.engine.squashfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.squashfs.SquashfsTrees.Entry;
import org.stickwright.engine.squashfs.SquashfsTrees.Kind;

/**
 * Random trees written by {@link SquashfsWriter} and read back by our {@link SquashfsImage}: names
 * with 2-, 3- and 4-byte UTF-8, sizes around block and fragment boundaries, empty files, holes,
 * directories of more than 256 entries, every node kind, entries fed in shuffled order.
 */
class SquashfsWriterRoundTripProperties {

    @Provide
    Arbitrary<Integer> blockSizes() {
        return Arbitraries.of(4096, 8192, 131072);
    }

    @Provide
    Arbitrary<SquashfsSuperblock.Compression> compressions() {
        return Arbitraries.of(SquashfsSuperblock.Compression.GZIP, SquashfsSuperblock.Compression.XZ);
    }

    @Property(tries = 25)
    void whatWeWriteOurReaderReadsBack(@ForAll long seed, @ForAll("blockSizes") int blockSize,
            @ForAll("compressions") SquashfsSuperblock.Compression compression) throws IOException {
        Random random = new Random(seed);
        List<Entry> entries = randomTree(random, blockSize);
        List<Entry> shuffled = new ArrayList<>(entries);
        Collections.shuffle(shuffled, random);
        Path image = Files.createTempFile("roundtrip", ".sqfs");
        try {
            try (SquashfsWriter w = SquashfsWriter.create(image, SquashfsWriter.Options.defaults()
                    .withCompression(compression).withBlockSize(blockSize).withThreads(1 + random.nextInt(3)))) {
                SquashfsTrees.write(w, shuffled);
            }
            Map<String, String> expected = new TreeMap<>();
            for (Entry e : entries) {
                expected.put(e.path(), describe(e));
            }
            Map<String, String> actual = new TreeMap<>();
            try (ImageFile file = ImageFile.openReadOnly(image)) {
                SquashfsImage read = SquashfsImage.open(file);
                assertThat(read.superblock().blockSize()).isEqualTo(blockSize);
                assertThat(read.superblock().inodeCount()).isEqualTo(entries.size() + 1);
                for (SquashfsEntry e : read.walk()) {
                    actual.put(e.path(), describe(read, e));
                }
            }
            SquashfsTrees.assertSameTree(actual, expected);
        } finally {
            Files.deleteIfExists(image);
        }
    }

    static String describe(Entry e) {
        String what = switch (e.kind()) {
            case DIR -> "dir";
            case FILE -> "file " + e.length() + " " + SquashfsTrees.sha256(e.seed(), e.zeroPercent(), e.length());
            case SYMLINK -> "symlink " + e.target();
            case CHAR, BLOCK -> e.kind().name().toLowerCase(java.util.Locale.ROOT) + " "
                    + ((e.minor() & 0xff) | ((long) e.major() << 8) | ((long) (e.minor() & ~0xff) << 12));
            case FIFO -> "fifo";
            case SOCKET -> "socket";
        };
        return what + " " + Integer.toOctalString(e.mode() & 07777) + " " + e.uid() + ":" + e.gid() + " " + e.mtime()
                + xattrText(e.xattrs());
    }

    static String xattrText(Map<String, byte[]> xattrs) {
        StringBuilder s = new StringBuilder();
        new TreeMap<>(xattrs).forEach((k, v) -> s.append(' ').append(k).append('=').append(HexFormat.of().formatHex(v)));
        return s.toString();
    }

    static String describe(SquashfsImage image, SquashfsEntry e) throws IOException {
        String what = switch (e.type()) {
            case DIRECTORY -> "dir";
            case FILE -> "file " + e.size() + " " + sha256(image, e);
            case SYMLINK -> "symlink " + e.symlinkTarget();
            case CHAR_DEVICE -> "char " + e.device();
            case BLOCK_DEVICE -> "block " + e.device();
            case FIFO -> "fifo";
            case SOCKET -> "socket";
        };
        return what + " " + Integer.toOctalString(e.permissions()) + " " + e.uid() + ":" + e.gid() + " " + e.mtime()
                + xattrText(image.xattrs(e));
    }

    private static String sha256(SquashfsImage image, SquashfsEntry e) throws IOException {
        MessageDigest digest = SquashfsTrees.sha();
        byte[] buffer = new byte[8192];
        try (InputStream in = image.openFile(e)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        String streamed = HexFormat.of().formatHex(digest.digest());
        if (e.size() < 1 << 20) {
            // The whole-file reader must agree with the streaming one.
            String whole = HexFormat.of().formatHex(SquashfsTrees.sha().digest(image.readFile(e, 1 << 20)));
            assertThat(whole).isEqualTo(streamed);
        }
        return streamed;
    }

    private static final String[] PIECES = {"a", "Z", "0", "-", "_", ".", "é", "ß", "名", "前", "😀", "x y", "~"};

    static String randomName(Random random) {
        StringBuilder s = new StringBuilder();
        int parts = 1 + random.nextInt(random.nextInt(10) == 0 ? 60 : 12);
        for (int i = 0; i < parts; i++) {
            s.append(PIECES[random.nextInt(PIECES.length)]);
        }
        String name = s.toString();
        while (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > SquashfsWriter.MAX_NAME_BYTES) {
            name = name.substring(0, name.length() - 1);
        }
        return name.equals(".") || name.equals("..") ? name + "x" : name;
    }

    static List<Entry> randomTree(Random random, int blockSize) {
        List<Entry> entries = new ArrayList<>();
        List<String> dirs = new ArrayList<>();
        dirs.add("");
        Set<String> taken = new HashSet<>();
        int count = random.nextInt(8) == 0 ? 300 + random.nextInt(300) : random.nextInt(60);
        long[] owners = {0, 0, 0, 1000, 65534, 70_000, 4_000_000_000L};
        for (int i = 0; i < count; i++) {
            String parent = random.nextInt(3) == 0 ? dirs.get(random.nextInt(dirs.size())) : dirs.get(dirs.size() - 1);
            String path = parent + "/" + randomName(random);
            if (!taken.add(path)) {
                continue;
            }
            long uid = owners[random.nextInt(owners.length)];
            long gid = owners[random.nextInt(owners.length)];
            long mtime = random.nextInt() & 0xFFFFFFFFL;
            int mode = random.nextInt(010000);
            Map<String, byte[]> xattrs = switch (random.nextInt(6)) {
                case 0 -> Map.of("user.k" + random.nextInt(3), new byte[random.nextInt(40)]);
                case 1 -> Map.of("security.selinux", ("system_u:object_r:t" + random.nextInt(3) + ":s0").getBytes(
                        java.nio.charset.StandardCharsets.UTF_8), "trusted.overlay.opaque", new byte[] {'y'});
                default -> Map.of();
            };
            int pick = random.nextInt(20);
            if (pick < 4) {
                entries.add(Entry.dir(path, mode, uid, gid, mtime, xattrs));
                dirs.add(path);
            } else if (pick < 15) {
                long[] sizes = {0, 1, blockSize - 1, blockSize, blockSize + 1, 2L * blockSize - 1, 2L * blockSize,
                        3L * blockSize + 17, random.nextInt(4 * blockSize)};
                long length = sizes[random.nextInt(sizes.length)];
                int zeros = new int[] {0, 50, 100}[random.nextInt(3)];
                entries.add(Entry.file(path, mode, uid, gid, mtime, xattrs, length, random.nextLong(), zeros));
            } else if (pick < 17) {
                entries.add(new Entry(Kind.SYMLINK, path, 0777, uid, gid, mtime, xattrs, 0, 0, 0,
                        randomName(random) + "/" + randomName(random), 0, 0));
            } else {
                Kind kind = new Kind[] {Kind.CHAR, Kind.BLOCK, Kind.FIFO, Kind.SOCKET}[random.nextInt(4)];
                entries.add(new Entry(kind, path, mode, uid, gid, mtime, xattrs, 0, 0, 0, null, random.nextInt(4096),
                        random.nextInt(1 << 20)));
            }
        }
        return entries;
    }
}
