/*
 * Text of a bootloader configuration kept byte for byte. Each line is stored with its own end
 * ("\r\n", "\n", or "" for a last line without one), decoded as ISO-8859-1 so that every byte maps
 * to exactly one char and back: UTF-8 menu titles, stray control bytes and trailing blanks all
 * survive a read/write cycle unchanged. Everything we add ourselves is ASCII.
 */
package org.stickwright.engine.boot;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Lines of a config file with their original line endings. */
final class ConfigText {
    /** One line: its text without the ending, and the ending itself. */
    record Line(String text, String eol) {
        Line withText(String newText) {
            return new Line(newText, eol);
        }
    }

    private ConfigText() {
    }

    static List<Line> split(byte[] bytes) {
        String all = new String(bytes, StandardCharsets.ISO_8859_1);
        List<Line> lines = new ArrayList<>();
        int start = 0;
        while (start < all.length()) {
            int nl = all.indexOf('\n', start);
            if (nl < 0) {
                lines.add(new Line(all.substring(start), ""));
                break;
            }
            boolean crlf = nl > start && all.charAt(nl - 1) == '\r';
            lines.add(new Line(all.substring(start, crlf ? nl - 1 : nl), crlf ? "\r\n" : "\n"));
            start = nl + 1;
        }
        return lines;
    }

    static byte[] join(List<Line> lines) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Line line : lines) {
            out.writeBytes(line.text().getBytes(StandardCharsets.ISO_8859_1));
            out.writeBytes(line.eol().getBytes(StandardCharsets.ISO_8859_1));
        }
        return out.toByteArray();
    }

    /** The ending new lines get: CRLF when most existing lines use it (a config edited on Windows). */
    static String dominantEol(List<Line> lines) {
        int crlf = 0;
        int lf = 0;
        for (Line line : lines) {
            if (line.eol().equals("\r\n")) {
                crlf++;
            } else if (line.eol().equals("\n")) {
                lf++;
            }
        }
        return crlf > lf ? "\r\n" : "\n";
    }

    /** Before appending after the last line, give it an ending if it had none. */
    static void terminateLast(List<Line> lines, String eol) {
        if (!lines.isEmpty() && lines.get(lines.size() - 1).eol().isEmpty()) {
            lines.set(lines.size() - 1, new Line(lines.get(lines.size() - 1).text(), eol));
        }
    }

    static String indentOf(String text) {
        int i = 0;
        while (i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
            i++;
        }
        return text.substring(0, i);
    }
}
