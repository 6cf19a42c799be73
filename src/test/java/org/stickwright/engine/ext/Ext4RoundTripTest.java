package org.stickwright.engine.ext;

import org.stickwright.engine.io.MemoryBlockDevice;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** What the formatter writes, the reader reads back: trees, owners, modes, contents, links, xattrs. */
class Ext4RoundTripTest {
    private static final int SIZE = 16 << 20;

    record Spec(int parentPick, String name, Ext4Entry.Kind kind, int permissions, int uid, int gid, byte[] content,
            String target, Map<String, byte[]> xattrs) {
    }

    @Provide
    Arbitrary<List<Spec>> trees() {
        Arbitrary<Map<String, byte[]>> xattrs = Arbitraries.maps(
                Arbitraries.of("user.a", "user.comment", "trusted.overlay.opaque", "security.selinux", "trusted.overlay.origin"),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(400)).ofMaxSize(3);
        Arbitrary<Spec> spec = Builders.withBuilder(() -> new Object[9])
                .use(Arbitraries.integers().between(0, 1000)).in((a, v) -> { a[0] = v; return a; })
                .use(Arbitraries.strings().withChars("abcxyzé_-.").ofMinLength(1).ofMaxLength(40)).in((a, v) -> { a[1] = v; return a; })
                .use(Arbitraries.of(Ext4Entry.Kind.class)).in((a, v) -> { a[2] = v; return a; })
                .use(Arbitraries.integers().between(0, 07777)).in((a, v) -> { a[3] = v; return a; })
                .use(Arbitraries.integers().between(0, 200_000)).in((a, v) -> { a[4] = v; return a; })
                .use(Arbitraries.integers().between(0, 200_000)).in((a, v) -> { a[5] = v; return a; })
                .use(Arbitraries.bytes().array(byte[].class).ofMaxSize(20_000)).in((a, v) -> { a[6] = v; return a; })
                .use(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(300)).in((a, v) -> { a[7] = v; return a; })
                .use(xattrs).in((a, v) -> { a[8] = v; return a; })
                .build(a -> new Spec((Integer) a[0], (String) a[1], (Ext4Entry.Kind) a[2], (Integer) a[3], (Integer) a[4],
                        (Integer) a[5], (byte[]) a[6], (String) a[7], cast(a[8])));
        return spec.list().ofMaxSize(25);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, byte[]> cast(Object o) {
        return (Map<String, byte[]>) o;
    }

    static List<Ext4Entry> toEntries(List<Spec> specs) {
        List<String> dirs = new ArrayList<>(List.of(""));
        List<Ext4Entry> entries = new ArrayList<>();
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            String path = dirs.get(s.parentPick % dirs.size()) + "/" + s.name + i;
            Ext4Entry e = switch (s.kind) {
                case DIRECTORY -> Ext4Entry.directory(path, s.permissions);
                case FILE -> Ext4Entry.file(path, s.permissions, s.content);
                case SYMLINK -> Ext4Entry.symlink(path, s.target);
                case WHITEOUT -> Ext4Entry.whiteout(path);
            };
            e = e.owner(s.uid, s.gid);
            for (Map.Entry<String, byte[]> x : s.xattrs.entrySet()) {
                e = e.xattr(x.getKey(), x.getValue());
            }
            if (s.kind == Ext4Entry.Kind.DIRECTORY) {
                dirs.add(path);
            }
            entries.add(e);
        }
        return entries;
    }

    @Property(tries = 40)
    void readerReturnsWhatTheFormatterWrote(@ForAll("trees") List<Spec> specs) throws IOException {
        List<Ext4Entry> entries = toEntries(specs);
        MemoryBlockDevice device = new MemoryBlockDevice(SIZE);
        Ext4Formatter.Result made = Ext4Formatter.format(device, Ext4Options.labelled("roundtrip").withEntries(entries));
        Ext4Reader reader = Ext4Reader.open(device);
        for (Ext4Entry e : entries) {
            assertMatches(reader, e);
        }
        List<String> walked = new ArrayList<>();
        reader.walk(reader.root(), "/", (path, entry, inode) -> walked.add(path));
        assertThat(walked).hasSize(entries.size() + 1).contains("/lost+found");
        Ext4Usage usage = reader.usage();
        assertThat(usage.usedInodes()).isEqualTo(11L + entries.size());
        assertThat(usage.freeBlocks()).isEqualTo(made.freeBlocks()).isEqualTo(reader.superblock().freeBlocksCount());
    }

