package org.stickwright.engine.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.stickwright.engine.boot.BootConfigFixtures.read;
import static org.stickwright.engine.boot.BootConfigFixtures.toCrlf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.stickwright.engine.boot.BootConfigFixtures.Case;
import org.stickwright.engine.boot.BootConfigFixtures.Format;
import org.stickwright.engine.boot.ConfigText.Line;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/** Each realistic config, edited with its family's recipe, must equal its golden file byte for byte. */
class BootConfigGoldenTest {
    static Stream<Case> cases() {
        return BootConfigFixtures.CASES.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesGoldenFile(Case c) throws Exception {
        assertThat(new String(c.apply(read(c.input())), StandardCharsets.ISO_8859_1))
                .isEqualTo(new String(read(c.expected()), StandardCharsets.ISO_8859_1));
    }

    /** Lines before and after the default entry's block are the input's own bytes (bar default/fallback numbers). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void linesOutsideTheDefaultEntryAreUntouched(Case c) throws Exception {
        byte[] input = read(c.input());
        List<Line> in = ConfigText.split(input);
        List<Line> out = ConfigText.split(c.apply(input));
        int first;
        int last;
        int movedMenuDefaults = 0;
        if (c.format() == Format.GRUB) {
            GrubConfig.MenuEntry entry = GrubConfig.parse(input).defaultEntry();
            first = entry.headerLine();
            last = entry.closeLine();
        } else {
            SyslinuxConfig.Label label = SyslinuxConfig.parse(input).defaultLabel(c.defaultHint());
            first = label.firstLine();
            last = label.lastLine();
            // `menu default` stays only in the first copy; the other copies and the plain entry drop it
            movedMenuDefaults = label.menuDefault() ? c.recipe().profiles().size() : 0;
        }
        int changedBefore = 0;
        for (int i = 0; i < first; i++) {
            if (!in.get(i).equals(out.get(i))) {
                changedBefore++;
                assertThat(in.get(i).text()).containsAnyOf("fallback=", "default=");
            }
        }
        assertThat(changedBefore).isLessThanOrEqualTo(1);
        int tail = in.size() - last - 1;
        assertThat(out.subList(out.size() - tail, out.size())).isEqualTo(in.subList(last + 1, in.size()));
        int profiles = c.recipe().profiles().size();
        assertThat(out.size()).isEqualTo(in.size() + profiles * (last - first + 2) + 1 - movedMenuDefaults);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void crlfConfigStaysCrlf(Case c) throws Exception {
        byte[] output = c.apply(toCrlf(read(c.input())));
        assertThat(text(output)).isEqualTo(text(toCrlf(read(c.expected()))));
        String text = new String(output, StandardCharsets.ISO_8859_1);
        assertThat(text.replace("\r\n", "")).doesNotContain("\n").doesNotContain("\r");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void applyingTheSameRecipeAgainChangesNothing(Case c) throws Exception {
        byte[] once = c.apply(read(c.input()));
        assertThat(text(c.apply(once))).isEqualTo(text(once));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void plainRecipeRestoresTheOriginalWhereNothingWasRemovedFromAllEntries(Case c) throws Exception {
        byte[] input = read(c.input());
        Case undo = new Case(c.input(), c.format(), PersistenceRecipe.plain(), c.defaultHint());
        byte[] restored = undo.apply(c.apply(input));
        if (c.recipe().removeFromAllEntries().isEmpty()) {
            assertThat(text(restored)).isEqualTo(text(input));
        } else {
            String expected = new String(input, StandardCharsets.ISO_8859_1).replaceFirst(" rd\\.live\\.check", "");
            assertThat(new String(restored, StandardCharsets.ISO_8859_1)).isEqualTo(expected);
        }
        assertThat(text(undo.apply(restored))).isEqualTo(text(restored));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void anotherRecipeOnAnEditedConfigEqualsThatRecipeOnTheOriginal(Case c) throws Exception {
        PersistenceRecipe other = new PersistenceRecipe(c.recipe().family(), List.of(
                new PersistenceRecipe.Profile("persistent", List.of("example.flag", "example.where=/a"), List.of()),
                new PersistenceRecipe.Profile("scratch", List.of("example.where=/b"), List.of("quiet"))),
                c.recipe().removeFromAllEntries());
        Case second = new Case(c.input(), c.format(), other, c.defaultHint());
        byte[] input = read(c.input());
        assertThat(text(second.apply(c.apply(input)))).isEqualTo(text(second.apply(input)));
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    @Tag(Tags.ORACLE)
    @Test
    void grubScriptCheckAcceptsEveryGrubConfigWeWrite(@TempDir Path dir) throws Exception {
        Capabilities.requireTools("grub-script-check");
        int checked = 0;
        for (Case c : BootConfigFixtures.CASES) {
            if (c.format() != Format.GRUB) {
                continue;
            }
            byte[] input = read(c.input());
            for (byte[] output : List.of(c.apply(input), c.apply(toCrlf(input)),
                    new Case(c.input(), c.format(), PersistenceRecipe.plain(), Optional.empty()).apply(c.apply(input)))) {
                Path file = dir.resolve("grub-" + checked++ + ".cfg");
                Files.write(file, output);
                Tool.run("grub-script-check", file.toString()).ok();
            }
        }
        assertThat(checked).isEqualTo(15);
    }

    @Tag(Tags.ORACLE)
    @Test
    void grubScriptCheckRejectsABrokenConfigSoTheOracleIsLive(@TempDir Path dir) throws IOException {
        Capabilities.requireTools("grub-script-check");
        Path file = dir.resolve("broken.cfg");
        Files.writeString(file, "menuentry 'x' {\n\tlinux /vmlinuz 'unterminated\n");
        assertThat(Tool.run("grub-script-check", file.toString()).exitCode()).isNotZero();
    }
}
