package org.stickwright.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.testing.CliProcess;
import org.stickwright.testing.Tags;
import org.stickwright.testing.TestImages;
import org.stickwright.testing.Tool;

/** The write command as users run it: a separate process, its exit codes, its messages, the target's bytes. */
class WriteCommandTest {
    @TempDir
    Path dir;
    Path image;
    Path stick;
    String stickBefore;

    @BeforeEach
    void images() throws IOException {
        image = TestImages.diskImage(dir.resolve("disk.img"), 6L << 20, 11, 0);
        stick = dir.resolve("stick.img");
        Files.write(stick, new byte[8 << 20]);
        Files.write(stick, "an old stick".getBytes(), java.nio.file.StandardOpenOption.WRITE);
        stickBefore = TestImages.sha256(stick);
    }

    @Test
    void aMissingImageIsBadInputAndTheTargetIsUntouched() throws IOException {
        expectBadInput(run("write", dir.resolve("nope.iso").toString(), stick.toString(), "--yes"), "nope.iso: no such file");
    }

    @Test
    void aDirectoryIsBadInput() throws IOException {
        expectBadInput(run("write", dir.toString(), stick.toString(), "--yes"), "is a directory, not an image file");
    }

    @Test
    @Tag(Tags.ORACLE)
    void aTruncatedXzIsFoundBeforeAnythingIsWritten() throws IOException {
        Path xz = TestImages.compressWithTool(image, "xz");
        Path truncated = dir.resolve("truncated.img.xz");
        byte[] bytes = Files.readAllBytes(xz);
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length * 2 / 3));
        expectBadInput(run("write", truncated.toString(), stick.toString(), "--yes"), "truncated.img.xz is damaged");
    }

    @Test
    @Tag(Tags.ORACLE)
    void aCorruptGzipIsFoundBeforeAnythingIsWritten() throws IOException {
        Path gz = TestImages.compressWithTool(image, "gz");
        byte[] bytes = Files.readAllBytes(gz);
        for (int i = bytes.length / 2; i < bytes.length / 2 + 64; i++) {
            bytes[i] ^= 0x5A;
        }
        Path corrupt = dir.resolve("corrupt.img.gz");
        Files.write(corrupt, bytes);
        expectBadInput(run("write", corrupt.toString(), stick.toString(), "--yes"), "corrupt.img.gz is damaged");
    }

    @Test
    void aFileThatIsNoImageIsBadInput() throws IOException {
        Path text = Files.writeString(dir.resolve("notes.txt"), "shopping list\n".repeat(5000));
        expectBadInput(run("write", text.toString(), stick.toString(), "--yes"), "notes.txt is not a disk image");
    }

    @Test
    void aTargetSmallerThanTheImageIsRefusedSayingHowMuchIsMissing() throws IOException {
        Path small = dir.resolve("small.img");
        Files.write(small, new byte[4 << 20]);
        Tool.Result result = run("write", image.toString(), small.toString(), "--yes");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).contains("too small").contains((2 << 20) + " bytes (2.0 MiB) missing");
        assertThat(Files.readAllBytes(small)).containsOnly(0);
    }

    @Test
    void withoutYesAndWithoutATerminalNothingIsOverwritten() throws IOException {
        expectBadInput(run("write", image.toString(), stick.toString()), "without confirmation");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertThat(run("write", "--frobnicate", image.toString(), stick.toString()).exitCode()).isEqualTo(2);
        assertThat(run("write", image.toString()).exitCode()).isEqualTo(2);
        assertThat(run("write", image.toString(), stick.toString(), "--size", "big").exitCode()).isEqualTo(2);
    }

    @Test
    void aMissingTargetFileIsCreatedSparseWithSize() throws IOException {
        Path created = dir.resolve("new-stick.img");
        Tool.Result result = run("write", image.toString(), created.toString(), "--size", "16M");
        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(Files.size(created)).isEqualTo(16L << 20);
        assertThat(TestImages.sha256(created, Files.size(image))).isEqualTo(TestImages.sha256(image));
        assertThat(run("write", image.toString(), dir.resolve("other.img").toString(), "--yes").stderr())
                .contains("does not exist").contains("--size");
    }

    @Test
    void jsonFollowsTheContract() throws IOException {
        Tool.Result result = run("write", image.toString(), stick.toString(), "--yes", "--json");
        assertThat(result.exitCode()).as(result.output()).isZero();
        List<JsonObject> events = result.stdout().lines().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
        JsonObject last = events.get(events.size() - 1);
        assertThat(last.get("event").getAsString()).isEqualTo("result");
        assertThat(last.get("imageSize").getAsLong()).isEqualTo(Files.size(image));
        assertThat(last.get("verified").getAsBoolean()).isTrue();
        for (JsonObject progress : events.subList(0, events.size() - 1)) {
            assertThat(progress.get("event").getAsString()).isEqualTo("progress");
            assertThat(progress.keySet()).contains("phase", "done", "total", "bytesPerSecond");
        }
        assertThat(TestImages.sha256(stick, Files.size(image))).isEqualTo(TestImages.sha256(image));

        Tool.Result failed = run("write", dir.resolve("nope.iso").toString(), stick.toString(), "--yes", "--json");
        JsonObject error = JsonParser.parseString(failed.stdout().strip()).getAsJsonObject();
        assertThat(error.get("event").getAsString()).isEqualTo("error");
        assertThat(error.get("code").getAsInt()).isEqualTo(2);
        assertThat(error.get("message").getAsString()).contains("no such file");
    }

    @Test
    void theImageItselfIsNeverTheTarget() throws IOException {
        String before = TestImages.sha256(image);
        Tool.Result result = run("write", image.toString(), image.toString(), "--yes");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.stderr()).contains("the target is the image itself");
        assertThat(TestImages.sha256(image)).isEqualTo(before);
    }

    private void expectBadInput(Tool.Result result, String message) throws IOException {
        assertThat(result.exitCode()).as(result.output()).isEqualTo(2);
        assertThat(result.stderr()).contains(message);
        assertThat(TestImages.sha256(stick)).as("target bytes after a refused job").isEqualTo(stickBefore);
    }

    private static Tool.Result run(String... args) {
        return CliProcess.run(120, args);
    }
}
