package org.stickwright.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.stickwright.engine.ext.Ext4Inode;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.iso.IsoEntry;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.overlay.DmSnapshotStore;
import org.stickwright.engine.overlay.ExtentDevice;
import org.stickwright.engine.overlay.FatStoreFile;
import org.stickwright.engine.squashfs.SquashfsEntry;
import org.stickwright.engine.squashfs.SquashfsImage;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * The overlay toolkit against a dm-snapshot store written by a booted kernel (Fedora nested
 * fixture, dracut {@code snapshot ... PO 8}, OVMF; see {@link OverlayStick}):
 * <ol>
 * <li>boot 1 creates, overwrites and deletes known files and prints the guest's
 * {@code dmsetup status}; our reader derives the same allocated/total/metadata offline;</li>
 * <li>merge: the store applied to the fixture's {@code rootfs.img} gives an ext4 that
 * e2fsck accepts and that holds exactly the guest's files;</li>
 * <li>merge to a new ISO, written raw to fresh sticks: it boots (OVMF with a fresh store, SeaBIOS
 * with none) showing the guest's changes;</li>
 * <li>resize 256 MiB to 1 GiB; boot 2 sees the same files and the new total;</li>
 * <li>the valid flag cleared, then recovered; boot 3 boots with the same files.</li>
 * </ol>
 */
@Tag(Tags.BOOT)
class OverlayBootTest {
    private static final long MIB = 1024 * 1024;
    private final BootRunner runner = BootRunner.withDefaultLogs();
    private final Path sticks = Path.of("target", "boot-sticks").toAbsolutePath();

    @Test
    void dmSnapshotStoreWrittenByTheGuestKernel() throws Exception {
        Capabilities.requireRoot();
        Capabilities.requireTools("qemu-system-x86_64", "debootstrap", "flock", "sgdisk", "dd", "mtype", "mcopy",
                "e2fsck");
        Capabilities.require(Firmware.OVMF.installed(), "OVMF is not installed (Debian package ovmf)");
        Files.createDirectories(sticks);
        Path iso = LiveFixture.FEDORA_NESTED.iso();
        Path stick = sticks.resolve("overlay-dm-OVMF.img");
        long start = OverlayStick.make(iso, stick, 256 * MIB);

        BootResult first = runner.boot(stick, Firmware.OVMF);
        assertThat(first.outcome()).as(first.summary()).isEqualTo(BootResult.Outcome.POWERED_OFF);
        Map<String, String> files = OverlayStick.files(first);
        assertThat(files).as(first.summary()).containsEntry("/stickwright-ovl/new.txt", md5(newFileContent()))
                .containsEntry("/usr/share/stickwright/delete.txt", "MISSING").hasSize(4);
        String guest = OverlayStick.dmStatus(first);
        assertThat(guest).as(first.summary()).matches("0 \\d+ snapshot \\d+/524288 \\d+");

        DmSnapshotStore store;
        try (ImageFile disk = ImageFile.openReadWrite(stick); BlockDevice volume = OverlayStick.volume(disk, start);
                FatFileSystem fs = FatFileSystem.open(volume);
                ExtentDevice cow = FatStoreFile.open(fs, volume, OverlayStick.STORE)) {
            store = DmSnapshotStore.read(cow);
            assertThat(store.state()).isEqualTo(DmSnapshotStore.State.VALID);
            assertThat(store.chunkSectors()).isEqualTo(8);
            assertThat("0 " + (rootfsSize(iso) / 512) + " snapshot " + store.dmsetupStatus()).isEqualTo(guest);
        }
        System.out.println("boot 1: guest dmsetup status " + guest + "; exceptions " + store.exceptionCount());
        JsonObject inspected = inspect(stick);
        assertThat("0 131072 snapshot " + inspected.get("dmsetupStatus").getAsString()).isEqualTo(guest);
        assertThat(inspected.get("path").getAsString()).isEqualTo("/" + OverlayStick.STORE);

        // merge: the table applied to a copy of the fixture's rootfs.img holds the guest's files
        Path origin = sticks.resolve("overlay-dm-rootfs.img");
        Files.deleteIfExists(origin);
        JsonObject merge = CliProcess.lastJson(CliProcess.run("overlay", "merge", stick.toString(), "--output", origin.toString(),
                "--rootfs-only", "--json").ok());
        assertThat(merge.get("chunksApplied").getAsInt()).isEqualTo(store.exceptionCount());
        assertThat(merge.get("chunksOutsideOrigin").getAsInt()).isZero();
        assertThat(Files.size(origin)).isEqualTo(rootfsSize(iso));
        Tool.run("e2fsck", "-fn", origin.toString()).ok();
        try (ImageFile rootfs = ImageFile.openReadOnly(origin)) {
            Ext4Reader ext4 = Ext4Reader.open(rootfs);
            for (Map.Entry<String, String> file : files.entrySet()) {
                if (file.getValue().equals("MISSING")) {
                    assertThatThrownBy(() -> ext4.lookup(file.getKey())).isInstanceOf(NoSuchFileException.class);
                } else {
                    Ext4Inode inode = ext4.lookup(file.getKey());
                    assertThat(md5(ext4.readAll(inode, 1 << 20))).as(file.getKey()).isEqualTo(file.getValue());
                }
            }
        }
        Files.delete(origin);

        mergedIsoBootsWithTheChanges(stick, iso, store, files, first.root().token());

        // resize 256 MiB -> 1 GiB offline; boot 2 sees the data and the new size
        CliProcess.run("overlay", "resize", stick.toString(), "--to", "1G", "--yes").ok();
        DmSnapshotStore grown = readStore(stick, start);
        assertThat(grown.dmsetupStatus()).isEqualTo(store.allocatedSectors() + "/2097152 " + store.metadataSectors());
        BootResult second = runner.boot(stick, Firmware.OVMF, BootOptions.GRUB_SECOND_ENTRY);
        assertThat(second.outcome()).as(second.summary()).isEqualTo(BootResult.Outcome.POWERED_OFF);
        assertThat(second.cmdline()).contains("stickwright.overlaytest=check");
        assertThat(OverlayStick.files(second)).as(second.summary()).isEqualTo(files);
        DmSnapshotStore afterSecond = readStore(stick, start);
        assertThat(OverlayStick.dmStatus(second)).isEqualTo("0 131072 snapshot " + afterSecond.dmsetupStatus())
                .contains("/2097152 ");
        System.out.println("boot 2 after resize: guest dmsetup status " + OverlayStick.dmStatus(second));

        // an invalidated store (valid = 0, as the kernel leaves it after a failed write) recovered
        try (ImageFile disk = ImageFile.openReadWrite(stick); BlockDevice volume = OverlayStick.volume(disk, start);
                FatFileSystem fs = FatFileSystem.open(volume);
                ExtentDevice cow = FatStoreFile.open(fs, volume, OverlayStick.STORE)) {
            cow.writeBytes(4, new byte[4]);
        }
        assertThat(inspect(stick).get("state").getAsString()).isEqualTo("invalid");
        CliProcess.run("overlay", "recover", stick.toString(), "--yes").ok();
        assertThat(inspect(stick).get("exceptions").getAsInt()).isEqualTo(afterSecond.exceptionCount());
        BootResult third = runner.boot(stick, Firmware.OVMF, BootOptions.GRUB_SECOND_ENTRY);
        assertThat(third.outcome()).as(third.summary()).isEqualTo(BootResult.Outcome.POWERED_OFF);
        assertThat(OverlayStick.files(third)).as(third.summary()).isEqualTo(files);
        assertThat(OverlayStick.dmStatus(third)).isEqualTo("0 131072 snapshot " + readStore(stick, start).dmsetupStatus());
        System.out.println("boot 3 after recover: guest dmsetup status " + OverlayStick.dmStatus(third));
    }

