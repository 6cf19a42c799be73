package org.stickwright.platform.linux;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses {@code /proc/swaps}: a header line, then one line per active swap area,
 * {@code Filename Type Size Used Priority}, the file name escaped like mountinfo paths.
 * Type is {@code partition} (a block device, e.g. /dev/sda2 or /dev/dm-1) or {@code file}
 * (a swap file on some mounted filesystem).
 */
public final class SwapTable {
    /** One active swap area. */
    public record Swap(String path, boolean file) {
    }

    private SwapTable() {
    }

    public static List<Swap> parse(String procSwaps) {
        List<Swap> swaps = new ArrayList<>();
        String[] lines = procSwaps.split("\n");
        for (int i = 1; i < lines.length; i++) {
            String[] fields = lines[i].trim().split("\\s+");
            if (fields.length < 2 || fields[0].isEmpty()) {
                continue;
            }
            swaps.add(new Swap(MountInfo.unescape(fields[0]), "file".equals(fields[1])));
        }
        return swaps;
    }
}
