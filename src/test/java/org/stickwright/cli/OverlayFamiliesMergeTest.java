package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.FamilyLayoutIsos;
import org.stickwright.testing.KernelOverlay;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;

/**
 * {@code overlay merge} on hybrid sticks of the families this machine cannot boot, made by
 * {@code stickwright create} from FamilyLayoutIsos' stand-ins (real squashfs roots): casper's
 * writable volume (upper /upper, work /work), archiso's and SystemRescue's cow directory
 * (upperdir, workdir). The kernel writes the changes through {@code mount -t overlay} over the
 * real root squashfs; unsquashfs of the merged image in the new ISO must equal that view, and
 * every other ISO file must be as in the stick's ISO. A casper tree with two squashfs layers is
 * refused (exit 2) and nothing is written.
 */
@Tag(Tags.ORACLE)
@Tag(Tags.ROOT)
@Tag(Tags.LOOP)
class OverlayFamiliesMergeTest {
    @TempDir
    Path dir;

    @Test
    void casperArchisoAndSystemRescueStoresMergeIntoTheirRootSquashfs() throws Exception {
        requirements();
        FamilyLayoutIsos isos = new FamilyLayoutIsos(Files.createDirectories(dir.resolve("isos")));
        mergesLikeTheKernel("ubuntu", isos.ubuntu().iso(), "/casper/filesystem.squashfs", "casper_writable");
        mergesLikeTheKernel("arch", isos.arch().iso(), "/arch/x86_64/airootfs.sfs", "overlayfs_directory");
        mergesLikeTheKernel("sysrescue", isos.systemRescue().iso(), "/sysresccd/x86_64/airootfs.sfs",
                "overlayfs_directory");
    }

    @Test
    void layeredCasperIsRefused() throws Exception {
        requirements();
        Path ubuntu = new FamilyLayoutIsos(Files.createDirectories(dir.resolve("isos"))).ubuntu().iso();
        // a second layer beside the first, as Ubuntu 23.10+ ships minimal.squashfs + minimal.standard.squashfs
        Path layered = dir.resolve("layered.iso");
        Tool.run("xorriso", "-indev", ubuntu.toString(), "-outdev", layered.toString(), "-boot_image", "any", "replay",
                "-mv", "/casper/filesystem.squashfs", "/casper/minimal.squashfs", "--",
                "-cp_clone", "/casper/minimal.squashfs", "/casper/minimal.standard.squashfs", "--").ok();
        Path stick = dir.resolve("layered.img");
        CliProcess.run(300, "create", layered.toString(), stick.toString(), "--size", "256M", "--persistence", "64M",
                "--data-fs", "none", "--yes", "--seed", "5").ok();
        String before = TestImages.sha256(stick);
        for (String flag : new String[] {"--json", "--squashfs-only"}) {
            Path out = dir.resolve("out" + flag);
            Tool.Result refused = CliProcess.run(300, "overlay", "merge", stick.toString(), "--output", out.toString(),
                    flag);
            assertThat(refused.exitCode()).as(refused.output()).isEqualTo(2);
            assertThat(refused.output()).contains("2 squashfs layers", "minimal.standard.squashfs");
            assertThat(out).doesNotExist();
        }
        assertThat(TestImages.sha256(stick)).as("the stick is only read").isEqualTo(before);
    }

    private static void requirements() {
        Capabilities.requireRoot();
        FamilyLayoutIsos.requireTools();
        Capabilities.requireTools("mount", "losetup", "xorriso", "unsquashfs");
        Capabilities.requireLoopDevices();
    }

