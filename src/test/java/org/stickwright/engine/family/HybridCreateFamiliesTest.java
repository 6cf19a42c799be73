package org.stickwright.engine.family;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.job.CreateJob;
import org.stickwright.engine.job.CreatePlan;
import org.stickwright.engine.job.CreateRequest;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * Hybrid mode on the families the boot kit cannot boot here (archiso, casper) and on what must
 * be refused, with xorriso-built ISOs laid out like the real ones ({@link LiveIsoFixtures}):
 * the kernel lines are judged as xorriso and mtools read them back, the tables by sgdisk.
 */
@Tag(Tags.ORACLE)
class HybridCreateFamiliesTest {
    private static final long STICK = 256L << 20;

    @TempDir
    static Path dir;
    private static Path archIso;
    private static Path ubuntuIso;
    private static Path plainIso;

    @BeforeAll
    static void buildIsos() throws IOException {
        Capabilities.requireTools(LiveIsoFixtures.TOOLS);
        Capabilities.requireTools("sgdisk", "sfdisk", "e2fsck", "debugfs", "blkid", "mtype", "mdir", "fsck.fat");
        LiveIsoFixtures fixtures = new LiveIsoFixtures(dir);
        archIso = fixtures.arch();
        ubuntuIso = fixtures.ubuntu();
        plainIso = fixtures.plainData();
    }

    private static CreateJob.Created create(CreateRequest request, Path stick) throws Exception {
        CreateJob job = CreateJob.of(request, new Progress(), new Cancellation());
        CreatePlan plan = job.plan(STICK, 512);
        try (ImageFile target = ImageFile.create(stick, STICK)) {
            CreateJob.Created created = job.write(plan, target);
            try (ImageFile readBack = ImageFile.openReadOnly(stick)) {
                job.verify(created, readBack);
            }
            return created;
        }
    }

    @Test
    void archisoGetsCowLabelAndDirectoryInSyslinuxAndInsideTheEfiImage() throws Exception {
        Path iso = archIso;
        Path stick = dir.resolve("arch.img");
        CreateJob.Created created = create(CreateRequest.hybrid(iso, 64L << 20)
                .withProfiles(List.of(new CreateRequest.Profile("work", 32L << 20))), stick);
        // the work profile is a cow_directory on the persistence partition (64M + 32M), so the
        // isohybrid MBR's last entry is left for the data partition
        assertThat(created.plan().partitions()).extracting(CreatePlan.PlannedPartition::label)
                .containsExactly(LiveIsoFixtures.ARCH_LABEL, "persistence", "STICKDATA");
        assertThat(created.plan().partitions().get(1).length()).isEqualTo(96L << 20);
        assertThat(created.plan().notes()).anyMatch(n -> n.contains("profiles work share the persistence partition"));
        String sys = extract(stick, "/boot/syslinux/archiso_sys-linux.cfg");
        assertThat(sys).contains("APPEND archisobasedir=arch archisolabel=ARCH_202601 cow_label=persistence cow_directory=persistent\n",
                "APPEND archisobasedir=arch archisolabel=ARCH_202601 cow_label=persistence cow_directory=work\n",
                "LABEL arch64-nopersist");
        long efi = efiImageOffset(stick, "/EFI/archiso/efiboot.img");
        String image = stick + "@@" + efi;
        String listing = Tool.run("mdir", "-b", "-i", image, "::/loader/entries").ok().stdout();
        assertThat(listing).contains("01-archiso-linux-stickwright-persistent.conf",
                "01-archiso-linux-stickwright-persistent-work.conf");
        assertThat(Tool.run("mtype", "-i", image, "::/loader/entries/01-archiso-linux-stickwright-persistent.conf")
                .ok().stdout()).contains("options  archisobasedir=arch archisolabel=ARCH_202601 cow_label=persistence cow_directory=persistent");
        assertThat(Tool.run("mtype", "-i", image, "::/loader/loader.conf").ok().stdout())
                .contains("default 01-archiso-linux-stickwright-persistent.conf");
        Tool.run("fsck.fat", "-n", "--", extractRange(stick, efi, fileSize(stick, "/EFI/archiso/efiboot.img"), "efi.img")
                .toString()).ok();
        assertThat(Tool.run("sgdisk", "-v", stick.toString()).ok().stdout()).contains("No problems found");
        Path store = store(stick, created, "persistence", "arch-store.ext4");
        Tool.run("e2fsck", "-fn", store.toString()).ok();
        assertThat(Tool.run("debugfs", "-R", "ls -p /persistent", store.toString()).ok().stdout())
                .contains("/upperdir/", "/workdir/");
        assertThat(Tool.run("debugfs", "-R", "ls -p /work", store.toString()).ok().stdout())
                .contains("/upperdir/", "/workdir/");
    }

