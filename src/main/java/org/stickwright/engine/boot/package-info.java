/**
 * Bootloader configuration models and the editors that add persistence to live sticks' kernel
 * command lines: GRUB 2 {@code grub.cfg} ({@link org.stickwright.engine.boot.GrubConfig}),
 * syslinux/isolinux/extlinux ({@link org.stickwright.engine.boot.SyslinuxConfig}) and systemd-boot
 * loader entries plus {@code loader.conf} ({@link org.stickwright.engine.boot.SystemdBootConfig}).
 * Pure text logic: bytes in, bytes out; reading files out of the ISO or FAT image is the caller's job.
 *
 * <h2>The three formats</h2>
 * <ul>
 * <li><b>GRUB 2</b> is a small shell language. A boot entry is a block
 * {@code menuentry 'Title' --class … { … }} whose {@code linux} (or {@code linuxefi},
 * {@code linux16}) command takes the kernel path and then the command line, and whose
 * {@code initrd}/{@code initrdefi} names the initramfs. Top-level {@code menuentry} and
 * {@code submenu} blocks are numbered from 0; {@code set default=} takes such a number, a title or an
 * id. Quoting follows the shell: {@code '…'} literal, {@code "…"} with backslash escapes.</li>
 * <li><b>syslinux</b> files are one directive per line, keyword first and case-insensitive:
 * {@code label NAME} starts an entry that owns the following {@code menu label}, {@code menu default},
 * {@code kernel}/{@code linux}, {@code initrd}, {@code append} (the command line) and
 * {@code text help … endtext} lines. {@code default NAME} (possibly in a file that
 * {@code include}s this one) or {@code menu default} selects the entry.</li>
 * <li><b>systemd-boot</b> reads one file per entry from {@code loader/entries/} ({@code title},
 * {@code linux}, {@code initrd}, {@code options} = the command line) and picks the default through
 * {@code loader/loader.conf}'s {@code default} glob.</li>
 * </ul>
 *
 * <h2>What the edit does</h2>
 * A {@link org.stickwright.engine.boot.PersistenceRecipe} lists profiles; the default entry is copied
 * once per profile (the first copy becomes the default) and the original stays as the plain entry,
 * retitled "(no persistence)". Every line we do not mean to change is written back byte for byte,
 * line endings and trailing blanks included. Our entries are marked by comments
 * ({@code # stickwright: …}) that no menu shows, or in systemd-boot by the file name
 * ({@code …-stickwright-<profile>.conf}); a second run finds them and regenerates them from the plain
 * entry, so applying the same recipe twice changes nothing, and the plain recipe removes them again.
 *
 * <h2>Worked example: Fedora 41 {@code grub.cfg} (lorax), recipe
 * {@code fedora("LABEL=STICKDATA", overlayfs, [])}</h2>
 * Before ({@code set default="1"} selects the second top-level entry):
 * <pre>
 * menuentry 'Test this media &amp; start Fedora-Workstation-Live 41' --class fedora --class gnu-linux --class gnu --class os {
 * 	linux /images/pxeboot/vmlinuz root=live:CDLABEL=Fedora-WS-Live-41-1-4  rd.live.image rd.live.check quiet rhgb
 * 	initrd /images/pxeboot/initrd.img
 * }
 * </pre>
 * After (index 1 is now the persistent entry, so {@code set default="1"} is left alone; the
 * double blank after the root= argument is kept; {@code rd.live.check} goes because the patched ISO
 * no longer matches its implanted checksum):
 * <pre>
 * # stickwright: persistence profile persistent
 * menuentry 'Test this media &amp; start Fedora-Workstation-Live 41 (persistent)' --class fedora --class gnu-linux --class gnu --class os {
 * 	linux /images/pxeboot/vmlinuz root=live:CDLABEL=Fedora-WS-Live-41-1-4  rd.live.image quiet rhgb rd.live.overlay=LABEL=STICKDATA rd.live.overlay.overlayfs
 * 	initrd /images/pxeboot/initrd.img
 * }
 * # stickwright: live entry without persistence
 * menuentry 'Test this media &amp; start Fedora-Workstation-Live 41 (no persistence)' --class fedora --class gnu-linux --class gnu --class os {
 * 	linux /images/pxeboot/vmlinuz root=live:CDLABEL=Fedora-WS-Live-41-1-4  rd.live.image quiet rhgb
 * 	initrd /images/pxeboot/initrd.img
 * }
 * </pre>
 *
 * <h2>Worked example: Fedora 36 {@code isolinux.cfg}, recipe {@code fedora("LABEL=STICKDATA", dm-snapshot, [])}</h2>
 * Before:
 * <pre>
 * label check
 *   menu label Test this ^media &amp; start Fedora-Workstation-Live 36
 *   menu default
 *   kernel vmlinuz
 *   append initrd=initrd.img root=live:CDLABEL=Fedora-WS-Live-36-1-5  rd.live.image rd.live.check quiet rhgb
 * </pre>
 * After (the first copy keeps the label name {@code check}, so a {@code default check} anywhere
 * still boots it; the original is renamed {@code check-nopersist}):
 * <pre>
 * # stickwright: persistence profile persistent
 * label check
 *   menu label Test this ^media &amp; start Fedora-Workstation-Live 36 (persistent)
 *   menu default
 *   kernel vmlinuz
 *   append initrd=initrd.img root=live:CDLABEL=Fedora-WS-Live-36-1-5  rd.live.image quiet rhgb rd.live.overlay=LABEL=STICKDATA
 * # stickwright: live entry without persistence (was menu default)
 * label check-nopersist
 *   menu label Test this ^media &amp; start Fedora-Workstation-Live 36 (no persistence)
 *   kernel vmlinuz
 *   append initrd=initrd.img root=live:CDLABEL=Fedora-WS-Live-36-1-5  rd.live.image quiet rhgb
 * </pre>
 * Ubuntu's lines end in {@code --- quiet splash}: {@code persistent} is inserted before the
 * {@code ---}, because casper hands what follows it to the installed system.
 */
package org.stickwright.engine.boot;
