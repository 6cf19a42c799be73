package org.stickwright.engine.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Configs made of random pieces of real syntax (unbalanced braces, stray quotes, markers in odd
 * places, lone CRs): every byte survives parse/write, and editing either works or raises
 * {@link BootConfigException} — never another exception, never a hang.
 */
class MalformedConfigProperties {
    @Provide
    Arbitrary<byte[]> configs() {
        Arbitrary<String> piece = Arbitraries.of("menuentry ", "submenu ", "'T x'", "\"T\\\"y\"", " {", "}", "\n", "\r\n", "\r", "\t",
                " ", "linux /k ", "linuxefi /k", "initrd /i", "set default=", "0", "1", "'T x'", "set fallback=2", "--id ", "i1",
                "label ", "LABEL ", "menu label ", "menu default", "append ", "kernel /k", "text help", "endtext", "default ",
                "include x.cfg", "# stickwright: persistence profile persistent", "# stickwright: live entry without persistence",
                " (no persistence)", "quiet", "---", "rd.live.check", "#", "\u00e9", "\u0000");
        return piece.list().ofMaxSize(60).map(parts -> String.join("", parts).getBytes(StandardCharsets.ISO_8859_1));
    }

    @Property(tries = 1000)
    void grubRoundTripsOrRefuses(@ForAll("configs") byte[] config) {
        try {
            GrubConfig parsed = GrubConfig.parse(config);
            assertThat(parsed.toBytes()).isEqualTo(config);
            parsed.withPersistence(BootConfigFixtures.FEDORA);
            parsed.withPersistence(PersistenceRecipe.plain());
        } catch (BootConfigException expected) {
            assertThat(expected).hasMessageStartingWith("grub.cfg");
        }
    }

    @Property(tries = 1000)
    void syslinuxRoundTripsOrRefuses(@ForAll("configs") byte[] config) {
        try {
            SyslinuxConfig parsed = SyslinuxConfig.parse(config);
            assertThat(parsed.toBytes()).isEqualTo(config);
            parsed.withPersistence(BootConfigFixtures.DEBIAN, Optional.of("x"));
            parsed.withPersistence(PersistenceRecipe.plain(), Optional.empty());
        } catch (BootConfigException expected) {
            assertThat(expected).hasMessageStartingWith("syslinux");
        }
    }

    @Property(tries = 500)
    void systemdBootEditsOrRefuses(@ForAll("configs") byte[] entry, @ForAll("configs") byte[] loader) {
        try {
            SystemdBootConfig.Edit edit = SystemdBootConfig.withPersistence(java.util.Map.of("e.conf", entry), loader, BootConfigFixtures.ARCHISO);
            SystemdBootConfig.Edit again = SystemdBootConfig.withPersistence(edit.entries(), edit.loaderConf(), BootConfigFixtures.ARCHISO);
            assertThat(again.changedEntries(edit.entries())).isEmpty();
            assertThat(again.loaderConf()).isEqualTo(edit.loaderConf());
        } catch (BootConfigException expected) {
            assertThat(expected).hasMessageContaining("loader");
        }
    }

    @Property(tries = 300)
    void wellFormedGrubPiecesStayValidForTheParserAfterEditing(@ForAll("configs") byte[] config) {
        try {
            byte[] edited = GrubConfig.parse(config).withPersistence(BootConfigFixtures.DEBIAN);
            assertThat(GrubConfig.parse(edited).entries().size())
                    .isGreaterThanOrEqualTo(GrubConfig.parse(config).entries().size());
        } catch (BootConfigException expected) {
            assertThat(List.of(expected.getMessage())).isNotEmpty();
        }
    }
}