    @Test
    void casperGetsPersistentBeforeTheSeparatorAndTheWritableLabel() throws Exception {
        Path iso = ubuntuIso;
        Path stick = dir.resolve("ubuntu.img");
        CreateJob.Created created = create(CreateRequest.hybrid(iso, 64L << 20).withHome(32L << 20), stick);
        assertThat(created.plan().partitions()).extracting(CreatePlan.PlannedPartition::label)
                .contains("writable", "home-rw", "STICKDATA");
        String grub = extract(stick, "/boot/grub/grub.cfg");
        assertThat(grub).contains("linux\t/casper/vmlinuz persistent  --- quiet splash", "(no persistence)");
        // What mounting the ISO partition (from sector 64, -partition_offset 16) shows: its own trees.
        Path isoPartition = extractRange(stick, 64 * 512, Files.size(iso) - 64 * 512, "ubuntu-p1.iso");
        assertThat(extract(isoPartition, "/boot/grub/grub.cfg")).isEqualTo(grub);
        assertThat(Tool.run("sgdisk", "-v", stick.toString()).ok().stdout()).contains("No problems found");
        Path store = store(stick, created, "persistence", "ubuntu-store.ext4");
        Tool.run("e2fsck", "-fn", store.toString()).ok();
        assertThat(Tool.run("blkid", "-p", "-o", "export", store.toString()).ok().stdout()).contains("LABEL=writable");
    }

