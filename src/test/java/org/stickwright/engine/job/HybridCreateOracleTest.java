package org.stickwright.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.boot.LiveFixture;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * {@code stickwright create} in hybrid mode, run as a process on the boot kit's Fedora (flat,
 * nested; GPT ISOs) and Debian (isohybrid MBR) fixtures, and the result judged by the reference
 * tools: sgdisk -v and sfdisk --verify on the tables, e2fsck -fn and debugfs on each ext4 store,
 * fsck.fat -n on the data partition, xorriso and isoinfo listing the patched ISO 9660 (both
 * trees), mtools reading the EFI partition's grub.cfg, blkid naming the filesystems. Bad input
 * exits 2 and leaves the target's bytes as they were.
 */
@Tag(Tags.ORACLE)
class HybridCreateOracleTest {
    private static final Pattern START = Pattern.compile("start=\\s*(\\d+), size=\\s*(\\d+)");

    @TempDir
    Path dir;

    @BeforeAll
    static void tools() {
        Capabilities.requireRoot();
        Capabilities.requireTools("debootstrap", "flock", "sgdisk", "sfdisk", "e2fsck", "debugfs", "fsck.fat",
                "xorriso", "isoinfo", "mtype", "blkid");
    }

    @Test
    void fedoraFlatKeepsItsGptAndGetsAnOverlayDirectoryStore() throws IOException {
        Path stick = dir.resolve("stick.img");
        String out = CliProcess.run("create", LiveFixture.FEDORA_FLAT.iso().toString(), stick.toString(),
                "--size", "512M", "--persistence", "256M", "--yes").ok().stdout();
        assertThat(out).contains("verified");
        assertThat(Tool.run("sgdisk", "-v", stick.toString()).ok().stdout()).contains("No problems found");
        assertThat(Tool.run("sfdisk", "--verify", stick.toString()).ok().stdout()).contains("No errors detected");
        List<long[]> parts = partitions(stick);
        assertThat(parts).hasSize(5);
        // The first store starts at the first MiB boundary after the ISO.
        assertThat(parts.get(3)[0] * 512).as("1 MiB aligned").isEqualTo(afterIso(LiveFixture.FEDORA_FLAT.iso()));
        assertThat(parts.get(3)[1] * 512).isEqualTo(256L << 20);

        Path store = extract(stick, parts.get(3), "p4.ext4");
        Tool.run("e2fsck", "-fn", store.toString()).ok();
        String blkid = Tool.run("blkid", "-p", "-o", "export", store.toString()).ok().stdout();
        assertThat(blkid).contains("LABEL=persistence", "TYPE=ext4");
        String uuid = value(blkid, "UUID");
        assertThat(Tool.run("debugfs", "-R", "ls -p /LiveOS", store.toString()).ok().stdout())
                .contains("/overlay-persistent/", "/ovlwork/");
        Path data = extract(stick, parts.get(4), "p5.fat");
        Tool.run("fsck.fat", "-n", data.toString()).ok();
        assertThat(Tool.run("blkid", "-p", "-o", "export", data.toString()).ok().stdout())
                .contains("LABEL=STICKDATA", "TYPE=vfat");

        String line = "rd.live.overlay=UUID=" + uuid + ":/LiveOS/overlay-persistent rd.live.overlay.overlayfs";
        for (String path : List.of("/boot/grub2/grub.cfg", "/EFI/BOOT/grub.cfg")) {
            String cfg = isoFile(stick, path);
            assertThat(cfg).as(path).contains(line, "(no persistence)").doesNotContain("rd.live.check");
            assertThat(cfg.indexOf(line)).as("the default entry (first) is the persistent one")
                    .isLessThan(cfg.indexOf("(no persistence)"));
        }
        String esp = stick + "@@" + parts.get(1)[0] * 512;
        assertThat(Tool.run("mtype", "-i", esp, "::/EFI/BOOT/grub.cfg").ok().stdout()).contains(line);
        assertThat(Tool.run("isoinfo", "-J", "-l", "-i", stick.toString()).ok().stdout()).contains("grub.cfg");
        assertThat(Tool.run("isoinfo", "-J", "-i", stick.toString(), "-x", "/boot/grub2/grub.cfg").ok().stdout())
                .as("the Joliet tree's record follows the new length").contains(line).endsWith("}\n");
        assertThat(Tool.run("isoinfo", "-R", "-f", "-i", stick.toString()).ok().stdout())
                .contains("/LiveOS/squashfs.img", "/boot/grub2/grub.cfg");
    }

