package org.stickwright.platform;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class DisplayTextTest {
    @Test
    void removesTerminalEscapesBidiOverridesAndZeroWidthCharacters() {
        assertThat(DisplayText.sanitize("\u001b[2J\u001b]0;pwned\u0007Kingston")).isEqualTo("[2J]0;pwnedKingston");
        assertThat(DisplayText.sanitize("\u202enotsgniK")).isEqualTo("notsgniK");
        assertThat(DisplayText.sanitize("Sand\u200bisk\u2066\u2069\ufeff")).isEqualTo("Sandisk");
        assertThat(DisplayText.sanitize("a\u0000b\u007fc\u0085d")).isEqualTo("abcd");
    }

    @Test
    void trimsAndCollapsesWhitespaceOfSpacePaddedFirmwareStrings() {
        assertThat(DisplayText.sanitize("  SanDisk \t\n Cruzer   Blade    ")).isEqualTo("SanDisk Cruzer Blade");
        assertThat(DisplayText.sanitize(null)).isEmpty();
    }

    @Test
    void capsLengthWithoutSplittingASurrogatePair() {
        assertThat(DisplayText.sanitize("x".repeat(500))).hasSize(DisplayText.MAX_LENGTH);
        String emoji = "\ud83d\udcbe"; // floppy disk, two chars
        String capped = DisplayText.sanitize("abc" + emoji + emoji, 4);
        assertThat(capped).isEqualTo("abc");
        assertThat(DisplayText.sanitize("ab" + emoji, 4)).isEqualTo("ab" + emoji);
    }

    @Property(tries = 300)
    void outputIsShortPrintableTrimmedAndStable(@ForAll String raw, @ForAll @IntRange(min = 1, max = 80) int max) {
        String clean = DisplayText.sanitize(raw, max);
        assertThat(clean.length()).isLessThanOrEqualTo(max);
        assertThat(clean).isEqualTo(clean.trim());
        clean.codePoints().forEach(cp -> {
            int type = Character.getType(cp);
            assertThat(type).isNotIn((int) Character.CONTROL, (int) Character.FORMAT, (int) Character.SURROGATE,
                    (int) Character.PRIVATE_USE, (int) Character.UNASSIGNED);
        });
        assertThat(DisplayText.sanitize(clean, max)).isEqualTo(clean);
    }
}
