package org.stickwright.engine.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tag;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/** Random GRUB and syslinux configs edited with random recipes. */
class PersistenceEditProperties {
    record Entry(String title, int quoting, List<String> args, List<String> installedArgs, boolean separator, boolean id) {
    }

    record GrubCase(List<Entry> entries, int defaultMode, int defaultIndex, boolean crlf) {
        String text() {
            StringBuilder out = new StringBuilder("set timeout=5\n");
            int chosen = Math.floorMod(defaultIndex, entries.size());
            switch (defaultMode) {
                case 1 -> out.append("set default=\"").append(chosen).append("\"\n");
                case 2 -> out.append("set default='").append(entries.get(chosen).title()).append("'\n");
                case 3 -> out.append("set default=id").append(chosen).append('\n');
                default -> {
                }
            }
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                String title = switch (e.quoting()) {
                    case 0 -> "'" + e.title() + "'";
                    case 1 -> "\"" + e.title() + "\"";
                    default -> e.title().matches("[A-Za-z0-9.-]+") ? e.title() : "'" + e.title() + "'";
                };
                out.append("menuentry ").append(title).append(" --class os");
                if (e.id() || defaultMode == 3) {
                    out.append(" --id id").append(i);
                }
                out.append(" {\n\tlinux\t/boot/vmlinuz");
                e.args().forEach(a -> out.append(' ').append(a));
                if (e.separator()) {
                    out.append(" ---");
                    e.installedArgs().forEach(a -> out.append(' ').append(a));
                }
                out.append("\n\tinitrd /boot/initrd.img\n}\n");
            }
            String text = out.toString();
            return crlf ? text.replace("\n", "\r\n") : text;
        }

