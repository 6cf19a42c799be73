/*
 * GRUB 2 grub.cfg, the parts a persistence editor needs. A grub.cfg is a shell-like script:
 *
 *   set default="1"                                  <- index among top-level entries, or a title/id
 *   set timeout=60
 *   search --no-floppy --set=root -l 'Fedora-WS-Live-41-1-4'
 *   menuentry 'Start Fedora-Workstation-Live 41' --class fedora --class gnu-linux {
 *   	linux /images/pxeboot/vmlinuz root=live:CDLABEL=Fedora-WS-Live-41-1-4  rd.live.image quiet rhgb
 *   	initrd /images/pxeboot/initrd.img
 *   }
 *   submenu 'Troubleshooting -->' { menuentry … { … } }
 *
 * Words are separated by blanks; '…' quotes literally, "…" quotes with backslash escapes; `#` at
 * the start of a word begins a comment. Blocks are delimited by the words `{` and `}` (menuentry,
 * submenu, function). Top-level menuentry and submenu blocks are numbered from 0 in file order; that
 * number, a title, or an `--id`/`$menuentry_id_option` id is what `set default=` names.
 *
 * The persistence edit inserts copies of the default entry in front of it, each preceded by a
 * comment line `# stickwright: persistence profile <slug>` (GRUB never shows comments), and marks
 * the original with `# stickwright: live entry without persistence`. The first copy then sits at
 * the default entry's old index, so a numeric `set default` keeps pointing at it; a title or id
 * default is rewritten. On a config that already has our markers the old copies are dropped and
 * regenerated from the marked original, so applying a recipe twice changes nothing.
 */
package org.stickwright.engine.boot;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.stickwright.engine.boot.ConfigText.Line;

/** A parsed grub.cfg that writes back every untouched byte as read. */
public final class GrubConfig {
    static final String PROFILE_MARKER = "# stickwright: persistence profile ";
    static final String PLAIN_MARKER = "# stickwright: live entry without persistence";
    private static final String STRUCTURE = "grub.cfg";
    private static final Set<String> KERNEL_COMMANDS = Set.of("linux", "linuxefi", "linux16", "linux32");

    /**
     * A menuentry or submenu block from its header line to its closing brace line (0-based line
     * indices). {@code index} is its number among top-level entries, -1 inside a submenu.
     */
    public record MenuEntry(int headerLine, int closeLine, int depth, boolean submenu, String title, String id, int index) {
    }

    record Word(int start, int end, String raw) {
    }

    private record Pending(int line, int depth, boolean submenu, String title, String id) {
    }

    private final List<Line> lines;
    private final List<MenuEntry> entries;
    private final List<Integer> defaultLines;
    private final List<Integer> fallbackLines;

    private GrubConfig(List<Line> lines, List<MenuEntry> entries, List<Integer> defaultLines, List<Integer> fallbackLines) {
        this.lines = lines;
        this.entries = entries;
        this.defaultLines = defaultLines;
        this.fallbackLines = fallbackLines;
    }

    public static GrubConfig parse(byte[] bytes) throws BootConfigException {
        return parse(ConfigText.split(bytes));
    }

    private static GrubConfig parse(List<Line> lines) throws BootConfigException {
        List<MenuEntry> closed = new ArrayList<>();
        List<Integer> defaultLines = new ArrayList<>();
        List<Integer> fallbackLines = new ArrayList<>();
        Deque<Optional<Pending>> open = new ArrayDeque<>();
        Pending pending = null;
        for (int i = 0; i < lines.size(); i++) {
            List<Word> words = words(lines.get(i).text());
            if (words.isEmpty()) {
                continue;
            }
            String first = words.get(0).raw();
            if (first.equals("menuentry") || first.equals("submenu")) {
                if (words.size() < 2) {
                    throw new BootConfigException(STRUCTURE, i + 1, first + " without a title");
                }
                pending = new Pending(i, open.size(), first.equals("submenu"), unquote(words.get(1).raw()), idOf(words));
            }
            if (open.isEmpty() && isAssignment(words, "default")) {
                defaultLines.add(i);
            }
            if (open.isEmpty() && isAssignment(words, "fallback") && fallbackIndex(lines.get(i).text()) >= 0) {
                fallbackLines.add(i);
            }
            for (Word word : words) {
                if (word.raw().equals("{")) {
                    open.push(Optional.ofNullable(pending));
                    pending = null;
                } else if (word.raw().equals("}")) {
                    if (open.isEmpty()) {
                        throw new BootConfigException(STRUCTURE, i + 1, "'}' closes no block");
                    }
                    Optional<Pending> block = open.pop();
                    if (block.isPresent()) {
                        Pending p = block.get();
                        closed.add(new MenuEntry(p.line(), i, p.depth(), p.submenu(), p.title(), p.id(), -1));
                    }
                }
            }
        }
        if (!open.isEmpty() || pending != null) {
            throw new BootConfigException(STRUCTURE, lines.size(), "file ends inside an unclosed block");
        }
        closed.sort(Comparator.comparingInt(MenuEntry::headerLine));
        List<MenuEntry> numbered = new ArrayList<>();
        int index = 0;
        for (MenuEntry e : closed) {
            numbered.add(e.depth() == 0 ? new MenuEntry(e.headerLine(), e.closeLine(), 0, e.submenu(), e.title(), e.id(), index++) : e);
        }
        return new GrubConfig(lines, List.copyOf(numbered), defaultLines, fallbackLines);
    }

