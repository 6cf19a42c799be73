package org.stickwright.platform.linux;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds a fake root (sys/, proc/, run/udev/) in a temporary directory from a recorded layout
 * under src/test/resources/org/stickwright/platform/linux/. A layout is text, because sysfs is
 * mostly symbolic links that Maven's resource copying would flatten:
 *
 * <pre>
 * at sys/devices/pci0000:00/.../block/sdb     current directory for the lines below
 * dev = 8:16                                  a file and its content (%xNN: a raw byte)
 * link sys/block/sdb -> ../devices/...        a symbolic link (relative to the current dir)
 * text proc/self/mountinfo                    a multi-line file, up to a line "end"
 * </pre>
 */
public final class RecordedTree {
    private RecordedTree() {
    }

    public static Path build(String layout, Path root) throws IOException {
        List<String> lines;
        try (InputStream in = RecordedTree.class.getResourceAsStream(layout + ".layout")) {
            if (in == null) {
                throw new IOException("no recorded layout " + layout);
            }
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        Path current = root;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("at ")) {
                current = root.resolve(line.substring(3).trim());
                Files.createDirectories(current);
            } else if (line.startsWith("link ")) {
                String[] parts = line.substring(5).split(" -> ");
                Path link = current.resolve(parts[0].trim());
                Files.createDirectories(link.getParent());
                Files.createSymbolicLink(link, Path.of(parts[1].trim()));
            } else if (line.startsWith("text ")) {
                Path file = current.resolve(line.substring(5).trim());
                StringBuilder content = new StringBuilder();
                while (!lines.get(++i).equals("end")) {
                    content.append(lines.get(i)).append('\n');
                }
                Files.createDirectories(file.getParent());
                Files.write(file, unescape(content.toString()));
            } else {
                int eq = line.indexOf(" = ");
                if (eq < 0) {
                    throw new IOException(layout + ": cannot read line " + (i + 1) + ": " + line);
                }
                Path file = current.resolve(line.substring(0, eq));
                Files.createDirectories(file.getParent());
                Files.write(file, unescape(line.substring(eq + 3) + "\n"));
            }
        }
        return root;
    }

    /** UTF-8 bytes of {@code text} with {@code %xNN} turned into raw bytes (udev's own \xNN stays). */
    private static byte[] unescape(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < utf8.length; i++) {
            if (utf8[i] == '%' && i + 3 < utf8.length && utf8[i + 1] == 'x') {
                out.write(Integer.parseInt(new String(utf8, i + 2, 2, StandardCharsets.US_ASCII), 16));
                i += 3;
            } else {
                out.write(utf8[i]);
            }
        }
        return out.toByteArray();
    }
}
