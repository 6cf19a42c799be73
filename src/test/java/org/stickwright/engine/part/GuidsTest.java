package org.stickwright.engine.part;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

class GuidsTest {
    @Test
    void efiSystemTypeIsStoredMixedEndian() {
        byte[] bytes = new byte[16];
        Guids.encode(GptTypes.EFI_SYSTEM, bytes, 0);
        // As written by every tool: first three groups little-endian, the rest in text order.
        assertThat(HexFormat.of().formatHex(bytes)).isEqualTo("28732ac11ff8d211ba4b00a0c93ec93b");
    }

    @Test
    void decodesBytesAsSgdiskPrintsThem() {
        byte[] bytes = HexFormat.of().parseHex("a2a0d0ebe5b9334487c068b6b72699c7");
        assertThat(Guids.decode(bytes, 0)).isEqualTo(GptTypes.MICROSOFT_BASIC_DATA);
    }

    @Property
    void encodeThenDecodeIsIdentity(@ForAll long msb, @ForAll long lsb) {
        UUID guid = new UUID(msb, lsb);
        byte[] bytes = new byte[20];
        Guids.encode(guid, bytes, 3);
        assertThat(Guids.decode(bytes, 3)).isEqualTo(guid);
    }
}
