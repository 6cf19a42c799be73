package org.stickwright.engine.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SyslinuxConfigTest {
    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    @Test
    void reportsIncludesAndDefaultWithoutOpeningThem() {
        SyslinuxConfig config = SyslinuxConfig.parse(BootConfigFixtures.read("archiso/archiso_sys.cfg"));
        assertThat(config.includes()).containsExactly("archiso_head.cfg", "archiso_sys-linux.cfg", "archiso_tail.cfg");
        assertThat(config.defaultCommand()).contains("arch64");
        assertThat(config.labels()).isEmpty();
    }

    @Test
    void labelBlocksOwnTheirTextHelpAndStopAtMenuDirectives() throws Exception {
        SyslinuxConfig config = SyslinuxConfig.parse(BootConfigFixtures.read("fedora36/isolinux.cfg"));
        assertThat(config.labels()).extracting(SyslinuxConfig.Label::name).containsExactly("linux", "check", "basic", "local", "returntomain");
        SyslinuxConfig.Label basic = config.labels().get(2);
        assertThat(basic.lastLine() - basic.firstLine()).isEqualTo(8);
        assertThat(config.defaultLabel(Optional.empty()).name()).isEqualTo("check");
        assertThat(config.defaultCommand()).contains("vesamenu.c32");
    }

    @Test
    void defaultDirectiveKeepsWorkingBecauseTheFirstCopyTakesTheName() throws Exception {
        String cfg = "DEFAULT live\r\nLABEL other\r\n  KERNEL /k\r\nLABEL live\r\n  KERNEL /vmlinuz\r\n  INITRD /initrd.img\r\n";
        byte[] out = SyslinuxConfig.parse(bytes(cfg)).withPersistence(BootConfigFixtures.UBUNTU, Optional.empty());
        assertThat(text(out)).isEqualTo("DEFAULT live\r\nLABEL other\r\n  KERNEL /k\r\n"
                + "# stickwright: persistence profile persistent\r\n"
                + "LABEL live\r\n  MENU LABEL live (persistent)\r\n  KERNEL /vmlinuz\r\n  APPEND persistent\r\n  INITRD /initrd.img\r\n"
                + "# stickwright: live entry without persistence\r\n"
                + "LABEL live-nopersist\r\n  MENU LABEL live (no persistence)\r\n  KERNEL /vmlinuz\r\n  INITRD /initrd.img\r\n");
        SyslinuxConfig edited = SyslinuxConfig.parse(out);
        assertThat(edited.defaultLabel(Optional.empty()).title()).isEqualTo("live (persistent)");
        assertThat(SyslinuxConfig.parse(out).withPersistence(BootConfigFixtures.UBUNTU, Optional.empty())).isEqualTo(out);
    }

    @Test
    void hintFromAnIncludingFileChoosesTheSource() throws Exception {
        String cfg = "label a\n  linux /a\nlabel b\n  linux /b\n  append x\n";
        byte[] out = SyslinuxConfig.parse(bytes(cfg)).withPersistence(BootConfigFixtures.DEBIAN, Optional.of("B"));
        assertThat(text(out)).startsWith("label a\n  linux /a\n# stickwright: persistence profile persistent\nlabel b\n");
        assertThat(text(out)).contains("label b-persistent-work\n  menu label b (persistent: work)\n  linux /b\n  append x persistence persistence-label=work\n");
    }

    @Test
    void noLabelIsAnError() {
        assertThatThrownBy(() -> SyslinuxConfig.parse(bytes("default vesamenu.c32\n")).withPersistence(BootConfigFixtures.DEBIAN, Optional.empty()))
                .isInstanceOf(BootConfigException.class).hasMessageContaining("no label");
    }
}
