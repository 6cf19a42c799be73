package org.stickwright.engine.squashfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.LoopDevice;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * The Linux kernel as the oracle: it mounts the images we write through a loop device, and the
 * mounted tree (contents, modes, owners, device numbers incl. the whiteout's 0/0, xattrs as
 * getfattr reads them) is the tree we fed in.
 */
@Tag(Tags.ROOT)
@Tag(Tags.LOOP)
@Tag(Tags.ORACLE)
class SquashfsWriterKernelTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = SquashfsSuperblock.Compression.class, names = {"GZIP", "XZ"})
    void theKernelMountsWhatWeWrote(SquashfsSuperblock.Compression compression) throws Exception {
        Capabilities.requireLoopDevices();
        Capabilities.requireTools("mount", "umount", "getfattr");
        Path image = SquashfsWriterOracleTest.build(dir.resolve("out.sqfs"), SquashfsWriter.Options.defaults()
                .withCompression(compression).withModificationTime(SampleTree.MTIME));
        Path mountPoint = Files.createDirectories(dir.resolve("mnt"));
        try (LoopDevice loop = LoopDevice.attach(image)) {
            Tool.run("mount", "-t", "squashfs", "-o", "ro", loop.device().toString(), mountPoint.toString()).ok();
            try {
                SquashfsTrees.assertSameTree(SquashfsTrees.actual(mountPoint, true),
                        SquashfsTrees.expected(SampleTree.root(), SampleTree.entries(), true));
                String stat = Tool.run("stat", "-c", "%F %t:%T", mountPoint.resolve("whiteout").toString()).ok()
                        .stdout().strip();
                assertThat(stat).isEqualTo("character special file 0:0");
            } finally {
                Tool.run("umount", mountPoint.toString()).ok();
            }
        }
    }
}
