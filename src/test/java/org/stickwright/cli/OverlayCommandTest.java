package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.fat.Fat32FormatOptions;
import org.stickwright.engine.fat.Fat32Formatter;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.fat.FileExtent;
import org.stickwright.engine.fat.FileTimes;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.overlay.DmSnapshotStore;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;
import org.tukaani.xz.XZInputStream;

/**
 * {@code stickwright overlay ...} as a process, on the store a real kernel wrote (the resource
 * of RealKernelStoreTest: Fedora nested fixture, one boot): given as a store file, and inside
 * a FAT32 partition laid out as extract mode keeps it, checked by fsck.fat after the edits.
 */
class OverlayCommandTest {
    private static final long MIB = 1024 * 1024;
    private static final String GUEST_STATUS = "864/524288 16";

    @TempDir
    Path dir;

    @Test
    void inspectResizeRecoverExportImportResetOnAStoreFile() throws IOException {
        Path store = dir.resolve("overlay-store.img");
        writeRealStore(store);

        JsonObject inspected = result(CliProcess.run("overlay", "inspect", store.toString(), "--json").ok());
        JsonObject dm = inspected.getAsJsonArray("stores").get(0).getAsJsonObject();
        assertThat(dm.get("kind").getAsString()).isEqualTo("dm_snapshot_file");
        assertThat(dm.get("dmsetupStatus").getAsString()).isEqualTo(GUEST_STATUS);
        assertThat(dm.get("state").getAsString()).isEqualTo("valid");

        assertThat(CliProcess.run("overlay", "resize", store.toString(), "--to", "400K", "--yes").exitCode())
                .isEqualTo(2); // below the 442 KiB allocated: refused, nothing written
        assertThat(Files.size(store)).isEqualTo(256 * MIB);
        assertThat(CliProcess.run("overlay", "resize", store.toString(), "--to", "1G").exitCode())
                .as("no terminal, no --yes").isEqualTo(2);
        CliProcess.run("overlay", "resize", store.toString(), "--to", "1G", "--yes").ok();
        assertThat(Files.size(store)).isEqualTo(1024 * MIB);
        assertThat(status(store)).isEqualTo("864/2097152 16");

        try (ImageFile file = ImageFile.openReadWrite(store)) {
            file.writeBytes(4, new byte[4]);
        }
        assertThat(status(store)).isEqualTo("Invalid");
        JsonObject recovered = result(CliProcess.run("overlay", "recover", store.toString(), "--yes", "--json").ok());
        assertThat(recovered.get("exceptions").getAsInt()).isEqualTo(106);
        assertThat(status(store)).isEqualTo("864/2097152 16");

        Path backup = dir.resolve("backup.swstore");
        CliProcess.run("overlay", "export", store.toString(), "--output", backup.toString()).ok();
        assertThat(Files.size(backup)).isLessThan(64 * 1024);
        String before = TestImages.sha256(store);
        CliProcess.run("overlay", "reset", store.toString(), "--yes").ok();
        assertThat(status(store)).isEqualTo("16/2097152 16"); // fresh
        Tool.Result imported = CliProcess.run("overlay", "import", store.toString(), backup.toString(), "--yes").ok();
        assertThat(imported.stderr()).doesNotContain("warning");
        assertThat(TestImages.sha256(store)).isEqualTo(before);
    }