    @Test
    void fedoraProfilesAreOverlayDirectoriesOnThePersistencePartitionEachWithItsSisterOvlwork() throws IOException {
        Path stick = dir.resolve("stick.img");
        CliProcess.run("create", LiveFixture.FEDORA_FLAT.iso().toString(), stick.toString(), "--size", "512M",
                "--persistence", "128M", "--home", "64M", "--profile", "work=32M", "--profile", "play=32M",
                "--yes").ok();
        assertThat(Tool.run("sgdisk", "-v", stick.toString()).ok().stdout()).contains("No problems found");
        List<long[]> parts = partitions(stick);
        // ISO partitions, one persistence partition for all three stores (128M + 32M + 32M), home, data
        assertThat(parts).hasSize(6);
        assertThat(parts.get(3)[1] * 512).isEqualTo(192L << 20);
        Path store = extract(stick, parts.get(3), "p4.ext4");
        Tool.run("e2fsck", "-fn", store.toString()).ok();
        String uuid = value(Tool.run("blkid", "-p", "-o", "export", store.toString()).ok().stdout(), "UUID");
        assertThat(Tool.run("debugfs", "-R", "ls -p /LiveOS", store.toString()).ok().stdout())
                .contains("/overlay-persistent/", "/ovlwork/");
        for (String profile : List.of("work", "play")) {
            // dracut uses <pathspec>/../ovlwork as overlayfs's work directory
            assertThat(Tool.run("debugfs", "-R", "ls -p /profiles/" + profile, store.toString()).ok().stdout())
                    .as(profile).contains("/overlay-persistent/", "/ovlwork/");
        }
        String cfg = isoFile(stick, "/boot/grub2/grub.cfg");
        int main = cfg.indexOf("rd.live.overlay=UUID=" + uuid + ":/LiveOS/overlay-persistent ");
        int work = cfg.indexOf("rd.live.overlay=UUID=" + uuid + ":/profiles/work/overlay-persistent ");
        int play = cfg.indexOf("rd.live.overlay=UUID=" + uuid + ":/profiles/play/overlay-persistent ");
        assertThat(main).as(cfg).isPositive().isLessThan(work);
        assertThat(work).as(cfg).isLessThan(play);
        assertThat(cfg).contains("(persistent: work)", "(persistent: play)", "persistenthome=LABEL=home-rw");
        assertThat(Tool.run("blkid", "-p", "-o", "export", extract(stick, parts.get(4), "home.ext4").toString())
                .ok().stdout()).contains("LABEL=home-rw");
    }

    @Test
    void fedoraNestedWithHomeGetsAPersistentHomeLabel() throws IOException {
        Path stick = dir.resolve("stick.img");
        CliProcess.run("create", LiveFixture.FEDORA_NESTED.iso().toString(), stick.toString(), "--size", "512M",
                "--persistence", "128M", "--home", "64M", "--yes").ok();
        assertThat(Tool.run("sgdisk", "-v", stick.toString()).ok().stdout()).contains("No problems found");
        List<long[]> parts = partitions(stick);
        assertThat(parts).hasSize(6);
        Path home = extract(stick, parts.get(4), "home.ext4");
        Tool.run("e2fsck", "-fn", home.toString()).ok();
        assertThat(Tool.run("blkid", "-p", "-o", "export", home.toString()).ok().stdout()).contains("LABEL=home-rw");
        Tool.run("e2fsck", "-fn", extract(stick, parts.get(3), "p4.ext4").toString()).ok();
        Tool.run("fsck.fat", "-n", extract(stick, parts.get(5), "p6.fat").toString()).ok();
        assertThat(isoFile(stick, "/boot/grub2/grub.cfg")).contains("persistenthome=LABEL=home-rw",
                "rd.live.overlay.overlayfs");
    }

