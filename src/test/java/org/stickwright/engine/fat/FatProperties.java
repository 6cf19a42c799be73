package org.stickwright.engine.fat;

import org.stickwright.engine.io.MemoryBlockDevice;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;

/** Short names never collide; whatever tree is written reads back the same. */
class FatProperties {
    private static final String ALPHABET = "abcXYZ019 ._-~+äöÜßéñΩ日本";

    @Provide
    Arbitrary<String> names() {
        // Few distinct characters and similar stems make 8.3 bases collide often.
        return Arbitraries.strings().withChars(ALPHABET.toCharArray()).ofMinLength(1).ofMaxLength(30)
                .map(s -> s.replaceAll("[ .]+$", "")).filter(s -> !s.isEmpty() && !s.equals(".") && !s.equals(".."));
    }

    @Property(tries = 200)
    void generatedShortNamesNeverCollide(@ForAll @Size(max = 300) List<@net.jqwik.api.From("names") String> names)
            throws FatException {
        Set<String> taken = new HashSet<>();
        Map<String, Integer> hints = new HashMap<>();
        Set<String> seenLong = new HashSet<>();
        for (String name : names) {
            if (!seenLong.add(name.toUpperCase(Locale.ROOT))) {
                continue;
            }
            byte[] shortName = ShortNames.generate(name, taken, hints);
            String key = ShortNames.key(shortName);
            assertThat(taken).as("short name for %s", name).doesNotContain(key);
            assertThat(shortName).hasSize(11);
            assertThat(shortName[0]).isNotEqualTo((byte) ' ');
            for (byte b : shortName) {
                assertThat((char) b).isIn(validShortChars());
            }
            taken.add(key);
        }
    }

    private static Set<Character> validShortChars() {
        Set<Character> chars = new HashSet<>();
        for (char c : "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 $%'-_@~`!(){}^#&".toCharArray()) {
            chars.add(c);
        }
        return chars;
    }

    @Property(tries = 40)
    void namesInOneDirectoryGetDistinctShortNamesOnDisk(@ForAll @Size(min = 1, max = 200) List<@net.jqwik.api.From("names") String> names)
            throws IOException {
        MemoryBlockDevice device = new MemoryBlockDevice(new byte[34 << 20]);
        Fat32Formatter.format(device, Fat32FormatOptions.defaults());
        Set<String> written = new HashSet<>();
        try (FatWriter writer = FatWriter.open(device, ZoneOffset.UTC)) {
            for (String name : names) {
                if (written.add(name.toUpperCase(Locale.ROOT))) {
                    writer.writeFile("/" + name, 0, java.io.InputStream.nullInputStream(), FileTimes.now());
                }
            }
        }
        try (FatFileSystem fs = FatFileSystem.open(device, ZoneOffset.UTC)) {
            List<FatEntry> entries = fs.list("/");
            assertThat(entries).hasSize(written.size());
            assertThat(entries.stream().map(FatEntry::shortName).distinct().count()).isEqualTo(written.size());
            assertThat(entries.stream().map(e -> e.name().toUpperCase(Locale.ROOT))).containsExactlyInAnyOrderElementsOf(written);
        }
    }

    @Provide
    Arbitrary<Map<String, byte[]>> trees() {
        Arbitrary<List<String>> paths = names().list().ofMinSize(1).ofMaxSize(4);
        Arbitrary<Integer> sizes = Arbitraries.oneOf(Arbitraries.integers().between(0, 1100),
                Arbitraries.of(0, 511, 512, 513, 4096, 70_000));
        return Combinators.combine(paths, sizes).as(Tuple::of).list().ofMaxSize(60).map(FatProperties::toTree);
    }

    /** Keeps the entries that can coexist: no case-insensitive clash, no file where a directory is. */
    private static Map<String, byte[]> toTree(List<Tuple.Tuple2<List<String>, Integer>> wanted) {
        Map<String, Boolean> isDirectory = new HashMap<>();
        Map<String, byte[]> files = new LinkedHashMap<>();
        int seed = 0;
        outer:
        for (Tuple.Tuple2<List<String>, Integer> entry : wanted) {
            List<String> parts = entry.get1();
            StringBuilder path = new StringBuilder();
            for (int i = 0; i < parts.size(); i++) {
                path.append('/').append(parts.get(i));
                Boolean dir = isDirectory.get(path.toString().toUpperCase(Locale.ROOT));
                boolean last = i == parts.size() - 1;
                if (dir != null && (last || !dir)) {
                    continue outer;
                }
            }
            path.setLength(0);
            for (int i = 0; i < parts.size(); i++) {
                path.append('/').append(parts.get(i));
                isDirectory.put(path.toString().toUpperCase(Locale.ROOT), i < parts.size() - 1);
            }
            files.put(path.toString(), FatWriterTest.content(seed++, entry.get2()));
        }
        return files;
    }

    @Property(tries = 40)
    void randomTreesRoundTrip(@ForAll("trees") Map<String, byte[]> tree) throws IOException {
        MemoryBlockDevice device = new MemoryBlockDevice(new byte[34 << 20]);
        Fat32Formatter.format(device, Fat32FormatOptions.defaults());
        FileTimes when = FileTimes.of(Instant.parse("2030-01-02T03:04:06Z"));
        try (FatWriter writer = FatWriter.open(device, ZoneOffset.UTC)) {
            for (Map.Entry<String, byte[]> file : tree.entrySet()) {
                String path = file.getKey();
                writer.mkdirs(path.substring(0, path.lastIndexOf('/')), when);
                writer.writeFile(path, file.getValue().length, new ByteArrayInputStream(file.getValue()), when);
            }
        }
        Map<String, byte[]> read = new HashMap<>();
        try (FatFileSystem fs = FatFileSystem.open(device, ZoneOffset.UTC)) {
            fs.walk((path, entry) -> {
                assertThat(entry.modified()).isEqualTo(when.modified());
                if (!entry.isDirectory()) {
                    read.put(path, fs.readAllBytes(path));
                }
            });
        }
        assertThat(read.keySet()).isEqualTo(tree.keySet());
        for (Map.Entry<String, byte[]> file : tree.entrySet()) {
            assertThat(read.get(file.getKey())).as(file.getKey()).isEqualTo(file.getValue());
        }
    }
}
