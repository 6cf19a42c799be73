package org.stickwright.platform.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;

/**
 * The one libc call jna-platform lacks for unmounting: {@code umount2(2)}. Declared with
 * {@link LastErrorException} so a failure carries its errno (EBUSY, EPERM, EINVAL).
 */
interface MountCalls extends Library {
    MountCalls LIBC = Native.load("c", MountCalls.class);

    /** Fail with EBUSY rather than detaching a filesystem somebody still uses. */
    int NO_FLAGS = 0;

    int umount2(String target, int flags) throws LastErrorException;
}
