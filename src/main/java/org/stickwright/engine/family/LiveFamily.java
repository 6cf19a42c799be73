/*
 * Everything Stickwright needs to know about a live ISO before it adds persistence: the
 * family (which initramfs code will look for the persistence), the labels (the volume id, and
 * the one the kernel lines search for: dracut's root=live:CDLABEL=, archiso's archisolabel=),
 * the root image and, for dracut, its inner layout, the boot configurations with their
 * kernel lines, the EFI image, and whether the ISO is hybrid (boots from a stick as written).
 */
package org.stickwright.engine.family;

import java.util.List;
import java.util.Optional;

/**
 * What a live ISO is, as far as persistence goes.
 *
 * @param family           the family, {@link Family#UNKNOWN} when none matched
 * @param evidence         the facts that decided the family, e.g. "/LiveOS/squashfs.img", "root=live:CDLABEL= in /EFI/BOOT/grub.cfg"
 * @param volumeLabel      the ISO's volume id (primary volume descriptor)
 * @param referencedLabels the labels the kernel lines search for, decoded, in order of first appearance
 * @param rootImage        path of the root filesystem image on the ISO ("/LiveOS/squashfs.img"), or null
 * @param rootImageLayout  for dracut: flat or nested root image; null for other families
 * @param overlayKinds     for dracut: the persistent overlay kinds the root image allows; empty otherwise
 * @param efiImage         the El Torito EFI image, or null when the ISO has none
 * @param bootConfigs      boot configurations found, ISO 9660 ones by path, then those inside the EFI image
 * @param hybrid           the ISO carries an MBR/GPT and boots from a disk as written
 */
public record LiveFamily(Family family, List<String> evidence, String volumeLabel, List<String> referencedLabels,
        String rootImage, RootImageLayout rootImageLayout, List<OverlayKind> overlayKinds, EfiImage efiImage,
        List<BootConfig> bootConfigs, boolean hybrid) {

    public LiveFamily {
        evidence = List.copyOf(evidence);
        referencedLabels = List.copyOf(referencedLabels);
        overlayKinds = List.copyOf(overlayKinds);
        bootConfigs = List.copyOf(bootConfigs);
    }

    /** Whether the family is known, so persistence can be added (hybrid or extract mode). */
    public boolean isKnown() {
        return family.isKnown();
    }

    public Optional<EfiImage> efi() {
        return Optional.ofNullable(efiImage);
    }

    /** Whether every label the kernel lines reference equals the volume label (false when one differs). */
    public boolean labelsConsistent() {
        return referencedLabels.stream().allMatch(l -> l.equals(volumeLabel));
    }

    /** Every kernel line of every configuration read. */
    public List<KernelLine> kernelLines() {
        return bootConfigs.stream().flatMap(c -> c.kernelLines().stream()).toList();
    }

    /** One line telling what persistence would do on a stick made from this ISO. */
    public String persistenceExplanation() {
        return family.persistenceExplanation();
    }
}