    @Test
    void whatAFamilyCannotDoIsRefusedNamingTheFamily() throws Exception {
        Path arch = archIso;
        assertThatThrownBy(() -> CreateJob.of(CreateRequest.hybrid(arch, 64L << 20).withHome(32L << 20),
                new Progress(), new Cancellation()).plan(STICK, 512))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.outcome()).isEqualTo(Outcome.BAD_INPUT))
                .hasMessageContaining("Arch Linux archiso has no separate home");
        Path ubuntu = ubuntuIso;
        assertThatThrownBy(() -> CreateJob.of(CreateRequest.hybrid(ubuntu, 64L << 20)
                        .withProfiles(List.of(new CreateRequest.Profile("work", 32L << 20))),
                new Progress(), new Cancellation()).plan(STICK, 512))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.outcome()).isEqualTo(Outcome.BAD_INPUT))
                .hasMessageContaining("Ubuntu casper cannot offer persistence profiles");
        Path plain = plainIso;
        assertThatThrownBy(() -> CreateJob.of(CreateRequest.hybrid(plain, 64L << 20),
                new Progress(), new Cancellation()).plan(STICK, 512))
                .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.outcome()).isEqualTo(Outcome.BAD_INPUT))
                .hasMessageContaining("stickwright write");
    }

    @Test
    void verifyFindsAChangedByteInTheIsoOrInTheNewMetadataAndWipesTheStick() throws Exception {
        for (boolean inIso : List.of(true, false)) {
            Path stick = dir.resolve("verify-" + inIso + ".img");
            CreateJob job = CreateJob.of(CreateRequest.hybrid(archIso, 64L << 20), new Progress(), new Cancellation());
            CreatePlan plan = job.plan(STICK, 512);
            try (ImageFile target = ImageFile.create(stick, STICK)) {
                CreateJob.Created created = job.write(plan, target);
                // A byte of the squashfs (ISO content nobody patched), or the store's ext4 superblock magic.
                long at = inIso ? efiImageOffset(stick, "/arch/x86_64/airootfs.sfs") + 100
                        : plan.partitions().get(1).offset() + 1024 + 0x38;
                byte[] old = target.readBytes(at, 1);
                target.writeBytes(at, new byte[] {(byte) (old[0] ^ 0x5a)});
                try (ImageFile readBack = ImageFile.openReadOnly(stick)) {
                    assertThatThrownBy(() -> job.verify(created, readBack))
                            .isInstanceOfSatisfying(JobException.class,
                                    e -> assertThat(e.outcome()).isEqualTo(Outcome.VERIFY_MISMATCH))
                            .hasMessageContaining(inIso ? "differs from what was written at byte " + at
                                    : "read back differently")
                            .hasMessageContaining("wiped");
                }
                assertThat(target.readBytes(0, 1 << 20)).as("first MiB wiped").containsOnly(0);
            }
        }
    }

    @Test
    void aWriteThatFailsWhileFormattingLeavesTheStickWipedAndSaysSo() throws Exception {
        Path stick = dir.resolve("failing.img");
        CreateJob job = CreateJob.of(CreateRequest.hybrid(archIso, 64L << 20), new Progress(), new Cancellation());
        CreatePlan plan = job.plan(STICK, 512);
        long storeStart = plan.partitions().get(1).offset();
        try (ImageFile file = ImageFile.create(stick, STICK);
             FailingBeyond target = new FailingBeyond(file, storeStart + 4096)) {
            assertThatThrownBy(() -> job.write(plan, target))
                    .isInstanceOfSatisfying(JobException.class, e -> assertThat(e.outcome()).isEqualTo(Outcome.IO_ERROR))
                    .hasMessageContaining("partition tables were wiped");
            assertThat(file.readBytes(0, 1 << 20)).as("first MiB wiped").containsOnly(0);
        }
    }

    /** A device whose writes fail from a given byte on, like a stick with a dead region. */
    private static final class FailingBeyond implements org.stickwright.engine.io.BlockDevice {
        private final org.stickwright.engine.io.BlockDevice inner;
        private final long limit;
        private boolean failed;

        FailingBeyond(org.stickwright.engine.io.BlockDevice inner, long limit) {
            this.inner = inner;
            this.limit = limit;
        }

        @Override
        public long size() throws IOException {
            return inner.size();
        }

        @Override
        public int logicalSectorSize() {
            return inner.logicalSectorSize();
        }

        @Override
        public int physicalSectorSize() {
            return inner.physicalSectorSize();
        }

        @Override
        public void read(java.nio.ByteBuffer dst, long position) throws IOException {
            inner.read(dst, position);
        }

        @Override
        public void write(java.nio.ByteBuffer src, long position) throws IOException {
            if (!failed && position + src.remaining() > limit) {
                failed = true;
                throw new IOException("EIO at byte " + position);
            }
            inner.write(src, position);
        }

        @Override
        public void flush() throws IOException {
            inner.flush();
        }

        @Override
        public String name() {
            return "failing " + inner.name();
        }

        @Override
        public void close() {
            // the file belongs to the test
        }
    }

    private static String extract(Path stick, String path) throws IOException {
        Path out = dir.resolve("x-" + stick.getFileName() + path.replace('/', '_'));
        Files.deleteIfExists(out);
        Tool.run("xorriso", "-osirrox", "on", "-indev", stick.toString(), "-extract", path, out.toString()).ok();
        return Files.readString(out);
    }

    private static long efiImageOffset(Path stick, String path) throws IOException {
        try (ImageFile device = ImageFile.openReadOnly(stick)) {
            return org.stickwright.engine.iso.IsoImage.open(device).find(path).orElseThrow().firstDataOffset();
        }
    }

    private static long fileSize(Path stick, String path) throws IOException {
        try (ImageFile device = ImageFile.openReadOnly(stick)) {
            return org.stickwright.engine.iso.IsoImage.open(device).find(path).orElseThrow().size();
        }
    }

    /** The planned partition with {@code role}, checked against the table sfdisk reads, copied to a file. */
    private static Path store(Path stick, CreateJob.Created created, String role, String name) throws IOException {
        CreatePlan.PlannedPartition planned = created.plan().partitions().stream().filter(p -> p.role().equals(role))
                .findFirst().orElseThrow();
        String dump = Tool.run("sfdisk", "-d", stick.toString()).ok().stdout();
        assertThat(dump).contains(stick + String.valueOf(planned.number()) + " : start=" + String.format("%12d",
                planned.offset() / 512) + ", size=" + String.format("%12d", planned.length() / 512));
        return extractRange(stick, planned.offset(), planned.length(), name);
    }

    private static Path extractRange(Path stick, long offset, long length, String name) throws IOException {
        Path out = dir.resolve(name);
        try (var in = java.nio.channels.FileChannel.open(stick);
             var dst = java.nio.channels.FileChannel.open(out, java.nio.file.StandardOpenOption.CREATE,
                     java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
            long done = 0;
            while (done < length) {
                done += in.transferTo(offset + done, length - done, dst.position(done));
            }
        }
        return out;
    }
}
