package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.boot.LiveFixture;
import org.stickwright.engine.ext.Ext4Entry;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.iso.IsoEntry;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.part.PartitionTables;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * The overlay commands on sticks made by {@code stickwright create --mode extract} from the
 * fixtures, without booting (the guest-written proofs are in OverlayFamiliesBootTest):
 * export/import of a live-boot persistence partition and its size check, the warning for a
 * backup taken on another base image, a corrupt backup refused before any write, and reset
 * renaming a stale {@code overlay-<LABEL>-<UUID>} to the name dracut looks for.
 */
@Tag(Tags.ORACLE)
class OverlayFamiliesTest {
    @TempDir
    Path dir;

    @Test
    void persistencePartitionRoundTripsAndASmallerOneIsRefused() throws IOException {
        requirements();
        Path first = create(LiveFixture.DEBIAN_LIVE, "debian-a.img", "64M");
        java.util.UUID uuid;
        try (ImageFile disk = ImageFile.openReadWrite(first); BlockDevice volume = partition(disk, 2)) {
            uuid = Ext4Reader.open(volume).superblock().uuid();
            // what a booted live-boot leaves: persistence.conf, the upper /rw with a change
            Ext4Formatter.format(volume, Ext4Options.labelled("persistence").withUuid(uuid).withReservedPercent(0)
                    .withEntries(List.of(Ext4Entry.file("/persistence.conf", 0644, "/ union\n"),
                            Ext4Entry.file("/rw/etc/hostname", 0644, "field-kit\n"),
                            Ext4Entry.whiteout("/rw/etc/motd"))));
        }
        Path backup = dir.resolve("debian.store");
        JsonObject exported = result(CliProcess.run("overlay", "export", first.toString(), "--output",
                backup.toString(), "--json").ok());
        assertThat(exported.get("storedBytes").getAsLong()).isEqualTo(64L << 20);
        assertThat(Files.size(backup)).isLessThan(2L << 20);

        Path second = create(LiveFixture.DEBIAN_LIVE, "debian-b.img", "64M");
        JsonObject imported = result(CliProcess.run("overlay", "import", second.toString(), backup.toString(), "--yes",
                "--json").ok());
        assertThat(imported.get("sameBaseImage").getAsBoolean()).isTrue();
        Path copy = dir.resolve("persistence.ext4");
        try (ImageFile disk = ImageFile.openReadOnly(second); BlockDevice volume = partition(disk, 2)) {
            Ext4Reader ext4 = Ext4Reader.open(volume);
            assertThat(ext4.superblock().uuid()).isEqualTo(uuid);
            assertThat(new String(ext4.readAll(ext4.lookup("/rw/etc/hostname"), 100), StandardCharsets.UTF_8))
                    .isEqualTo("field-kit\n");
            assertThat(ext4.lookup("/rw/etc/motd").isWhiteout()).isTrue();
            try (ImageFile out = ImageFile.create(copy, volume.size())) {
                ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
                for (long at = 0; at < volume.size(); at += buffer.capacity()) {
                    buffer.clear();
                    volume.read(buffer, at);
                    buffer.flip();
                    out.write(buffer, at);
                }
            }
        }
        Tool.run("e2fsck", "-fn", copy.toString()).ok();

        Path small = create(LiveFixture.DEBIAN_LIVE, "debian-small.img", "32M");
        String before = digest(small);
        Tool.Result refused = CliProcess.run("overlay", "import", small.toString(), backup.toString(), "--yes");
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(3);
        assertThat(refused.stderr()).contains("grow it first");
        assertThat(digest(small)).isEqualTo(before);
    }

