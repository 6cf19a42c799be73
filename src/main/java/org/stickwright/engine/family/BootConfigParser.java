/*
 * Reads kernel command lines out of the three boot-configuration languages live ISOs use.
 *
 *   GRUB (grub.cfg):        linux /images/pxeboot/vmlinuz root=live:CDLABEL=Fedora-WS rd.live.image quiet
 *                           linuxefi / linux16 are the same command under older names; GRUB
 *                           splits words like a shell, so 'quoted words' lose their quotes.
 *   syslinux (isolinux.cfg, live.cfg, archiso_sys-linux.cfg):
 *                           LABEL live
 *                             KERNEL /live/vmlinuz          (or LINUX; *.c32 and *.0 are modules, not Linux)
 *                             APPEND initrd=/live/initrd.img boot=live components quiet splash
 *                           keywords are case-insensitive and belong to the LABEL above them.
 *   systemd-boot (loader/entries/*.conf): one entry per file, "key value" lines:
 *                           linux   /arch/boot/x86_64/vmlinuz-linux
 *                           options archisobasedir=arch archisolabel=ARCH_202601
 *                           several "options" lines are joined with a space.
 *
 * Only what decides persistence is kept: the kernel path, the options and where they are.
 */
package org.stickwright.engine.family;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Kernel command lines of GRUB, syslinux and systemd-boot configuration files. */
public final class BootConfigParser {
    private BootConfigParser() {
    }

    /** The {@code linux}, {@code linuxefi} and {@code linux16} commands of a grub.cfg. */
    public static List<KernelLine> grub(String text) {
        List<KernelLine> lines = new ArrayList<>();
        String[] rows = text.split("\r?\n", -1);
        for (int i = 0; i < rows.length; i++) {
            List<String> words = grubWords(rows[i]);
            if (words.size() >= 2 && isGrubLinuxCommand(words.get(0))) {
                lines.add(new KernelLine(words.get(1), words.subList(2, words.size()), i + 1));
            }
        }
        return lines;
    }

    private static boolean isGrubLinuxCommand(String word) {
        return word.equals("linux") || word.equals("linuxefi") || word.equals("linux16");
    }

    /** GRUB's word splitting: blanks separate, quotes group and are removed, '#' starts a comment. */
    static List<String> grubWords(String row) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < row.length(); i++) {
            char c = row.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\' && i + 1 < row.length()) {
                word.append(row.charAt(++i));
                inWord = true;
            } else if (c == '#' && !inWord) {
                break;
            } else if (c == ' ' || c == '\t') {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /** One line per syslinux LABEL that boots a Linux kernel, its APPEND as the options. */
    public static List<KernelLine> syslinux(String text) {
        List<KernelLine> lines = new ArrayList<>();
        String[] rows = text.split("\r?\n", -1);
        String kernel = null;
        List<String> options = null;
        int optionsLine = 0;
        boolean inLabel = false;
        for (int i = 0; i < rows.length; i++) {
            String row = rows[i].strip();
            if (row.isEmpty() || row.startsWith("#")) {
                continue;
            }
            String[] split = row.split("\\s+", 2);
            String keyword = split[0].toLowerCase(Locale.ROOT);
            String rest = split.length > 1 ? split[1].strip() : "";
            switch (keyword) {
                case "label" -> {
                    if (inLabel) {
                        addSyslinuxEntry(lines, kernel, options, optionsLine);
                    }
                    inLabel = true;
                    kernel = null;
                    options = null;
                    optionsLine = i + 1;
                }
                case "kernel", "linux" -> {
                    if (inLabel) {
                        kernel = rest;
                        if (options == null) {
                            optionsLine = i + 1;
                        }
                    }
                }
                case "append" -> {
                    if (inLabel) {
                        options = rest.isEmpty() || rest.equals("-") ? List.of() : List.of(rest.split("\\s+"));
                        optionsLine = i + 1;
                    }
                }
                default -> {
                    // MENU, INITRD, TEXT HELP ... carry no kernel options.
                }
            }
        }
        if (inLabel) {
            addSyslinuxEntry(lines, kernel, options, optionsLine);
        }
        return lines;
    }

    private static void addSyslinuxEntry(List<KernelLine> lines, String kernel, List<String> options, int line) {
        if (kernel == null || isSyslinuxModule(kernel)) {
            return;
        }
        lines.add(new KernelLine(kernel, options == null ? List.of() : options, line));
    }

    /** COM32 modules (vesamenu.c32, hdt.c32), PXE images (*.0) and boot sectors (*.bin) are not Linux. */
    private static boolean isSyslinuxModule(String kernel) {
        String name = kernel.toLowerCase(Locale.ROOT);
        return name.endsWith(".c32") || name.endsWith(".0") || name.endsWith(".bin") || name.endsWith(".com");
    }

    /** The entry of a systemd-boot loader/entries/*.conf file, or nothing when it names no kernel. */
    public static List<KernelLine> systemdBoot(String text) {
        String kernel = null;
        List<String> options = new ArrayList<>();
        int optionsLine = 0;
        String[] rows = text.split("\r?\n", -1);
        for (int i = 0; i < rows.length; i++) {
            String row = rows[i].strip();
            if (row.isEmpty() || row.startsWith("#")) {
                continue;
            }
            String[] split = row.split("\\s+", 2);
            String rest = split.length > 1 ? split[1].strip() : "";
            if (split[0].equals("linux")) {
                kernel = rest;
                if (optionsLine == 0) {
                    optionsLine = i + 1;
                }
            } else if (split[0].equals("options") && !rest.isEmpty()) {
                options.addAll(List.of(rest.split("\\s+")));
                optionsLine = i + 1;
            }
        }
        if (kernel == null && options.isEmpty()) {
            return List.of();
        }
        return List.of(new KernelLine(kernel == null ? "" : kernel, options, optionsLine));
    }

    /**
     * A label as the kernel line spells it, decoded: dracut and udev write blanks and other
     * unsafe bytes as {@code \x20}; a label in quotes keeps them.
     */
    public static String decodeLabel(String spelled) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < spelled.length(); i++) {
            char c = spelled.charAt(i);
            if (c == '\\' && i + 3 < spelled.length() && spelled.charAt(i + 1) == 'x'
                    && isHex(spelled.charAt(i + 2)) && isHex(spelled.charAt(i + 3))) {
                out.append((char) Integer.parseInt(spelled.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }
}
