package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;

/** inspect, checked against what xorriso and sfdisk say of the same images. */
@Tag(Tags.ORACLE)
class InspectCommandTest {
    private static final Path GRUB_RESCUE = Path.of("/usr/lib/grub-rescue/grub-rescue-cdrom.iso");
    @TempDir
    Path dir;

    @Test
    void aRealHybridIsoIsNamedWithItsLabelAndPartitionsAsTheReferenceToolsSeeThem() throws IOException {
        Capabilities.require(Files.exists(GRUB_RESCUE), "package grub-rescue-pc is not installed");
        Capabilities.requireTools("xorriso", "sfdisk");
        JsonObject result = inspect(GRUB_RESCUE);
        assertThat(result.get("format").getAsString()).isEqualTo("iso9660");
        assertThat(result.get("hybrid").getAsBoolean()).isTrue();
        String volumeId = Tool.run("xorriso", "-indev", GRUB_RESCUE.toString(), "-pvd_info").output().lines()
                .filter(l -> l.startsWith("Volume Id")).findFirst().orElseThrow().replaceFirst("Volume Id\\s*:\\s*", "").trim();
        assertThat(result.get("label").getAsString()).isEqualTo(volumeId);
        JsonObject table = JsonParser.parseString(Tool.run("sfdisk", "--json", GRUB_RESCUE.toString()).ok().stdout())
                .getAsJsonObject().getAsJsonObject("partitiontable");
        var expected = table.getAsJsonArray("partitions");
        var ours = result.getAsJsonArray("partitions");
        assertThat(ours.size()).isEqualTo(expected.size());
        for (int i = 0; i < ours.size(); i++) {
            assertThat(ours.get(i).getAsJsonObject().get("start").getAsLong())
                    .isEqualTo(expected.get(i).getAsJsonObject().get("start").getAsLong() * 512);
            assertThat(ours.get(i).getAsJsonObject().get("size").getAsLong())
                    .isEqualTo(expected.get(i).getAsJsonObject().get("size").getAsLong() * 512);
        }
    }

    @Test
    void aCompressedIsoIsSeenThroughItsCompression() throws IOException {
        Capabilities.requireTools("xorriso");
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(tree.resolve("hello.txt"), "hello");
        Path iso = dir.resolve("plain.iso");
        Tool.run("xorriso", "-as", "mkisofs", "-quiet", "-V", "PLAIN_CD", "-o", iso.toString(), tree.toString()).ok();
        JsonObject result = inspect(TestImages.compressWithTool(iso, "zst"));
        assertThat(result.get("compression").getAsString()).isEqualTo("zstd");
        assertThat(result.get("imageSize").getAsLong()).isEqualTo(Files.size(iso));
        assertThat(result.get("label").getAsString()).isEqualTo("PLAIN_CD");
        assertThat(result.get("hybrid").getAsBoolean()).isFalse();
    }

    @Test
    void somethingThatIsNoImageExitsTwo() throws IOException {
        Path text = Files.writeString(dir.resolve("readme.txt"), "not an image\n".repeat(10000));
        Tool.Result result = CliProcess.run("inspect", text.toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).contains("is not a disk image");
    }

    private static JsonObject inspect(Path image) {
        Tool.Result result = CliProcess.run("inspect", image.toString(), "--json");
        assertThat(result.exitCode()).as(result.output()).isZero();
        return JsonParser.parseString(result.stdout().strip()).getAsJsonObject();
    }
}
