package org.stickwright.engine.ext;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.stickwright.engine.io.MemoryBlockDevice;

/**
 * A fixed UUID and creation time give the same filesystem byte for byte (seeded create jobs
 * rely on it); without a fixed UUID two formats differ (hash seed, journal sequence).
 */
class Ext4FormatterDeterminismTest {
    private static final long SIZE = 32L << 20;

    @Test
    void aFixedUuidAndTimeGiveIdenticalBytes() throws Exception {
        Ext4Options options = Ext4Options.labelled("persistence")
                .withUuid(UUID.fromString("0b6e1f4e-4d5a-4c1e-9d1b-2f3a4b5c6d7e"))
                .withCreationTime(Instant.ofEpochSecond(1_704_067_200L))
                .withEntries(List.of(Ext4Entry.directory("/overlayfs", 0755), Ext4Entry.directory("/ovlwork", 0755)));
        assertThat(format(options)).isEqualTo(format(options));
    }

    @Test
    void withoutAFixedUuidTwoFormatsDiffer() throws Exception {
        Ext4Options options = Ext4Options.labelled("x").withCreationTime(Instant.ofEpochSecond(1_704_067_200L));
        assertThat(format(options)).isNotEqualTo(format(options));
    }

    private static byte[] format(Ext4Options options) throws Exception {
        MemoryBlockDevice device = new MemoryBlockDevice(SIZE);
        Ext4Formatter.format(device, options);
        ByteBuffer all = ByteBuffer.allocate((int) SIZE);
        device.read(all, 0);
        return all.array();
    }
}
