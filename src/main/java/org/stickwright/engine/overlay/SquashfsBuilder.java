package org.stickwright.engine.overlay;

/**
 * Which program turns a merged tree into a squashfs: our own writer (everywhere; gzip and xz
 * only, xz at about 0.4x mksquashfs's speed on two cores) or squashfs-tools-ng's tar2sqfs (where
 * installed: native compressors on every core, every compressor the kernel reads).
 */
public enum SquashfsBuilder {
    /** tar2sqfs when it runs here, else our writer. */
    AUTO,
    /** Our writer ({@link org.stickwright.engine.squashfs.SquashfsWriter}), whatever is installed. */
    JAVA,
    /** tar2sqfs, refused when it is not installed. */
    TAR2SQFS;

    /** What AUTO means on this machine; JAVA and TAR2SQFS as they are. */
    public SquashfsBuilder resolve() {
        if (this != AUTO) {
            return this;
        }
        return Tar2SqfsSink.version().isPresent() ? TAR2SQFS : JAVA;
    }
}