    /**
     * overlay merge writes a new live ISO; written raw to fresh sticks it boots with the guest's
     * changes already in its root: under OVMF with a fresh (zeroed) store on a new SWOVL
     * partition (the check entry reports the known files and the guest's dmsetup status), and
     * under SeaBIOS with no persistent overlay at all (BIOS GRUB reads the ISO's grub.cfg, which
     * names none). The marker boot 1 wrote to / comes back as PERSIST-OK from both.
     */
    private void mergedIsoBootsWithTheChanges(Path stick, Path iso, DmSnapshotStore store, Map<String, String> files,
            String firstToken) throws Exception {
        Path merged = sticks.resolve("overlay-dm-merged.iso");
        Files.deleteIfExists(merged);
        long started = System.nanoTime();
        JsonObject result = CliProcess.lastJson(CliProcess.run("overlay", "merge", stick.toString(), "--output",
                merged.toString(), "--json").ok());
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        assertThat(result.get("chunksApplied").getAsInt()).isEqualTo(store.exceptionCount());
        assertThat(result.get("compression").getAsString()).isEqualTo("xz");
        assertThat(Files.size(merged)).isEqualTo(result.get("isoBytes").getAsLong());
        assertThat(Tool.run("sgdisk", "-v", merged.toString()).stdout()).contains("No problems found");
        System.out.printf("merge to ISO: %d s; squashfs %d bytes (fixture's %d), ISO %d bytes (fixture %d), shift %d%n",
                seconds, result.get("squashfsBytes").getAsLong(), squashfsSize(iso), Files.size(merged),
                Files.size(iso), result.get("shiftBytes").getAsLong());

        Path fresh = sticks.resolve("overlay-dm-merged-OVMF.img");
        long freshStart = OverlayStick.make(merged, fresh, 64 * MIB);
        assertThat(readStore(fresh, freshStart).state()).isEqualTo(DmSnapshotStore.State.FRESH);
        Path plain = sticks.resolve("overlay-dm-merged-SEABIOS.img");
        StickWriter.blankStick(plain, StickWriter.STICK_SIZE);
        StickWriter.write(merged, plain);
        Files.delete(merged);

        ExecutorService boots = Executors.newFixedThreadPool(2);
        try {
            Future<BootResult> efi = boots.submit(() -> runner.boot(fresh, Firmware.OVMF,
                    BootOptions.GRUB_SECOND_ENTRY));
            Future<BootResult> bios = boots.submit(() -> runner.boot(plain, Firmware.SEABIOS));
            BootResult withFreshStore = efi.get();
            assertThat(withFreshStore.outcome()).as(withFreshStore.summary()).isEqualTo(BootResult.Outcome.POWERED_OFF);
            assertThat(withFreshStore.cmdline()).contains("stickwright.overlaytest=check");
            assertThat(OverlayStick.files(withFreshStore)).as(withFreshStore.summary()).isEqualTo(files);
            assertThat(withFreshStore.root()).isEqualTo(new Marker(Marker.State.PERSIST_OK, firstToken));
            DmSnapshotStore after = readStore(fresh, freshStart);
            assertThat(OverlayStick.dmStatus(withFreshStore)).isEqualTo("0 131072 snapshot " + after.dmsetupStatus());
            assertThat(after.exceptionCount()).as("the fresh store holds only what the check boot wrote")
                    .isLessThan(store.exceptionCount());
            BootResult noOverlay = bios.get();
            assertThat(noOverlay.outcome()).as(noOverlay.summary()).isEqualTo(BootResult.Outcome.POWERED_OFF);
            assertThat(noOverlay.cmdline()).doesNotContain("rd.live.overlay=");
            assertThat(noOverlay.root()).isEqualTo(new Marker(Marker.State.PERSIST_OK, firstToken));
            System.out.println("merged ISO, fresh store (OVMF): " + withFreshStore.summary() + "; guest dmsetup status "
                    + OverlayStick.dmStatus(withFreshStore));
            System.out.println("merged ISO, no overlay (SeaBIOS): " + noOverlay.summary());
        } finally {
            boots.shutdownNow();
        }
        Files.delete(fresh);
        Files.delete(plain);
    }

