package org.stickwright.engine.part;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.LoopDevice;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/** New tables checked by sgdisk, sfdisk, partx and the kernel. */
@Tag(Tags.ORACLE)
class FreshTablesOracleTest {
    private static final long DISK = (96L << 20) + 7 * 512; // an odd size, as real sticks have
    private static final UUID DISK_GUID = UUID.fromString("5EC00C5E-1D0E-4B7A-9A1F-0123456789AB");

    @TempDir
    Path dir;

    private List<GptPartitionEntry> gptEntries() throws Exception {
        List<LayoutPlanner.Extent> extents = LayoutPlanner.forGpt(DISK, 512, 32).plan(0, List.of(
                LayoutPlanner.Request.ofSize(16L << 20), LayoutPlanner.Request.ofSize(20L << 20),
                LayoutPlanner.Request.restOfDisk()));
        UUID[] types = {GptTypes.EFI_SYSTEM, GptTypes.MICROSOFT_BASIC_DATA, GptTypes.LINUX_FILESYSTEM};
        String[] names = {"EFI System", "Daten für Windows", "persistence"};
        List<GptPartitionEntry> entries = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            LayoutPlanner.Extent e = extents.get(i);
            entries.add(new GptPartitionEntry(types[i], UUID.nameUUIDFromBytes(new byte[] {(byte) i}), e.offset() / 512,
                    e.end() / 512 - 1, i == 0 ? GptPartitionEntry.LEGACY_BIOS_BOOTABLE : 0, names[i]));
        }
        return entries;
    }

    private Path gptImage() throws Exception {
        Path image = dir.resolve("gpt.img");
        try (ImageFile disk = ImageFile.create(image, DISK)) {
            FreshTables.writeGpt(disk, DISK_GUID, gptEntries());
        }
        return image;
    }

    private static final int[] MBR_TYPES = {MbrTypes.FAT32_LBA, MbrTypes.LINUX, MbrTypes.EFI_SYSTEM, MbrTypes.EXFAT_NTFS};

    private Path mbrImage() throws Exception {
        Path image = dir.resolve("mbr.img");
        List<LayoutPlanner.Extent> extents = LayoutPlanner.forMbr(DISK, 512).plan(0, List.of(
                LayoutPlanner.Request.ofSize(8L << 20), LayoutPlanner.Request.ofSize(30L << 20),
                LayoutPlanner.Request.ofSize(5L << 20), LayoutPlanner.Request.restOfDisk()));
        List<MbrPartitionEntry> entries = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            entries.add(MbrPartitionEntry.of(MBR_TYPES[i], extents.get(i).offset() / 512, extents.get(i).length() / 512, i == 1));
        }
        try (ImageFile disk = ImageFile.create(image, DISK)) {
            FreshTables.writeMbr(disk, Mbr.fresh(0x5717C4E2L, entries));
        }
        return image;
    }

    @Test
    void gptPassesSgdiskAndSfdiskAndMatchesTheirDump() throws Exception {
        Capabilities.requireTools("sgdisk", "sfdisk");
        Path image = gptImage();
        TableOracles.assertSgdiskClean(image);
        TableOracles.assertSfdiskClean(image);
        JsonObject table = TableOracles.sfdiskJson(image);
        assertThat(table.get("label").getAsString()).isEqualTo("gpt");
        assertThat(table.get("id").getAsString()).isEqualToIgnoringCase(DISK_GUID.toString());
        assertThat(table.get("lastlba").getAsLong()).isEqualTo(DISK / 512 - 34);
        List<JsonObject> partitions = TableOracles.sfdiskPartitions(table);
        List<GptPartitionEntry> entries = gptEntries();
        assertThat(partitions).hasSize(3);
        for (int i = 0; i < 3; i++) {
            JsonObject p = partitions.get(i);
            GptPartitionEntry e = entries.get(i);
            assertThat(p.get("start").getAsLong()).isEqualTo(e.firstLba());
            assertThat(p.get("size").getAsLong()).isEqualTo(e.sectorCount());
            assertThat(p.get("type").getAsString()).isEqualToIgnoringCase(e.type().toString());
            assertThat(p.get("uuid").getAsString()).isEqualToIgnoringCase(e.unique().toString());
            assertThat(p.get("name").getAsString()).isEqualTo(e.name());
        }
        assertThat(partitions.get(0).get("attrs").getAsString()).isEqualTo("LegacyBIOSBootable");
        if (Capabilities.onPath("blkid")) {
            assertThat(TableOracles.blkidProbe(image)).containsEntry("PTTYPE", "gpt")
                    .containsEntry("PTUUID", DISK_GUID.toString());
        }
    }

    @Test
    void gptIsSeenByLibblkidAsWritten() throws Exception {
        Capabilities.requireTools("partx");
        Path image = gptImage();
        String out = Tool.run("partx", "-g", "-o", "NR,START,SECTORS,TYPE,NAME", image.toString()).ok().stdout();
        List<String> expected = new ArrayList<>();
        int n = 1;
        for (GptPartitionEntry e : gptEntries()) {
            expected.add(n++ + " " + e.firstLba() + " " + e.sectorCount() + " " + e.type().toString().toLowerCase(Locale.ROOT)
                    + " " + e.name());
        }
        assertThat(out.lines().map(l -> l.trim().replaceAll(" +", " ")).toList()).containsExactlyElementsOf(expected);
    }

    @Test
    void mbrPassesSfdiskAndSgdiskAndMatchesTheirDump() throws Exception {
        Capabilities.requireTools("sgdisk", "sfdisk");
        Path image = mbrImage();
        TableOracles.assertSfdiskClean(image);
        TableOracles.assertSgdiskClean(image);
        JsonObject table = TableOracles.sfdiskJson(image);
        assertThat(table.get("label").getAsString()).isEqualTo("dos");
        assertThat(table.get("id").getAsString()).isEqualTo("0x5717c4e2");
        List<JsonObject> partitions = TableOracles.sfdiskPartitions(table);
        assertThat(partitions).hasSize(4);
        for (int i = 0; i < 4; i++) {
            JsonObject p = partitions.get(i);
            assertThat(p.get("start").getAsLong() % 2048).isZero();
            assertThat(Integer.parseInt(p.get("type").getAsString(), 16)).isEqualTo(MBR_TYPES[i]);
            assertThat(p.has("bootable") && p.get("bootable").getAsBoolean()).isEqualTo(i == 1);
        }
        if (Capabilities.onPath("blkid")) {
            assertThat(TableOracles.blkidProbe(image)).containsEntry("PTTYPE", "dos").containsEntry("PTUUID", "5717c4e2");
        }
        // The rest of the disk: up to the last whole MiB that leaves room for a backup GPT.
        assertThat(partitions.get(3).get("start").getAsLong() + partitions.get(3).get("size").getAsLong()).isEqualTo(95L * 2048); // 96 MiB + 7 sectors - 33 sectors < 96 MiB
    }

    @Test
    void wipedDiskHasNoTableForAnyTool() throws Exception {
        Capabilities.requireTools("sfdisk", "blkid");
        Path image = gptImage();
        try (ImageFile disk = ImageFile.openReadWrite(image)) {
            FreshTables.wipe(disk);
        }
        Tool.Result dump = Tool.run("sfdisk", "--dump", image.toString());
        assertThat(dump.exitCode()).isNotZero();
        assertThat(dump.output()).contains("does not contain a recognized partition table");
        Tool.Result blkid = Tool.run("blkid", "-p", "-o", "export", image.toString());
        assertThat(blkid.stdout()).doesNotContain("PTTYPE");
        Path mbr = mbrImage();
        try (ImageFile disk = ImageFile.openReadWrite(mbr)) {
            FreshTables.wipe(disk);
            assertThat(PartitionTables.read(disk).scheme()).isEqualTo(PartitionTables.Scheme.NONE);
        }
        assertThat(Tool.run("blkid", "-p", "-o", "export", mbr.toString()).stdout()).doesNotContain("PTTYPE");
    }

    @Test
    @Tag(Tags.ROOT)
    @Tag(Tags.LOOP)
    void kernelSeesThePartitionsWeWrote() throws Exception {
        for (Path image : List.of(gptImage(), mbrImage())) {
            List<TableOracles.Seen> expected = new ArrayList<>();
            for (JsonObject p : TableOracles.sfdiskPartitions(TableOracles.sfdiskJson(image))) {
                expected.add(new TableOracles.Seen(TableOracles.number(p, image), p.get("start").getAsLong(),
                        p.get("size").getAsLong()));
            }
            try (ImageFile disk = ImageFile.openReadOnly(image)) {
                List<TableOracles.Seen> ours = PartitionTables.read(disk).partitions().stream()
                        .map(p -> new TableOracles.Seen(p.number(), p.firstLba(), p.sectorCount())).toList();
                assertThat(ours).isEqualTo(expected);
            }
            try (LoopDevice loop = TableOracles.attachPartitioned(image, dir)) {
                assertThat(TableOracles.kernelPartitions(loop)).as(image.toString()).isEqualTo(expected);
                // GPT names reach the kernel only through its own parser, not through BLKPG.
                if (image.getFileName().toString().startsWith("gpt") && TableOracles.kernelScansPartitions(dir)) {
                    List<GptPartitionEntry> entries = gptEntries();
                    for (int i = 0; i < entries.size(); i++) {
                        if (entries.get(i).name().chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
                            assertThat(TableOracles.kernelPartitionName(loop, i + 1)).isEqualTo(entries.get(i).name());
                        }
                    }
                }
            }
        }
    }
}
