package org.stickwright.engine.overlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.ext.Ext4Entry;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.MemoryBlockDevice;
import org.stickwright.engine.squashfs.SquashfsImage;
import org.stickwright.engine.squashfs.SquashfsTrees;
import org.stickwright.engine.squashfs.SquashfsWriter;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.LoopDevice;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * The kernel's overlayfs as the oracle for {@link OverlayfsMerge}: a lower squashfs made by
 * mksquashfs, an upper directory made by our Ext4Formatter (a changed file, a new one, a
 * whiteout, an opaque directory, a file replacing a lower directory, a replaced symlink), mounted
 * together with {@code mount -t overlay}; the squashfs we merge them into, mounted by the kernel,
 * shows the same tree: contents, modes, owners, times and xattrs.
 */
@Tag(Tags.ROOT)
@Tag(Tags.LOOP)
@Tag(Tags.ORACLE)
class OverlayfsMergeKernelTest {
    @TempDir
    Path dir;

    private static void write(Path file, String text) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
    }

    static List<Ext4Entry> upperVolume() {
        return List.of(
                Ext4Entry.directory("/overlayfs", 0755),
                Ext4Entry.directory("/overlayfs/etc", 0755),
                Ext4Entry.file("/overlayfs/etc/hostname", 0644, "upper-host\n").xattr("user.origin", "upper"),
                Ext4Entry.whiteout("/overlayfs/etc/removed"),
                Ext4Entry.directory("/overlayfs/var", 0755),
                Ext4Entry.directory("/overlayfs/var/cache", 0700).xattr(OverlayfsUpper.OPAQUE_XATTR, "y"),
                Ext4Entry.file("/overlayfs/var/cache/fresh", 0600, "after the opaque cut\n"),
                Ext4Entry.directory("/overlayfs/opt", 0755),
                Ext4Entry.file("/overlayfs/opt/was-a-directory", 0644, "now a file\n"),
                Ext4Entry.directory("/overlayfs/home", 0755),
                Ext4Entry.directory("/overlayfs/home/liveuser", 0700).owner(1000, 1000),
                Ext4Entry.file("/overlayfs/home/liveuser/notes.txt", 0600, "x".repeat(200_000)).owner(1000, 1000),
                Ext4Entry.symlink("/overlayfs/link", "usr/bin/tool"),
                Ext4Entry.directory("/work", 0755));
    }

    @Test
    void theMergedSquashfsShowsWhatTheKernelsOverlayShows() throws Exception {
        Capabilities.requireLoopDevices();
        Capabilities.requireTools("mksquashfs", "mount", "umount", "getfattr", "setfattr");
        Path src = dir.resolve("lower-src");
        write(src.resolve("etc/hostname"), "lower-host\n");
        write(src.resolve("etc/removed"), "bye\n");
        write(src.resolve("etc/keep"), "keep\n");
        Tool.run("setfattr", "-n", "user.origin", "-v", "lower", src.resolve("etc/keep").toString()).ok();
        Tool.run("setfattr", "-n", "user.origin", "-v", "lower", src.resolve("etc/hostname").toString()).ok();
        write(src.resolve("var/cache/pkg/a.rpm"), "a".repeat(300_000));
        write(src.resolve("var/cache/pkg/b.rpm"), "b");
        write(src.resolve("var/log/messages"), "boot\n");
        write(src.resolve("usr/bin/tool"), "#!/bin/sh\necho tool\n");
        Files.setPosixFilePermissions(src.resolve("usr/bin/tool"),
                java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        write(src.resolve("opt/was-a-directory/inner"), "hidden below a file\n");
        Files.createDirectories(src.resolve("home"));
        Files.createSymbolicLink(src.resolve("link"), Path.of("etc/hostname"));
        Tool.run("mknod", src.resolve("usr/null").toString(), "c", "1", "3").ok();
        Path lower = dir.resolve("lower.sqfs");
        Tool.run("mksquashfs", src.toString(), lower.toString(), "-noappend", "-quiet", "-no-progress").ok();

        Path upper = dir.resolve("upper.ext4");
        try (ImageFile volume = ImageFile.create(upper, 64L << 20)) {
            Ext4Formatter.format(volume, Ext4Options.labelled("persistence").withEntries(upperVolume()));
        }

        Path merged = dir.resolve("merged.sqfs");
        OverlayfsMerge.Summary summary;
        try (ImageFile lowerFile = ImageFile.openReadOnly(lower); ImageFile upperFile = ImageFile.openReadOnly(upper);
                SquashfsWriter out = SquashfsWriter.create(merged, SquashfsWriter.Options.defaults())) {
            summary = OverlayfsMerge.merge(SquashfsImage.open(lowerFile), Ext4Reader.open(upperFile), "/overlayfs",
                    out);
        }
        assertThat(summary.whiteouts()).isEqualTo(1);
        assertThat(summary.opaqueDirectories()).isEqualTo(1);

        Path lowerMount = Files.createDirectories(dir.resolve("lower"));
        Path upperMount = Files.createDirectories(dir.resolve("upper"));
        Path overlayMount = Files.createDirectories(dir.resolve("overlay"));
        Path mergedMount = Files.createDirectories(dir.resolve("merged"));
        try (LoopDevice lowerLoop = LoopDevice.attach(lower); LoopDevice upperLoop = LoopDevice.attach(upper);
                LoopDevice mergedLoop = LoopDevice.attach(merged)) {
            Tool.run("mount", "-t", "squashfs", "-o", "ro", lowerLoop.device().toString(), lowerMount.toString()).ok();
            try {
                Tool.run("mount", "-t", "ext4", upperLoop.device().toString(), upperMount.toString()).ok();
                try {
                    Tool.run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lowerMount + ",upperdir="
                            + upperMount.resolve("overlayfs") + ",workdir=" + upperMount.resolve("work"),
                            overlayMount.toString()).ok();
                    try {
                        Tool.run("mount", "-t", "squashfs", "-o", "ro", mergedLoop.device().toString(),
                                mergedMount.toString()).ok();
                        try {
                            Map<String, String> kernel = SquashfsTrees.actual(overlayMount, true);
                            Map<String, String> ours = SquashfsTrees.actual(mergedMount, true);
                            SquashfsTrees.assertSameTree(ours, kernel);
                            // And independently of the kernel: the changes we made are the ones we see.
                            assertThat(Files.readString(mergedMount.resolve("etc/hostname"))).isEqualTo("upper-host\n");
                            assertThat(mergedMount.resolve("etc/removed")).doesNotExist();
                            assertThat(mergedMount.resolve("var/cache/pkg")).doesNotExist();
                            assertThat(mergedMount.resolve("var/cache/fresh")).isRegularFile();
                            assertThat(mergedMount.resolve("var/log/messages")).isRegularFile();
                            assertThat(mergedMount.resolve("opt/was-a-directory")).isRegularFile();
                            assertThat(Files.readSymbolicLink(mergedMount.resolve("link"))).isEqualTo(
                                    Path.of("usr/bin/tool"));
                            assertThat(ours.get("/etc/keep")).contains("user.origin=0x" + java.util.HexFormat.of()
                                    .formatHex("lower".getBytes(StandardCharsets.UTF_8)));
                            assertThat(String.join("\n", ours.values())).doesNotContain("trusted.overlay");
                        } finally {
                            Tool.run("umount", mergedMount.toString()).ok();
                        }
                    } finally {
                        Tool.run("umount", overlayMount.toString()).ok();
                    }
                } finally {
                    Tool.run("umount", upperMount.toString()).ok();
                }
            } finally {
                Tool.run("umount", lowerMount.toString()).ok();
            }
        }
    }

    /**
     * Hard links of both layers survive the merge, with either squashfs builder: a lower inode
     * with three names keeps the two the upper leaves (one whited out), a lower pair whose one
     * name is copied up breaks apart as in overlayfs, and a pair linked in the live session
     * (made by the kernel in the upper ext4) stays a pair. The data is stored once. A lower socket
     * is kept by our writer and counted as left out by tar2sqfs (a tar cannot hold one).
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = SquashfsBuilder.class, names = {"JAVA", "TAR2SQFS"})
    void hardLinksStayOneInode(SquashfsBuilder builder) throws Exception {
        Capabilities.requireLoopDevices();
        Capabilities.requireTools("mksquashfs", "mount", "umount", "stat");
        if (builder == SquashfsBuilder.TAR2SQFS) {
            Capabilities.requireTools("tar2sqfs");
        }
        byte[] big = new byte[300_000];
        new java.util.Random(11).nextBytes(big);
        Path src = dir.resolve("lower-src");
        Files.createDirectories(src.resolve("usr/bin"));
        Files.createDirectories(src.resolve("usr/share"));
        Files.write(src.resolve("usr/bin/perl"), big);
        Files.createLink(src.resolve("usr/bin/perl5"), src.resolve("usr/bin/perl"));
        Files.createLink(src.resolve("usr/share/perl-again"), src.resolve("usr/bin/perl"));
        write(src.resolve("etc/a"), "lower pair\n");
        Files.createLink(src.resolve("etc/b"), src.resolve("etc/a"));
        try (java.nio.channels.ServerSocketChannel socket = java.nio.channels.ServerSocketChannel.open(
                java.net.StandardProtocolFamily.UNIX)) {
            socket.bind(java.net.UnixDomainSocketAddress.of(src.resolve("etc/control.sock")));
        }
        Path lower = dir.resolve("lower.sqfs");
        Tool.run("mksquashfs", src.toString(), lower.toString(), "-noappend", "-quiet", "-no-progress").ok();

        Path upper = dir.resolve("upper.ext4");
        try (ImageFile volume = ImageFile.create(upper, 64L << 20)) {
            Ext4Formatter.format(volume, Ext4Options.labelled("persistence").withEntries(List.of(
                    Ext4Entry.directory("/rw", 0755),
                    Ext4Entry.directory("/rw/usr", 0755),
                    Ext4Entry.directory("/rw/usr/bin", 0755),
                    Ext4Entry.whiteout("/rw/usr/bin/perl5"),
                    Ext4Entry.directory("/rw/etc", 0755),
                    Ext4Entry.file("/rw/etc/a", 0644, "copied up\n"),
                    Ext4Entry.directory("/rw/home", 0755),
                    Ext4Entry.file("/rw/home/x", 0644, "linked in the session\n"))));
        }
        Path upperMount = Files.createDirectories(dir.resolve("upper"));
        try (LoopDevice loop = LoopDevice.attach(upper)) {
            Tool.run("mount", "-t", "ext4", loop.device().toString(), upperMount.toString()).ok();
            try {
                Files.createLink(upperMount.resolve("rw/home/y"), upperMount.resolve("rw/home/x"));
            } finally {
                Tool.run("umount", upperMount.toString()).ok();
            }
        }

        Path merged = dir.resolve("merged.sqfs");
        OverlayfsMerge.Summary summary;
        SquashfsWriter.Options options = SquashfsWriter.Options.defaults();
        org.stickwright.engine.squashfs.SquashfsTreeSink out = builder == SquashfsBuilder.JAVA
                ? SquashfsWriter.create(merged, options) : Tar2SqfsSink.start(merged, options.compression(), options);
        try (ImageFile lowerFile = ImageFile.openReadOnly(lower); ImageFile upperFile = ImageFile.openReadOnly(upper);
                out) {
            summary = OverlayfsMerge.merge(SquashfsImage.open(lowerFile), Ext4Reader.open(upperFile), "/rw", out);
        }
        assertThat(summary.hardLinks()).isEqualTo(2); // perl-again to perl, home/y to home/x
        // A tar stream cannot hold a socket: tar2sqfs's sink leaves it out and counts it.
        assertThat(out instanceof Tar2SqfsSink tar ? tar.socketsLeftOut() : 0)
                .isEqualTo(builder == SquashfsBuilder.TAR2SQFS ? 1 : 0);
        assertThat(Files.size(merged)).as("perl's data is stored once").isLessThan(big.length + 64_000L);

        Path mergedMount = Files.createDirectories(dir.resolve("merged"));
        try (LoopDevice loop = LoopDevice.attach(merged)) {
            Tool.run("mount", "-t", "squashfs", "-o", "ro", loop.device().toString(), mergedMount.toString()).ok();
            try {
                assertThat(mergedMount.resolve("usr/bin/perl5")).doesNotExist();
                assertThat(inodeAndLinks(mergedMount, "usr/bin/perl")).isEqualTo(
                        inodeAndLinks(mergedMount, "usr/share/perl-again")).endsWith(" 2");
                assertThat(Files.readAllBytes(mergedMount.resolve("usr/share/perl-again"))).isEqualTo(big);
                assertThat(inodeAndLinks(mergedMount, "etc/a")).endsWith(" 1");
                assertThat(inodeAndLinks(mergedMount, "etc/b")).endsWith(" 1");
                assertThat(Files.readString(mergedMount.resolve("etc/a"))).isEqualTo("copied up\n");
                assertThat(Files.readString(mergedMount.resolve("etc/b"))).isEqualTo("lower pair\n");
                assertThat(inodeAndLinks(mergedMount, "home/x")).isEqualTo(inodeAndLinks(mergedMount, "home/y"))
                        .endsWith(" 2");
                assertThat(Files.readString(mergedMount.resolve("home/y"))).isEqualTo("linked in the session\n");
                assertThat(Files.exists(mergedMount.resolve("etc/control.sock"), java.nio.file.LinkOption.NOFOLLOW_LINKS))
                        .isEqualTo(builder == SquashfsBuilder.JAVA);
            } finally {
                Tool.run("umount", mergedMount.toString()).ok();
            }
        }
    }

    private static String inodeAndLinks(Path top, String name) {
        return Tool.run("stat", "-c", "%i %h", top.resolve(name).toString()).ok().stdout().strip();
    }

    @Test
    void metacopyUppersAreRefused() throws Exception {
        MemoryBlockDevice volume = new MemoryBlockDevice(16L << 20);
        Ext4Formatter.format(volume, Ext4Options.labelled("persistence").withEntries(List.of(
                Ext4Entry.directory("/rw", 0755),
                Ext4Entry.file("/rw/bin", 0755, "").xattr("trusted.overlay.metacopy", new byte[0]))));
        Path lower = dir.resolve("empty.sqfs");
        try (SquashfsWriter w = SquashfsWriter.create(lower, SquashfsWriter.Options.defaults())) {
            w.directory("/", 0755, 0, 0, 0, Map.of());
        }
        try (ImageFile lowerFile = ImageFile.openReadOnly(lower);
                SquashfsWriter out = SquashfsWriter.create(dir.resolve("m.sqfs"), SquashfsWriter.Options.defaults())) {
            assertThatThrownBy(() -> OverlayfsMerge.merge(SquashfsImage.open(lowerFile), Ext4Reader.open(volume), "/rw",
                    out)).isInstanceOf(OverlayfsMergeException.class).hasMessageContaining("/bin")
                    .hasMessageContaining("metacopy");
        }
    }
}