    private static boolean isAssignment(List<Word> words, String variable) {
        return (words.size() >= 2 && words.get(0).raw().equals("set") && words.get(1).raw().startsWith(variable + "="))
                || words.get(0).raw().startsWith(variable + "=");
    }

    private static Word defaultWord(List<Word> words) {
        return words.get(0).raw().equals("set") ? words.get(1) : words.get(0);
    }

    /** The entry number of a `set fallback=N` line, -1 when it is not a single number. */
    private static int fallbackIndex(String text) {
        String value = unquote(defaultWord(words(text)).raw().substring("fallback=".length()));
        return value.matches("[0-9]{1,6}") ? Integer.parseInt(value) : -1;
    }

    /**
     * `set fallback=N` names an entry by number; entries we insert or remove before it would
     * silently change which one that is, so the number moves with its entry.
     */
    private static void shiftFallbacks(List<Line> lines, List<Integer> fallbackLines, int after, int delta) {
        for (int at : fallbackLines) {
            String text = lines.get(at).text();
            int n = fallbackIndex(text);
            if (n > after && delta != 0) {
                Word word = defaultWord(words(text));
                String value = word.raw().replaceFirst("[0-9]+", Integer.toString(n + delta));
                lines.set(at, lines.get(at).withText(text.substring(0, word.start()) + value + text.substring(word.end())));
            }
        }
    }

    private static String idOf(List<Word> words) {
        for (int i = 2; i < words.size(); i++) {
            String raw = words.get(i).raw();
            if ((raw.equals("--id") || raw.equals("$menuentry_id_option")) && i + 1 < words.size()) {
                return unquote(words.get(i + 1).raw());
            }
            if (raw.startsWith("--id=")) {
                return unquote(raw.substring(5));
            }
        }
        return null;
    }

    private static int idWordIndex(List<Word> words) {
        for (int i = 2; i < words.size(); i++) {
            String raw = words.get(i).raw();
            if ((raw.equals("--id") || raw.equals("$menuentry_id_option")) && i + 1 < words.size()) {
                return i + 1;
            }
        }
        return -1;
    }

    /** Every menuentry and submenu, in file order. */
    public List<MenuEntry> entries() {
        return entries;
    }

    public byte[] toBytes() {
        return ConfigText.join(lines);
    }

    /** The value of the last top-level {@code set default=}, unquoted. */
    public Optional<String> defaultSetting() {
        if (defaultLines.isEmpty()) {
            return Optional.empty();
        }
        Word word = defaultWord(words(lines.get(defaultLines.get(defaultLines.size() - 1)).text()));
        return Optional.of(unquote(word.raw().substring("default=".length())));
    }

    /** The entry GRUB boots by default: by number, title or id; entry 0 without a setting. */
    public MenuEntry defaultEntry() throws BootConfigException {
        List<MenuEntry> top = entries.stream().filter(e -> e.depth() == 0).toList();
        if (top.isEmpty()) {
            throw new BootConfigException(STRUCTURE, 0, "no menuentry");
        }
        MenuEntry chosen;
        Optional<String> setting = defaultSetting();
        int line = defaultLines.isEmpty() ? 0 : defaultLines.get(defaultLines.size() - 1) + 1;
        if (setting.isEmpty()) {
            chosen = top.get(0);
        } else if (setting.get().matches("[0-9]{1,6}")) {
            int n = Integer.parseInt(setting.get());
            if (n >= top.size()) {
                throw new BootConfigException(STRUCTURE, line, "default=" + n + " but there are only " + top.size() + " entries");
            }
            chosen = top.get(n);
        } else {
            String value = setting.get();
            chosen = top.stream().filter(e -> value.equals(e.title()) || value.equals(e.id())).findFirst()
                    .orElseThrow(() -> new BootConfigException(STRUCTURE, line,
                            "default='" + value + "' names no top-level entry (submenu paths and variables are not followed)"));
        }
        if (chosen.submenu()) {
            throw new BootConfigException(STRUCTURE, chosen.headerLine() + 1, "the default is a submenu, not a boot entry");
        }
        return chosen;
    }

