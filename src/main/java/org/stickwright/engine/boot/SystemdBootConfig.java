/*
 * systemd-boot (Boot Loader Specification type #1) configuration, as archiso ships it inside
 * efiboot.img:
 *
 *   loader/loader.conf                  timeout 15
 *                                       default 01-archiso-linux.conf   <- glob over entry ids
 *   loader/entries/01-archiso-linux.conf
 *                                       title    Arch Linux install medium (x86_64, UEFI)
 *                                       sort-key 01
 *                                       linux    /arch/boot/x86_64/vmlinuz-linux
 *                                       initrd   /arch/boot/x86_64/initramfs-linux.img
 *                                       options  archisobasedir=arch archisosearchuuid=2025-11-01-10-22-40-00
 *
 * One `key value` pair per line, `#` comments; several `options` lines are joined with blanks.
 * An entry's id is its file name. Persistence profiles become new files named
 * `<original>-stickwright-<slug>.conf` (that name is how a later run recognises them) and
 * loader.conf's `default` names the default profile; the original entry stays as the plain one,
 * retitled "(no persistence)".
 */
package org.stickwright.engine.boot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.stickwright.engine.boot.ConfigText.Line;

/** Persistence edits for systemd-boot loader entries and loader.conf. */
public final class SystemdBootConfig {
    /** Part of the file name of every entry we generate. */
    public static final String PROFILE_INFIX = "-stickwright-";
    private static final String CONF = ".conf";

    /**
     * The result: every entry file that should exist afterwards (name to bytes), the new
     * loader.conf, and the names of earlier generated entries that must be deleted.
     */
    public record Edit(SortedMap<String, byte[]> entries, byte[] loaderConf, List<String> removedEntries) {
        /** Entries whose bytes differ from (or are missing in) {@code before}: the files to write. */
        public SortedMap<String, byte[]> changedEntries(Map<String, byte[]> before) {
            SortedMap<String, byte[]> changed = new TreeMap<>();
            entries.forEach((name, bytes) -> {
                if (!before.containsKey(name) || !Arrays.equals(before.get(name), bytes)) {
                    changed.put(name, bytes);
                }
            });
            return changed;
        }
    }

    private SystemdBootConfig() {
    }

    /** The value of loader.conf's last {@code default} line. */
    public static Optional<String> loaderDefault(byte[] loaderConf) {
        String value = null;
        for (Line line : ConfigText.split(loaderConf)) {
            String[] kv = keyValue(line.text());
            if (kv != null && kv[0].equals("default")) {
                value = kv[1];
            }
        }
        return Optional.ofNullable(value);
    }

    /** The entry file loader.conf's default selects (glob, with or without ".conf"), else the first by name. */
    public static String defaultEntryName(Map<String, byte[]> entries, byte[] loaderConf) throws BootConfigException {
        if (entries.isEmpty()) {
            throw new BootConfigException("loader/entries", 0, "no entry files");
        }
        SortedMap<String, byte[]> sorted = new TreeMap<>(entries);
        Optional<String> wanted = loaderDefault(loaderConf);
        if (wanted.isPresent() && !wanted.get().startsWith("@")) {
            Pattern glob = glob(wanted.get());
            for (String name : sorted.keySet()) {
                String id = name.endsWith(CONF) ? name.substring(0, name.length() - CONF.length()) : name;
                if (glob.matcher(name).matches() || glob.matcher(id).matches()) {
                    return name;
                }
            }
        }
        return sorted.firstKey();
    }

    /**
     * Adds one entry file per profile (copies of the default entry), points loader.conf's default
     * at the first, and retitles the original. With no profiles, removes what an earlier run added.
     */
    public static Edit withPersistence(Map<String, byte[]> entries, byte[] loaderConf, PersistenceRecipe recipe) throws BootConfigException {
        SortedMap<String, byte[]> kept = new TreeMap<>();
        List<String> ours = new ArrayList<>();
        String sourceName = null;
        for (Map.Entry<String, byte[]> e : new TreeMap<>(entries).entrySet()) {
            int at = e.getKey().indexOf(PROFILE_INFIX);
            if (at > 0 && e.getKey().endsWith(CONF)) {
                ours.add(e.getKey());
                sourceName = e.getKey().substring(0, at) + CONF;
            } else {
                kept.put(e.getKey(), e.getValue());
            }
        }
        if (sourceName == null) {
            if (recipe.profiles().isEmpty()) {
                return new Edit(kept, loaderConf, List.of());
            }
            sourceName = defaultEntryName(kept, loaderConf);
        } else if (!kept.containsKey(sourceName)) {
            throw new BootConfigException("loader/entries/" + ours.get(0), 0, "generated entry whose original " + sourceName + " is gone");
        }
        String stem = sourceName.substring(0, sourceName.length() - CONF.length());
        List<Line> source = ConfigText.split(kept.get(sourceName));
        String eol = ConfigText.dominantEol(source);
        String defaultName;
        if (recipe.profiles().isEmpty()) {
            kept.put(sourceName, ConfigText.join(entry(source, stem, null, List.of(), List.of(), List.of(), eol)));
            defaultName = sourceName;
        } else {
            defaultName = null;
            for (PersistenceRecipe.Profile profile : recipe.profiles()) {
                String name = stem + PROFILE_INFIX + profile.slug() + CONF;
                kept.put(name, ConfigText.join(entry(source, stem, profile.titleSuffix(), recipe.removeFromAllEntries(),
                        profile.add(), profile.remove(), eol)));
                defaultName = defaultName == null ? name : defaultName;
            }
            kept.put(sourceName, ConfigText.join(entry(source, stem, PersistenceRecipe.PLAIN_SUFFIX, recipe.removeFromAllEntries(),
                    List.of(), List.of(), eol)));
        }
        List<String> removed = ours.stream().filter(name -> !kept.containsKey(name)).toList();
        return new Edit(kept, withDefault(loaderConf, defaultName), removed);
    }