    @Test
    @Tag(Tags.ORACLE)
    void resizesAStoreOnAFatPartitionAndTheFatStaysConsistent() throws IOException {
        Capabilities.requireTools("sgdisk", "fsck.fat");
        Path stick = dir.resolve("stick.img");
        long start = 1 * MIB;
        long end = 1200 * MIB;
        try (ImageFile disk = ImageFile.create(stick, end + MIB)) {
            disk.flush();
        }
        Tool.run("sgdisk", "-n", "1:2048:" + (end / 512 - 1), "-t", "1:0700", stick.toString()).ok();
        try (ImageFile disk = ImageFile.openReadWrite(stick); BlockDevice volume = disk.slice(start, end - start)) {
            Fat32Formatter.format(volume, Fat32FormatOptions.defaults().withLabel("LIVE").withHiddenSectors(2048));
            try (FatFileSystem fs = FatFileSystem.open(volume)) {
                fs.mkdirs("LiveOS");
                FileExtent extent = fs.allocateContiguous("LiveOS/overlay-LIVE-1234-ABCD", 256 * MIB,
                        FileTimes.of(Instant.EPOCH));
                volume.writeBytes(extent.deviceOffset(), realStoreHead());
                fs.putFile("LiveOS/home.img", new byte[8192]);
            }
        }
        JsonObject inspected = result(CliProcess.run("overlay", "inspect", stick.toString(), "--json").ok());
        JsonArray stores = inspected.getAsJsonArray("stores");
        assertThat(stores.size()).isEqualTo(2);
        JsonObject dm = stores.get(0).getAsJsonObject();
        assertThat(dm.get("path").getAsString()).isEqualTo("/LiveOS/overlay-LIVE-1234-ABCD");
        assertThat(dm.get("dmsetupStatus").getAsString()).isEqualTo(GUEST_STATUS);

        CliProcess.run("overlay", "resize", stick.toString(), "--to", "768M", "--yes").ok();
        dm = result(CliProcess.run("overlay", "inspect", stick.toString(), "--profile", "overlay-LIVE-1234-ABCD",
                "--json").ok()).getAsJsonArray("stores").get(0).getAsJsonObject();
        assertThat(dm.get("dmsetupStatus").getAsString()).isEqualTo("864/1572864 16");
        assertThat(dm.get("sizeBytes").getAsLong()).isEqualTo(768 * MIB);
        fsckFat(stick, start, end);
        // too big for the free space: refused before anything is written
        assertThat(CliProcess.run("overlay", "resize", stick.toString(), "--to", "1100M", "--yes").exitCode())
                .isNotZero();
        fsckFat(stick, start, end);
        assertThat(result(CliProcess.run("overlay", "inspect", stick.toString(), "--json").ok())
                .getAsJsonArray("stores").get(0).getAsJsonObject().get("dmsetupStatus").getAsString())
                .isEqualTo("864/1572864 16");
    }

    @Test
    @Tag(Tags.ORACLE)
    void inspectsAndResetsALiveBootPersistencePartitionKeepingLabelUuidAndConf() throws IOException {
        Capabilities.requireTools("sgdisk", "e2fsck", "dd");
        Path stick = dir.resolve("debian-stick.img");
        long start = MIB;
        long end = 65 * MIB;
        try (ImageFile disk = ImageFile.create(stick, end + MIB)) {
            disk.flush();
        }
        Tool.run("sgdisk", "-n", "1:2048:" + (end / 512 - 1), "-t", "1:8300", stick.toString()).ok();
        java.util.UUID uuid = java.util.UUID.fromString("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0");
        try (ImageFile disk = ImageFile.openReadWrite(stick); BlockDevice volume = disk.slice(start, end - start)) {
            Ext4Formatter.format(volume, Ext4Options.labelled("persistence").withUuid(uuid)
                    .withEntries(org.stickwright.engine.overlay.OverlayfsUpperTestAccess.persistenceVolume()));
        }
        JsonObject store = result(CliProcess.run("overlay", "inspect", stick.toString(), "--json").ok())
                .getAsJsonArray("stores").get(0).getAsJsonObject();
        assertThat(store.get("kind").getAsString()).isEqualTo("live_boot_persistence");
        assertThat(store.get("changedFiles").getAsLong()).isEqualTo(2);
        assertThat(store.get("whiteouts").getAsLong()).isEqualTo(2);
        assertThat(store.get("opaqueDirectories").getAsLong()).isEqualTo(1);
        assertThat(store.getAsJsonArray("largest").get(0).getAsJsonObject().get("path").getAsString())
                .isEqualTo("/var/big.log");

        CliProcess.run("overlay", "reset", stick.toString(), "--yes").ok();
        Path partition = dir.resolve("partition.img");
        Tool.run("dd", "if=" + stick, "of=" + partition, "bs=1M", "skip=1", "count=64", "status=none").ok();
        Tool.run("e2fsck", "-fn", partition.toString()).ok();
        try (ImageFile volume = ImageFile.openReadOnly(partition)) {
            Ext4Reader ext4 = Ext4Reader.open(volume);
            assertThat(ext4.superblock().label()).isEqualTo("persistence");
            assertThat(ext4.superblock().uuid()).isEqualTo(uuid);
            assertThat(new String(ext4.readAll(ext4.lookup("/persistence.conf"), 4096))).isEqualTo("/ union\n");
            assertThatThrownBy(() -> ext4.lookup("/rw/etc/hostname")).isInstanceOf(java.nio.file.NoSuchFileException.class);
        }
        store = result(CliProcess.run("overlay", "inspect", stick.toString(), "--json").ok())
                .getAsJsonArray("stores").get(0).getAsJsonObject();
        assertThat(store.get("changedFiles").getAsLong()).isZero();
    }

