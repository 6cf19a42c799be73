package org.stickwright.engine.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.stickwright.engine.io.MemoryBlockDevice;
import org.tukaani.xz.XZInputStream;

/**
 * A store written by a real kernel: OverlayBootTest's first boot of the Fedora nested fixture
 * (Debian 12 kernel, dracut 059, table {@code snapshot 7:1 7:2 PO 8} over a 64 MiB rootfs.img,
 * 256 MiB store on FAT32) created, overwrote and deleted files, then printed its
 * {@code dmsetup status}. The resource holds the store's first MiB (everything after is zero)
 * and the guest's lines; the reader must derive the guest's figures from the bytes alone.
 */
class RealKernelStoreTest {
    private static final long STORE_BYTES = 256L * 1024 * 1024;

    @Test
    void derivesTheGuestsDmsetupStatusFromTheStoreAlone() throws IOException {
        DmSnapshotStore store = DmSnapshotStore.read(realStore());
        String guest = guestLine("STICKWRIGHT-DMSTATUS ");
        assertThat(guest).startsWith("0 131072 snapshot ");
        assertThat(guest).isEqualTo("0 131072 snapshot " + store.dmsetupStatus());
        assertThat(guestLine("STICKWRIGHT-DMTABLE ")).endsWith(" PO " + store.chunkSectors());
        assertThat(store.state()).isEqualTo(DmSnapshotStore.State.VALID);
        assertThat(store.exceptionCount()).isPositive();
        for (int i = 0; i < store.exceptionCount(); i++) {
            assertThat(store.oldChunk(i)).isLessThan(131072 / 8); // inside the 64 MiB origin
            assertThat(store.isMetadataChunk(store.newChunk(i))).isFalse();
        }
    }

    static MemoryBlockDevice realStore() throws IOException {
        try (InputStream in = RealKernelStoreTest.class.getResourceAsStream("fedora-nested-boot1-store.xz");
                XZInputStream xz = new XZInputStream(in)) {
            return MemoryBlockDevice.of(xz.readAllBytes(), STORE_BYTES);
        }
    }

    static String guestLine(String prefix) throws IOException {
        try (InputStream in = RealKernelStoreTest.class.getResourceAsStream("fedora-nested-boot1-guest.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
                if (line.startsWith(prefix)) {
                    return line.substring(prefix.length()).trim();
                }
            }
        }
        throw new AssertionError("no " + prefix + " line");
    }
}