        int defaultEntry() {
            return defaultMode == 0 ? 0 : Math.floorMod(defaultIndex, entries.size());
        }
    }

    @Provide
    Arbitrary<String> args() {
        return Arbitraries.strings().withChars("abkz.019_").ofMinLength(1).ofMaxLength(4)
                .flatMap(key -> Arbitraries.strings().withChars("abXY09=:/._-").ofMaxLength(6)
                        .map(value -> value.isEmpty() ? key : key + "=" + value));
    }

    @Provide
    Arbitrary<GrubCase> grubCases() {
        Arbitrary<Entry> entry = Combinators.combine(
                Arbitraries.strings().withChars("abcXYZ019 &-.()").ofMinLength(1).ofMaxLength(14).filter(t -> !t.isBlank() && !t.startsWith(" ") && !t.endsWith(" ") && !t.matches("[0-9]+")),
                Arbitraries.integers().between(0, 2), args().list().ofMaxSize(6), args().list().ofMaxSize(3),
                Arbitraries.of(true, false), Arbitraries.of(true, false)).as(Entry::new);
        return Combinators.combine(entry.list().ofMinSize(1).ofMaxSize(4), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 9), Arbitraries.of(true, false)).as(GrubCase::new)
                .filter(c -> c.defaultMode() != 2 || c.entries().stream().map(Entry::title).distinct().count() == c.entries().size());
    }

    @Provide
    Arbitrary<PersistenceRecipe> recipes() {
        Arbitrary<PersistenceRecipe.Profile> profile = Combinators.combine(Arbitraries.of("persistent", "work", "lab", "scratch 2"),
                args().list().ofMaxSize(3).map(PersistenceEditProperties::distinctKeys),
                args().map(KernelArgs::key).list().ofMaxSize(2)).as(PersistenceRecipe.Profile::new);
        return Combinators.combine(profile.list().ofMinSize(1).ofMaxSize(3).uniqueElements(PersistenceRecipe.Profile::slug),
                args().map(KernelArgs::key).list().ofMaxSize(1)).as((profiles, removeAll) -> new PersistenceRecipe("random", profiles, removeAll));
    }

    private static List<String> distinctKeys(List<String> args) {
        Map<String, String> byKey = new LinkedHashMap<>();
        args.forEach(a -> byKey.putIfAbsent(KernelArgs.key(a), a));
        return List.copyOf(byKey.values());
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Property(tries = 300)
    void grubEditIsIdempotent(@ForAll("grubCases") GrubCase c, @ForAll("recipes") PersistenceRecipe recipe) throws Exception {
        byte[] once = GrubConfig.parse(bytes(c.text())).withPersistence(recipe);
        assertThat(text(GrubConfig.parse(once).withPersistence(recipe))).isEqualTo(text(once));
    }

    @Property(tries = 300)
    void grubDefaultBootsTheFirstProfile(@ForAll("grubCases") GrubCase c, @ForAll("recipes") PersistenceRecipe recipe) throws Exception {
        byte[] out = GrubConfig.parse(bytes(c.text())).withPersistence(recipe);
        GrubConfig edited = GrubConfig.parse(out);
        GrubConfig.MenuEntry chosen = edited.defaultEntry();
        Entry source = c.entries().get(c.defaultEntry());
        assertThat(chosen.title()).isEqualTo(source.title() + " (" + recipe.defaultProfile().titleSuffix() + ")");
        assertThat(chosen.index()).isEqualTo(c.defaultEntry());
        String kernelLine = new String(out, StandardCharsets.ISO_8859_1).split("\r?\n")[chosen.headerLine() + 1];
        List<String> words = KernelArgs.split(kernelLine.substring(kernelLine.indexOf("/boot/vmlinuz") + "/boot/vmlinuz".length()));
        int separator = words.indexOf(KernelArgs.INSTALLED_SYSTEM_SEPARATOR);
        List<String> before = separator < 0 ? words : words.subList(0, separator);
        assertThat(before).containsAll(recipe.defaultProfile().add());
        Set<String> removed = new HashSet<>(recipe.defaultProfile().remove());
        removed.addAll(recipe.removeFromAllEntries());
        recipe.defaultProfile().add().forEach(a -> removed.remove(KernelArgs.key(a)));
        assertThat(before).noneMatch(w -> removed.contains(KernelArgs.key(w)));
        if (separator >= 0) {
            assertThat(words.subList(separator + 1, words.size())).isEqualTo(source.installedArgs());
        }
        assertThat(edited.entries().stream().filter(e -> e.depth() == 0).count())
                .isEqualTo(c.entries().size() + recipe.profiles().size());
    }

    @Property(tries = 200)
    void plainRecipeUndoesAnEditThatRemovedNothingEverywhere(@ForAll("grubCases") GrubCase c, @ForAll("recipes") PersistenceRecipe recipe)
            throws Exception {
        PersistenceRecipe keepAll = new PersistenceRecipe("random", recipe.profiles(), List.of());
        byte[] original = bytes(c.text());
        byte[] edited = GrubConfig.parse(original).withPersistence(keepAll);
        assertThat(new String(GrubConfig.parse(edited).withPersistence(PersistenceRecipe.plain()), StandardCharsets.ISO_8859_1))
                .isEqualTo(c.text());
    }

    @Tag(Tags.ORACLE)
    @Property(tries = 40)
    void grubScriptCheckAcceptsEveryGeneratedConfig(@ForAll("grubCases") GrubCase c, @ForAll("recipes") PersistenceRecipe recipe)
            throws Exception {
        Capabilities.requireTools("grub-script-check");
        Path file = Files.createTempFile("stickwright-grub", ".cfg");
        try {
            Files.write(file, GrubConfig.parse(bytes(c.text())).withPersistence(recipe));
            Tool.run("grub-script-check", file.toString()).ok();
        } finally {
            Files.delete(file);
        }
    }

    record Label(String title, List<String> args, boolean upper) {
    }

    record SyslinuxCase(List<Label> labels, int defaultMode, int defaultIndex, boolean crlf) {
        String text() {
            StringBuilder out = new StringBuilder();
            int chosen = Math.floorMod(defaultIndex, labels.size());
            if (defaultMode == 1) {
                out.append("default entry").append(chosen).append('\n');
            } else {
                out.append("default vesamenu.c32\n");
            }
            out.append("timeout 50\n\n");
            for (int i = 0; i < labels.size(); i++) {
                Label l = labels.get(i);
                out.append(l.upper() ? "LABEL" : "label").append(" entry").append(i).append('\n');
                if (l.title() != null) {
                    out.append(l.upper() ? "  MENU LABEL " : "  menu label ").append(l.title()).append('\n');
                }
                if (defaultMode == 2 && i == chosen) {
                    out.append("  menu default\n");
                }
                out.append("  kernel /live/vmlinuz\n");
                if (!l.args().isEmpty()) {
                    out.append("  append");
                    l.args().forEach(a -> out.append(' ').append(a));
                    out.append('\n');
                }
                out.append('\n');
            }
            return crlf ? out.toString().replace("\n", "\r\n") : out.toString();
        }

        int defaultEntry() {
            return defaultMode == 0 ? 0 : Math.floorMod(defaultIndex, labels.size());
        }
    }

    @Provide
    Arbitrary<SyslinuxCase> syslinuxCases() {
        Arbitrary<Label> label = Combinators.combine(
                Arbitraries.strings().withChars("abc XYZ^019&()").ofMinLength(1).ofMaxLength(14).filter(t -> !t.isBlank()).injectNull(0.2),
                args().list().ofMaxSize(5), Arbitraries.of(true, false)).as((t, a, u) -> new Label(t == null ? null : t.strip(), a, u));
        return Combinators.combine(label.list().ofMinSize(1).ofMaxSize(4), Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 9), Arbitraries.of(true, false)).as(SyslinuxCase::new);
    }

    @Property(tries = 300)
    void syslinuxEditIsIdempotentAndKeepsTheDefaultName(@ForAll("syslinuxCases") SyslinuxCase c, @ForAll("recipes") PersistenceRecipe recipe)
            throws Exception {
        byte[] once = SyslinuxConfig.parse(bytes(c.text())).withPersistence(recipe, Optional.empty());
        assertThat(text(SyslinuxConfig.parse(once).withPersistence(recipe, Optional.empty()))).isEqualTo(text(once));
        SyslinuxConfig edited = SyslinuxConfig.parse(once);
        SyslinuxConfig.Label chosen = edited.defaultLabel(Optional.empty());
        assertThat(chosen.name()).isEqualTo("entry" + c.defaultEntry());
        Label source = c.labels().get(c.defaultEntry());
        String base = source.title() == null ? "entry" + c.defaultEntry() : source.title();
        assertThat(chosen.title()).isEqualTo(base + " (" + recipe.defaultProfile().titleSuffix() + ")");
        assertThat(edited.labels()).hasSize(c.labels().size() + recipe.profiles().size());
        List<String> names = new ArrayList<>();
        edited.labels().forEach(l -> names.add(l.name().toLowerCase(java.util.Locale.ROOT)));
        assertThat(names).doesNotHaveDuplicates();
    }
}
