package org.stickwright.engine.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.stickwright.engine.boot.PersistenceRecipe;
import org.stickwright.engine.family.Family;
import org.stickwright.engine.io.MemoryBlockDevice;

/** The manifest an extract-mode stick carries for --keep-persistence: round trip and bad input. */
class StickManifestTest {
    @Test
    void aManifestReadsBackAsWritten() throws Exception {
        UUID uuid = UUID.fromString("0b6e1f4e-4d5a-4c1e-9d1b-2f3a4b5c6d7e");
        StickManifest manifest = new StickManifest(Family.FEDORA_DRACUT, "/LiveOS/squashfs.img", "abc123",
                List.of(new ExtractStores.Store("persistence", ExtractStores.Kind.DM_SNAPSHOT_FILE, 1 << 26,
                                "/LiveOS/overlay-X-1A2B-3C4D", null, null, List.of()),
                        new ExtractStores.Store("profile:work", ExtractStores.Kind.EXT4_PARTITION, 5L << 30, null,
                                "sw-work", uuid, List.of())),
                new PersistenceRecipe("fedora", List.of(new PersistenceRecipe.Profile("persistent",
                        List.of("rd.live.overlay=UUID=1A2B-3C4D"), List.of("rd.live.overlay.overlayfs"))),
                        List.of("rd.live.check")));
        StickManifest read = StickManifest.parse(manifest.toBytes());
        assertThat(read.family()).isEqualTo(Family.FEDORA_DRACUT);
        assertThat(read.rootImage()).isEqualTo("/LiveOS/squashfs.img");
        assertThat(read.rootFingerprint()).isEqualTo("abc123");
        assertThat(read.stores()).isEqualTo(manifest.stores());
        assertThat(read.recipe().profiles()).isEqualTo(manifest.recipe().profiles());
        assertThat(read.recipe().removeFromAllEntries()).containsExactly("rd.live.check");
        assertThat(read.toBytes()).isEqualTo(manifest.toBytes());
    }

    @Test
    void aMalformedManifestIsBadInputNamingTheLine() {
        for (String text : List.of("", "hello\n", "stickwright-extract=1\nfamily=NOPE\n",
                "stickwright-extract=1\nfamily=DEBIAN_LIVE\nroot=-|x\nstore=persistence|EXT4_FILE\n",
                "stickwright-extract=1\nfamily=DEBIAN_LIVE\n", "stickwright-extract=1\nwhat\n")) {
            assertThatThrownBy(() -> StickManifest.parse(text.getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(JobException.class).hasMessageContaining(StickManifest.PATH)
                    .satisfies(e -> assertThat(((JobException) e).outcome()).isEqualTo(Outcome.BAD_INPUT));
        }
        assertThatThrownBy(() -> StickManifest.parse(new byte[1 << 20])).isInstanceOf(JobException.class);
    }

    @Test
    void theFingerprintSeesTheSizeTheHeadAndTheTail() throws Exception {
        MemoryBlockDevice device = new MemoryBlockDevice(8 << 20);
        List<long[]> whole = List.of(new long[] {0, 6 << 20});
        String a = StickManifest.fingerprint(device, whole, 6 << 20);
        device.writeBytes((6 << 20) - 10, new byte[] {1});
        String tail = StickManifest.fingerprint(device, whole, 6 << 20);
        device.writeBytes(3 << 20, new byte[] {1});
        String middle = StickManifest.fingerprint(device, whole, 6 << 20);
        assertThat(tail).isNotEqualTo(a);
        assertThat(middle).as("the middle is not read").isEqualTo(tail);
        List<long[]> split = List.of(new long[] {4 << 20, 2 << 20}, new long[] {0, 4 << 20});
        assertThat(StickManifest.fingerprint(device, split, 6 << 20)).isNotEqualTo(tail);
    }
}
