/*
 * Times a directory entry can carry. FAT stores local wall-clock times without a zone: creation
 * to 10 ms, modification to 2 s, access as a date only, years 1980 to 2107. The zone used to turn
 * instants into wall-clock values is a property of the volume session (FatFileSystem).
 */
package org.stickwright.engine.fat;

import java.time.Instant;
import java.util.Objects;

/** Creation, modification and access instants of a file or directory. */
public record FileTimes(Instant created, Instant modified, Instant accessed) {
    public FileTimes {
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(modified, "modified");
        Objects.requireNonNull(accessed, "accessed");
    }

    /** All three times the same. */
    public static FileTimes of(Instant instant) {
        return new FileTimes(instant, instant, instant);
    }

    public static FileTimes now() {
        return of(Instant.now());
    }
}
