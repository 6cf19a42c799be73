package org.stickwright.engine.iso;

import org.stickwright.engine.io.MemoryBlockDevice;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.Tag;
import net.jqwik.api.statistics.Statistics;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;

/**
 * Round trip over many sizes: after replacing a file with {@code n} bytes, every tree reads
 * back exactly those bytes and every other file is unchanged, whatever placement was chosen.
 */
@Tag(Tags.ORACLE)
class IsoPatcherPropertyTest {
    static Path dir;
    static byte[] pristine;
    static Map<String, String> otherFiles;

    @BeforeContainer
    static void build() throws IOException {
        Capabilities.requireTools("xorriso", "mkfs.fat", "mcopy");
        Capabilities.require(Files.exists(IsoFixtures.ISOHYBRID_MBR), "isolinux is not installed");
        dir = Files.createTempDirectory("iso-property");
        Path iso = IsoFixtures.buildIso(dir, IsoFixtures.sourceTree(dir), "p.iso", "-partition_offset", "16");
        pristine = Files.readAllBytes(iso);
        otherFiles = hashes(new MemoryBlockDevice(pristine.clone()));
        otherFiles.remove("/boot/grub/grub.cfg");
    }

    @AfterContainer
    static void cleanUp() throws IOException {
        if (dir != null) {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    private static Map<String, String> hashes(MemoryBlockDevice device) throws IOException {
        Map<String, String> result = new LinkedHashMap<>();
        IsoImage image = IsoImage.open(device);
        for (IsoEntry e : image.walk()) {
            if (e.isFile()) {
                result.put(e.path(), IsoFixtures.sha256(image.readAll(e)));
            }
        }
        return result;
    }

    @Property(tries = 40)
    void replacedContentReadsBackInEveryTree(@ForAll @IntRange(min = 0, max = 3_000_000) int size) throws IOException {
        byte[] image = java.util.Arrays.copyOf(pristine, pristine.length + (4 << 20));
        MemoryBlockDevice device = new MemoryBlockDevice(image);
        byte[] content = new byte[size];
        new java.util.Random(size).nextBytes(content);
        IsoPatcher.Result result = IsoPatcher.replace(device, "/boot/grub/grub.cfg", content);
        assertThat(result.recordsUpdated()).isEqualTo(4);
        Statistics.collect(result.placement());
        Statistics.coverage(coverage -> {
            for (IsoPatcher.Placement placement : IsoPatcher.Placement.values()) {
                coverage.check(placement).count(n -> n > 0);
            }
        });
        for (IsoImage.Naming naming : new IsoImage.Naming[] {IsoImage.Naming.ROCK_RIDGE, IsoImage.Naming.JOLIET}) {
            IsoImage opened = IsoImage.open(device, naming);
            assertThat(opened.readAll(opened.find("/boot/grub/grub.cfg").orElseThrow())).isEqualTo(content);
        }
        // The partition's own trees (what /dev/sdX1 shows) agree.
        IsoImage partition = IsoImage.open(device.slice(32768, device.size() - 32768));
        assertThat(partition.readAll(partition.find("/boot/grub/grub.cfg").orElseThrow())).isEqualTo(content);
        Map<String, String> after = hashes(device);
        after.remove("/boot/grub/grub.cfg");
        assertThat(after).isEqualTo(otherFiles);
    }
}