    /**
     * The config with the recipe's entries: one copy of the default entry per profile (the first
     * becomes the default), then the original entry retitled "(no persistence)". A recipe without
     * profiles removes entries an earlier run added and restores the original title.
     */
    public byte[] withPersistence(PersistenceRecipe recipe) throws BootConfigException {
        GrubConfig base = withoutOurProfiles();
        List<Line> work = new ArrayList<>(base.lines);
        String eol = ConfigText.dominantEol(work);
        MenuEntry source = null;
        for (MenuEntry e : base.entries) {
            if (e.depth() == 0 && !e.submenu() && e.headerLine() > 0 && work.get(e.headerLine() - 1).text().trim().equals(PLAIN_MARKER)) {
                source = e;
                break;
            }
        }
        boolean marked = source != null;
        if (source == null) {
            source = base.defaultEntry();
        }
        List<Line> block = work.subList(source.headerLine(), source.closeLine() + 1);
        String header = block.get(0).text();
        String indent = ConfigText.indentOf(header);
        List<Line> replacement = new ArrayList<>();
        String newDefaultTitle;
        String newDefaultId;
        if (recipe.profiles().isEmpty()) {
            String restored = retitle(header, null, null, false);
            replacement.add(block.get(0).withText(restored));
            replacement.addAll(block.subList(1, block.size()));
            newDefaultTitle = titleOf(restored);
            newDefaultId = source.id();
        } else {
            newDefaultTitle = null;
            newDefaultId = null;
            for (PersistenceRecipe.Profile profile : recipe.profiles()) {
                replacement.add(new Line(indent + PROFILE_MARKER + profile.slug(), eol));
                String copyHeader = retitle(header, profile.titleSuffix(), "-" + profile.slug(), true);
                if (newDefaultTitle == null) {
                    newDefaultTitle = titleOf(copyHeader);
                    newDefaultId = idOf(words(copyHeader));
                }
                replacement.addAll(editedBlock(block, copyHeader, recipe.removeFromAllEntries(), profile.add(), profile.remove(), eol));
            }
            replacement.add(new Line(indent + PLAIN_MARKER, eol));
            replacement.addAll(editedBlock(block, retitle(header, PersistenceRecipe.PLAIN_SUFFIX, null, false),
                    recipe.removeFromAllEntries(), List.of(), List.of(), eol));
            if (source.closeLine() == work.size() - 1 && block.get(block.size() - 1).eol().isEmpty()) {
                replacement.set(replacement.size() - 1, new Line(replacement.get(replacement.size() - 1).text(), ""));
            }
        }
        if (!base.defaultLines.isEmpty()) {
            int at = base.defaultLines.get(base.defaultLines.size() - 1);
            String value = base.defaultSetting().orElseThrow();
            if (!value.matches("[0-9]{1,6}")) {
                boolean byId = source.id() != null && value.startsWith(source.id()) && newDefaultId != null;
                work.set(at, work.get(at).withText(rewriteDefault(work.get(at).text(), byId ? newDefaultId : newDefaultTitle)));
            }
        }
        shiftFallbacks(work, base.fallbackLines, source.index(), recipe.profiles().size());
        int from = marked ? source.headerLine() - 1 : source.headerLine();
        List<Line> out = new ArrayList<>(work.subList(0, from));
        out.addAll(replacement);
        out.addAll(work.subList(source.closeLine() + 1, work.size()));
        return ConfigText.join(out);
    }

    private GrubConfig withoutOurProfiles() throws BootConfigException {
        List<Line> source = new ArrayList<>(lines);
        List<MenuEntry> ours = new ArrayList<>();
        for (MenuEntry e : entries) {
            if (e.depth() == 0 && e.headerLine() > 0 && lines.get(e.headerLine() - 1).text().trim().startsWith(PROFILE_MARKER)) {
                shiftFallbacks(source, fallbackLines, e.index() - ours.size(), -1);
                ours.add(e);
            }
        }
        if (ours.isEmpty()) {
            return this;
        }
        List<Line> kept = new ArrayList<>();
        int next = 0;
        for (MenuEntry e : ours) {
            kept.addAll(source.subList(next, e.headerLine() - 1));
            next = e.closeLine() + 1;
        }
        kept.addAll(source.subList(next, source.size()));
        return parse(kept);
    }

