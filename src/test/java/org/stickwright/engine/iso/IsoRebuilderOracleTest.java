package org.stickwright.engine.iso;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.part.PartitionTables;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.FamilyLayoutIsos;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * The rebuilt ISO checked by the reference tools, on xorriso-made images laid out like the real
 * ones: Ubuntu's (GPT, -partition_offset 16, EFI image appended as GPT partition 2 and booted
 * through an El Torito interval), Arch's (isohybrid MBR, appended partition 2, GPT left invalid)
 * and SystemRescue's (isohybrid MBR, EFI image inside the ISO). The new squashfs is made by
 * mksquashfs from random data, so it is larger than the old one and cannot be mistaken for it.
 */
@Tag(Tags.ORACLE)
class IsoRebuilderOracleTest {
    private static final Pattern ELTORITO = Pattern.compile("El Torito boot img :\\s+(\\d+)\\s+(\\w+).*\\s(\\d+)$");

    @TempDir
    Path dir;

    @Test
    void ubuntuGptWithAppendedEsp() throws Exception {
        requireTools();
        FamilyLayoutIsos.Layout ubuntu = new FamilyLayoutIsos(dir).ubuntu();
        Path rebuilt = rebuildAndCheck(ubuntu.iso(), "/casper/filesystem.squashfs", 3 << 20);
        String verify = Tool.run("sgdisk", "-v", rebuilt.toString()).stdout();
        assertThat(verify).contains("No problems found").doesNotContain("Warning").doesNotContain("Problem:");
        // Every moved boundary keeps its alignment: sgdisk cautions about no partition it did not
        // caution about in the original (the boundary it names is its own guess from the starts).
        assertThat(cautions(verify)).isEqualTo(cautions(Tool.run("sgdisk", "-v", ubuntu.iso().toString()).stdout()));
        String sfdisk = Tool.run("sfdisk", "--verify", rebuilt.toString()).stdout()
                + Tool.run("sfdisk", "--verify", rebuilt.toString()).stderr();
        assertSfdiskClean(sfdisk);
        // The appended ESP moved with everything after the volume and reads as the same FAT.
        long esp = partitionStart(rebuilt, 2);
        assertThat(esp).isGreaterThan(partitionStart(ubuntu.iso(), 2));
        assertThat(Tool.run("mtype", "-i", rebuilt + "@@" + esp, "::/EFI/boot/grubx64.efi").ok().stdout())
                .isEqualTo(ubuntu.efiFiles().get("/EFI/boot/grubx64.efi"));
        assertThat(efiLoadBlock(rebuilt) * 2048).isEqualTo(esp);
        // Partition 1 (the -partition_offset tree) still reaches up to the moved ESP and reads alone.
        try (ImageFile file = ImageFile.openReadOnly(rebuilt)) {
            PartitionTables tables = PartitionTables.read(file);
            PartitionTables.Partition p1 = tables.partitions().get(0);
            assertThat(p1.endLba() * 512).isEqualTo(esp);
            IsoImage partition = IsoImage.open(file.slice(p1.firstLba() * 512, p1.sectorCount() * 512));
            IsoEntry squash = partition.find("/casper/filesystem.squashfs").orElseThrow();
            assertThat(squash.size()).isEqualTo(Files.size(dir.resolve("new.squashfs")));
            assertThat(sha256(partition.openStream(squash)))
                    .isEqualTo(IsoFixtures.sha256(dir.resolve("new.squashfs")));
        }
    }

