package org.stickwright.engine.iso;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** SUSP/RRIP entries built by hand, including the corruptions a reader must survive. */
class SystemUseAreaTest {
    private static byte[] entry(String sig, byte[] data) {
        byte[] e = new byte[4 + data.length];
        e[0] = (byte) sig.charAt(0);
        e[1] = (byte) sig.charAt(1);
        e[2] = (byte) e.length;
        e[3] = 1;
        System.arraycopy(data, 0, e, 4, data.length);
        return e;
    }

    private static byte[] ce(long block, long offset, long length) {
        byte[] d = new byte[24];
        Bytes.putBoth32(d, 0, block);
        Bytes.putBoth32(d, 8, offset);
        Bytes.putBoth32(d, 16, length);
        return entry("CE", d);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Continuation areas served from a map of block -> 2048 bytes. */
    private static SystemUseArea.ContinuationSource blocks(java.util.Map<Long, byte[]> blocks) {
        return new SystemUseArea.ContinuationSource() {
            @Override
            public byte[] read(long block, int offset, int length) throws IOException {
                byte[] b = blocks.get(block);
                if (b == null) {
                    throw new IsoFormatException("test block", block * 2048, "absent");
                }
                return java.util.Arrays.copyOfRange(b, offset, offset + length);
            }

            @Override
            public long position(long block) {
                return block * 2048;
            }
        };
    }

    private static SystemUseArea parse(byte[] area, java.util.Map<Long, byte[]> continuation) throws IOException {
        return SystemUseArea.parse(area, 0, area.length, 1000, 0, blocks(continuation));
    }

    @Test
    void nameSplitAcrossContinuationIsJoined() throws IOException {
        byte[] first = concat(entry("NM", concat(new byte[] {1}, "first-half-".getBytes(StandardCharsets.UTF_8))),
                ce(30, 100, 20));
        byte[] block = new byte[2048];
        byte[] rest = entry("NM", concat(new byte[] {0}, "second".getBytes(StandardCharsets.UTF_8)));
        System.arraycopy(rest, 0, block, 100, rest.length);
        SystemUseArea area = parse(first, java.util.Map.of(30L, block));
        assertThat(area.name).isEqualTo("first-half-second");
        assertThat(area.continuationBlocks).containsExactly(30L);
    }

    @Test
    void continuationLoopIsRefused() {
        byte[] block = new byte[2048];
        byte[] self = ce(7, 0, 28);
        System.arraycopy(self, 0, block, 0, self.length);
        assertThatThrownBy(() -> parse(ce(7, 0, 28), java.util.Map.of(7L, block)))
                .isInstanceOf(IsoFormatException.class).hasMessageContaining("SUSP continuation area at byte 14336")
                .hasMessageContaining("loops");
    }

    @Test
    void continuationLeavingItsBlockIsRefused() {
        assertThatThrownBy(() -> parse(ce(7, 2000, 100), java.util.Map.of()))
                .isInstanceOf(IsoFormatException.class).hasMessageContaining("SUSP CE entry at byte 1000");
    }

    @Test
    void entryLongerThanItsAreaIsRefused() {
        byte[] nm = entry("NM", concat(new byte[] {0}, "name".getBytes(StandardCharsets.US_ASCII)));
        nm[2] = 40;
        assertThatThrownBy(() -> parse(nm, java.util.Map.of())).isInstanceOf(IsoFormatException.class)
                .hasMessageContaining("SUSP entry NM at byte 1000");
    }

    @Test
    void symlinkComponentsAndFlags() throws IOException {
        // "/usr/../lib/x" written as root, "usr", parent, "lib", "x" (x split with the continue flag)
        byte[] components = concat(new byte[] {8, 0}, new byte[] {0, 3, 'u', 's', 'r'}, new byte[] {4, 0},
                new byte[] {0, 3, 'l', 'i', 'b'}, new byte[] {1, 1, 'x'}, new byte[] {0, 1, 'y'});
        SystemUseArea area = parse(entry("SL", concat(new byte[] {0}, components)), java.util.Map.of());
        assertThat(area.symlinkTarget).isEqualTo("/usr/../lib/xy");
    }

    @Provide
    Arbitrary<List<String>> components() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars('.', '-', 'ü', '日').ofMinLength(1)
                .ofMaxLength(40).filter(s -> !s.equals(".") && !s.equals("..")).list().ofMinSize(1).ofMaxSize(6);
    }

    /** A target written as SL components (split over several SL entries) reads back identically. */
    @Property(tries = 200)
    void symlinkTargetsRoundTrip(@ForAll("components") List<String> parts, @ForAll boolean absolute) throws IOException {
        List<byte[]> entries = new ArrayList<>();
        if (absolute) {
            entries.add(entry("SL", new byte[] {1, 8, 0}));
        }
        for (int i = 0; i < parts.size(); i++) {
            byte[] name = parts.get(i).getBytes(StandardCharsets.UTF_8);
            boolean last = i == parts.size() - 1;
            entries.add(entry("SL", concat(new byte[] {(byte) (last ? 0 : 1), 0, (byte) name.length}, name)));
        }
        SystemUseArea area = parse(concat(entries.toArray(new byte[0][])), java.util.Map.of());
        assertThat(area.symlinkTarget).isEqualTo((absolute ? "/" : "") + String.join("/", parts));
    }

    @Property(tries = 200)
    void bothEndianFieldsRoundTrip(@ForAll long value) {
        long v = value & 0xFFFF_FFFFL;
        byte[] b = new byte[8];
        Bytes.putBoth32(b, 0, v);
        assertThat(Bytes.le32(b, 0)).isEqualTo(v);
        assertThat(Bytes.be32(b, 4)).isEqualTo(v);
    }
}
