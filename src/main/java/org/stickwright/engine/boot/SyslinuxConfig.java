/*
 * syslinux / isolinux / extlinux configuration (isolinux.cfg, syslinux.cfg, live.cfg, …).
 * One directive per line, keyword first, case-insensitive, `#` starts a comment line:
 *
 *   default vesamenu.c32          <- a module, or the name of a label
 *   timeout 600
 *   include menu.cfg              <- other files; reported, never opened here
 *   label check                   <- a boot entry, up to the next non-entry directive
 *     menu label Test this ^media & start Fedora-Workstation-Live 41
 *     menu default                <- the highlighted entry
 *     kernel vmlinuz              (or linux; initrd= may sit in append or on its own line)
 *     append initrd=initrd.img root=live:CDLABEL=Fedora-WS-Live-41-1-4 rd.live.image rd.live.check quiet
 *     text help … endtext         <- free text belonging to the entry
 *
 * The persistence edit puts copies of the default label in front of it, each after a comment
 * `# stickwright: persistence profile <slug>`. The first copy takes over the original label name
 * (and its `menu default`), so every `default NAME` or `ontimeout NAME` — in this file or in one
 * that includes it, as archiso's archiso_sys.cfg does — now boots with persistence. The original
 * entry is renamed `<name>-nopersist`, retitled "(no persistence)" and marked
 * `# stickwright: live entry without persistence`; re-running regenerates the copies from it.
 */
package org.stickwright.engine.boot;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.stickwright.engine.boot.ConfigText.Line;

/** A parsed syslinux-family config that writes back every untouched byte as read. */
public final class SyslinuxConfig {
    static final String PROFILE_MARKER = "# stickwright: persistence profile ";
    static final String PLAIN_MARKER = "# stickwright: live entry without persistence";
    static final String WAS_MENU_DEFAULT = " (was menu default)";
    static final String PLAIN_LABEL_SUFFIX = "-nopersist";
    private static final String STRUCTURE = "syslinux config";
    private static final Set<String> ENTRY_KEYWORDS = Set.of("kernel", "linux", "boot", "bss", "pxe", "fdimage", "comboot",
            "com32", "config", "localboot", "initrd", "append", "ipappend", "sysappend", "text", "menu label", "menu default",
            "menu hide", "menu disable", "menu passwd", "menu indent", "menu goto", "menu exit", "menu help");

    /** A `label` block (0-based first and last line), its menu title (or null) and whether it is `menu default`. */
    public record Label(int firstLine, int lastLine, String name, String title, boolean menuDefault) {
    }

    /** A directive: lower-case keyword ("menu label" for two-word ones) and where its value starts. */
    record Directive(String keyword, int keywordEnd, int valueStart, String value) {
    }

    private final List<Line> lines;
    private final List<Label> labels;
    private final List<String> includes;
    private final Optional<String> defaultCommand;

    private SyslinuxConfig(List<Line> lines, List<Label> labels, List<String> includes, Optional<String> defaultCommand) {
        this.lines = lines;
        this.labels = labels;
        this.includes = includes;
        this.defaultCommand = defaultCommand;
    }

    public static SyslinuxConfig parse(byte[] bytes) {
        return parse(ConfigText.split(bytes));
    }

    private static SyslinuxConfig parse(List<Line> lines) {
        List<Label> labels = new ArrayList<>();
        List<String> includes = new ArrayList<>();
        String defaultCommand = null;
        int first = -1;
        int last = -1;
        String name = null;
        String title = null;
        boolean menuDefault = false;
        boolean inText = false;
        for (int i = 0; i < lines.size(); i++) {
            Directive d = directive(lines.get(i).text());
            if (inText) {
                if (d != null && d.keyword().equals("endtext")) {
                    inText = false;
                    last = first >= 0 ? i : last;
                }
                continue;
            }
            if (d == null) {
                continue;
            }
            if (d.keyword().equals("label") || !ENTRY_KEYWORDS.contains(d.keyword()) || first < 0) {
                if (first >= 0) {
                    labels.add(new Label(first, last, name, title, menuDefault));
                    first = -1;
                }
                if (d.keyword().equals("label")) {
                    first = i;
                    last = i;
                    name = firstWord(d.value());
                    title = null;
                    menuDefault = false;
                } else if (d.keyword().equals("include") || d.keyword().equals("menu include")) {
                    includes.add(firstWord(d.value()));
                } else if (d.keyword().equals("default")) {
                    defaultCommand = firstWord(d.value());
                } else if (d.keyword().equals("text") && d.value().toLowerCase(Locale.ROOT).startsWith("help")) {
                    inText = true;
                }
                continue;
            }
            last = i;
            switch (d.keyword()) {
                case "menu label" -> title = d.value();
                case "menu default" -> menuDefault = true;
                case "text" -> inText = d.value().toLowerCase(Locale.ROOT).startsWith("help");
                default -> {
                }
            }
        }
        if (first >= 0) {
            labels.add(new Label(first, last, name, title, menuDefault));
        }
        return new SyslinuxConfig(lines, List.copyOf(labels), List.copyOf(includes), Optional.ofNullable(defaultCommand));
    }