    @Test
    void importFromAnotherBaseImageWarnsAndACorruptBackupWritesNothing() throws IOException {
        requirements();
        Path first = create(LiveFixture.FEDORA_FLAT, "flat-a.img", "64M");
        Path backup = dir.resolve("flat.store");
        CliProcess.run("overlay", "export", first.toString(), "--output", backup.toString()).ok();

        // the same live system rebuilt: its squashfs made at another time
        Path rebuilt = dir.resolve("rebuilt.iso");
        Files.copy(LiveFixture.FEDORA_FLAT.iso(), rebuilt);
        try (ImageFile iso = ImageFile.openReadWrite(rebuilt)) {
            IsoEntry squashfs = IsoImage.open(iso).find("/LiveOS/squashfs.img").orElseThrow();
            long mkfsTime = squashfs.firstDataOffset() + 8;
            ByteBuffer time = ByteBuffer.allocate(4);
            iso.read(time, mkfsTime);
            time.putInt(0, time.getInt(0) ^ 0x00010000);
            iso.write(time.rewind(), mkfsTime);
        }
        Path second = dir.resolve("flat-b.img");
        CliProcess.run("create", rebuilt.toString(), second.toString(), "--mode", "extract", "--size", "256M",
                "--persistence", "64M", "--yes").ok();
        Tool.Result imported = CliProcess.run("overlay", "import", second.toString(), backup.toString(), "--yes",
                "--json").ok();
        List<JsonObject> events = events(imported);
        assertThat(events).anySatisfy(e -> {
            assertThat(e.get("event").getAsString()).isEqualTo("warning");
            assertThat(e.get("message").getAsString()).contains("base image", "LiveOS/squashfs.img");
        });
        assertThat(events.get(events.size() - 1).get("sameBaseImage").getAsBoolean()).isFalse();
        Tool.Result plain = CliProcess.run("overlay", "import", second.toString(), backup.toString(), "--yes").ok();
        assertThat(plain.stderr()).contains("warning:", "changes bound to the old root may not apply");

        // a backup cut short: refused after reading it through, the store untouched
        Path cut = dir.resolve("cut.store");
        byte[] whole = Files.readAllBytes(backup);
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length - 100));
        String before = digest(first);
        Tool.Result refused = CliProcess.run("overlay", "import", first.toString(), cut.toString(), "--yes");
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(2);
        assertThat(refused.stderr()).contains("truncated or corrupt", "nothing was written");
        assertThat(digest(first)).isEqualTo(before);
    }

    @Test
    void resetNamesAStaleDmStoreAfterTheCurrentLabelAndSerial() throws IOException {
        requirements();
        Path stick = create(LiveFixture.FEDORA_NESTED, "nested.img", "32M");
        String current;
        String stale;
        try (ImageFile disk = ImageFile.openReadWrite(stick); BlockDevice volume = partition(disk, 1);
                FatFileSystem fs = FatFileSystem.open(volume)) {
            current = "/LiveOS/overlay-" + fs.volumeLabel() + "-" + fs.volumeSerialText();
            assertThat(fs.stat(current)).isPresent();
            // as if the partition had been relabelled: the store keeps the old name
            stale = "/LiveOS/overlay-OLDLABEL-0000-0000";
            fs.rename(current, stale);
            fs.flush();
        }
        JsonObject reset = result(CliProcess.run("overlay", "reset", stick.toString(), "--yes", "--json").ok());
        assertThat(reset.get("store").getAsString()).isEqualTo(current);
        assertThat(reset.get("renamedFrom").getAsString()).isEqualTo(stale);
        try (ImageFile disk = ImageFile.openReadOnly(stick); BlockDevice volume = partition(disk, 1);
                FatFileSystem fs = FatFileSystem.open(volume)) {
            assertThat(fs.stat(stale)).isEmpty();
            assertThat(fs.stat(current).orElseThrow().size()).isEqualTo(32L << 20);
        }
        fsckFat(stick);

        // a boot line naming the store's path itself keeps it: no rename
        try (ImageFile disk = ImageFile.openReadWrite(stick); BlockDevice volume = partition(disk, 1);
                FatFileSystem fs = FatFileSystem.open(volume)) {
            fs.rename(current, stale);
            String cfg = new String(fs.readAllBytes("/EFI/BOOT/grub.cfg"), StandardCharsets.UTF_8)
                    .replace("rd.live.overlay=UUID=" + fs.volumeSerialText(),
                            "rd.live.overlay=UUID=" + fs.volumeSerialText() + ":" + stale);
            byte[] bytes = cfg.getBytes(StandardCharsets.UTF_8);
            fs.replaceFile("/EFI/BOOT/grub.cfg", bytes.length, new java.io.ByteArrayInputStream(bytes));
            fs.flush();
        }
        JsonObject kept = result(CliProcess.run("overlay", "reset", stick.toString(), "--yes", "--json").ok());
        assertThat(kept.get("store").getAsString()).isEqualTo(stale);
        assertThat(kept.get("renamedFrom").getAsString()).isEmpty();
    }

    private static void requirements() {
        Capabilities.requireRoot();
        Capabilities.requireTools("debootstrap", "e2fsck", "fsck.fat", "syslinux");
    }

    private Path create(LiveFixture fixture, String name, String persistence) {
        Path stick = dir.resolve(name);
        CliProcess.run("create", fixture.iso().toString(), stick.toString(), "--mode", "extract", "--size", "256M",
                "--persistence", persistence, "--yes").ok();
        return stick;
    }

    private static BlockDevice partition(ImageFile disk, int number) throws IOException {
        for (PartitionTables.Partition p : PartitionTables.read(disk).partitions()) {
            if (p.number() == number) {
                return disk.slice(p.firstLba() * 512, p.sectorCount() * 512);
            }
        }
        throw new AssertionError("no partition " + number + " on " + disk);
    }

    private static String digest(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0;) {
                sha.update(buffer, 0, n);
            }
            return java.util.HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private void fsckFat(Path stick) throws IOException {
        Path copy = dir.resolve("fat.img");
        try (ImageFile disk = ImageFile.openReadOnly(stick); BlockDevice volume = partition(disk, 1);
                ImageFile out = ImageFile.create(copy, volume.size())) {
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            for (long at = 0; at < volume.size(); at += buffer.capacity()) {
                buffer.clear();
                volume.read(buffer, at);
                buffer.flip();
                out.write(buffer, at);
            }
        }
        Tool.run("fsck.fat", "-n", copy.toString()).ok();
        Files.delete(copy);
    }

    private static List<JsonObject> events(Tool.Result run) {
        List<JsonObject> events = new ArrayList<>();
        run.stdout().strip().lines().forEach(l -> events.add(JsonParser.parseString(l).getAsJsonObject()));
        return events;
    }

    private static JsonObject result(Tool.Result run) {
        List<JsonObject> events = events(run);
        JsonObject last = events.get(events.size() - 1);
        assertThat(last.get("event").getAsString()).isEqualTo("result");
        return last;
    }
}
