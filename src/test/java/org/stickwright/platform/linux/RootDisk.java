package org.stickwright.platform.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The disk holding / on the machine running the tests, found independently of the code under
 * test: stat("/").st_dev decoded as the kernel encodes dev_t, then /sys/dev/block/M:m, then the
 * parent if that is a partition. Null when / is on no block device (overlay, tmpfs).
 */
public final class RootDisk {
    private RootDisk() {
    }

    public static String path() throws IOException {
        long dev = (Long) Files.getAttribute(Path.of("/"), "unix:dev");
        long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
        long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
        Path node = Path.of("/sys/dev/block/" + major + ":" + minor);
        if (major == 0 || !Files.exists(node)) {
            return null;
        }
        Path real = node.toRealPath();
        if (Files.exists(real.resolve("partition"))) {
            real = real.getParent();
        }
        return "/dev/" + real.getFileName();
    }
}
