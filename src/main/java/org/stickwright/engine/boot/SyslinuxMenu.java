/*
 * A syslinux.cfg made from a GRUB menu, so that BIOS boot through SYSLINUX offers exactly the
 * entries UEFI boot through GRUB offers (the persistent ones, one per profile, the plain one).
 * From
 *
 *   serial --unit=0 --speed=115200
 *   set timeout=1
 *   menuentry 'Live (persistent)' {
 *       linux /images/pxeboot/vmlinuz root=live:UUID=1A2B-3C4D rd.live.image rd.live.overlay=UUID=1A2B-3C4D
 *       initrd /images/pxeboot/initrd.img
 *   }
 *
 * it makes
 *
 *   serial 0 115200
 *   prompt 1
 *   timeout 10
 *   default persistent
 *   say Boot entries: persistent live
 *   label persistent
 *     menu label Live (persistent)
 *     kernel /images/pxeboot/vmlinuz
 *     append initrd=/images/pxeboot/initrd.img root=live:UUID=1A2B-3C4D rd.live.image rd.live.overlay=UUID=1A2B-3C4D
 *
 * archiso's systemd-boot entries (loader/entries/*.conf: title, linux, initrd, options) make the
 * same kind of menu (fromLoaderEntries). GRUB variables set outside the entries are expanded
 * (SystemRescue: linux … $archiso_param … with set archiso_param="archisolabel=…").
 *
 * No UI module is needed (none would match the loader's version anyway): the `boot:` prompt
 * takes a label name. Labels: "persistent", "persistent-NAME" per profile, "live" for the plain
 * entry, "entryN" for other entries. Entries inside submenus and without a kernel are left out.
 */
