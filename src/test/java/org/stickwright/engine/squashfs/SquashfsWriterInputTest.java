package org.stickwright.engine.squashfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.MemoryBlockDevice;

/** Entries that cannot form a squashfs tree are refused with our exception naming the path and the problem. */
class SquashfsWriterInputTest {
    @TempDir
    Path dir;

    private SquashfsWriter writer() throws IOException {
        return SquashfsWriter.create(dir.resolve("bad.sqfs"), SquashfsWriter.Options.defaults().withThreads(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"relative", "/", "/a/", "//a", "/a//b", "/../etc", "/a/./b", "/a/..", "/nul\0byte", ""})
    void pathsOutsideTheTreeAreRefused(String path) throws IOException {
        try (SquashfsWriter w = writer()) {
            assertThatThrownBy(() -> w.fifo(path, 0644, 0, 0, 0, Map.of()))
                    .isInstanceOf(SquashfsWriteException.class)
                    .hasMessageContaining(path);
        }
    }

    @Test
    void aNameTwiceInOneDirectoryIsRefused() throws IOException {
        try (SquashfsWriter w = writer()) {
            w.directory("/etc", 0755, 0, 0, 0, Map.of());
            w.symlink("/etc/x", 0777, 0, 0, 0, Map.of(), "y");
            assertThatThrownBy(() -> w.fifo("/etc/x", 0644, 0, 0, 0, Map.of()))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("/etc/x")
                    .hasMessageContaining("already exists");
            assertThatThrownBy(() -> w.directory("/etc", 0755, 0, 0, 0, Map.of()))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("already exists");
            w.directory("/", 0755, 0, 0, 0, Map.of());
            assertThatThrownBy(() -> w.directory("/", 0755, 0, 0, 0, Map.of()))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("root directory is declared twice");
        }
    }

    @Test
    void aHardLinkMustNameANonDirectoryAlreadyAdded() throws IOException {
        try (SquashfsWriter w = writer()) {
            w.directory("/etc", 0755, 0, 0, 0, Map.of());
            w.file("/etc/f", 0644, 0, 0, 0, Map.of(), 3, new ByteArrayInputStream(new byte[3]));
            assertThatThrownBy(() -> w.hardLink("/etc/g", "/etc/later"))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("/etc/g")
                    .hasMessageContaining("/etc/later").hasMessageContaining("not in the image yet");
            for (String directory : new String[] {"/etc", "/"}) {
                assertThatThrownBy(() -> w.hardLink("/etc/g", directory))
                        .isInstanceOf(SquashfsWriteException.class)
                        .hasMessageContaining("directories cannot be hard linked");
            }
            assertThatThrownBy(() -> w.hardLink("/etc/f", "/etc/f"))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("already exists");
            assertThatThrownBy(() -> w.hardLink("/etc/f/under", "/etc/f"))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("/etc/f is not a directory");
            w.hardLink("/g", "/etc/f"); // the refusals left the writer usable
        }
    }

    @Test
    void aChildOfAFileIsRefused() throws IOException {
        try (SquashfsWriter w = writer()) {
            w.file("/f", 0644, 0, 0, 0, Map.of(), 3, new ByteArrayInputStream(new byte[3]));
            assertThatThrownBy(() -> w.fifo("/f/child", 0644, 0, 0, 0, Map.of()))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("/f is not a directory");
        }
    }

    @Test
    void aParentNeverDeclaredIsNamedAtClose() throws IOException {
        SquashfsWriter w = writer();
        w.fifo("/run/lock/fifo", 0644, 0, 0, 0, Map.of());
        w.directory("/run/lock", 0755, 0, 0, 0, Map.of());
        assertThatThrownBy(w::close).isInstanceOf(SquashfsWriteException.class)
                .hasMessageContaining("/run: holds entries but was never declared");
    }

    @Test
    void contentShorterThanDeclaredIsRefusedAndTheImageIsNotFinished() throws IOException {
        Path image = dir.resolve("short.sqfs");
        SquashfsWriter w = SquashfsWriter.create(image, SquashfsWriter.Options.defaults());
        assertThatThrownBy(() -> w.file("/short", 0644, 0, 0, 0, Map.of(), 300_000,
                new ByteArrayInputStream(new byte[200_000])))
                .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("/short")
                .hasMessageContaining("content ended after 200000 of 300000 bytes");
        assertThatThrownBy(() -> w.fifo("/later", 0644, 0, 0, 0, Map.of())).isInstanceOf(IOException.class)
                .hasMessageContaining("earlier failure");
        w.close();
        // No superblock was written: nothing can mistake the half-written file for an image.
        byte[] bytes = Files.readAllBytes(image);
        assertThat(bytes.length >= 4 && new String(bytes, 0, 4, java.nio.charset.StandardCharsets.US_ASCII)
                .equals("hsqs")).isFalse();
    }

    @Test
    void absurdAttributesAreRefused() throws IOException {
        try (SquashfsWriter w = writer()) {
            assertThatThrownBy(() -> w.fifo("/a", 0644, -1, 0, 0, Map.of()))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("uid/gid -1");
            assertThatThrownBy(() -> w.fifo("/a", 0644, 0, 0, 1L << 33, Map.of()))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("mtime");
            assertThatThrownBy(() -> w.fifo("/a", 0644, 0, 0, 0, Map.of("system.posix_acl_access", new byte[4])))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("system.posix_acl_access");
            assertThatThrownBy(() -> w.fifo("/a", 0644, 0, 0, 0, Map.of("user.", new byte[1])))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("empty or too long");
            assertThatThrownBy(() -> w.symlink("/a", 0777, 0, 0, 0, Map.of(), ""))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("symlink target");
            assertThatThrownBy(() -> w.symlink("/a", 0777, 0, 0, 0, Map.of(), "x".repeat(4096)))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("symlink target");
            assertThatThrownBy(() -> w.device("/a", 0644, 0, 0, 0, Map.of(), false, 4096, 0))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("4096:0");
            assertThatThrownBy(() -> w.fifo("/" + "n".repeat(257), 0644, 0, 0, 0, Map.of()))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("name of 257 bytes");
            assertThatThrownBy(() -> w.file("/neg", 0644, 0, 0, 0, Map.of(), -5, new ByteArrayInputStream(
                    new byte[0]))).isInstanceOf(SquashfsWriteException.class).hasMessageContaining("negative length");
        }
    }

    @Test
    void moreThan65536OwnersAreRefused() throws IOException {
        try (SquashfsWriter w = writer()) {
            w.directory("/d", 0755, 0, 0, 0, Map.of());
            for (int i = 1; i < 65536; i++) {
                w.fifo("/d/" + i, 0644, i, 0, 0, Map.of());
            }
            assertThatThrownBy(() -> w.fifo("/d/last", 0644, 70_000, 0, 0, Map.of()))
                    .isInstanceOf(SquashfsWriteException.class).hasMessageContaining("more than 65536");
        }
    }

    @Test
    void anImageOutgrowingItsDeviceIsRefused() throws IOException {
        MemoryBlockDevice device = new MemoryBlockDevice(64 * 1024);
        SquashfsWriter w = SquashfsWriter.create(device, SquashfsWriter.Options.defaults()
                .withCompression(SquashfsSuperblock.Compression.GZIP));
        byte[] noise = new byte[3 << 20];
        new java.util.Random(1).nextBytes(noise);
        assertThatThrownBy(() -> {
            w.file("/noise", 0644, 0, 0, 0, Map.of(), noise.length, new ByteArrayInputStream(noise));
            w.close();
        }).isInstanceOf(SquashfsWriteException.class).hasMessageContaining("outgrows its target of 65536 bytes");
        w.close();
    }

    @Test
    void anEmptyTreeIsAValidImage() throws IOException {
        Path image = dir.resolve("empty.sqfs");
        try (SquashfsWriter w = SquashfsWriter.create(image, SquashfsWriter.Options.defaults())) {
            w.directory("/", 0700, 5, 6, 1234, Map.of());
        }
        try (ImageFile file = ImageFile.openReadOnly(image)) {
            SquashfsImage read = SquashfsImage.open(file);
            assertThat(read.walk()).isEmpty();
            SquashfsEntry root = read.root();
            assertThat(root.permissions()).isEqualTo(0700);
            assertThat(root.uid()).isEqualTo(5);
            assertThat(root.gid()).isEqualTo(6);
            assertThat(root.mtime()).isEqualTo(1234);
            assertThat(read.superblock().flags() & SquashfsWriter.FLAG_NO_XATTRS).isNotZero();
            assertThat(read.superblock().fragmentCount()).isZero();
        }
    }
}
