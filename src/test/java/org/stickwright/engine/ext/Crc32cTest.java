package org.stickwright.engine.ext;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.zip.CRC32C;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class Crc32cTest {
    @Property(tries = 200)
    void rawRegisterIsTheInverseOfTheJdkCrc32c(@ForAll byte[] data) {
        CRC32C jdk = new CRC32C();
        jdk.update(data);
        assertThat(Crc32c.update(~0, data) & 0xFFFF_FFFFL).isEqualTo(~jdk.getValue() & 0xFFFF_FFFFL);
    }

    @Property(tries = 200)
    void chainingEqualsOnePass(@ForAll byte[] a, @ForAll byte[] b, @ForAll int word) {
        byte[] joined = new byte[a.length + 4 + b.length];
        System.arraycopy(a, 0, joined, 0, a.length);
        for (int i = 0; i < 4; i++) {
            joined[a.length + i] = (byte) (word >>> (8 * i));
        }
        System.arraycopy(b, 0, joined, a.length + 4, b.length);
        int chained = Crc32c.update(Crc32c.updateInt(Crc32c.update(~0, a), word), b);
        assertThat(chained).isEqualTo(Crc32c.update(~0, joined));
    }
}