package org.stickwright.engine.boot;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Turns a GRUB configuration's top-level entries into a syslinux.cfg. */
public final class SyslinuxMenu {
    private static final Pattern MENUENTRY = Pattern.compile("^\\s*menuentry\\s+(?:'([^']*)'|\"([^\"]*)\"|(\\S+))");
    private static final Pattern LINUX = Pattern.compile("^\\s*(?:linux|linuxefi|linux16)\\s+(\\S+)\\s*(.*?)\\s*$");
    private static final Pattern INITRD = Pattern.compile("^\\s*(?:initrd|initrdefi|initrd16)\\s+(.+?)\\s*$");
    private static final Pattern SERIAL = Pattern.compile("^\\s*serial\\b(.*)$");
    private static final Pattern TIMEOUT = Pattern.compile("^\\s*set\\s+timeout=\"?(\\d+)\"?\\s*$");
    private static final Pattern SET_VARIABLE = Pattern.compile(
            "^\\s*set\\s+([A-Za-z_][A-Za-z0-9_]*)=(?:\"([^\"]*)\"|'([^']*)'|(\\S*))\\s*$");
    private static final Pattern VARIABLE_USE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)\\}|\\$([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern PROFILE_TITLE = Pattern.compile(".*\\((persistent(?:: (.+))?|no persistence)\\)\\s*$");

    /** One entry: its label name, title, kernel, initrds and arguments. */
    public record Entry(String label, String title, String kernel, List<String> initrds, String args) {
    }

    private SyslinuxMenu() {
    }

    /** The top-level GRUB entries that boot a kernel. */
    public static List<Entry> entries(byte[] grubCfg) {
        List<Entry> out = new ArrayList<>();
        Set<String> labels = new LinkedHashSet<>();
        int depth = 0;
        String title = null;
        String kernel = null;
        String args = null;
        List<String> initrds = new ArrayList<>();
        int entryDepth = -1;
        for (String line : new String(grubCfg, StandardCharsets.UTF_8).split("\r?\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("#")) {
                continue;
            }
            Matcher m = MENUENTRY.matcher(line);
            if (m.find() && depth == 0) {
                title = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
                kernel = null;
                args = "";
                initrds = new ArrayList<>();
                entryDepth = depth;
            } else if (title != null && depth == entryDepth + 1) {
                Matcher linux = LINUX.matcher(line);
                Matcher initrd = INITRD.matcher(line);
                if (linux.matches()) {
                    kernel = linux.group(1);
                    args = linux.group(2);
                } else if (initrd.matches()) {
                    initrds.addAll(List.of(initrd.group(1).split("\\s+")));
                }
            }
            depth += count(trimmed, '{') - count(trimmed, '}');
            if (title != null && depth == entryDepth) {
                if (kernel != null) {
                    String label = labelFor(title, out.size(), labels);
                    out.add(new Entry(label, title, kernel, List.copyOf(initrds), args));
                }
                title = null;
                entryDepth = -1;
            }
        }
        return out;
    }

    /**
     * The syslinux.cfg text for {@code grubCfg}'s entries; the first entry is the default. GRUB
     * variables the file sets outside its entries are expanded in the kernel lines (SystemRescue's
     * entries pass {@code $archiso_param}, which its grubsrcd.cfg sets to archisolabel=…): syslinux
     * has no variables.
     */
    public static String fromGrub(byte[] grubCfg) {
        String text = new String(grubCfg, StandardCharsets.UTF_8);
        Map<String, String> variables = topLevelVariables(text);
        List<Entry> entries = new ArrayList<>();
        for (Entry e : entries(grubCfg)) {
            List<String> initrds = new ArrayList<>();
            for (String initrd : e.initrds()) {
                initrds.add(expand(initrd, variables));
            }
            entries.add(new Entry(e.label(), e.title(), expand(e.kernel(), variables), initrds,
                    expand(e.args(), variables)));
        }
        StringBuilder serialLine = new StringBuilder();
        int timeout = 5;
        for (String line : text.split("\r?\n")) {
            Matcher serial = SERIAL.matcher(line);
            if (serial.matches()) {
                Matcher unit = Pattern.compile("--unit=(\\d+)").matcher(serial.group(1));
                Matcher speed = Pattern.compile("--speed=(\\d+)").matcher(serial.group(1));
                serialLine.append("serial ").append(unit.find() ? unit.group(1) : "0").append(' ')
                        .append(speed.find() ? speed.group(1) : "115200").append('\n');
            }
            Matcher t = TIMEOUT.matcher(line);
            if (t.matches()) {
                timeout = Integer.parseInt(t.group(1));
            }
        }
        return render(serialLine.toString(), timeout, entries);
    }

    /**
     * The syslinux.cfg text for systemd-boot loader entries (archiso's loader/entries/*.conf), in
     * the order given; the first is the default. Each entry's title, {@code linux}, every
     * {@code initrd} and the {@code options} lines joined.
     */
    public static String fromLoaderEntries(List<byte[]> loaderEntries, int timeoutSeconds) {
        List<Entry> entries = new ArrayList<>();
        Set<String> labels = new LinkedHashSet<>();
        for (byte[] bytes : loaderEntries) {
            String title = null;
            String kernel = null;
            List<String> initrds = new ArrayList<>();
            List<String> options = new ArrayList<>();
            for (String line : new String(bytes, StandardCharsets.UTF_8).split("\r?\n")) {
                String trimmed = line.trim();
                if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                    continue;
                }
                String[] kv = trimmed.split("\\s+", 2);
                String value = kv.length > 1 ? kv[1].trim() : "";
                switch (kv[0]) {
                    case "title" -> title = value;
                    case "linux" -> kernel = value;
                    case "initrd" -> initrds.addAll(List.of(value.split("\\s+")));
                    case "options" -> options.add(value);
                    default -> {
                    }
                }
            }
            if (kernel != null) {
                String name = title == null ? kernel : title;
                entries.add(new Entry(labelFor(name, entries.size(), labels), name, kernel, List.copyOf(initrds),
                        String.join(" ", options)));
            }
        }
        return render("", timeoutSeconds, entries);
    }

    private static String render(String serialLine, int timeout, List<Entry> entries) {
        StringBuilder out = new StringBuilder(serialLine);
        out.append("prompt 1\n");
        out.append("timeout ").append(Math.max(1, timeout) * 10).append('\n');
        if (!entries.isEmpty()) {
            out.append("default ").append(entries.get(0).label()).append('\n');
            out.append("say Boot entries:");
            for (Entry e : entries) {
                out.append(' ').append(e.label());
            }
            out.append('\n');
        }
        for (Entry e : entries) {
            out.append('\n').append("label ").append(e.label()).append('\n');
            out.append("  menu label ").append(e.title()).append('\n');
            out.append("  kernel ").append(e.kernel()).append('\n');
            StringBuilder append = new StringBuilder();
            if (!e.initrds().isEmpty()) {
                append.append("initrd=").append(String.join(",", e.initrds()));
            }
            if (!e.args().isEmpty()) {
                append.append(append.length() > 0 ? " " : "").append(e.args());
            }
            if (append.length() > 0) {
                out.append("  append ").append(append).append('\n');
            }
        }
        return out.toString();
    }

    /** {@code set NAME=value} lines outside menu entries, the last one winning as GRUB runs them. */
    private static Map<String, String> topLevelVariables(String text) {
        Map<String, String> out = new HashMap<>();
        int depth = 0;
        int entryDepth = -1;
        for (String line : text.split("\r?\n")) {
            String trimmed = line.trim();
            if (trimmed.startsWith("#")) {
                continue;
            }
            if (entryDepth < 0 && MENUENTRY.matcher(line).find()) {
                entryDepth = depth;
            } else if (entryDepth < 0) {
                Matcher set = SET_VARIABLE.matcher(line);
                if (set.matches()) {
                    String value = set.group(2) != null ? set.group(2) : set.group(3) != null ? set.group(3) : set.group(4);
                    out.put(set.group(1), value);
                }
            }
            depth += count(trimmed, '{') - count(trimmed, '}');
            if (entryDepth >= 0 && depth <= entryDepth) {
                entryDepth = -1;
            }
        }
        return out;
    }

    private static String expand(String text, Map<String, String> variables) {
        Matcher m = VARIABLE_USE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2);
            String value = variables.get(name);
            m.appendReplacement(out, Matcher.quoteReplacement(value != null ? value : m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String labelFor(String title, int index, Set<String> taken) {
        Matcher m = PROFILE_TITLE.matcher(title);
        String label;
        if (m.matches()) {
            if (m.group(1).equals("no persistence")) {
                label = "live";
            } else if (m.group(2) == null) {
                label = "persistent";
            } else {
                label = "persistent-" + m.group(2).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
            }
        } else {
            label = "entry" + (index + 1);
        }
        String unique = label;
        for (int n = 2; !taken.add(unique); n++) {
            unique = label + "-" + n;
        }
        return unique;
    }

    private static int count(String s, char c) {
        int n = 0;
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\'') {
                quoted = !quoted;
            } else if (ch == c && !quoted) {
                n++;
            }
        }
        return n;
    }
}