    /** The keyword and value of a directive line; null for blank and comment lines. */
    static Directive directive(String text) {
        int i = 0;
        int n = text.length();
        while (i < n && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        if (i == n || text.charAt(i) == '#') {
            return null;
        }
        int kwEnd = wordEnd(text, i);
        String keyword = text.substring(i, kwEnd).toLowerCase(Locale.ROOT);
        int valueStart = skipBlanks(text, kwEnd);
        if (keyword.equals("menu") && valueStart < n) {
            kwEnd = wordEnd(text, valueStart);
            keyword = "menu " + text.substring(valueStart, kwEnd).toLowerCase(Locale.ROOT);
            valueStart = skipBlanks(text, kwEnd);
        }
        return new Directive(keyword, kwEnd, valueStart, text.substring(valueStart).strip());
    }

    private static int wordEnd(String text, int i) {
        while (i < text.length() && !Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static int skipBlanks(String text, int i) {
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i;
    }

    private static String firstWord(String value) {
        return value.isEmpty() ? "" : value.substring(0, wordEnd(value, 0));
    }

    public List<Label> labels() {
        return labels;
    }

    /** Files named by `include` / `menu include`, in order (not resolved). */
    public List<String> includes() {
        return includes;
    }

    /** The first word of the last `default` directive: a label name or a menu module such as vesamenu.c32. */
    public Optional<String> defaultCommand() {
        return defaultCommand;
    }

    public byte[] toBytes() {
        return ConfigText.join(lines);
    }

    /**
     * The default entry: the `menu default` label, else the label `default` names, else the label
     * {@code defaultHint} names (a `default` set in an including file), else the first label.
     */
    public Label defaultLabel(Optional<String> defaultHint) throws BootConfigException {
        if (labels.isEmpty()) {
            throw new BootConfigException(STRUCTURE, 0, "no label");
        }
        for (Label label : labels) {
            if (label.menuDefault()) {
                return label;
            }
        }
        for (Optional<String> wanted : List.of(defaultCommand, defaultHint)) {
            if (wanted.isPresent()) {
                for (Label label : labels) {
                    if (label.name().equalsIgnoreCase(wanted.get())) {
                        return label;
                    }
                }
            }
        }
        return labels.get(0);
    }

    /**
     * The config with one copy of the default label per profile in front of it (the first copy
     * named like the original and default-selected), and the original renamed and retitled as the
     * plain live entry. A recipe without profiles undoes an earlier run.
     */
    public byte[] withPersistence(PersistenceRecipe recipe, Optional<String> defaultHint) throws BootConfigException {
        SyslinuxConfig base = withoutOurProfiles();
        List<Line> work = base.lines;
        String eol = ConfigText.dominantEol(work);
        Label source = null;
        String marker = null;
        for (Label label : base.labels) {
            if (label.firstLine() > 0 && work.get(label.firstLine() - 1).text().trim().startsWith(PLAIN_MARKER)) {
                source = label;
                marker = work.get(label.firstLine() - 1).text().trim();
                break;
            }
        }
        if (source == null) {
            if (recipe.profiles().isEmpty()) {
                return base.toBytes();
            }
            source = base.defaultLabel(defaultHint);
        }
        boolean hadMenuDefault = marker != null ? marker.endsWith(WAS_MENU_DEFAULT) : source.menuDefault();
        String baseName = marker != null && source.name().endsWith(PLAIN_LABEL_SUFFIX)
                ? source.name().substring(0, source.name().length() - PLAIN_LABEL_SUFFIX.length()) : source.name();
        List<Line> block = new ArrayList<>();
        for (Line line : work.subList(source.firstLine(), source.lastLine() + 1)) {
            block.add(line.eol().isEmpty() ? new Line(line.text(), eol) : line);
        }
        String labelText = block.get(0).text();
        String indent = block.size() > 1 ? ConfigText.indentOf(block.get(1).text()) : ConfigText.indentOf(labelText);
        boolean upper = directiveWord(labelText).equals("LABEL");
        List<Line> replacement = new ArrayList<>();
        if (recipe.profiles().isEmpty()) {
            replacement.addAll(copy(block, baseName, source, null, hadMenuDefault, List.of(), List.of(), List.of(), indent, upper, eol));
        } else {
            String labelIndent = ConfigText.indentOf(labelText);
            boolean first = true;
            for (PersistenceRecipe.Profile profile : recipe.profiles()) {
                replacement.add(new Line(labelIndent + PROFILE_MARKER + profile.slug(), eol));
                replacement.addAll(copy(block, first ? baseName : baseName + "-" + profile.slug(), source, profile.titleSuffix(),
                        first && hadMenuDefault, recipe.removeFromAllEntries(), profile.add(), profile.remove(), indent, upper, eol));
                first = false;
            }
            replacement.add(new Line(labelIndent + PLAIN_MARKER + (hadMenuDefault ? WAS_MENU_DEFAULT : ""), eol));
            replacement.addAll(copy(block, baseName + PLAIN_LABEL_SUFFIX, source, PersistenceRecipe.PLAIN_SUFFIX, false,
                    recipe.removeFromAllEntries(), List.of(), List.of(), indent, upper, eol));
        }
        if (source.lastLine() == work.size() - 1 && work.get(work.size() - 1).eol().isEmpty()) {
            replacement.set(replacement.size() - 1, new Line(replacement.get(replacement.size() - 1).text(), ""));
        }
        int from = marker != null ? source.firstLine() - 1 : source.firstLine();
        List<Line> out = new ArrayList<>(work.subList(0, from));
        out.addAll(replacement);
        out.addAll(work.subList(source.lastLine() + 1, work.size()));
        return ConfigText.join(out);
    }

    private static List<Line> copy(List<Line> block, String name, Label source, String suffix, boolean menuDefault,
            Collection<String> removeFromAll, Collection<String> add, Collection<String> remove, String indent, boolean upper, String eol) {
        List<Line> out = new ArrayList<>();
        String baseTitle = source.title() == null ? null : stripPlainSuffix(source.title());
        String fallback = source.name().endsWith(PLAIN_LABEL_SUFFIX)
                ? source.name().substring(0, source.name().length() - PLAIN_LABEL_SUFFIX.length()) : source.name();
        String title = suffix == null ? baseTitle : (baseTitle == null ? fallback : baseTitle) + " (" + suffix + ")";
        int afterTitle = 1;
        int afterKernel = -1;
        boolean sawAppend = false;
        boolean inText = false;
        for (int i = 0; i < block.size(); i++) {
            Line line = block.get(i);
            Directive d = directive(line.text());
            if (inText || d == null) {
                inText = inText && !(d != null && d.keyword().equals("endtext"));
                out.add(line);
                continue;
            }
            switch (d.keyword()) {
                case "label" -> out.add(line.withText(line.text().substring(0, d.valueStart()) + name
                        + line.text().substring(d.valueStart() + firstWord(d.value()).length())));
                case "menu label" -> {
                    out.add(line.withText(line.text().substring(0, d.valueStart()) + title + trailingBlanks(line.text())));
                    afterTitle = out.size();
                }
                case "menu default" -> {
                }
                case "append" -> {
                    out.add(line.withText(KernelArgs.editAfterRemoving(line.text(), d.keywordEnd(), removeFromAll, add, remove)));
                    sawAppend = true;
                }
                case "kernel", "linux" -> {
                    out.add(line);
                    afterKernel = out.size();
                }
                default -> {
                    inText = d.keyword().equals("text") && d.value().toLowerCase(Locale.ROOT).startsWith("help");
                    out.add(line);
                }
            }
        }
        if (!sawAppend && !add.isEmpty()) {
            String line = KernelArgs.edit(indent + (upper ? "APPEND" : "append"), (indent + "append").length(), add, List.of());
            out.add(afterKernel < 0 ? out.size() : afterKernel, new Line(line, eol));
        }
        if (menuDefault) {
            out.add(afterTitle, new Line(indent + (upper ? "MENU DEFAULT" : "menu default"), eol));
        }
        if (source.title() == null && title != null) {
            out.add(1, new Line(indent + (upper ? "MENU LABEL " : "menu label ") + title, eol));
        }
        return out;
    }

    private static String directiveWord(String text) {
        String trimmed = text.strip();
        return trimmed.substring(0, wordEnd(trimmed, 0));
    }

    private static String trailingBlanks(String text) {
        return text.substring(text.stripTrailing().length());
    }

    private static String stripPlainSuffix(String title) {
        String tail = " (" + PersistenceRecipe.PLAIN_SUFFIX + ")";
        return title.endsWith(tail) ? title.substring(0, title.length() - tail.length()) : title;
    }

    private SyslinuxConfig withoutOurProfiles() {
        List<Line> kept = new ArrayList<>();
        int next = 0;
        for (Label label : labels) {
            if (label.firstLine() > 0 && lines.get(label.firstLine() - 1).text().trim().startsWith(PROFILE_MARKER)) {
                kept.addAll(lines.subList(next, label.firstLine() - 1));
                next = label.lastLine() + 1;
            }
        }
        if (next == 0) {
            return this;
        }
        kept.addAll(lines.subList(next, lines.size()));
        return parse(kept);
    }
}
