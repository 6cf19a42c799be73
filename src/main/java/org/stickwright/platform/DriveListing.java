package org.stickwright.platform;

import java.util.Comparator;
import java.util.List;

/**
 * Which drives a listing shows. By default only removable or USB disks that hold nothing of
 * the running system: those are the ones a user means when they say "my stick". With
 * {@code --all}, loop devices, fixed internal disks and the system disk appear too, marked.
 */
public final class DriveListing {
    private DriveListing() {
    }

    public static List<Drive> visible(List<Drive> drives, boolean all) {
        return drives.stream()
                .filter(drive -> all || !drive.hiddenByDefault())
                .sorted(Comparator.comparing(Drive::loop).thenComparing(Drive::path, DriveListing::naturalOrder))
                .toList();
    }

    /** The markers shown next to a drive: [system], [fixed], [loop], [removable]... */
    public static List<String> markers(Drive drive) {
        java.util.ArrayList<String> markers = new java.util.ArrayList<>();
        if (drive.system()) {
            markers.add("system");
        }
        if (drive.loop()) {
            markers.add("loop");
        } else if (drive.fixed()) {
            markers.add("fixed");
        }
        return markers;
    }

    /** sdb before sdaa, loop2 before loop10: compare digit runs by value. */
    static int naturalOrder(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i);
            char cb = b.charAt(j);
            if (Character.isDigit(ca) && Character.isDigit(cb)) {
                int si = i;
                int sj = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) {
                    i++;
                }
                while (j < b.length() && Character.isDigit(b.charAt(j))) {
                    j++;
                }
                String na = a.substring(si, i).replaceFirst("^0+(?=.)", "");
                String nb = b.substring(sj, j).replaceFirst("^0+(?=.)", "");
                int cmp = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
                if (cmp != 0) {
                    return cmp;
                }
            } else {
                if (ca != cb) {
                    return Character.compare(ca, cb);
                }
                i++;
                j++;
            }
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