    private static List<Line> entry(List<Line> source, String stem, String suffix, Collection<String> removeFromAll,
            Collection<String> add, Collection<String> remove, String eol) {
        List<Line> out = new ArrayList<>();
        int lastOptions = -1;
        boolean titled = false;
        for (int i = 0; i < source.size(); i++) {
            String[] kv = keyValue(source.get(i).text());
            if (kv != null && kv[0].equals("options")) {
                lastOptions = i;
            }
        }
        Set<String> removeEverywhere = new LinkedHashSet<>(remove);
        removeEverywhere.addAll(removeFromAll);
        for (String arg : add) {
            removeEverywhere.add(KernelArgs.key(arg));
        }
        for (int i = 0; i < source.size(); i++) {
            Line line = source.get(i);
            String text = line.text();
            String[] kv = keyValue(text);
            if (kv != null && kv[0].equals("title")) {
                String base = kv[1].isEmpty() ? stem : stripPlainSuffix(kv[1]);
                text = replaceValue(text, "title", kv[1], suffix == null ? base : base + " (" + suffix + ")");
                titled = true;
            } else if (kv != null && kv[0].equals("options")) {
                int start = text.indexOf("options") + "options".length();
                text = i == lastOptions ? KernelArgs.editAfterRemoving(text, start, removeFromAll, add, remove)
                        : KernelArgs.edit(text, start, List.of(), removeEverywhere);
            }
            out.add(new Line(text, line.eol().isEmpty() && i < source.size() - 1 ? eol : line.eol()));
        }
        if (lastOptions < 0 && !add.isEmpty()) {
            ConfigText.terminateLast(out, eol);
            out.add(new Line(KernelArgs.edit("options", "options".length(), add, List.of()), eol));
        }
        if (!titled && suffix != null) {
            out.add(0, new Line("title " + stem + " (" + suffix + ")", eol));
        }
        return out;
    }

    private static byte[] withDefault(byte[] loaderConf, String entryName) {
        List<Line> lines = new ArrayList<>(ConfigText.split(loaderConf));
        String eol = ConfigText.dominantEol(lines);
        for (int i = lines.size() - 1; i >= 0; i--) {
            String text = lines.get(i).text();
            String[] kv = keyValue(text);
            if (kv != null && kv[0].equals("default")) {
                String value = kv[1].endsWith(CONF) ? entryName : entryName.substring(0, entryName.length() - CONF.length());
                lines.set(i, lines.get(i).withText(replaceValue(text, "default", kv[1], value)));
                return ConfigText.join(lines);
            }
        }
        ConfigText.terminateLast(lines, eol);
        lines.add(new Line("default " + entryName, eol));
        return ConfigText.join(lines);
    }

    /** The line with the value of its `key value` pair replaced, keeping indentation, spacing and trailing blanks. */
    private static String replaceValue(String text, String key, String oldValue, String newValue) {
        int afterKey = text.indexOf(key) + key.length();
        if (oldValue.isEmpty()) {
            return text.substring(0, afterKey) + " " + newValue;
        }
        int valueStart = text.indexOf(oldValue, afterKey);
        return text.substring(0, valueStart) + newValue + text.substring(valueStart + oldValue.length());
    }

    /** {key, value} of a `key value` line, value stripped; null for blank and comment lines. */
    private static String[] keyValue(String text) {
        String trimmed = text.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("#")) {
            return null;
        }
        int blank = 0;
        while (blank < trimmed.length() && !Character.isWhitespace(trimmed.charAt(blank))) {
            blank++;
        }
        return new String[] {trimmed.substring(0, blank), trimmed.substring(blank).strip()};
    }

    private static String stripPlainSuffix(String title) {
        String tail = " (" + PersistenceRecipe.PLAIN_SUFFIX + ")";
        return title.endsWith(tail) ? title.substring(0, title.length() - tail.length()) : title;
    }

    private static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                case '[', ']' -> regex.append(c);
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        try {
            return Pattern.compile(regex.toString());
        } catch (java.util.regex.PatternSyntaxException e) {
            return Pattern.compile(Pattern.quote(glob));
        }
    }
}