    /**
     * A store too small for what the guest writes: the guest's kernel reports Overflow (dracut
     * loads it with PO), and offline the store reads as full.
     */
    @Test
    void overflowingStoreIsReportedFull() throws Exception {
        Capabilities.requireRoot();
        Capabilities.requireTools("qemu-system-x86_64", "debootstrap", "flock", "sgdisk", "dd", "mtype", "mcopy");
        Capabilities.require(Firmware.OVMF.installed(), "OVMF is not installed (Debian package ovmf)");
        Files.createDirectories(sticks);
        Path stick = sticks.resolve("overlay-dm-full-OVMF.img");
        long start = OverlayStick.make(LiveFixture.FEDORA_NESTED.iso(), stick, 4 * MIB, "fill");
        BootResult boot = runner.boot(stick, Firmware.OVMF);
        assertThat(OverlayStick.dmStatus(boot)).as(boot.summary()).isEqualTo("0 131072 snapshot Overflow");
        DmSnapshotStore store = readStore(stick, start);
        assertThat(store.full()).isTrue();
        assertThat(inspect(stick).get("state").getAsString()).isEqualTo("full");
        System.out.println("overflow boot: " + boot.summary() + "; offline " + store.dmsetupStatus());
    }

    private static JsonObject inspect(Path stick) {
        JsonObject result = CliProcess.lastJson(CliProcess.run("overlay", "inspect", stick.toString(), "--json").ok());
        JsonArray stores = result.getAsJsonArray("stores");
        for (int i = 0; i < stores.size(); i++) {
            JsonObject store = stores.get(i).getAsJsonObject();
            if (store.get("kind").getAsString().equals("dm_snapshot_file")) {
                return store;
            }
        }
        throw new AssertionError("no dm-snapshot store in " + result);
    }

    private static DmSnapshotStore readStore(Path stick, long start) throws IOException {
        try (ImageFile disk = ImageFile.openReadOnly(stick); BlockDevice volume = OverlayStick.volume(disk, start);
                FatFileSystem fs = FatFileSystem.open(volume);
                ExtentDevice cow = FatStoreFile.open(fs, volume, OverlayStick.STORE)) {
            return DmSnapshotStore.read(cow);
        }
    }

    /** What the guest's {@code seq 1000000 1040000} wrote. */
    static byte[] newFileContent() {
        StringBuilder text = new StringBuilder();
        for (int i = 1000000; i <= 1040000; i++) {
            text.append(i).append('\n');
        }
        return text.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    static String md5(byte[] bytes) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }

    static long squashfsSize(Path iso) throws IOException {
        try (ImageFile file = ImageFile.openReadOnly(iso)) {
            return IsoImage.open(file).find("/LiveOS/squashfs.img").orElseThrow().size();
        }
    }

    /** Size of LiveOS/rootfs.img inside the fixture's squashfs. */
    static long rootfsSize(Path iso) throws IOException {
        try (ImageFile file = ImageFile.openReadOnly(iso)) {
            IsoImage image = IsoImage.open(file);
            IsoEntry squash = image.find("/LiveOS/squashfs.img").orElseThrow();
            SquashfsImage squashfs = SquashfsImage.open(file.slice(squash.firstDataOffset(), squash.size()));
            SquashfsEntry rootfs = squashfs.find("/LiveOS/rootfs.img").orElseThrow();
            return rootfs.size();
        }
    }
}
