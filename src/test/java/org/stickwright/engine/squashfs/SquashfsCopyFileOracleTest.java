package org.stickwright.engine.squashfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/**
 * copyFile streams a file out of a mksquashfs image block by block: data blocks, the all-zero
 * blocks mksquashfs stores as holes (left unwritten, so the output stays sparse) and the tail
 * in a fragment come out as the original bytes.
 */
@Tag(Tags.ORACLE)
class SquashfsCopyFileOracleTest {
    @TempDir
    Path dir;

    @Test
    void copiesBlocksHolesAndTheFragmentTail() throws Exception {
        Capabilities.requireTools("mksquashfs");
        Random random = new Random(17);
        byte[] content = new byte[300 * 1024 + 512 * 1024 + 1000];
        byte[] head = new byte[300 * 1024];
        random.nextBytes(head);
        System.arraycopy(head, 0, content, 0, head.length);
        byte[] tail = new byte[1000];
        random.nextBytes(tail);
        System.arraycopy(tail, 0, content, content.length - tail.length, tail.length);
        Path tree = Files.createDirectories(dir.resolve("tree/LiveOS"));
        Files.write(tree.resolve("rootfs.img"), content);
        Path image = dir.resolve("image.sqfs");
        Tool.run("mksquashfs", dir.resolve("tree").toString(), image.toString(), "-noappend", "-quiet", "-comp",
                "gzip", "-always-use-fragments").ok();
        Path out = dir.resolve("out.bin");
        try (ImageFile in = ImageFile.openReadOnly(image); ImageFile copy = ImageFile.create(out, content.length)) {
            SquashfsImage squashfs = SquashfsImage.open(in);
            SquashfsEntry file = squashfs.find("/LiveOS/rootfs.img").orElseThrow();
            assertThat(file.layout().blockSizes()).contains(0L); // mksquashfs stored the zero blocks as holes
            assertThat(file.layout().fragmentIndex()).isNotEqualTo(0xFFFFFFFFL);
            assertThat(squashfs.copyFile(file, copy, 0)).isEqualTo(content.length);
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(content);
    }
}
