package org.stickwright.engine.overlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.ext.Ext4Entry;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.io.MemoryBlockDevice;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

/** An export's tar.xz is recognised and checked whole; other files are not taken for one; damage is refused. */
class OverlayDirectoryBackupTest {
    @TempDir
    Path dir;

    /** A store of 1 + 40 directories + 400 files + one 1 MiB file, exported as `overlay export` does. */
    private Path export(String name) throws IOException {
        List<Ext4Entry> entries = new ArrayList<>();
        entries.add(Ext4Entry.directory("/upper", 0755));
        Random random = new Random(3);
        for (int d = 0; d < 40; d++) {
            entries.add(Ext4Entry.directory("/upper/d" + d, 0755));
            for (int f = 0; f < 10; f++) {
                entries.add(Ext4Entry.file("/upper/d" + d + "/f" + f, 0644, "file " + d + "/" + f));
            }
        }
        byte[] big = new byte[1 << 20];
        random.nextBytes(big);
        entries.add(Ext4Entry.file("/upper/big", 0644, big));
        MemoryBlockDevice device = new MemoryBlockDevice(64 << 20);
        Ext4Formatter.format(device, Ext4Options.labelled("persistence").withEntries(entries));
        Path file = dir.resolve(name);
        try (OutputStream out = new XZOutputStream(Files.newOutputStream(file), new LZMA2Options(3))) {
            OverlayDirectoryTar.write(Ext4Reader.open(device), "/upper", out);
        }
        return file;
    }

    @Test
    void anExportIsRecognisedAndCheckedWhole() throws IOException {
        Path backup = export("store.tar.xz");
        assertThat(OverlayDirectoryBackup.recognise(backup)).isTrue();
        OverlayTarReader.Summary summary = OverlayDirectoryBackup.check(backup);
        assertThat(summary.entries()).isEqualTo(1 + 40 + 400 + 1);
        assertThat(summary.directories()).isEqualTo(41);
        assertThat(summary.largestFile()).isEqualTo(1 << 20);
        assertThat(summary.contentBytes()).isEqualTo((1 << 20) + contentOfSmallFiles());
    }

    private static long contentOfSmallFiles() {
        long total = 0;
        for (int d = 0; d < 40; d++) {
            for (int f = 0; f < 10; f++) {
                total += ("file " + d + "/" + f).length();
            }
        }
        return total;
    }

    @Test
    void otherFilesAreNotTakenForABackup() throws IOException {
        Path header = dir.resolve("snapshot.export");
        Files.write(header, "STICKWRIGHT-STORE 1\nrest".getBytes(StandardCharsets.US_ASCII));
        assertThat(OverlayDirectoryBackup.recognise(header)).isFalse();
        Path notTar = dir.resolve("random.xz");
        byte[] noise = new byte[4096];
        new Random(1).nextBytes(noise);
        try (OutputStream out = new XZOutputStream(Files.newOutputStream(notTar), new LZMA2Options(1))) {
            out.write(noise);
        }
        assertThat(OverlayDirectoryBackup.recognise(notTar)).isFalse();
        Path empty = dir.resolve("empty");
        Files.write(empty, new byte[0]);
        assertThat(OverlayDirectoryBackup.recognise(empty)).isFalse();
    }

    @Test
    void damageAndTruncationAreRefusedBeforeAnythingIsWritten() throws IOException {
        Path backup = export("good.tar.xz");
        byte[] bytes = Files.readAllBytes(backup);
        Path truncated = dir.resolve("truncated.tar.xz");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length / 2));
        assertThatThrownBy(() -> OverlayDirectoryBackup.check(truncated)).isInstanceOf(TarFormatException.class)
                .hasMessageContaining("xz stream");
        Path flipped = dir.resolve("flipped.tar.xz");
        byte[] damaged = bytes.clone();
        damaged[bytes.length / 2] ^= 0x40;
        Files.write(flipped, damaged);
        assertThatThrownBy(() -> OverlayDirectoryBackup.check(flipped)).isInstanceOf(TarFormatException.class);
    }

    @Test
    @Tag(Tags.ORACLE)
    void gnuTarsOwnTarXzIsRecognisedAndChecked() throws IOException {
        Capabilities.requireTools("tar", "xz");
        Path tree = Files.createDirectories(dir.resolve("tree/etc"));
        Files.writeString(tree.resolve("hostname"), "stick\n");
        Files.createSymbolicLink(tree.resolve("link"), Path.of("hostname"));
        Path backup = dir.resolve("gnu.tar.xz");
        Tool.run("tar", "--xattrs", "--format=pax", "-cJf", backup.toString(), "-C", dir.resolve("tree").toString(),
                ".").ok();
        assertThat(OverlayDirectoryBackup.recognise(backup)).isTrue();
        OverlayTarReader.Summary summary = OverlayDirectoryBackup.check(backup);
        assertThat(summary.entries()).isEqualTo(4); // ., etc, etc/hostname, etc/link
        assertThat(summary.contentBytes()).isEqualTo(6);
    }
}