    @Test
    void debianKeepsItsIsohybridMbrAndGetsPersistenceConf() throws IOException {
        Path iso = LiveFixture.DEBIAN_LIVE.iso();
        Path stick = dir.resolve("stick.img");
        CliProcess.run("create", iso.toString(), stick.toString(), "--size", "512M", "--persistence", "256M", "--yes")
                .ok();
        assertThat(Tool.run("sgdisk", "-v", stick.toString()).ok().stdout()).contains("No problems found");
        // The isohybrid MBR's entry 1 (the whole ISO) contains entry 2 (the EFI image) by design;
        // that is the only complaint sfdisk has, before and after.
        String before = Tool.run("sfdisk", "--verify", iso.toString()).output();
        String after = Tool.run("sfdisk", "--verify", stick.toString()).output();
        assertThat(before).contains("Partition 1: overlaps partition 2", "1 error detected");
        assertThat(after).contains("Partition 1: overlaps partition 2", "1 error detected");
        String dump = Tool.run("sfdisk", "-d", stick.toString()).ok().stdout();
        assertThat(dump).contains("label: dos").contains("type=83").contains("type=c");
        List<long[]> parts = partitions(stick);
        assertThat(parts).hasSize(4);
        Path store = extract(stick, parts.get(2), "p3.ext4");
        Tool.run("e2fsck", "-fn", store.toString()).ok();
        assertThat(Tool.run("blkid", "-p", "-o", "export", store.toString()).ok().stdout()).contains("LABEL=persistence");
        assertThat(Tool.run("debugfs", "-R", "cat /persistence.conf", store.toString()).ok().stdout())
                .isEqualTo("/ union\n");
        Tool.run("fsck.fat", "-n", extract(stick, parts.get(3), "p4.fat").toString()).ok();
        String live = isoFile(stick, "/isolinux/live.cfg");
        assertThat(live).contains("label live\n", "label live-nopersist", "boot=live components quiet splash console=ttyS0 persistence");
        assertThat(isoFile(stick, "/boot/grub/grub.cfg")).contains(" persistence\n", "(no persistence)");
        assertThat(Tool.run("xorriso", "-indev", stick.toString(), "-find", "/", "-type", "f").ok().output())
                .contains("'/live/vmlinuz'", "'/isolinux/live.cfg'");
    }

    @Test
    void aSeededCreateIsByteIdenticalTwice() throws IOException {
        Path a = dir.resolve("a.img");
        Path b = dir.resolve("b.img");
        for (Path stick : List.of(a, b)) {
            CliProcess.run("create", LiveFixture.FEDORA_FLAT.iso().toString(), stick.toString(), "--size", "256M",
                    "--persistence", "64M", "--profile", "work=32M", "--seed", "7", "--yes").ok();
        }
        assertThat(sha256(a)).isEqualTo(sha256(b));
        Path c = dir.resolve("c.img");
        CliProcess.run("create", LiveFixture.FEDORA_FLAT.iso().toString(), c.toString(), "--size", "256M",
                "--persistence", "64M", "--profile", "work=32M", "--seed", "8", "--yes").ok();
        assertThat(sha256(c)).as("another seed, other identifiers").isNotEqualTo(sha256(a));
    }

    @Test
    void tooSmallATargetSaysTheLargestPersistenceAndIsNotTouched() throws IOException {
        Path stick = filledTarget(128L << 20);
        String before = sha256(stick);
        var result = CliProcess.run("create", LiveFixture.FEDORA_FLAT.iso().toString(), stick.toString(),
                "--persistence", "256M", "--yes");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
        // Room = the stick less the ISO (rounded up to a MiB) less the last MiB, which a GPT stick
        // keeps for its backup header and array.
        long largest = (128L << 20) - afterIso(LiveFixture.FEDORA_FLAT.iso()) - (1L << 20);
        assertThat(result.output()).contains("too small", "largest --persistence possible is " + Sizes.human(largest));
        assertThat(sha256(stick)).isEqualTo(before);
    }