    @Test
    @Tag(Tags.ORACLE)
    void inspectsAndResetsAnEmbeddedOverlayImageOnFat() throws IOException {
        Capabilities.requireTools("sgdisk", "fsck.fat", "e2fsck", "mcopy", "dd");
        Path stick = dir.resolve("extract-stick.img");
        long start = MIB;
        long end = 101 * MIB;
        try (ImageFile disk = ImageFile.create(stick, end + MIB)) {
            disk.flush();
        }
        Tool.run("sgdisk", "-n", "1:2048:" + (end / 512 - 1), "-t", "1:0700", stick.toString()).ok();
        String name = "overlay-LIVE-5A17-E001";
        java.util.UUID uuid = java.util.UUID.fromString("11112222-3333-4444-5555-666677778888");
        try (ImageFile disk = ImageFile.openReadWrite(stick); BlockDevice volume = disk.slice(start, end - start)) {
            Fat32Formatter.format(volume, Fat32FormatOptions.defaults().withLabel("LIVE").withHiddenSectors(2048));
            try (FatFileSystem fs = FatFileSystem.open(volume)) {
                fs.mkdirs("LiveOS");
                fs.allocateContiguous("LiveOS/" + name, 32 * MIB, FileTimes.of(Instant.EPOCH));
                fs.flush();
                try (BlockDevice image = org.stickwright.engine.overlay.FatStoreFile.open(fs, volume, "LiveOS/" + name)) {
                    Ext4Formatter.format(image, Ext4Options.labelled("OVERLAY").withUuid(uuid).withEntries(java.util.List.of(
                            org.stickwright.engine.ext.Ext4Entry.directory("/overlayfs", 0755),
                            org.stickwright.engine.ext.Ext4Entry.directory("/overlayfs/etc", 0755),
                            org.stickwright.engine.ext.Ext4Entry.file("/overlayfs/etc/hostname", 0644, "field\n"),
                            org.stickwright.engine.ext.Ext4Entry.whiteout("/overlayfs/etc/issue"),
                            org.stickwright.engine.ext.Ext4Entry.directory("/ovlwork", 0755))));
                }
            }
        }
        JsonObject store = result(CliProcess.run("overlay", "inspect", stick.toString(), "--json").ok())
                .getAsJsonArray("stores").get(0).getAsJsonObject();
        assertThat(store.get("kind").getAsString()).isEqualTo("embedded_overlay_image");
        assertThat(store.get("path").getAsString()).isEqualTo("/LiveOS/" + name);
        assertThat(store.get("changedFiles").getAsLong()).isEqualTo(1);
        assertThat(store.get("whiteouts").getAsLong()).isEqualTo(1);

        CliProcess.run("overlay", "reset", stick.toString(), "--yes").ok();
        fsckFat(stick, start, end);
        Path image = dir.resolve("overlay.ext4");
        Tool.run("mcopy", "-i", stick + "@@" + start, "::/LiveOS/" + name, image.toString()).ok();
        Tool.run("e2fsck", "-fn", image.toString()).ok();
        try (ImageFile file = ImageFile.openReadOnly(image)) {
            Ext4Reader ext4 = Ext4Reader.open(file);
            assertThat(ext4.superblock().label()).isEqualTo("OVERLAY");
            assertThat(ext4.superblock().uuid()).isEqualTo(uuid);
            assertThat(ext4.list(ext4.lookup("/overlayfs"))).isEmpty();
            assertThat(ext4.lookup("/ovlwork").isDirectory()).isTrue();
        }
    }

    /** fsck.fat reads the partition copied out (it takes no offset). */
    private void fsckFat(Path stick, long start, long end) throws IOException {
        Path partition = dir.resolve("partition.img");
        Tool.run("dd", "if=" + stick, "of=" + partition, "bs=1M", "skip=" + start / MIB, "count=" + (end - start) / MIB,
                "conv=sparse", "status=none").ok();
        Tool.run("fsck.fat", "-n", partition.toString()).ok();
        Files.delete(partition);
    }

    private static String status(Path store) throws IOException {
        try (ImageFile file = ImageFile.openReadOnly(store)) {
            return DmSnapshotStore.read(file).dmsetupStatus();
        }
    }

    private static JsonObject result(Tool.Result run) {
        String last = run.stdout().strip().lines().reduce((a, b) -> b).orElseThrow();
        JsonObject json = JsonParser.parseString(last).getAsJsonObject();
        assertThat(json.get("event").getAsString()).isEqualTo("result");
        return json;
    }

    private static byte[] realStoreHead() throws IOException {
        try (InputStream in = OverlayCommandTest.class.getResourceAsStream(
                "/org/stickwright/engine/overlay/fedora-nested-boot1-store.xz"); XZInputStream xz = new XZInputStream(in)) {
            return xz.readAllBytes();
        }
    }

    private static void writeRealStore(Path path) throws IOException {
        try (ImageFile file = ImageFile.create(path, 256 * MIB)) {
            file.writeBytes(0, realStoreHead());
        }
    }
}