    /**
     * The source may be a stick the ISO was written to, with the backup GPT moved to the stick's
     * end and a partition of its own after the ISO (as an overlay stick has): the rebuild from
     * the stick is the rebuild from the ISO file, the stick's partition left out.
     */
    @Test
    void aStickGivesTheSameImageAsItsIso() throws Exception {
        requireTools();
        FamilyLayoutIsos.Layout ubuntu = new FamilyLayoutIsos(dir).ubuntu();
        Path stick = dir.resolve("stick.img");
        Files.copy(ubuntu.iso(), stick);
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(stick,
                java.nio.file.StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[1]), (64L << 20) - 1);
        }
        Tool.run("sgdisk", "-e", stick.toString()).ok();
        long start = (Files.size(ubuntu.iso()) + (1 << 20) - 1) / (1 << 20) * (1 << 20);
        Tool.run("sgdisk", "-n", "4:" + start / 512 + ":0", "-t", "4:0700", "-c", "4:overlay", stick.toString()).ok();
        Path content = dir.resolve("content.bin");
        byte[] bytes = new byte[(3 << 20) + 77];
        new Random(7).nextBytes(bytes);
        Files.write(content, bytes);
        Path fromIso = dir.resolve("from-iso.iso");
        Path fromStick = dir.resolve("from-stick.iso");
        IsoRebuilder.Plan plan;
        try (ImageFile iso = ImageFile.openReadOnly(ubuntu.iso()); ImageFile disk = ImageFile.openReadOnly(stick);
                ImageFile in = ImageFile.openReadOnly(content)) {
            IsoRebuilder.rebuild(iso, "/casper/filesystem.squashfs", in, fromIso, null, null);
            plan = IsoRebuilder.rebuild(disk, "/casper/filesystem.squashfs", in, fromStick, null, null);
        }
        assertThat(plan.droppedPartitions()).containsExactly(4);
        assertThat(plan.sourceImageBytes()).isEqualTo(Files.size(ubuntu.iso()));
        // Byte for byte the same but for the MBR's entries, which sgdisk -e rewrote on the stick
        // (its own CHS geometry, xorriso's --mbr-force-bootable dummy entry gone); the protective
        // entry covers the new image either way.
        byte[] a = Files.readAllBytes(fromIso);
        byte[] b = Files.readAllBytes(fromStick);
        try (ImageFile file = ImageFile.openReadOnly(fromStick)) {
            org.stickwright.engine.part.MbrPartitionEntry protective = org.stickwright.engine.part.Mbr.read(file)
                    .entries().get(0);
            assertThat(protective.type()).isEqualTo(0xEE);
            assertThat(protective.endLba()).isEqualTo(b.length / 512);
        }
        java.util.Arrays.fill(a, 446, 510, (byte) 0);
        java.util.Arrays.fill(b, 446, 510, (byte) 0);
        assertThat(java.util.Arrays.mismatch(a, b)).isEqualTo(-1);
        assertThat(Tool.run("sgdisk", "-v", fromStick.toString()).stdout()).contains("No problems found");
    }

    @Test
    void archIsohybridMbrWithAppendedEsp() throws Exception {
        requireTools();
        FamilyLayoutIsos.Layout arch = new FamilyLayoutIsos(dir).arch();
        Path rebuilt = rebuildAndCheck(arch.iso(), "/arch/x86_64/airootfs.sfs", 5 << 20);
        String sfdisk = Tool.run("sfdisk", "--verify", rebuilt.toString()).stdout()
                + Tool.run("sfdisk", "--verify", rebuilt.toString()).stderr();
        assertSfdiskClean(sfdisk);
        long esp = partitionStart(rebuilt, 2);
        assertThat(efiLoadBlock(rebuilt) * 2048).isEqualTo(esp);
        assertThat(Tool.run("mtype", "-i", rebuilt + "@@" + esp, "::/loader/loader.conf").ok().stdout())
                .isEqualTo(FamilyLayoutIsos.ARCH_LOADER_CONF);
    }

    @Test
    void systemRescueIsohybridWithEfiImageInside() throws Exception {
        requireTools();
        FamilyLayoutIsos.Layout rescue = new FamilyLayoutIsos(dir).systemRescue();
        Path rebuilt = rebuildAndCheck(rescue.iso(), "/sysresccd/x86_64/airootfs.sfs", 2 << 20);
        // An isohybrid MBR's partition 1 covers the ISO and so the EFI image's 0xEF entry: sfdisk
        // says so of the original too, and of the rebuilt image nothing more.
        assertThat(sfdiskProblems(rebuilt)).isEqualTo(sfdiskProblems(rescue.iso()))
                .containsExactly("Partition 1: overlaps partition 2.");
    }

    @Test
    void smallerContentStaysInTheOldBlocks() throws Exception {
        requireTools();
        FamilyLayoutIsos.Layout ubuntu = new FamilyLayoutIsos(dir).ubuntu();
        Path content = dir.resolve("tiny.bin");
        Files.write(content, "tiny squashfs stand-in\n".getBytes());
        Path out = dir.resolve("small.iso");
        IsoRebuilder.Plan plan;
        try (ImageFile source = ImageFile.openReadOnly(ubuntu.iso()); ImageFile in = ImageFile.openReadOnly(content)) {
            plan = IsoRebuilder.rebuild(source, "/casper/filesystem.squashfs", in, out, null, null);
        }
        assertThat(plan.shiftBytes()).isZero();
        try (ImageFile source = ImageFile.openReadOnly(ubuntu.iso())) {
            assertThat(plan.newExtentOffset()).isEqualTo(IsoImage.open(source).find("/casper/filesystem.squashfs")
                    .orElseThrow().firstDataOffset());
        }
        assertThat(Files.size(out)).isEqualTo(Files.size(ubuntu.iso()));
        assertThat(Tool.run("xorriso", "-osirrox", "on", "-indev", out.toString(), "-extract",
                "/casper/filesystem.squashfs", dir.resolve("tiny.out").toString()).ok().exitCode()).isZero();
        assertThat(Files.readString(dir.resolve("tiny.out"))).isEqualTo("tiny squashfs stand-in\n");
        assertThat(Tool.run("sgdisk", "-v", out.toString()).stdout()).contains("No problems found");
    }

    @Test
    void refusesWhatItCannotRebuildAndLeavesNoOutput() throws Exception {
        requireTools();
        FamilyLayoutIsos.Layout ubuntu = new FamilyLayoutIsos(dir).ubuntu();
        Path content = dir.resolve("content.bin");
        Files.write(content, new byte[5000]);
        Path out = dir.resolve("out.iso");
        try (ImageFile source = ImageFile.openReadOnly(ubuntu.iso()); ImageFile in = ImageFile.openReadOnly(content)) {
            assertThatThrownBy(() -> IsoRebuilder.rebuild(source, "/casper/missing.squashfs", in, out, null, null))
                    .isInstanceOf(IsoRebuildException.class).hasMessageContaining("no file /casper/missing.squashfs");
            assertThatThrownBy(() -> IsoRebuilder.rebuild(source, "/boot/grub/i386-pc/eltorito.img", in, out, null,
                    null)).isInstanceOf(IsoRebuildException.class).hasMessageContaining("El Torito boot image");
            assertThat(out).doesNotExist();
            Files.writeString(out, "precious");
            assertThatThrownBy(() -> IsoRebuilder.rebuild(source, "/casper/filesystem.squashfs", in, out, null, null))
                    .isInstanceOf(IsoRebuildException.class).hasMessageContaining("never written over");
            assertThat(Files.readString(out)).isEqualTo("precious");
            Files.delete(out);
            BlockDevice failing = new FailingReads(in);
            assertThatThrownBy(() -> IsoRebuilder.rebuild(source, "/casper/filesystem.squashfs", failing, out, null,
                    null)).isInstanceOf(IOException.class).hasMessageContaining("read failed on purpose");
            assertThat(out).doesNotExist();
        }
    }

    /** Rebuilds {@code iso} with {@code path} replaced by a fresh squashfs of {@code randomBytes} and checks it. */
    private Path rebuildAndCheck(Path iso, String path, int randomBytes) throws Exception {
        Path tree = Files.createDirectories(dir.resolve("newroot"));
        byte[] random = new byte[randomBytes];
        new Random(42).nextBytes(random);
        Files.write(tree.resolve("payload.bin"), random);
        Path squash = dir.resolve("new.squashfs");
        Tool.run("mksquashfs", tree.toString(), squash.toString(), "-noappend", "-quiet", "-comp", "gzip").ok();
        Path out = dir.resolve("rebuilt.iso");
        IsoRebuilder.Plan plan;
        try (ImageFile source = ImageFile.openReadOnly(iso); ImageFile content = ImageFile.openReadOnly(squash)) {
            IsoRebuilder.Plan planned = IsoRebuilder.plan(source, path, Files.size(squash));
            plan = IsoRebuilder.rebuild(source, path, content, out, null, null);
            assertThat(plan).isEqualTo(planned);
        }
        assertThat(plan.newLength()).isEqualTo(Files.size(squash));
        assertThat(plan.shiftBytes() % plan.alignmentBytes()).isZero();
        assertThat(Files.size(out)).isEqualTo(plan.imageBytes()).isEqualTo(Files.size(iso) + plan.shiftBytes());

        // xorriso reads the new tree: every file as before except the replaced one, which is the new squashfs.
        TreeMap<String, String> before = IsoFixtures.describe(IsoFixtures.xorrisoExtract(iso, dir.resolve("x-old")));
        TreeMap<String, String> after = IsoFixtures.describe(IsoFixtures.xorrisoExtract(out, dir.resolve("x-new")));
        String rel = path.substring(1);
        assertThat(after.get(rel)).startsWith("file " + Files.size(squash) + " " + IsoFixtures.sha256(squash));
        before.remove(rel);
        after.remove(rel);
        if (plan.bootEntriesMoved() > 0) {
            // A visible boot catalog changes exactly where the moved EFI entry's load RBA is.
            for (String catalog : java.util.List.of("boot.catalog", "boot/syslinux/boot.cat")) {
                if (before.containsKey(catalog)) {
                    assertThat(after.get(catalog)).isNotEqualTo(before.get(catalog));
                    before.remove(catalog);
                    after.remove(catalog);
                }
            }
        }
        assertThat(after).isEqualTo(before);
        Tool.run("unsquashfs", "-s", dir.resolve("x-new").resolve(rel).toString()).ok();

        // The Joliet and the plain ISO 9660 trees name the new extent too (isoinfo reads them alone).
        Path joliet = dir.resolve("joliet.out");
        Tool.run(null, 60, java.util.List.of("sh", "-c", "isoinfo -J -i '" + out + "' -x '" + path + "' > '"
                + joliet + "'")).ok();
        assertThat(IsoFixtures.sha256(joliet)).isEqualTo(IsoFixtures.sha256(squash));
        Path rock = dir.resolve("rock.out");
        Tool.run(null, 60, java.util.List.of("sh", "-c", "isoinfo -R -i '" + out + "' -x '" + path + "' > '"
                + rock + "'")).ok();
        assertThat(IsoFixtures.sha256(rock)).isEqualTo(IsoFixtures.sha256(squash));

        // El Torito: the BIOS image has not moved; the volume size grew by the shift.
        assertThat(biosLoadBlock(out)).isEqualTo(biosLoadBlock(iso));
        String report = Tool.run("xorriso", "-indev", out.toString(), "-report_el_torito", "plain",
                "-report_system_area", "plain").ok().stdout();
        assertThat(report).contains("El Torito boot img :   1  BIOS");
        try (ImageFile before2 = ImageFile.openReadOnly(iso); ImageFile after2 = ImageFile.openReadOnly(out)) {
            IsoImage a = IsoImage.open(before2);
            IsoImage b = IsoImage.open(after2);
            assertThat(b.volume().volumeSpaceBlocks() * 2048)
                    .isEqualTo(a.volume().volumeSpaceBlocks() * 2048 + plan.shiftBytes());
            assertThat(b.hybrid().mbrBootImageSector()).isEqualTo(a.hybrid().mbrBootImageSector());
            assertThat(b.hybrid().isohybridStyle()).isEqualTo(a.hybrid().isohybridStyle());
        }
        System.out.printf("%s: %s %d -> %d bytes at %d, shift %d (alignment %d), image %d -> %d, moved %s%n",
                iso.getFileName(), path, plan.oldLength(), plan.newLength(), plan.newExtentOffset(), plan.shiftBytes(),
                plan.alignmentBytes(), plan.sourceImageBytes(), plan.imageBytes(), plan.movedPartitions());
        return out;
    }

    /** sfdisk --verify exits 0 even on problems: its words are the oracle. */
    private static void assertSfdiskClean(String output) {
        assertThat(output).contains("No errors detected");
        assertThat(output.replace("No errors detected", "")).doesNotContainIgnoringCase("error")
                .doesNotContainIgnoringCase("overlap").doesNotContainIgnoringCase("exceeds")
                .doesNotContainIgnoringCase("corrupt").doesNotContainIgnoringCase("warning");
    }

    private static java.util.List<String> cautions(String sgdiskVerify) {
        return sgdiskVerify.lines().filter(l -> l.startsWith("Caution")).map(l -> l.replaceAll("\\d+-sector", "N-sector"))
                .toList();
    }

    private static java.util.List<String> sfdiskProblems(Path image) {
        Tool.Result run = Tool.run("sfdisk", "--verify", image.toString());
        return (run.stdout() + run.stderr()).lines().filter(line -> !line.startsWith(image.toString()))
                .filter(line -> !line.matches("\\d+ errors? detected\\.") && !line.startsWith("Remaining "))
                .toList();
    }

    private static long partitionStart(Path image, int number) throws IOException {
        try (ImageFile file = ImageFile.openReadOnly(image)) {
            return PartitionTables.read(file).partitions().stream().filter(p -> p.number() == number).findFirst()
                    .orElseThrow().firstLba() * 512;
        }
    }

    private static long efiLoadBlock(Path image) {
        return loadBlock(image, "UEFI");
    }

    private static long biosLoadBlock(Path image) {
        return loadBlock(image, "BIOS");
    }

    /** The load block xorriso reports for the El Torito entry of {@code platform}. */
    private static long loadBlock(Path image, String platform) {
        String report = Tool.run("xorriso", "-indev", image.toString(), "-report_el_torito", "plain").ok().stdout();
        for (String line : report.lines().toList()) {
            Matcher m = ELTORITO.matcher(line.strip());
            if (m.find() && m.group(2).equals(platform)) {
                return Long.parseLong(m.group(3));
            }
        }
        throw new AssertionError("no " + platform + " entry in\n" + report);
    }

    private static String sha256(java.io.InputStream in) throws Exception {
        java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
        try (in) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return java.util.HexFormat.of().formatHex(digest.digest());
    }

    private static void requireTools() {
        FamilyLayoutIsos.requireTools();
        Capabilities.requireTools("isoinfo", "sgdisk", "sfdisk", "mtype", "unsquashfs", "sh");
    }

    /** Content whose reads fail after the first MiB: the rebuild must remove its partial output. */
    private static final class FailingReads implements BlockDevice {
        private final BlockDevice inner;

        FailingReads(BlockDevice inner) {
            this.inner = inner;
        }

        @Override
        public long size() {
            return 8L << 20;
        }

        @Override
        public int logicalSectorSize() {
            return 512;
        }

        @Override
        public int physicalSectorSize() {
            return 512;
        }

        @Override
        public void read(ByteBuffer dst, long position) throws IOException {
            if (position >= 1 << 20) {
                throw new IOException("read failed on purpose at " + position);
            }
            dst.put(new byte[dst.remaining()]);
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            throw new IOException("read-only");
        }

        @Override
        public void flush() {
        }

        @Override
        public String name() {
            return "failing(" + inner.name() + ")";
        }

        @Override
        public void close() {
        }
    }
}