    static void assertMatches(Ext4Reader reader, Ext4Entry e) throws IOException {
        Ext4Inode inode = reader.lookup(e.path());
        assertThat(inode.permissions()).as(e.path()).isEqualTo(e.permissions());
        assertThat(inode.uid()).as(e.path()).isEqualTo(e.uid());
        assertThat(inode.gid()).as(e.path()).isEqualTo(e.gid());
        switch (e.kind()) {
            case DIRECTORY -> assertThat(inode.isDirectory()).isTrue();
            case FILE -> assertThat(reader.readAll(inode, 1 << 20)).as(e.path()).isEqualTo(e.content());
            case SYMLINK -> assertThat(reader.readSymlink(inode)).isEqualTo(e.linkTarget());
            case WHITEOUT -> assertThat(inode.isWhiteout()).as(e.path()).isTrue();
        }
        Map<String, byte[]> actual = reader.xattrs(inode);
        assertThat(actual.keySet()).as(e.path()).isEqualTo(e.xattrs().keySet());
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
            assertThat(actual.get(x.getKey())).as(e.path() + " " + x.getKey()).isEqualTo(x.getValue());
        }
    }

    @Test
    void superblockCarriesLabelUuidAndGeometry() throws IOException {
        UUID uuid = UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
        MemoryBlockDevice device = new MemoryBlockDevice(SIZE);
        Ext4Formatter.format(device, Ext4Options.labelled("persistence").withUuid(uuid)
                .withCreationTime(Instant.parse("2026-01-02T03:04:05Z")));
        Ext4Superblock sb = Ext4Reader.open(device).superblock();
        assertThat(sb.label()).isEqualTo("persistence");
        assertThat(sb.uuid()).isEqualTo(uuid);
        assertThat(sb.blockSize()).isEqualTo(4096);
        assertThat(sb.blocksCount()).isEqualTo(SIZE / 4096);
        assertThat(sb.reservedBlocksCount()).isEqualTo(SIZE / 4096 * 5 / 100);
        assertThat(sb.journalInode()).isEqualTo(8);
        assertThat(sb.needsRecovery()).isFalse();
        assertThat(sb.cleanlyUnmounted()).isTrue();
        // the UUID's bytes sit at 0x468 in big-endian order, as blkid reads them
        assertThat(device.bytes()[1024 + 0x68]).isEqualTo((byte) 0x0f);
        assertThat(new String(device.bytes(), 1024 + 0x78, 11, StandardCharsets.UTF_8)).isEqualTo("persistence");
    }

    @Test
    void journalInodeMapsTheJbd2Superblock() throws IOException {
        MemoryBlockDevice device = new MemoryBlockDevice(SIZE);
        Ext4Formatter.format(device, Ext4Options.labelled("j"));
        Ext4Reader reader = Ext4Reader.open(device);
        Ext4Inode journal = reader.inode(8);
        assertThat(journal.size()).isEqualTo(1024L * 4096);
        try (var in = reader.openStream(journal)) {
            byte[] head = in.readNBytes(16);
            assertThat(head).startsWith((byte) 0xC0, (byte) 0x3B, (byte) 0x39, (byte) 0x98, 0, 0, 0, 4);
        }
    }

    @Test
    void xattrsTooLargeForTheInodeMoveToABlock() throws IOException {
        MemoryBlockDevice device = new MemoryBlockDevice(SIZE);
        Ext4Entry dir = Ext4Entry.directory("/upper", 0755).xattr("trusted.overlay.opaque", "y")
                .xattr("user.big", new byte[1500]);
        Ext4Formatter.format(device, Ext4Options.labelled("x").withEntries(List.of(dir)));
        Ext4Reader reader = Ext4Reader.open(device);
        Ext4Inode inode = reader.lookup("/upper");
        assertThat(inode.xattrBlock()).isNotZero();
        assertMatches(reader, dir);
    }
}
