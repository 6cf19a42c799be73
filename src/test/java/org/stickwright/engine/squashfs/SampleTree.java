package org.stickwright.engine.squashfs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.stickwright.engine.squashfs.SquashfsTrees.Entry;
import org.stickwright.engine.squashfs.SquashfsTrees.Kind;

/**
 * A tree with every kind of node a live root (or an overlayfs upper layer) holds: SELinux labels
 * and file capabilities, a setuid binary, files at block and fragment boundaries, holes, a
 * directory of 600 entries (three listing headers), a whiteout (char 0/0), an opaque directory,
 * UTF-8 names, owners beyond 16 bits. Children come before their parents in places: the writer
 * takes entries in any order.
 */
final class SampleTree {
    private SampleTree() {
    }

    static final long MTIME = 1_763_700_000L;
    static final int BLOCK = 128 * 1024;

    static Map<String, byte[]> selinux(String type) {
        return Map.of("security.selinux", ("system_u:object_r:" + type + ":s0\0").getBytes(StandardCharsets.UTF_8));
    }

    static Entry root() {
        return Entry.dir("/", 0755, 0, 0, MTIME, selinux("root_t"));
    }

    static List<Entry> entries() {
        List<Entry> e = new ArrayList<>();
        e.add(Entry.file("/usr/bin/ping", 04755, 0, 0, MTIME - 5, Map.of(
                "security.selinux", selinux("ping_exec_t").get("security.selinux"),
                "security.capability", new byte[] {1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
                70_000, 11, 0));
        e.add(Entry.dir("/usr/bin", 0755, 0, 0, MTIME - 6, selinux("bin_t")));
        e.add(Entry.dir("/usr", 0755, 0, 0, MTIME - 7, selinux("usr_t")));
        e.add(Entry.dir("/LiveOS", 0755, 0, 0, MTIME, Map.of()));
        e.add(Entry.file("/LiveOS/rootfs.img", 0644, 0, 0, MTIME, Map.of(), 3L * BLOCK + 12_345, 1, 30));
        e.add(Entry.dir("/etc", 0755, 0, 0, MTIME, selinux("etc_t")));
        e.add(Entry.file("/etc/os-release", 0644, 0, 0, MTIME, Map.of(
                "security.selinux", selinux("etc_t").get("security.selinux"),
                "user.comment", "from the writer".getBytes(StandardCharsets.UTF_8)), 250, 2, 0));
        e.add(Entry.file("/etc/shadow", 0, 0, 0, MTIME, selinux("shadow_t"), 900, 3, 0));
        e.add(Entry.file("/empty", 0600, 1000, 1000, MTIME + 1, Map.of(), 0, 4, 0));
        e.add(Entry.file("/exact-block", 0644, 1000, 100, MTIME, Map.of(), BLOCK, 5, 0));
        e.add(Entry.file("/exact-two-blocks", 0644, 65534, 65534, MTIME, Map.of(), 2L * BLOCK, 6, 0));
        e.add(Entry.file("/holes", 0644, 0, 0, MTIME, Map.of(), 5L * BLOCK + 100, 7, 100));
        e.add(Entry.file("/high-owner", 0640, 4_000_000_000L, 3_000_000_000L, MTIME, Map.of(), 4096, 8, 0));
        e.add(Entry.symlink("/link", 0, 0, MTIME, Map.of(), "etc/os-release"));
        e.add(Entry.symlink("/dangling", 0, 0, MTIME, selinux("unlabeled_t"), "/nowhere/at/all"));
        e.add(Entry.dir("/dev", 0755, 0, 0, MTIME, Map.of()));
        e.add(Entry.node(Kind.CHAR, "/dev/null", 0666, 0, 0, MTIME, 1, 3));
        e.add(Entry.node(Kind.BLOCK, "/dev/sda", 0660, 0, 6, MTIME, 8, 0));
        e.add(Entry.node(Kind.CHAR, "/dev/wide", 0600, 0, 0, MTIME, 300, 70_000));
        e.add(Entry.node(Kind.CHAR, "/whiteout", 0, 0, 0, MTIME, 0, 0));
        e.add(Entry.dir("/run", 0755, 0, 0, MTIME, Map.of()));
        e.add(Entry.node(Kind.FIFO, "/run/fifo", 0644, 0, 0, MTIME, 0, 0));
        e.add(Entry.node(Kind.SOCKET, "/run/sock", 0755, 0, 0, MTIME, 0, 0));
        e.add(Entry.dir("/opaque", 0755, 0, 0, MTIME, Map.of("trusted.overlay.opaque", "y".getBytes(
                StandardCharsets.UTF_8))));
        e.add(Entry.dir("/donn\u00e9es", 0700, 1000, 1000, MTIME, Map.of()));
        e.add(Entry.file("/donn\u00e9es/\u00fcn\u00efc\u00f8d\u00e9-\u540d\u524d.txt", 0644, 1000, 1000, MTIME,
                Map.of(), 5000, 9, 0));
        e.add(Entry.dir("/many", 0755, 0, 0, MTIME, Map.of()));
        for (int i = 0; i < 600; i++) {
            e.add(Entry.file(String.format("/many/entry-%04d", i), 0644, i % 3, i % 5, MTIME + i, Map.of(), i * 7L,
                    100 + i, 0));
        }
        return e;
    }
}
