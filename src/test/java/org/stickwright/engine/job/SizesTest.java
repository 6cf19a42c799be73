package org.stickwright.engine.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void parsesTheContractsExamples() {
        assertThat(Sizes.parse("512M")).isEqualTo(512L << 20);
        assertThat(Sizes.parse("4G")).isEqualTo(4L << 30);
        assertThat(Sizes.parse("1.5G")).isEqualTo(3L << 29);
        assertThat(Sizes.parse("1048576")).isEqualTo(1 << 20);
        assertThat(Sizes.parse("2t")).isEqualTo(2L << 40);
        assertThat(Sizes.parse("64KiB")).isEqualTo(64 << 10);
    }

    @Test
    void rejectsWhatIsNoSizeNamingTheText() {
        assertThatThrownBy(() -> Sizes.parse("lots")).hasMessageContaining("'lots' is not a size");
        assertThatThrownBy(() -> Sizes.parse("-1G")).hasMessageContaining("is not a size");
        assertThatThrownBy(() -> Sizes.parse("99999999999T")).hasMessageContaining("too large");
    }

    @Property
    void humanFormIsWithinATenthOfAUnit(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long bytes) {
        String human = Sizes.human(bytes);
        if (bytes < 1024) {
            assertThat(human).isEqualTo(bytes + " B");
            return;
        }
        String[] parts = human.split(" ");
        long back = Sizes.parse(parts[0] + parts[1].charAt(0));
        long unit = 1L << (10 * " KMGTP".indexOf(parts[1].charAt(0)));
        assertThat(Math.abs(back - bytes)).isLessThanOrEqualTo(unit / 10 + 1);
    }
}
