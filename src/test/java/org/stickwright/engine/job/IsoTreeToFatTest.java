package org.stickwright.engine.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.fat.Fat32FormatOptions;
import org.stickwright.engine.fat.Fat32Formatter;
import org.stickwright.engine.fat.FatWriter;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;

/** A whole ISO tree streamed onto FAT32, checked by xorriso's extraction against mtools' and fsck.fat. */
@Tag(Tags.ORACLE)
class IsoTreeToFatTest {
    @TempDir
    Path dir;

    @Test
    void theTreeMtoolsReadsFromFatIsTheTreeXorrisoReadsFromTheIso() throws IOException {
        Capabilities.requireTools("xorriso", "mcopy", "fsck.fat");
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Path deep = Files.createDirectories(tree.resolve("LiveOS/a/b/c/d/e/f/g"));
        Files.write(deep.resolve("deep file with a long name.bin"), new byte[70000]);
        Files.createDirectories(tree.resolve("EFI/BOOT"));
        Files.writeString(tree.resolve("EFI/BOOT/grub.cfg"), "set default=0\nmenuentry 'Start' { linux /vmlinuz }\n");
        Files.writeString(tree.resolve("Grüße – ünïcödé.txt"), "hallo");
        TestImages.diskImage(tree.resolve("big.img"), 5L << 20, 7, 0);
        for (int i = 0; i < 300; i++) {
            Files.writeString(tree.resolve("LiveOS/file" + i + ".txt"), "content " + i);
        }
        Files.createSymbolicLink(tree.resolve("link"), Path.of("EFI/BOOT/grub.cfg"));
        Path iso = dir.resolve("tree.iso");
        Tool.run("xorriso", "-as", "mkisofs", "-quiet", "-R", "-J", "-joliet-long", "-V", "TREE", "-o", iso.toString(),
                tree.toString()).ok();

        Path fat = dir.resolve("fat.img");
        IsoTreeToFat copy;
        try (ImageFile image = ImageFile.create(fat, 64L << 20); ImageFile source = ImageFile.openReadOnly(iso)) {
            Fat32Formatter.format(image, Fat32FormatOptions.defaults().withLabel("LIVE"));
            try (FatWriter writer = FatWriter.open(image)) {
                copy = new IsoTreeToFat(writer, source);
                IsoImage.open(source).extract(copy);
            }
        }
        assertThat(copy.skippedSymlinks()).containsExactly("/link -> EFI/BOOT/grub.cfg");
        assertThat(copy.files()).isEqualTo(304);
        Tool.run("fsck.fat", "-n", fat.toString()).ok();

        Path fromIso = dir.resolve("from-iso");
        Tool.run("xorriso", "-osirrox", "on", "-indev", iso.toString(), "-extract", "/", fromIso.toString()).ok();
        Files.delete(fromIso.resolve("link"));
        Path fromFat = Files.createDirectories(dir.resolve("from-fat"));
        Tool.run(null, 120, java.util.List.of("env", "MTOOLS_SKIP_CHECK=1", "mcopy", "-s", "-n", "-i", fat.toString(),
                "::/", fromFat.toString())).ok();
        assertThat(digests(fromFat)).isEqualTo(digests(fromIso));
    }

    private static Map<String, String> digests(Path root) throws IOException {
        Map<String, String> digests = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                if (Files.isRegularFile(p)) {
                    digests.put(root.relativize(p).toString(), TestImages.sha256(p));
                }
            }
        }
        return digests;
    }
}