    @Test
    void tooManyStoresForAnIsohybridMbrAreRefusedBeforeWriting() throws IOException {
        Path stick = filledTarget(512L << 20);
        String before = sha256(stick);
        var result = CliProcess.run("create", LiveFixture.DEBIAN_LIVE.iso().toString(), stick.toString(),
                "--persistence", "64M", "--home", "64M", "--profile", "work=64M", "--yes");
        assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
        assertThat(result.output()).contains("room for 2 more partitions");
        assertThat(sha256(stick)).isEqualTo(before);
    }

    @Test
    void exfatAndCompressedImagesAreRefusedWithAReason() throws IOException {
        Path stick = filledTarget(512L << 20);
        String before = sha256(stick);
        var exfat = CliProcess.run("create", LiveFixture.DEBIAN_LIVE.iso().toString(), stick.toString(),
                "--persistence", "64M", "--data-fs", "exfat", "--yes");
        assertThat(exfat.exitCode()).as(exfat.output()).isEqualTo(2);
        assertThat(exfat.output()).contains("exFAT");
        Path xz = dir.resolve("debian.iso.xz");
        Tool.run(null, 300, List.of("sh", "-c", "xz -0 -T1 -c '" + LiveFixture.DEBIAN_LIVE.iso() + "' > '" + xz + "'"))
                .ok();
        var compressed = CliProcess.run("create", xz.toString(), stick.toString(), "--persistence", "64M", "--yes");
        assertThat(compressed.exitCode()).as(compressed.output()).isEqualTo(2);
        assertThat(compressed.output()).contains("uncompressed");
        assertThat(sha256(stick)).isEqualTo(before);
    }

    /** An existing target file full of a pattern, so "untouched" means something. */
    private Path filledTarget(long size) throws IOException {
        Path stick = dir.resolve("existing.img");
        byte[] pattern = new byte[1 << 20];
        for (int i = 0; i < pattern.length; i++) {
            pattern[i] = (byte) (i * 31 + 7);
        }
        try (FileChannel ch = FileChannel.open(stick, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (long at = 0; at < size; at += pattern.length) {
                ch.write(java.nio.ByteBuffer.wrap(pattern), at);
            }
        }
        return stick;
    }

    /** [start, size] in sectors of every partition, as sfdisk reads the table. */
    static List<long[]> partitions(Path disk) {
        List<long[]> parts = new ArrayList<>();
        for (String line : Tool.run("sfdisk", "-d", disk.toString()).ok().stdout().lines().toList()) {
            Matcher m = START.matcher(line);
            if (line.startsWith(disk.toString()) && m.find()) {
                parts.add(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
            }
        }
        return parts;
    }

    /** Copies one partition out of the stick, so e2fsck and fsck.fat can read it as a file. */
    private Path extract(Path stick, long[] part, String name) throws IOException {
        Path out = dir.resolve(name);
        try (FileChannel in = FileChannel.open(stick);
             FileChannel dst = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.SPARSE)) {
            long offset = part[0] * 512;
            long length = part[1] * 512;
            long done = 0;
            while (done < length) {
                done += in.transferTo(offset + done, length - done, dst.position(done));
            }
        }
        return out;
    }

    /** A file of the ISO 9660 tree on the stick, as xorriso extracts it. */
    private String isoFile(Path stick, String path) throws IOException {
        Path out = dir.resolve("extracted-" + path.replace('/', '_'));
        Files.deleteIfExists(out);
        Tool.run("xorriso", "-osirrox", "on", "-indev", stick.toString(), "-extract", path, out.toString()).ok();
        return Files.readString(out);
    }

    private static String value(String export, String key) {
        return export.lines().filter(l -> l.startsWith(key + "=")).map(l -> l.substring(key.length() + 1)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + key + " in\n" + export));
    }

    static String sha256(Path file) throws IOException {
        try (var in = Files.newInputStream(file)) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            for (int n; (n = in.read(buffer)) > 0; ) {
                sha.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long afterIso(Path iso) throws IOException {
        long mib = 1L << 20;
        return (Files.size(iso) + mib - 1) / mib * mib;
    }
}
