package org.stickwright.engine.ext;

import org.stickwright.engine.io.MemoryBlockDevice;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Jazzer target for the whole reader: superblock, group descriptors, inodes, extent trees,
 * block maps, inline data, directories and xattrs. Any input must end in a result or an
 * IOException. The seeds (Ext4ReaderFuzzTestInputs/fuzzReader) are tiny filesystems made with
 * {@code mke2fs -t ext4 -d}: 1 KiB blocks with a depth-1 extent tree, holes and an xattr block;
 * the same with inline_data; 4 KiB blocks. Without JAZZER_FUZZ=1 only the seeds run.
 */
class Ext4ReaderFuzzTest {
    static final String SEEDS = "/org/stickwright/engine/ext/Ext4ReaderFuzzTestInputs/fuzzReader/";

    @FuzzTest(maxDuration = "30s")
    void fuzzReader(byte[] image) {
        try {
            ReaderExercise.exercise(new MemoryBlockDevice(image), false);
        } catch (IOException expected) {
            // corrupt input must surface as an IOException, which is what we want
        }
    }

    static Ext4Reader seed(String name) throws IOException {
        try (InputStream in = Ext4ReaderFuzzTest.class.getResourceAsStream(SEEDS + name)) {
            assertThat(in).as(name).isNotNull();
            return Ext4Reader.open(new MemoryBlockDevice(in.readAllBytes()));
        }
    }

    /** The seeds are real filesystems: what mke2fs -d copied in reads back exactly. */
    @ParameterizedTest
    @ValueSource(strings = {"mke2fs-1k-extents-xattr-block", "mke2fs-1k-inline-data", "mke2fs-4k"})
    void seedsReadBackWhatMke2fsCopiedIn(String name) throws IOException {
        Ext4Reader reader = seed(name);
        assertThat(new String(reader.readAll(reader.lookup("/dir/hello.txt"), 100), StandardCharsets.UTF_8))
                .isEqualTo("hello world\n");
        assertThat(reader.readSymlink(reader.lookup("/dir/fast"))).isEqualTo("hello.txt");
        assertThat(reader.readSymlink(reader.lookup("/dir/slow"))).isEqualTo("/" + "long/".repeat(20) + "target");
        byte[] sparse = reader.readAll(reader.lookup("/sparse.bin"), 1 << 20);
        assertThat(sparse).hasSize(11 * 2048 + 1024);
        for (int i = 0; i < 12; i++) {
            assertThat(sparse[i * 2048]).isEqualTo((byte) (i + 1));
            assertThat(sparse[i * 2048 + 1023]).isEqualTo((byte) (i + 1));
            if (i < 11) {
                assertThat(sparse[i * 2048 + 1024]).isZero();
            }
        }
        assertThat(reader.readAll(reader.lookup("/dir/sub/blob.bin"), 1 << 20)).hasSize(3000);
        assertThat(reader.list(reader.lookup("/dir/sub"))).hasSize(61);
        Map<String, byte[]> note = reader.xattrs(reader.lookup("/dir/hello.txt"));
        assertThat(note.get("user.note")).isEqualTo("overlay".getBytes(StandardCharsets.US_ASCII));
        assertThat(reader.xattrs(reader.lookup("/dir/sub")).get("user.big")).hasSize(400).containsOnly((byte) 0xCD);
        assertThat(ReaderExercise.exercise(reader.device())).isEqualTo(3 + 4 + 61);
    }

    @Test
    void oneKibibyteSeedHasADepthOneExtentTreeAndInlineSeedUsesInlineData() throws IOException {
        Ext4Inode sparse = seed("mke2fs-1k-extents-xattr-block").lookup("/sparse.bin");
        assertThat(sparse.iBlock()[6]).as("extent depth").isEqualTo((byte) 1);
        assertThat(seed("mke2fs-1k-inline-data").lookup("/dir/hello.txt").hasInlineData()).isTrue();
    }
}
