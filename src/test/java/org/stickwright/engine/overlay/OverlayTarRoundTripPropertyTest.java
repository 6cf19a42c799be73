package org.stickwright.engine.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.stickwright.engine.ext.Ext4Entry;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.io.MemoryBlockDevice;

/** Any store tree written by OverlayDirectoryTar reads back with every name, kind, owner, mode, xattr and byte. */
class OverlayTarRoundTripPropertyTest {
    private record Expected(OverlayTarReader.Kind kind, int mode, int uid, int gid, byte[] content, String link,
            Map<String, byte[]> xattrs) {
    }

    @Property(tries = 25)
    void storeTreesSurviveTheTar(@ForAll long seed) throws IOException {
        Random random = new Random(seed);
        List<Ext4Entry> entries = new ArrayList<>();
        Map<String, Expected> expected = new HashMap<>();
        entries.add(Ext4Entry.directory("/upper", 0755));
        expected.put("", new Expected(OverlayTarReader.Kind.DIRECTORY, 0755, 0, 0, null, "", Map.of()));
        List<String> directories = new ArrayList<>(List.of(""));
        int count = 1 + random.nextInt(60);
        for (int i = 0; i < count; i++) {
            String parent = directories.get(random.nextInt(directories.size()));
            String name = "n" + i + "-" + "abcdefghij".repeat(8).substring(0, random.nextInt(80));
            String path = parent.isEmpty() ? name : parent + "/" + name;
            int mode = random.nextInt(01000);
            int uid = random.nextInt(70000);
            int gid = random.nextInt(70000);
            Map<String, byte[]> xattrs = new HashMap<>();
            Ext4Entry entry;
            OverlayTarReader.Kind kind;
            byte[] content = null;
            String link = "";
            switch (random.nextInt(4)) {
                case 0 -> {
                    entry = Ext4Entry.directory("/upper/" + path, mode);
                    kind = OverlayTarReader.Kind.DIRECTORY;
                    directories.add(path);
                }
                case 1 -> {
                    content = new byte[random.nextInt(3) == 0 ? random.nextInt(200_000) : random.nextInt(100)];
                    random.nextBytes(content);
                    entry = Ext4Entry.file("/upper/" + path, mode, content);
                    kind = OverlayTarReader.Kind.FILE;
                }
                case 2 -> {
                    link = "t".repeat(1 + random.nextInt(200));
                    entry = Ext4Entry.symlink("/upper/" + path, link);
                    kind = OverlayTarReader.Kind.SYMLINK;
                    mode = 0777;
                }
                default -> {
                    entry = Ext4Entry.whiteout("/upper/" + path);
                    kind = OverlayTarReader.Kind.CHAR_DEVICE;
                    mode = 0;
                }
            }
            if (kind != OverlayTarReader.Kind.SYMLINK && kind != OverlayTarReader.Kind.CHAR_DEVICE) {
                entry = entry.owner(uid, gid);
                if (random.nextBoolean()) {
                    byte[] value = new byte[random.nextInt(300)];
                    random.nextBytes(value); // raw bytes, newlines and NULs included
                    entry = entry.xattr("user.v" + i, value);
                    xattrs.put("user.v" + i, value);
                }
            } else {
                uid = 0;
                gid = 0;
            }
            entries.add(entry);
            expected.put(path, new Expected(kind, mode, uid, gid, content, link, xattrs));
        }
        MemoryBlockDevice device = new MemoryBlockDevice(32 << 20);
        Ext4Formatter.format(device, Ext4Options.labelled("persistence").withEntries(entries), new Random(seed));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OverlayDirectoryTar.write(Ext4Reader.open(device), "/upper", out);

        OverlayTarReader reader = OverlayTarReader.of(new ByteArrayInputStream(out.toByteArray()));
        Map<String, Expected> seen = new HashMap<>();
        for (OverlayTarReader.Entry e; (e = reader.next()) != null; ) {
            Expected want = expected.get(e.path());
            assertThat(want).as(e.path()).isNotNull();
            assertThat(e.kind()).as(e.path()).isEqualTo(want.kind());
            assertThat(e.mode()).as(e.path()).isEqualTo(want.mode());
            assertThat(e.uid()).as(e.path()).isEqualTo(want.uid());
            assertThat(e.gid()).as(e.path()).isEqualTo(want.gid());
            assertThat(e.link()).as(e.path()).isEqualTo(want.link());
            assertThat(e.xattrs().keySet()).as(e.path()).isEqualTo(want.xattrs().keySet());
            for (Map.Entry<String, byte[]> x : want.xattrs().entrySet()) {
                assertThat(Arrays.equals(e.xattrs().get(x.getKey()), x.getValue())).as(e.path()).isTrue();
            }
            if (want.content() != null) {
                assertThat(reader.content().readAllBytes()).as(e.path()).isEqualTo(want.content());
            }
            seen.put(e.path(), want);
        }
        assertThat(seen.keySet()).isEqualTo(expected.keySet());
    }
}