    private static List<Line> editedBlock(List<Line> block, String header, Collection<String> removeFromAll, Collection<String> add,
            Collection<String> remove, String eol) {
        List<Line> out = new ArrayList<>();
        out.add(new Line(header, block.get(0).eol().isEmpty() ? eol : block.get(0).eol()));
        for (Line line : block.subList(1, block.size())) {
            String text = line.text();
            List<Word> words = words(text);
            if (words.size() >= 2 && KERNEL_COMMANDS.contains(words.get(0).raw())) {
                text = KernelArgs.editAfterRemoving(text, words.get(1).end(), removeFromAll, add, remove);
            }
            out.add(new Line(text, line.eol().isEmpty() ? eol : line.eol()));
        }
        return out;
    }

    /**
     * The header with the "(no persistence)" suffix taken off the title, then {@code suffix} added
     * (if any), the id extended by {@code idSuffix} (if any) and, for copies, `--hotkey` dropped so
     * that the original keeps its key.
     */
    static String retitle(String header, String suffix, String idSuffix, boolean dropHotkey) {
        List<Word> words = words(header);
        StringBuilder out = new StringBuilder(header);
        int idWord = idSuffix == null ? -1 : idWordIndex(words);
        for (int i = words.size() - 1; i >= 1; i--) {
            Word w = words.get(i);
            String raw = w.raw();
            if (i == 1) {
                raw = appendInside(stripPlainSuffix(raw), suffix == null ? null : " (" + suffix + ")");
                out.replace(w.start(), w.end(), raw);
            } else if (i == idWord) {
                out.replace(w.start(), w.end(), appendInside(raw, idSuffix));
            } else if (dropHotkey && raw.startsWith("--hotkey")) {
                int end = raw.equals("--hotkey") && i + 1 < words.size() ? words.get(i + 1).end() : w.end();
                out.delete(words.get(i - 1).end(), end);
            }
        }
        return out.toString();
    }

    private static String stripPlainSuffix(String raw) {
        String tail = " (" + PersistenceRecipe.PLAIN_SUFFIX + ")";
        int at = raw.lastIndexOf(tail);
        if (at < 0) {
            return raw;
        }
        String rest = raw.substring(at + tail.length());
        if (!rest.isEmpty() && at > 1 && raw.charAt(at - 1) == rest.charAt(0)) {
            // the suffix was a quoted part of its own, as appended to a bare-word title: drop the empty quotes too
            return (rest.equals("'") || rest.equals("\"")) ? raw.substring(0, at - 1) : raw;
        }
        return rest.isEmpty() || rest.equals("'") || rest.equals("\"") ? raw.substring(0, at) + rest : raw;
    }

    private static String appendInside(String raw, String text) {
        if (text == null) {
            return raw;
        }
        char last = raw.charAt(raw.length() - 1);
        if ((last == '\'' || last == '"') && raw.length() >= 2) {
            return raw.substring(0, raw.length() - 1) + text + last;
        }
        return text.matches("[A-Za-z0-9._:+-]*") ? raw + text : raw + "'" + text + "'";
    }

    private static String titleOf(String header) {
        return unquote(words(header).get(1).raw());
    }

    private static String rewriteDefault(String text, String value) {
        List<Word> words = words(text);
        Word word = defaultWord(words);
        String old = word.raw().substring("default=".length());
        String quoted;
        if (!old.startsWith("'") && !old.startsWith("\"") && value.matches("[A-Za-z0-9._:+-]+")) {
            quoted = value;
        } else if (old.startsWith("\"") || value.indexOf('\'') >= 0) {
            quoted = "\"" + value.replaceAll("([\"\\\\$`])", "\\\\$1") + "\"";
        } else {
            quoted = "'" + value + "'";
        }
        return text.substring(0, word.start()) + "default=" + quoted + text.substring(word.end());
    }

    /** Splits a line into GRUB words, stopping at a comment. */
    static List<Word> words(String text) {
        List<Word> words = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == ' ' || c == '\t') {
                i++;
                continue;
            }
            if (c == '#') {
                break;
            }
            int start = i;
            char quote = 0;
            while (i < n) {
                c = text.charAt(i);
                if (quote == 0 && (c == ' ' || c == '\t')) {
                    break;
                }
                if (quote == 0 && (c == '\'' || c == '"')) {
                    quote = c;
                } else if (c == quote) {
                    quote = 0;
                } else if (c == '\\' && quote != '\'' && i + 1 < n) {
                    i++;
                }
                i++;
            }
            words.add(new Word(start, i, text.substring(start, i)));
        }
        return words;
    }

    /** The value of a GRUB word: quotes removed, backslash escapes resolved. */
    static String unquote(String raw) {
        StringBuilder out = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (quote == 0 && (c == '\'' || c == '"')) {
                quote = c;
            } else if (c == quote) {
                quote = 0;
            } else if (c == '\\' && quote != '\'' && i + 1 < raw.length()) {
                out.append(raw.charAt(++i));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
