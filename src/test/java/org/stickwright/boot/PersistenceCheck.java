package org.stickwright.boot;

/**
 * Two boots of the same stick. The stick keeps its changes exactly when the first boot created
 * a marker (FIRSTBOOT) and the second found the same one (PERSIST-OK with the same token).
 */
public record PersistenceCheck(BootResult first, BootResult second) {

    /** True only when a change made on the root file system in boot 1 was still there in boot 2. */
    public boolean persisted() {
        return kept(first.root(), second.root());
    }

    /** The same for the marker under a separately mounted {@code /home}. */
    public boolean homePersisted() {
        return kept(first.home(), second.home());
    }

    private static boolean kept(Marker before, Marker after) {
        return before.state() == Marker.State.FIRST_BOOT
                && after.state() == Marker.State.PERSIST_OK
                && before.token().equals(after.token());
    }

    public String summary() {
        return "boot 1: " + first.summary() + "\nboot 2: " + second.summary();
    }
}
