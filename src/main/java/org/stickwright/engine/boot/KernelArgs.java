/*
 * The argument part of a kernel line: `linux /images/pxeboot/vmlinuz root=live:CDLABEL=F41  rd.live.image quiet`
 * (GRUB), `append initrd=initrd.img root=… quiet` (syslinux), `options archisobasedir=arch …`
 * (systemd-boot). Arguments are separated by blanks; a double- or single-quoted stretch belongs to
 * one argument (`acpi_osi="Windows 2015"`). An argument's key is the text before its first '='.
 *
 * Ubuntu lines end in `… quiet splash ---`: casper's installer copies whatever follows `---` to the
 * installed system's command line, so everything we add goes BEFORE the first `---`, and nothing
 * after it is touched.
 *
 * Edits keep the spacing of every argument they do not touch (Fedora's lorax lines carry a double
 * blank after root=live:CDLABEL=…), and an edit that changes nothing returns the very same string,
 * which is what makes every editor built on this one idempotent.
 */
package org.stickwright.engine.boot;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Adds, replaces and removes kernel command-line arguments inside a config line. */
public final class KernelArgs {
    /** casper's marker: arguments after it belong to the installed system. */
    public static final String INSTALLED_SYSTEM_SEPARATOR = "---";

    private record Segment(String space, String token) {
    }

    private KernelArgs() {
    }

    /** The arguments of a command line, quotes kept as written. */
    public static List<String> split(String args) {
        List<String> tokens = new ArrayList<>();
        for (Segment segment : segments(args, new StringBuilder())) {
            tokens.add(segment.token());
        }
        return tokens;
    }

    /** `rd.live.overlay` for `rd.live.overlay=LABEL=X`; the whole token for a flag. */
    public static String key(String token) {
        int eq = token.indexOf('=');
        return eq < 0 ? token : token.substring(0, eq);
    }

    /**
     * Edits the arguments that start at {@code argsStart} in {@code line} (everything before it,
     * the keyword and kernel path, is kept as is). Each argument in {@code add} replaces the first
     * argument with the same key (later duplicates are dropped) or is appended before `---`; each
     * key in {@code removeKeys} is dropped unless {@code add} sets it. Returns {@code line} itself
     * when nothing changes.
     */
    public static String edit(String line, int argsStart, Collection<String> add, Collection<String> removeKeys) {
        StringBuilder trailing = new StringBuilder();
        List<Segment> segments = segments(line.substring(argsStart), trailing);
        int separator = 0;
        while (separator < segments.size() && !segments.get(separator).token().equals(INSTALLED_SYSTEM_SEPARATOR)) {
            separator++;
        }
        List<Segment> before = new ArrayList<>(segments.subList(0, separator));
        List<Segment> after = segments.subList(separator, segments.size());
        Set<String> addKeys = new HashSet<>();
        for (String arg : add) {
            addKeys.add(key(arg));
        }
        List<Segment> kept = new ArrayList<>();
        for (Segment segment : before) {
            String k = key(segment.token());
            if (removeKeys.contains(k) && !addKeys.contains(k)) {
                continue;
            }
            kept.add(segment);
        }
        for (String arg : add) {
            String k = key(arg);
            int first = -1;
            for (int i = 0; i < kept.size(); i++) {
                if (key(kept.get(i).token()).equals(k)) {
                    if (first < 0) {
                        first = i;
                        kept.set(i, new Segment(kept.get(i).space(), arg));
                    } else {
                        kept.remove(i--);
                    }
                }
            }
            if (first < 0) {
                kept.add(new Segment(" ", arg));
            }
        }
        StringBuilder out = new StringBuilder(line.substring(0, argsStart));
        for (Segment segment : kept) {
            out.append(segment.space()).append(segment.token());
        }
        for (Segment segment : after) {
            out.append(segment.space()).append(segment.token());
        }
        out.append(trailing);
        String edited = out.toString();
        return edited.equals(line) ? line : edited;
    }

    /**
     * The edit a generated entry gets: first the arguments dropped from every entry (which is what
     * the plain entry holds), then the profile's own edit. Deriving profiles from the plain form is
     * what lets a second run, which only has the plain entry left to copy, produce the same line.
     */
    public static String editAfterRemoving(String line, int argsStart, Collection<String> removeFromAll,
            Collection<String> add, Collection<String> removeKeys) {
        return edit(edit(line, argsStart, List.of(), removeFromAll), argsStart, add, removeKeys);
    }

    private static List<Segment> segments(String args, StringBuilder trailing) {
        List<Segment> segments = new ArrayList<>();
        int i = 0;
        int n = args.length();
        while (i < n) {
            int spaceStart = i;
            while (i < n && isBlank(args.charAt(i))) {
                i++;
            }
            if (i == n) {
                trailing.append(args, spaceStart, n);
                break;
            }
            int tokenStart = i;
            char quote = 0;
            while (i < n && (quote != 0 || !isBlank(args.charAt(i)))) {
                char c = args.charAt(i);
                if (quote == 0 && (c == '"' || c == '\'')) {
                    quote = c;
                } else if (quote == c) {
                    quote = 0;
                } else if (c == '\\' && quote != '\'' && i + 1 < n) {
                    i++;
                }
                i++;
            }
            segments.add(new Segment(args.substring(spaceStart, tokenStart), args.substring(tokenStart, i)));
        }
        return segments;
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }
}
