package org.stickwright.engine.part;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.LoopDevice;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * Hybrid ISOs made by xorriso the way distributions make them (and Debian's real
 * grub-rescue-cdrom.iso): we read their tables as sfdisk does, grow the image as if written to a
 * larger stick, add partitions after the ISO, and check with sgdisk, sfdisk and the kernel that
 * the result is clean and that no ISO byte changed outside the table sectors.
 */
@Tag(Tags.ORACLE)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HybridIsoTablesOracleTest {
    private static final long GROWTH = 64L << 20;
    private static final Path GRUB_RESCUE = Path.of("/usr/lib/grub-rescue/grub-rescue-cdrom.iso");

    @TempDir
    static Path dir;
    private Path tree;

    /** An ISO fixture: how it is made, which table kind it must be read as, whether sgdisk likes it as made. */
    record Fixture(String name, HybridIsoTables.Layout layout, boolean cleanForSgdisk, Path iso) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeAll
    void makeTree() throws IOException {
        Capabilities.requireTools("xorriso", "mkfs.fat", "sfdisk", "sgdisk");
        tree = dir.resolve("tree");
        Random random = new Random(42);
        Files.createDirectories(tree.resolve("isolinux"));
        Files.createDirectories(tree.resolve("boot/grub"));
        Files.createDirectories(tree.resolve("live"));
        Files.write(tree.resolve("isolinux/isolinux.bin"), bytes(random, 2048));
        Files.write(tree.resolve("boot/grub/eltorito.img"), bytes(random, 16384)); // GRUB2 boot info needs > 2560
        Files.write(tree.resolve("live/filesystem.squashfs"), bytes(random, 3 << 20));
        Files.write(dir.resolve("mbr432.bin"), bytes(random, 432));
        Files.write(dir.resolve("mbr512.bin"), bytes(random, 512));
        Tool.run("mkfs.fat", "-C", dir.resolve("efi.img").toString(), "2048").ok();
        Files.copy(dir.resolve("efi.img"), tree.resolve("boot/grub/efi.img"));
    }

    @AfterAll
    void noLoopDevicesLeft() {
        // LoopDevice detaches in close(); nothing else is left running.
    }

    Stream<Fixture> fixtures() throws IOException {
        List<Fixture> fixtures = new ArrayList<>();
        // Debian live: isohybrid MBR (p1 type 0x00 from LBA 0, active), EFI image appended as p2 0xEF, stale GPT.
        fixtures.add(new Fixture("isohybrid-gpt-basdat", HybridIsoTables.Layout.ISOHYBRID_MBR, true, xorriso("debian.iso",
                "-V", "DEBIAN_LIVE", "-isohybrid-mbr", dir.resolve("mbr432.bin").toString(),
                "-c", "isolinux/boot.cat", "-b", "isolinux/isolinux.bin", "-no-emul-boot", "-boot-load-size", "4",
                "-boot-info-table", "-eltorito-alt-boot", "-e", "--interval:appended_partition_2:all::",
                "-no-emul-boot", "-isohybrid-gpt-basdat", "-append_partition", "2", "0xef", dir.resolve("efi.img").toString())));
        // Fedora 37+ / Ubuntu: protective MBR, GPT with ISO9660 from LBA 64, appended EFI partition, Gap filler.
        fixtures.add(new Fixture("partition_offset-16-appended-gpt", HybridIsoTables.Layout.GPT, true, xorriso("fedora.iso",
                "-V", "Fedora-WS-Live", "-partition_offset", "16", "-appended_part_as_gpt",
                "-append_partition", "2", GptTypes.EFI_SYSTEM.toString(), dir.resolve("efi.img").toString(),
                "-iso_mbr_part_type", GptTypes.MICROSOFT_BASIC_DATA.toString(),
                "-c", "boot.cat", "-b", "boot/grub/eltorito.img", "-no-emul-boot", "-boot-load-size", "4",
                "-boot-info-table", "-eltorito-alt-boot", "-e", "--interval:appended_partition_2:all::", "-no-emul-boot")));
        // Ubuntu: as Fedora, plus GRUB's MBR code and a dummy active entry beside the 0xEE one.
        fixtures.add(new Fixture("ubuntu-like-mbr-force-bootable", HybridIsoTables.Layout.GPT, false, xorriso("ubuntu.iso",
                "-V", "Ubuntu", "--grub2-mbr", dir.resolve("mbr512.bin").toString(), "--mbr-force-bootable",
                "-partition_offset", "16", "-append_partition", "2", "28732ac11ff8d211ba4b00a0c93ec93b",
                dir.resolve("efi.img").toString(), "-appended_part_as_gpt",
                "-iso_mbr_part_type", "a2a0d0ebe5b9334487c068b6b72699c7", "-c", "boot.catalog",
                "-b", "boot/grub/eltorito.img", "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
                "--grub2-boot-info", "-eltorito-alt-boot", "-e", "--interval:appended_partition_2_start_1s_size_2048d:all::",
                "-no-emul-boot")));
        // Older archiso: isohybrid MBR with -partition_offset 16: p1 type 0x00 from LBA 64, p2 0xEF appended.
        fixtures.add(new Fixture("archiso-like-isohybrid-offset", HybridIsoTables.Layout.ISOHYBRID_MBR, true, xorriso("arch.iso",
                "-V", "ARCH_202611", "-isohybrid-mbr", dir.resolve("mbr432.bin").toString(), "--mbr-force-bootable",
                "-partition_offset", "16", "-append_partition", "2", "0xef", dir.resolve("efi.img").toString(),
                "-c", "boot.cat", "-b", "isolinux/isolinux.bin", "-no-emul-boot", "-boot-load-size", "4",
                "-boot-info-table", "-eltorito-alt-boot", "-e", "--interval:appended_partition_2:all::",
                "-no-emul-boot", "-isohybrid-gpt-basdat")));
        // grub-mkrescue-like: GRUB's hybrid MBR code, protective msdos label, EFI partition inside the ISO.
        fixtures.add(new Fixture("grub-mkrescue-like", HybridIsoTables.Layout.GPT, false, xorriso("rescue.iso",
                "-V", "RESCUE", "--grub2-mbr", dir.resolve("mbr512.bin").toString(), "--protective-msdos-label",
                "-b", "boot/grub/eltorito.img", "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table",
                "--grub2-boot-info", "-eltorito-alt-boot", "-e", "boot/grub/efi.img", "-no-emul-boot",
                "-efi-boot-part", "--efi-boot-image")));
        // Debian's own grub-mkrescue output: MBR only, p1 type 0xCD from LBA 1, active.
        if (Files.isReadable(GRUB_RESCUE) || Capabilities.underCi()) {
            fixtures.add(new Fixture("debian-grub-rescue-cdrom", HybridIsoTables.Layout.ISOHYBRID_MBR, false, GRUB_RESCUE));
        } else {
            System.out.println("SKIPPED fixture: " + GRUB_RESCUE + " (package grub-rescue-pc) is not installed");
        }
        return fixtures.stream();
    }

    private Path xorriso(String name, String... options) {
        Path iso = dir.resolve(name);
        if (!Files.exists(iso)) {
            List<String> command = new ArrayList<>(List.of("xorriso", "-as", "mkisofs", "-o", iso.toString()));
            command.addAll(List.of(options));
            command.add(tree.toString());
            Tool.run(null, 120, command).ok();
        }
        return iso;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void readsTheIsoTablesAsSfdiskDoes(Fixture fixture) throws Exception {
        JsonObject table = TableOracles.sfdiskJson(fixture.iso());
        try (ImageFile iso = ImageFile.openReadOnly(fixture.iso())) {
            PartitionTables ours = PartitionTables.read(iso);
            assertThat(HybridIsoTables.detect(iso)).isEqualTo(fixture.layout());
            assertThat(table.get("label").getAsString()).isEqualTo(fixture.layout() == HybridIsoTables.Layout.GPT ? "gpt" : "dos");
            List<JsonObject> theirs = TableOracles.sfdiskPartitions(table);
            assertThat(ours.partitions()).hasSameSizeAs(theirs);
            for (int i = 0; i < theirs.size(); i++) {
                JsonObject p = theirs.get(i);
                PartitionTables.Partition q = ours.partitions().get(i);
                assertThat(q.number()).isEqualTo(TableOracles.number(p, fixture.iso()));
                assertThat(q.firstLba()).isEqualTo(p.get("start").getAsLong());
                assertThat(q.sectorCount()).isEqualTo(p.get("size").getAsLong());
                if (ours.scheme() == PartitionTables.Scheme.GPT) {
                    assertThat(q.type()).isEqualToIgnoringCase(p.get("type").getAsString());
                    assertThat(q.name()).isEqualTo(p.get("name").getAsString());
                    assertThat(ours.gpt().gpt().slots().get(q.number() - 1).unique().toString())
                            .isEqualToIgnoringCase(p.get("uuid").getAsString());
                } else {
                    assertThat(Integer.decode(q.type())).isEqualTo(Integer.parseInt(p.get("type").getAsString(), 16));
                    assertThat(q.bootable()).isEqualTo(p.has("bootable") && p.get("bootable").getAsBoolean());
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void partitionsAddedAfterTheIsoAreCleanAndLeaveTheIsoAlone(Fixture fixture) throws Exception {
        Path image = grownCopy(fixture);
        byte[] original = Files.readAllBytes(fixture.iso());
        long isoSize = original.length;
        HybridIsoTables.AddedPartition persistence;
        HybridIsoTables.AddedPartition data;
        UUID persistenceGuid = UUID.nameUUIDFromBytes(fixture.name().getBytes());
        try (ImageFile disk = ImageFile.openReadWrite(image)) {
            persistence = HybridIsoTables.addPartitionAfterIso(disk, isoSize, new HybridIsoTables.NewPartition(
                    LayoutPlanner.Request.ofSize(24L << 20), MbrTypes.LINUX, GptTypes.LINUX_FILESYSTEM, "persistence",
                    persistenceGuid, 0));
            data = HybridIsoTables.addPartitionAfterIso(disk, isoSize,
                    HybridIsoTables.NewPartition.fat32(LayoutPlanner.Request.restOfDisk(), "data"));
        }
        assertThat(persistence.layout()).isEqualTo(fixture.layout());
        assertThat(persistence.firstLba() * 512).isGreaterThanOrEqualTo(isoSize);
        assertThat(persistence.firstLba() % 2048).isZero();
        assertThat(persistence.sectorCount()).isEqualTo(24L * 2048);
        assertThat(data.firstLba()).isEqualTo(persistence.firstLba() + persistence.sectorCount());

        if (fixture.cleanForSgdisk()) {
            TableOracles.assertSgdiskClean(image);
        } else {
            TableOracles.assertSgdiskFindsNothingNew(fixture.iso(), image);
        }
        TableOracles.assertSfdiskClean(image);
        JsonObject table = TableOracles.sfdiskJson(image);
        assertThat(table.get("label").getAsString()).isEqualTo(fixture.layout() == HybridIsoTables.Layout.GPT ? "gpt" : "dos");
        if (Capabilities.onPath("blkid")) {
            assertThat(TableOracles.blkidProbe(image).get("PTTYPE")).isEqualTo(table.get("label").getAsString());
        }
        JsonObject added = partitionNumbered(table, image, persistence.number());
        assertThat(added.get("start").getAsLong()).isEqualTo(persistence.firstLba());
        assertThat(added.get("size").getAsLong()).isEqualTo(persistence.sectorCount());
        JsonObject rest = partitionNumbered(table, image, data.number());
        assertThat(rest.get("start").getAsLong()).isEqualTo(data.firstLba());
        if (fixture.layout() == HybridIsoTables.Layout.GPT) {
            assertThat(added.get("type").getAsString()).isEqualToIgnoringCase(GptTypes.LINUX_FILESYSTEM.toString());
            assertThat(added.get("name").getAsString()).isEqualTo("persistence");
            assertThat(added.get("uuid").getAsString()).isEqualToIgnoringCase(persistenceGuid.toString());
            assertThat(rest.get("type").getAsString()).isEqualToIgnoringCase(GptTypes.MICROSOFT_BASIC_DATA.toString());
            long diskSectors = Files.size(image) / 512;
            assertThat(table.get("lastlba").getAsLong()).isLessThan(diskSectors - 1);
            assertThat(rest.get("start").getAsLong() + rest.get("size").getAsLong()).isLessThanOrEqualTo(table.get("lastlba").getAsLong() + 1);
        } else {
            assertThat(added.get("type").getAsString()).isEqualTo("83");
            assertThat(rest.get("type").getAsString()).isEqualTo("c");
        }
        // Every partition the ISO had is still there, unchanged.
        List<JsonObject> before = TableOracles.sfdiskPartitions(TableOracles.sfdiskJson(fixture.iso()));
        List<JsonObject> after = TableOracles.sfdiskPartitions(table);
        assertThat(after).hasSize(before.size() + 2);
        for (JsonObject p : before) {
            JsonObject q = partitionNumbered(table, image, TableOracles.number(p, fixture.iso()));
            assertThat(q.get("start")).isEqualTo(p.get("start"));
            assertThat(q.get("size")).isEqualTo(p.get("size"));
            assertThat(q.get("type")).isEqualTo(p.get("type"));
        }

        try (ImageFile disk = ImageFile.openReadOnly(image)) {
            PartitionTables tables = PartitionTables.read(disk);
            if (fixture.layout() == HybridIsoTables.Layout.GPT) {
                assertThat(tables.gpt().problems()).isEmpty();
                assertThat(tables.gpt().backup().myLba()).isEqualTo(disk.size() / 512 - 1);
                MbrPartitionEntry protective = tables.mbr().entries().stream()
                        .filter(e -> e.type() == MbrTypes.GPT_PROTECTIVE).findFirst().orElseThrow();
                assertThat(protective.endLba()).isEqualTo(disk.size() / 512);
            } else {
                assertThat(GptReader.read(disk)).as("stale GPT headers zeroed").isEmpty();
            }
        }
        assertIsoUnchangedOutsideTables(original, image, fixture.layout());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    @Tag(Tags.ROOT)
    @Tag(Tags.LOOP)
    void kernelSeesTheAddedPartitions(Fixture fixture) throws Exception {
        Path image = grownCopy(fixture);
        try (ImageFile disk = ImageFile.openReadWrite(image)) {
            HybridIsoTables.addPartitionAfterIso(disk, Files.size(fixture.iso()),
                    HybridIsoTables.NewPartition.linux(LayoutPlanner.Request.restOfDisk(), "persistence"));
        }
        List<TableOracles.Seen> expected = new ArrayList<>();
        for (JsonObject p : TableOracles.sfdiskPartitions(TableOracles.sfdiskJson(image))) {
            expected.add(new TableOracles.Seen(TableOracles.number(p, image), p.get("start").getAsLong(), p.get("size").getAsLong()));
        }
        try (LoopDevice loop = TableOracles.attachPartitioned(image, dir)) {
            assertThat(TableOracles.kernelPartitions(loop)).isEqualTo(expected);
            // GPT names reach the kernel only through its own parser, not through BLKPG.
            if (fixture.layout() == HybridIsoTables.Layout.GPT && TableOracles.kernelScansPartitions(dir)) {
                assertThat(TableOracles.kernelPartitionName(loop, expected.get(expected.size() - 1).number()))
                        .isEqualTo("persistence");
            }
        }
    }

    private Path grownCopy(Fixture fixture) throws IOException {
        Path image = dir.resolve(fixture.name() + ".stick");
        Files.copy(fixture.iso(), image, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        try (ImageFile disk = ImageFile.openReadWrite(image)) {
            disk.setSize(disk.size() + GROWTH);
        }
        return image;
    }

    private static JsonObject partitionNumbered(JsonObject table, Path image, int number) {
        return TableOracles.sfdiskPartitions(table).stream().filter(p -> TableOracles.number(p, image) == number)
                .findFirst().orElseThrow(() -> new AssertionError("sfdisk shows no partition " + number));
    }

    /**
     * The ISO's bytes may differ only in table sectors: the new MBR entries' 16-byte slots in
     * sector 0, GPT header sectors (LBA 1, the old backup), and under GPT the entry array.
     */
    private static void assertIsoUnchangedOutsideTables(byte[] original, Path image, HybridIsoTables.Layout layout)
            throws IOException {
        byte[] now = new byte[original.length];
        try (ImageFile disk = ImageFile.openReadOnly(image)) {
            disk.read(java.nio.ByteBuffer.wrap(now), 0);
        }
        Set<Long> changedSectors = new TreeSet<>();
        for (int i = 0; i < original.length; i++) {
            if (original[i] != now[i]) {
                changedSectors.add(i / 512L);
                if (i < 512) {
                    assertThat(i).as("changed byte in sector 0 lies in the partition table").isBetween(446, 509);
                }
            }
        }
        long lastIsoSector = original.length / 512 - 1;
        Set<Long> allowed = new TreeSet<>(List.of(0L, 1L, lastIsoSector));
        if (layout == HybridIsoTables.Layout.GPT) {
            long entriesLba = Bytes.u64(original, 512 + 72);
            long arraySectors = (Bytes.u32(original, 512 + 80) * Bytes.u32(original, 512 + 84) + 511) / 512;
            for (long s = entriesLba; s < entriesLba + arraySectors; s++) {
                allowed.add(s);
            }
        }
        assertThat(changedSectors).isNotEmpty().isSubsetOf(allowed);
    }

    private static byte[] bytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
