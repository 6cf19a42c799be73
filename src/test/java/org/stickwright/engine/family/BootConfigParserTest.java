package org.stickwright.engine.family;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The three configuration languages, including the corners real ISOs use. */
class BootConfigParserTest {
    @Test
    void grubSplitsLikeAShellAndKnowsAllThreeLinuxCommands() {
        String cfg = """
                # linux /commented/out quiet
                menuentry 'x' {
                    linux16 /isolinux/vmlinuz root=live:CDLABEL=Fedora\\\\x20Live 'quoted word' "a b"  # trailing comment
                    linuxefi /images/pxeboot/vmlinuz rd.live.image
                	linux	/live/vmlinuz boot=live
                    initrd /live/initrd.img
                    echo linux /not/a/command
                }
                """;
        List<KernelLine> lines = BootConfigParser.grub(cfg);
        assertThat(lines).extracting(KernelLine::kernel)
                .containsExactly("/isolinux/vmlinuz", "/images/pxeboot/vmlinuz", "/live/vmlinuz");
        assertThat(lines.get(0).options())
                .containsExactly("root=live:CDLABEL=Fedora\\x20Live", "quoted word", "a b");
        assertThat(lines).extracting(KernelLine::line).containsExactly(3, 4, 5);
    }

    @Test
    void syslinuxPairsKernelAndAppendPerLabelCaseInsensitivelyAndSkipsModules() {
        String cfg = """
                DEFAULT vesamenu.c32
                APPEND global-option
                label one
                  KERNEL /vmlinuz
                  append initrd=/initrd.img boot=live  quiet
                LABEL two
                  linux /vmlinuz2
                LABEL hdt
                  KERNEL hdt.c32
                  APPEND modules=/hdt/modules.pcimap
                LABEL chain
                  kernel chain.c32
                  append hd0 0
                LABEL pxe
                  kernel pxelinux.0
                """;
        List<KernelLine> lines = BootConfigParser.syslinux(cfg);
        assertThat(lines).extracting(KernelLine::kernel).containsExactly("/vmlinuz", "/vmlinuz2");
        assertThat(lines.get(0).options()).containsExactly("initrd=/initrd.img", "boot=live", "quiet");
        assertThat(lines.get(0).line()).isEqualTo(5);
        assertThat(lines.get(1).options()).isEmpty();
        assertThat(lines.get(1).line()).isEqualTo(7);
    }

    @Test
    void systemdBootJoinsSeveralOptionsLines() {
        String entry = """
                title Arch
                linux /arch/boot/x86_64/vmlinuz-linux
                options archisobasedir=arch
                options archisolabel=ARCH_202601 cow_spacesize=4G
                """;
        assertThat(BootConfigParser.systemdBoot(entry)).singleElement().satisfies(k -> {
            assertThat(k.kernel()).isEqualTo("/arch/boot/x86_64/vmlinuz-linux");
            assertThat(k.optionsText()).isEqualTo("archisobasedir=arch archisolabel=ARCH_202601 cow_spacesize=4G");
            assertThat(k.line()).isEqualTo(4);
        });
        assertThat(BootConfigParser.systemdBoot("title nothing\n")).isEmpty();
    }

    @Test
    void labelsDecodeUdevEscapes() {
        assertThat(BootConfigParser.decodeLabel("Fedora\\x20Live\\x2020")).isEqualTo("Fedora Live 20");
        assertThat(BootConfigParser.decodeLabel("ARCH_202601")).isEqualTo("ARCH_202601");
        assertThat(BootConfigParser.decodeLabel("odd\\xZZ\\x2")).isEqualTo("odd\\xZZ\\x2");
    }

    @Provide
    Arbitrary<List<String>> options() {
        return Arbitraries.strings().withCharRange('!', '~').excludeChars('\'', '"', '\\', '#').ofMinLength(1)
                .ofMaxLength(20).list().ofMaxSize(12);
    }

    @Property(tries = 200)
    void theSameOptionsComeBackFromEveryLanguage(@ForAll("options") List<String> options) {
        String joined = String.join(" ", options);
        List<KernelLine> grub = BootConfigParser.grub("menuentry x {\n\tlinux /vmlinuz " + joined + "\n}\n");
        List<KernelLine> syslinux = BootConfigParser.syslinux("LABEL x\n  KERNEL /vmlinuz\n  APPEND " + joined + "\n");
        List<KernelLine> sdboot = BootConfigParser.systemdBoot("linux /vmlinuz\noptions " + joined + "\n");
        List<String> expected = options.size() == 1 && options.get(0).equals("-") ? List.of() : options;
        assertThat(grub).singleElement().satisfies(k -> assertThat(k.options()).isEqualTo(options));
        assertThat(syslinux).singleElement().satisfies(k -> assertThat(k.options()).isEqualTo(expected));
        assertThat(sdboot).singleElement().satisfies(k -> assertThat(k.options()).isEqualTo(options));
    }

    @Provide
    Arbitrary<String> configText() {
        Arbitrary<String> words = Arbitraries.of("linux", "linuxefi", "LABEL", "kernel", "APPEND", "append",
                "options", "'", "\"", "\\", "#", "x.c32", "/vmlinuz", "a=b", "\t", " ", "\n", "\r\n", "-");
        return words.list().ofMaxSize(60).map(l -> String.join("", l));
    }

    /** Any text, however garbled, parses to kernel lines whose line numbers lie inside it. */
    @Property(tries = 300)
    void everyLanguageIsTotalOnGarbledText(@ForAll("configText") String text) {
        long rows = text.split("\r?\n", -1).length;
        for (List<KernelLine> lines : List.of(BootConfigParser.grub(text), BootConfigParser.syslinux(text),
                BootConfigParser.systemdBoot(text))) {
            assertThat(lines).allSatisfy(k -> assertThat(k.line()).isBetween(1, (int) rows));
        }
    }
}
