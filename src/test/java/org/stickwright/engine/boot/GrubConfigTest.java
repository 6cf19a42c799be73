package org.stickwright.engine.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class GrubConfigTest {
    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    @Test
    void numbersTopLevelEntriesAndResolvesANumericDefault() throws Exception {
        GrubConfig config = GrubConfig.parse(BootConfigFixtures.read("fedora41/grub.cfg"));
        assertThat(config.entries()).extracting(GrubConfig.MenuEntry::index).containsExactly(0, 1, 2, -1, -1, -1);
        assertThat(config.entries().get(2).submenu()).isTrue();
        assertThat(config.defaultSetting()).contains("1");
        assertThat(config.defaultEntry().title()).isEqualTo("Test this media & start Fedora-Workstation-Live 41");
        assertThat(config.toBytes()).isEqualTo(BootConfigFixtures.read("fedora41/grub.cfg"));
    }

    @Test
    void defaultByTitleIsRewrittenToTheDefaultProfile() throws Exception {
        String cfg = "set default=\"Live \\\"x\\\"\"\nmenuentry 'Other' {\n\tlinux /k a\n}\nmenuentry 'Live \"x\"' {\n\tlinux /k quiet\n}\n";
        byte[] out = GrubConfig.parse(bytes(cfg)).withPersistence(BootConfigFixtures.DEBIAN);
        GrubConfig edited = GrubConfig.parse(out);
        assertThat(edited.defaultSetting()).contains("Live \"x\" (persistent)");
        assertThat(edited.defaultEntry().index()).isEqualTo(1);
        assertThat(text(out)).startsWith("set default=\"Live \\\"x\\\" (persistent)\"\n");
        assertThat(GrubConfig.parse(out).withPersistence(BootConfigFixtures.DEBIAN)).isEqualTo(out);
    }

    @Test
    void defaultByIdGivesEachCopyItsOwnId() throws Exception {
        String cfg = "set default=live\nmenuentry 'Live' --id live --hotkey=l {\n\tlinuxefi /k quiet\n}\n";
        byte[] out = GrubConfig.parse(bytes(cfg)).withPersistence(BootConfigFixtures.DEBIAN);
        assertThat(text(out)).isEqualTo("set default=live-persistent\n"
                + "# stickwright: persistence profile persistent\n"
                + "menuentry 'Live (persistent)' --id live-persistent {\n\tlinuxefi /k quiet persistence\n}\n"
                + "# stickwright: persistence profile persistent-work\n"
                + "menuentry 'Live (persistent: work)' --id live-persistent-work {\n\tlinuxefi /k quiet persistence persistence-label=work\n}\n"
                + "# stickwright: live entry without persistence\n"
                + "menuentry 'Live (no persistence)' --id live --hotkey=l {\n\tlinuxefi /k quiet\n}\n");
        assertThat(GrubConfig.parse(out).defaultEntry().id()).isEqualTo("live-persistent");
    }

    @Test
    void bareWordTitleIsExtendedWithAQuotedPart() throws Exception {
        byte[] out = GrubConfig.parse(bytes("menuentry Live {\n linux /k\n}")).withPersistence(BootConfigFixtures.UBUNTU);
        assertThat(text(out)).isEqualTo("# stickwright: persistence profile persistent\nmenuentry Live' (persistent)' {\n linux /k persistent\n}\n"
                + "# stickwright: live entry without persistence\nmenuentry Live' (no persistence)' {\n linux /k\n}");
        assertThat(GrubConfig.parse(out).entries()).extracting(GrubConfig.MenuEntry::title)
                .containsExactly("Live (persistent)", "Live (no persistence)");
    }

    @Test
    void fallbackNumberFollowsItsEntry() throws Exception {
        String cfg = "set default=0\nset fallback=\"1\"\nmenuentry 'A' {\n linux /k\n}\nmenuentry 'B' {\n linux /k\n}\n";
        byte[] out = GrubConfig.parse(bytes(cfg)).withPersistence(BootConfigFixtures.SYSTEMRESCUE);
        assertThat(text(out)).contains("set fallback=\"3\"\n");
        GrubConfig edited = GrubConfig.parse(out);
        assertThat(edited.entries().get(3).title()).isEqualTo("B");
        assertThat(text(GrubConfig.parse(out).withPersistence(PersistenceRecipe.plain()))).isEqualTo(cfg);
    }

    @Test
    void malformedConfigsAreRefusedWithTheLine() {
        assertThatThrownBy(() -> GrubConfig.parse(bytes("set timeout=5\n\n}\n")))
                .isInstanceOf(BootConfigException.class).hasMessageContaining("line 3");
        assertThatThrownBy(() -> GrubConfig.parse(bytes("menuentry 'x' {\n linux /k\n")))
                .isInstanceOf(BootConfigException.class).hasMessageContaining("unclosed");
        assertThatThrownBy(() -> GrubConfig.parse(bytes("menuentry\n")))
                .isInstanceOf(BootConfigException.class).hasMessageContaining("line 1");
    }

    @Test
    void unresolvableDefaultsAreRefusedRatherThanGuessed() throws Exception {
        String entries = "menuentry 'A' {\n linux /k\n}\nsubmenu 'S' {\n menuentry 'C' {\n  linux /k\n }\n}\n";
        for (String setting : List.of("set default=7\n", "set default='nope'\n", "set default=\"1>0\"\n", "set default=1\n",
                "set default=\"${saved_entry}\"\n")) {
            GrubConfig config = GrubConfig.parse(bytes(setting + entries));
            assertThatThrownBy(() -> config.withPersistence(BootConfigFixtures.DEBIAN)).as(setting)
                    .isInstanceOf(BootConfigException.class).hasMessageContaining("line");
        }
        assertThatThrownBy(() -> GrubConfig.parse(bytes("set timeout=1\n")).defaultEntry())
                .isInstanceOf(BootConfigException.class).hasMessageContaining("no menuentry");
    }

    @Test
    void wordsFollowGrubQuoting() {
        assertThat(GrubConfig.words("menuentry 'a b' \"c \\\" d\" e\\ f # g h")).extracting(GrubConfig.Word::raw)
                .containsExactly("menuentry", "'a b'", "\"c \\\" d\"", "e\\ f");
        assertThat(GrubConfig.unquote("'a b'\"c \\\" d\"e\\ f")).isEqualTo("a bc \" de f");
    }
}
