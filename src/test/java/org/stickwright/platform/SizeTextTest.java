package org.stickwright.platform;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SizeTextTest {
    @Test
    void usesBinaryUnitsWithThreeSignificantDigits() {
        assertThat(SizeText.human(0)).isEqualTo("0 B");
        assertThat(SizeText.human(1023)).isEqualTo("1023 B");
        assertThat(SizeText.human(1536)).isEqualTo("1.50 KiB");
        assertThat(SizeText.human(61341696L * 512)).isEqualTo("29.3 GiB");
        assertThat(SizeText.human(256L << 30)).isEqualTo("256 GiB");
        assertThat(SizeText.human(Long.MAX_VALUE)).isEqualTo("8.00 EiB");
    }
}
