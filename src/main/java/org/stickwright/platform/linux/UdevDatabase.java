package org.stickwright.platform.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads the properties udev recorded for a block device, from systemd-udevd's database
 * {@code /run/udev/data/b<major>:<minor>} — the same file libudev's
 * {@code udev_device_get_property_value} reads. Lines look like
 *
 * <pre>
 * E:ID_BUS=usb
 * E:ID_FS_LABEL_ENC=MY\x20STICK
 * E:ID_FS_TYPE=vfat
 * </pre>
 *
 * Reading the file directly needs no native library and works on a recorded tree in tests.
 * Where udevd does not run (containers, this CI machine) the directory is absent and every
 * lookup is empty: callers fall back on sysfs.
 */
public final class UdevDatabase {
    private final Path dataDir;

    public UdevDatabase(Path root) {
        this.dataDir = root.resolve("run/udev/data");
    }

    /** All {@code E:} properties of block device {@code major:minor}; empty if unknown. */
    public Map<String, String> properties(String devNumber) {
        Map<String, String> properties = new HashMap<>();
        Path file = dataDir.resolve("b" + devNumber);
        if (!Files.isRegularFile(file)) {
            return properties;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.startsWith("E:")) {
                    int eq = line.indexOf('=');
                    if (eq > 2) {
                        properties.put(line.substring(2, eq), line.substring(eq + 1));
                    }
                }
            }
        } catch (IOException e) {
            // unreadable database entry: same as none, sysfs still answers
        }
        return properties;
    }

    /**
     * Undoes udev's {@code \xNN} encoding of the {@code *_ENC} properties (the plain ones
     * replace spaces with underscores, which would misreport "MY STICK" as "MY_STICK").
     * The bytes are UTF-8.
     */
    public static String decode(String encoded) {
        if (encoded == null || encoded.indexOf('\\') < 0) {
            return encoded;
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < encoded.length(); ) {
            int cp = encoded.codePointAt(i);
            if (cp == '\\' && i + 3 < encoded.length() && encoded.charAt(i + 1) == 'x'
                    && isHex(encoded.charAt(i + 2)) && isHex(encoded.charAt(i + 3))) {
                bytes.write(Integer.parseInt(encoded.substring(i + 2, i + 4), 16));
                i += 4;
            } else {
                byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
                bytes.write(utf8, 0, utf8.length);
                i += Character.charCount(cp);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }
}