    private void mergesLikeTheKernel(String name, Path source, String rootPath, String kind) throws Exception {
        Path stick = dir.resolve(name + ".img");
        CliProcess.run(300, "create", source.toString(), stick.toString(), "--size", "256M", "--persistence", "64M",
                "--data-fs", "none", "--yes", "--seed", "5").ok();
        JsonObject inspected = CliProcess.lastJson(CliProcess.run("overlay", "inspect", stick.toString(), "--json").ok());
        assertThat(inspected.getAsJsonArray("stores")).as(inspected.toString()).hasSize(1);
        JsonObject store = inspected.getAsJsonArray("stores").get(0).getAsJsonObject();
        assertThat(store.get("kind").getAsString()).isEqualTo(kind);
        String upper = store.get("path").getAsString();
        String work = upper.equals("/upper") ? "/work" : upper.substring(0, upper.lastIndexOf('/')) + "/workdir";
        Path lower = dir.resolve(name + "-lower.sfs");
        Tool.run("xorriso", "-osirrox", "on", "-indev", source.toString(), "-extract", rootPath, lower.toString()).ok();
        Map<String, String> view = changeThroughOverlay(stick, store.get("partition").getAsInt(), lower, upper, work);
        String stickBefore = TestImages.sha256(stick);

        Path iso = dir.resolve(name + "-merged.iso");
        long started = System.nanoTime();
        JsonObject merged = CliProcess.lastJson(CliProcess.run(300, "overlay", "merge", stick.toString(), "--output",
                iso.toString(), "--json").ok());
        System.out.printf("%s merge: %d ms (CLI process), squashfs %d -> %d bytes, ISO %d bytes%n", name,
                (System.nanoTime() - started) / 1_000_000, Files.size(lower), merged.get("squashfsBytes").getAsLong(),
                Files.size(iso));
        assertThat(merged.get("whiteouts").getAsLong()).as(name).isEqualTo(1);
        assertThat(merged.get("opaqueDirectories").getAsLong()).as(name).isEqualTo(1);
        assertThat(TestImages.sha256(stick)).as("the stick is only read").isEqualTo(stickBefore);

        Map<String, String> oldIso = TestImages.describeTree(extract(stick, name + "-old"));
        Path newTree = extract(iso, name + "-new");
        Map<String, String> newIso = TestImages.describeTree(newTree);
        assertThat(newIso.keySet()).as(name).isEqualTo(oldIso.keySet());
        String sums = rootPath.endsWith(".sfs") ? rootPath.replace(".sfs", ".sha512") : rootPath + ".none";
        String size = rootPath.substring(0, rootPath.lastIndexOf('/') + 1) + "filesystem.size";
        for (Map.Entry<String, String> e : oldIso.entrySet()) {
            if (!List.of(rootPath, sums, size).contains(e.getKey())) {
                assertThat(newIso.get(e.getKey())).as(name + " " + e.getKey()).isEqualTo(e.getValue());
            }
        }
        Path tree = dir.resolve(name + "-unsquashed");
        Tool.run("unsquashfs", "-d", tree.toString(), newTree.resolve(rootPath.substring(1)).toString()).ok();
        assertThat(TestImages.describeTree(tree)).as(name).isEqualTo(view);

        // the files describing the root follow it: archiso's checksum passes sha512sum -c, the
        // signature is named stale; casper's filesystem.size is what du counts for the merged tree
        String companions = merged.getAsJsonArray("companions").toString();
        if (oldIso.containsKey(sums)) {
            Path sumsDir = newTree.resolve(sums.substring(1)).getParent();
            Tool.run(sumsDir, 60, List.of("sha512sum", "-c", sums.substring(sums.lastIndexOf('/') + 1))).ok();
            assertThat(newIso.get(sums)).as("a new checksum").isNotEqualTo(oldIso.get(sums));
            assertThat(companions).contains(sums + ": SHA-512", rootPath + ".sig: stale");
        }
        if (oldIso.containsKey(size)) {
            long du = Long.parseLong(Tool.run("du", "-B1", "-s", tree.toString()).ok().stdout().split("\\s+")[0]);
            assertThat(Files.readString(newTree.resolve(size.substring(1)))).isEqualTo(du + "\n");
            assertThat(companions).contains(size + ": " + du + " bytes");
        }
    }

    /** The family's overlay over the real root squashfs; the changes made through it; its view. */
    private Map<String, String> changeThroughOverlay(Path stick, int partition, Path lower, String upper, String work)
            throws Exception {
        return KernelOverlay.change(stick, partition, dir, lower, upper, work, volume -> { }, root -> {
            Files.writeString(root.resolve("etc/hostname"), "merged\n");
            Files.writeString(root.resolve("etc/os-release"), "NAME=\"Merged\"\nID=merged\n");
            Files.delete(root.resolve("usr/bin/true"));
            Files.delete(root.resolve("home"));
            Files.createDirectory(root.resolve("home"));
            Files.writeString(root.resolve("home/only-user"), "made opaque\n");
            // a hard link: du counts it once where the image keeps one inode (our writer splits it)
            Files.writeString(root.resolve("etc/linked"), "l".repeat(8000)); // not zeros: unsquashfs keeps those sparse
            Files.createLink(root.resolve("home/linked"), root.resolve("etc/linked"));
        });
    }

    private Path extract(Path iso, String name) {
        Path tree = dir.resolve(name);
        Tool.run("xorriso", "-osirrox", "on", "-indev", iso.toString(), "-extract", "/", tree.toString()).ok();
        return tree;
    }

}
