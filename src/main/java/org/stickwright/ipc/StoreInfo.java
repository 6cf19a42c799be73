package org.stickwright.ipc;

/**
 * One partition of a stick as the technician window shows it: {@code role} is {@code persistence}
 * when its label or GPT name is one a live family looks for (persistence, writable, casper-rw,
 * home-rw, …), otherwise {@code other}; {@code used}/{@code size} are ext4's own block counts
 * (-1 for a filesystem Stickwright does not read); {@code state} is {@code clean},
 * {@code needs-recovery} (journal not replayed: the stick was pulled while in use) or
 * {@code not-cleanly-unmounted}.
 */
public record StoreInfo(int partition, String label, String filesystem, String role, long offset, long size, long used,
        String state) {
}
