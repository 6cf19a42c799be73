package org.stickwright.helper;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.boot.LiveFixture;
import org.stickwright.engine.job.CreateRequest;
import org.stickwright.ipc.HelperEvent;
import org.stickwright.ipc.HelperProtocol;
import org.stickwright.ipc.JobPlan;
import org.stickwright.ipc.StoreInfo;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;
import org.stickwright.ui.HelperSession;

/**
 * The helper as the wizard runs it: a separate process started by {@link HelperSession}, plan on
 * stdin, JSON lines on stdout, exit code of the CLI contract. Targets are image files (the
 * helper runs unelevated for them, as in development).
 */
class HelperProcessTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path dir;

    private static List<String> helper() {
        return CliProcess.command("helper");
    }

    private static HelperEvent run(JobPlan plan) throws Exception {
        HelperSession session = HelperSession.start(helper(), plan);
        return session.finished().get(5, TimeUnit.MINUTES);
    }

    @Test
    void aRawWriteThroughTheHelperEqualsTheCommandLinesByteForByte() throws Exception {
        Path image = TestImages.diskImage(dir.resolve("image.img"), 24 * MIB + 4096, 11, 5);
        Path viaHelper = sparse(dir.resolve("helper.img"), 64 * MIB);
        Path viaCli = sparse(dir.resolve("cli.img"), 64 * MIB);
        HelperEvent result = run(JobPlan.write(image, viaHelper, -1, false, true));
        assertThat(result.isResult()).as(String.valueOf(result)).isTrue();
        assertThat(result.verified()).isTrue();
        CliProcess.run("write", image.toString(), viaCli.toString(), "--yes").ok();
        assertThat(Files.mismatch(viaHelper, viaCli)).isEqualTo(-1);
        assertThat(TestImages.sha256(viaHelper, Files.size(image))).isEqualTo(TestImages.sha256(image));
    }

    @Test
    void aHybridCreatePlanMakesTheSameBytesAsTheCommandLinesCreateWithTheSameSeed() throws Exception {
        Path iso = LiveFixture.FEDORA_FLAT.iso();
        Path viaHelper = sparse(dir.resolve("helper.img"), 256 * MIB);
        Path viaCli = sparse(dir.resolve("cli.img"), 256 * MIB);
        CreateRequest request = new CreateRequest(iso, CreateRequest.Mode.HYBRID, 64 * MIB, 0, List.of(), null,
                CreateRequest.DataFs.FAT32, false, false, null, true, OptionalLong.of(42));
        HelperEvent result = run(JobPlan.create(request, viaHelper, -1, false));
        Tool.Result cli = CliProcess.run("create", iso.toString(), viaCli.toString(), "--mode", "hybrid",
                "--persistence", "64M", "--seed", "42", "--yes", "--json");
        assertThat(cli.exitCode()).as(cli.output()).isZero();
        assertThat(result.isResult()).as(String.valueOf(result)).isTrue();
        assertThat(result.verified()).isTrue();
        assertThat(Files.mismatch(viaHelper, viaCli)).isEqualTo(-1);
    }

    @Test
    void throughFilesAsAfterWindowsElevationTheHelperWritesTheSameBytesAndObeysTheCancelFile() throws Exception {
        Path image = TestImages.diskImage(dir.resolve("image.img"), 12 * MIB, 21, 3);
        Path viaFiles = sparse(dir.resolve("files.img"), 32 * MIB);
        Path viaCli = sparse(dir.resolve("cli.img"), 32 * MIB);
        HelperEvent result = runWithFiles(JobPlan.write(image, viaFiles, -1, false, true), "done").finished().get(5, TimeUnit.MINUTES);
        assertThat(result.isResult()).as(String.valueOf(result)).isTrue();
        CliProcess.run("write", image.toString(), viaCli.toString(), "--yes").ok();
        assertThat(Files.mismatch(viaFiles, viaCli)).isEqualTo(-1);

        Path big = TestImages.diskImage(dir.resolve("long.img"), 4 * MIB, 9, 0);
        try (RandomAccessFile file = new RandomAccessFile(big.toFile(), "rw")) {
            file.setLength(1536 * MIB);
        }
        Path target = sparse(dir.resolve("cancelled.img"), 1536 * MIB);
        HelperSession session = runWithFiles(JobPlan.write(big, target, -1, false, true), "cancel");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        for (HelperEvent latest = session.latest(); latest == null || !"writing".equals(latest.phase()) || latest.done() == 0;
                latest = session.latest()) {
            assertThat(latest == null || !latest.isFinal()).as("ended before the cancel: " + latest).isTrue();
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.onSpinWait();
        }
        session.cancel();
        HelperEvent cancelled = session.finished().get(2, TimeUnit.MINUTES);
        assertThat(cancelled.code()).as(String.valueOf(cancelled)).isEqualTo(130);
        assertThat(zeros(target, 0, MIB)).isTrue();
    }

    private HelperSession runWithFiles(JobPlan plan, String name) throws IOException {
        Path planFile = dir.resolve(name + "-plan.json");
        Path events = dir.resolve(name + "-events.jsonl");
        List<String> command = new java.util.ArrayList<>(helper());
        command.addAll(List.of("--plan-file", planFile.toString(), "--events-file", events.toString()));
        return HelperSession.startWithFiles(command, plan, planFile, events);
    }

    @Test
    void aPlanOfAnotherVersionIsRefusedAndNothingIsCreated() throws Exception {
        Path target = dir.resolve("never.img");
        Process process = new ProcessBuilder(helper()).start();
        process.getOutputStream().write(("{\"version\":7,\"operation\":\"write\",\"image\":\"/etc/hostname\",\"target\":\""
                + target + "\",\"createSize\":1048576}\n").getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).isEqualTo(2);
        HelperEvent error = HelperProtocol.decodeEvent(out.strip());
        assertThat(error.isError()).isTrue();
        assertThat(error.message()).contains("protocol version 7 is not supported");
        assertThat(target).doesNotExist();
    }

    @Test
    void aTargetTooSmallIsRefusedAndLeftAsItWas() throws Exception {
        Path image = TestImages.diskImage(dir.resolve("image.img"), 8 * MIB, 3, 0);
        Path target = dir.resolve("small.img");
        byte[] before = new byte[(int) (4 * MIB)];
        new java.util.Random(5).nextBytes(before);
        Files.write(target, before);
        HelperEvent result = run(JobPlan.write(image, target, -1, false, true));
        assertThat(result.isError()).isTrue();
        assertThat(result.code()).isEqualTo(2);
        assertThat(result.message()).contains("too small");
        assertThat(Files.readAllBytes(target)).isEqualTo(before);
    }

    @Test
    void theSystemDiskIsRefusedWhateverThePlanSays() throws Exception {
        String systemDisk = systemDisk();
        Path image = TestImages.diskImage(dir.resolve("image.img"), 2 * MIB, 3, 0);
        JobPlan plan = new JobPlan(HelperProtocol.VERSION, JobPlan.WRITE, image.toString(), systemDisk, -1, true, true,
                true, null);
        HelperEvent result = run(plan);
        assertThat(result.code()).as(String.valueOf(result)).isEqualTo(3);
        assertThat(result.message()).containsIgnoringCase("system");
    }

    @Test
    void cancelStopsTheWriteAndLeavesTheTargetWiped() throws Exception {
        // A long image (random first MiBs, a hole after) so the write is still running when cancel arrives.
        Path image = TestImages.diskImage(dir.resolve("long.img"), 8 * MIB, 9, 0);
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "rw")) {
            file.setLength(1536 * MIB);
        }
        Path target = sparse(dir.resolve("target.img"), 1536 * MIB);
        HelperSession session = HelperSession.start(helper(), JobPlan.write(image, target, -1, false, true));
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (true) {
            HelperEvent latest = session.latest();
            if (latest != null && latest.isProgress() && "writing".equals(latest.phase()) && latest.done() > 0) {
                break;
            }
            assertThat(latest == null || !latest.isFinal()).as("the write ended before it could be cancelled: " + latest).isTrue();
            assertThat(System.nanoTime()).as("no write progress").isLessThan(deadline);
            Thread.onSpinWait();
        }
        session.cancel();
        HelperEvent result = session.finished().get(2, TimeUnit.MINUTES);
        assertThat(result.code()).as(String.valueOf(result)).isEqualTo(130);
        assertThat(result.message()).contains("cancelled while writing").contains("wiped");
        assertThat(zeros(target, 0, MIB)).as("first MiB wiped").isTrue();
    }

    @Test
    void inspectListsTheSticksPartitionsAndReadsExt4Usage() throws Exception {
        org.stickwright.testing.Capabilities.requireTools("sfdisk", "mkfs.ext4", "debugfs", "dumpe2fs");
        Path stick = sparse(dir.resolve("stick.img"), 96 * MIB);
        Tool.run(null, 60, List.of("bash", "-c", "printf 'label: gpt\\nstart=2048, size=32768, name=ISO9660\\nstart=34816, size=131072, name=persistence\\n' | sfdisk -q "
                + stick)).ok();
        Path fs = dir.resolve("fs.img");
        sparse(fs, 64 * MIB);
        Tool.run("mkfs.ext4", "-q", "-F", "-L", "persistence", fs.toString()).ok();
        Tool.run("debugfs", "-w", "-R", "write /etc/services services", fs.toString()).ok();
        try (RandomAccessFile out = new RandomAccessFile(stick.toFile(), "rw")) {
            out.seek(34816L * 512);
            out.write(Files.readAllBytes(fs));
        }
        HelperEvent result = run(JobPlan.inspect(stick));
        assertThat(result.isResult()).as(String.valueOf(result)).isTrue();
        List<StoreInfo> stores = result.stores();
        assertThat(stores).extracting(StoreInfo::partition).containsExactly(1, 2);
        StoreInfo persistence = stores.get(1);
        assertThat(persistence.role()).isEqualTo("persistence");
        assertThat(persistence.filesystem()).isEqualTo("ext4");
        assertThat(persistence.state()).isEqualTo("clean");
        assertThat(persistence.size()).isEqualTo(64 * MIB);
        // dumpe2fs is the reference for the used blocks.
        String dump = Tool.run("dumpe2fs", "-h", fs.toString()).ok().stdout();
        long blocks = field(dump, "Block count:");
        long free = field(dump, "Free blocks:");
        long blockSize = field(dump, "Block size:");
        assertThat(persistence.used()).isEqualTo((blocks - free) * blockSize);
        assertThat(stores.get(0).role()).isEqualTo("other");
        assertThat(stores.get(0).used()).isEqualTo(-1);
    }

    private static long field(String dump, String name) {
        return dump.lines().filter(l -> l.startsWith(name)).map(l -> Long.parseLong(l.substring(name.length()).trim()))
                .findFirst().orElseThrow();
    }

    static String systemDisk() {
        String source = Tool.run("findmnt", "-n", "-o", "SOURCE", "/").ok().stdout().trim();
        String parent = Tool.run("lsblk", "-n", "-d", "-o", "PKNAME", source).stdout().trim();
        return parent.isEmpty() ? source : "/dev/" + parent;
    }

    private static Path sparse(Path file, long size) throws IOException {
        try (RandomAccessFile out = new RandomAccessFile(file.toFile(), "rw")) {
            out.setLength(size);
        }
        return file;
    }

    static boolean zeros(Path file, long from, long to) throws IOException {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            byte[] buffer = new byte[(int) MIB];
            for (long at = from; at < Math.min(to, in.length()); at += buffer.length) {
                in.seek(at);
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, to - at));
                for (int i = 0; i < n; i++) {
                    if (buffer[i] != 0) {
                        return false;
                    }
                }
            }
        }
        return true;
    }
}
