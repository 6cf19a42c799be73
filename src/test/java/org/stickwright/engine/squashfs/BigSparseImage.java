package org.stickwright.engine.squashfs;

import java.nio.file.Path;
import java.util.Map;

/**
 * Writes an image holding one generated file of the given size (mostly zeros) in its own JVM, so
 * a test can run it with a heap far smaller than the file: {@code <image> <bytes> <seed> <zero%>}.
 */
public final class BigSparseImage {
    private BigSparseImage() {
    }

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        long length = Long.parseLong(args[1]);
        long seed = Long.parseLong(args[2]);
        int zeroPercent = Integer.parseInt(args[3]);
        try (SquashfsWriter w = SquashfsWriter.create(image, SquashfsWriter.Options.defaults())) {
            w.directory("/LiveOS", 0755, 0, 0, 0, Map.of());
            w.file("/LiveOS/rootfs.img", 0644, 0, 0, 0, Map.of("security.selinux",
                    "system_u:object_r:root_t:s0".getBytes(java.nio.charset.StandardCharsets.UTF_8)), length,
                    (offset, into, at, n) -> SquashfsTrees.fill(seed, zeroPercent, offset, into, at, n));
        }
        System.out.println("heap used at the end: " + (Runtime.getRuntime().totalMemory()
                - Runtime.getRuntime().freeMemory()) + " of max " + Runtime.getRuntime().maxMemory());
    }
}
