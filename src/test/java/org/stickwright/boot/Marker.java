package org.stickwright.boot;

/**
 * What the fixture's test init found for one marker file (on {@code /} or under {@code /home}):
 * it either created it ({@link State#FIRST_BOOT}), found the one an earlier boot left
 * ({@link State#PERSIST_OK}), could not write it, or did not report it at all.
 */
public record Marker(State state, String token) {
    public enum State {
        FIRST_BOOT,
        PERSIST_OK,
        WRITE_FAILED,
        /** /home is not a mount of its own, so there is no home marker. */
        NOT_SEPARATE,
        MISSING
    }

    public static final Marker MISSING = new Marker(State.MISSING, null);
}
