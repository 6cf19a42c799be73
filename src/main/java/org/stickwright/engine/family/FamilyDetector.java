/*
 * Recognises a live ISO's family from its ISO 9660 tree and its kernel lines (see
 * package-info for the markers), then, for dracut, looks inside the root image: the squashfs
 * is opened in place through the file's extent (device.slice(offset, length)), so nothing is
 * copied. A squashfs that holds LiveOS/rootfs.img is "nested" (a dm-snapshot COW can sit on the
 * ext4 inside); one holding the root tree is "flat" (overlayfs only).
 *
 * Markers are checked from the most specific family to the most general one: SystemRescue is
 * archiso with its own directories, and a Debian ISO built for dracut (root=live:CDLABEL= with
 * rd.live.dir=live) is a dracut ISO even though it has /live/filesystem.squashfs.
 */
package org.stickwright.engine.family;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.fat.FatEntry;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.iso.ElToritoCatalog;
import org.stickwright.engine.iso.IsoEntry;
import org.stickwright.engine.iso.IsoExtent;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.part.PartitionTableException;
import org.stickwright.engine.part.PartitionTables;
import org.stickwright.engine.squashfs.SquashfsImage;

/** Tells which live-system family an ISO belongs to and where its boot configuration lives. */
public final class FamilyDetector {
    /** Boot configurations are a few KiB; a bigger "*.cfg" is not one and is not read. */
    static final long MAX_CONFIG_BYTES = 1 << 20;

    private static final byte[] SQUASHFS_MAGIC = {'h', 's', 'q', 's'};
    private static final byte[] EROFS_MAGIC = {(byte) 0xE2, (byte) 0xE1, (byte) 0xF5, (byte) 0xE0};
    private static final int EROFS_MAGIC_OFFSET = 1024;

    private final IsoImage iso;
    /** Lower-cased path → entry: ISO 9660 names are compared case-insensitively (EFI/BOOT vs EFI/boot). */
    private final Map<String, IsoEntry> byPath = new LinkedHashMap<>();
    private final List<String> evidence = new ArrayList<>();

    private FamilyDetector(IsoImage iso) {
        this.iso = iso;
    }

    /** Detects the family and the boot facts of {@code iso}. */
    public static LiveFamily detect(IsoImage iso) throws IOException {
        return new FamilyDetector(iso).run();
    }

    /** A configuration file read from ISO 9660, before its firmware role is known. */
    private record Found(IsoEntry entry, BootConfig.Loader loader, boolean read, List<KernelLine> lines) {
    }

    private LiveFamily run() throws IOException {
        for (IsoEntry entry : iso.walk()) {
            byPath.putIfAbsent(entry.path().toLowerCase(Locale.ROOT), entry);
        }
        EfiImage efiImage = efiImage();
        List<Found> found = readConfigs();

        Family family = decide(found);
        List<String> labels = referencedLabels(found);
        String rootImage = null;
        RootImageLayout layout = null;
        List<OverlayKind> overlays = List.of();
        switch (family) {
            case FEDORA_DRACUT -> {
                String dir = firstValue(found, "rd.live.dir").orElse("LiveOS");
                String image = firstValue(found, "rd.live.squashimg").orElse("squashfs.img");
                Optional<IsoEntry> entry = file("/" + dir + "/" + image);
                if (entry.isPresent()) {
                    rootImage = entry.get().path();
                    layout = layoutOf(entry.get());
                } else {
                    layout = RootImageLayout.UNRECOGNISED;
                }
                overlays = overlayKinds(layout);
            }
            case ARCH_ARCHISO, SYSTEMRESCUE -> rootImage = archisoRootImage(found, family).orElse(null);
            case UBUNTU_CASPER -> rootImage = filesIn("/casper", ".squashfs").stream().findFirst().orElse(null);
            case DEBIAN_LIVE -> rootImage = file("/live/filesystem.squashfs").map(IsoEntry::path)
                    .orElse(filesIn("/live", ".squashfs").stream().findFirst().orElse(null));
            case UNKNOWN -> {
                // Nothing to look inside.
            }
        }

        List<BootConfig> configs = new ArrayList<>();
        for (Found f : found) {
            configs.add(new BootConfig(f.entry().path(), false, f.loader(), firmwareOf(f, family), f.read(), f.lines()));
        }
        configs.sort(Comparator.comparing(BootConfig::path));
        if (efiImage != null) {
            configs.addAll(readInsideEfiImage(efiImage, insideEfiImage(family, found)));
        }
        return new LiveFamily(family, evidence, iso.volume().label(), labels, rootImage, layout, overlays, efiImage,
                configs, iso.hybrid().isHybrid());
    }

    /**
     * The El Torito EFI image: a file of the tree (lorax, live-build, archiso), or, on ISOs made
     * with xorriso's -append_partition 2 ... -e --interval:appended_partition_2:all:: (Ubuntu
     * 20.10+), a GPT/MBR partition after the ISO 9660 volume that no tree names: its extent
     * comes from the partition starting where the catalog entry points (4 sectors per block).
     */
    private EfiImage efiImage() throws IOException {
        Optional<IsoEntry> entry = iso.efiBootImage();
        if (entry.isPresent()) {
            IsoEntry e = entry.get();
            return new EfiImage(e.path(), e.firstDataOffset(), e.size());
        }
        Optional<ElToritoCatalog> catalog = iso.elTorito();
        if (catalog.isEmpty() || catalog.get().efiEntry() == null) {
            return null;
        }
        ElToritoCatalog.BootEntry efi = catalog.get().efiEntry();
        long offset = efi.loadRba() * IsoImage.BLOCK_SIZE;
        try {
            for (PartitionTables.Partition p : PartitionTables.read(iso.device()).partitions()) {
                if (p.firstLba() * 512 == offset) {
                    return new EfiImage("(appended partition " + p.number() + ")", offset, p.sectorCount() * 512);
                }
            }
        } catch (PartitionTableException e) {
            // A damaged table: the catalog's own sector count is all that is left.
        }
        return new EfiImage("(hidden, block " + efi.loadRba() + ")", offset, efi.sectorCount() * 512L);
    }

    // ---- configuration files on ISO 9660 ------------------------------------------------

    private List<Found> readConfigs() throws IOException {
        List<Found> found = new ArrayList<>();
        for (IsoEntry entry : byPath.values()) {
            if (!entry.isFile()) {
                continue;
            }
            String lower = entry.path().toLowerCase(Locale.ROOT);
            BootConfig.Loader loader = loaderOf(lower);
            if (loader == null) {
                continue;
            }
            if (entry.size() > MAX_CONFIG_BYTES) {
                found.add(new Found(entry, loader, false, List.of()));
                continue;
            }
            String text = new String(iso.readAll(entry), StandardCharsets.UTF_8);
            List<KernelLine> lines = switch (loader) {
                case GRUB -> BootConfigParser.grub(text);
                case SYSLINUX -> BootConfigParser.syslinux(text);
                case SYSTEMD_BOOT -> BootConfigParser.systemdBoot(text);
            };
            found.add(new Found(entry, loader, true, lines));
        }
        return found;
    }

    /** Which loader reads a file at this (lower-cased) path, or null when it is no boot configuration. */
    private static BootConfig.Loader loaderOf(String lower) {
        String name = lower.substring(lower.lastIndexOf('/') + 1);
        if ((lower.contains("/isolinux/") || lower.contains("/syslinux/"))
                && (name.endsWith(".cfg") || name.equals("extlinux.conf"))) {
            return BootConfig.Loader.SYSLINUX;
        }
        if (lower.startsWith("/loader/entries/") && name.endsWith(".conf")
                && lower.indexOf('/', "/loader/entries/".length()) < 0) {
            return BootConfig.Loader.SYSTEMD_BOOT;
        }
        if (lower.equals("/boot/grub/grub.cfg") || lower.equals("/boot/grub2/grub.cfg")
                || lower.equals("/efi/boot/grub.cfg") || lower.equals("/boot/grub/grubsrcd.cfg")) {
            return BootConfig.Loader.GRUB;
        }
        return null;
    }

    // ---- the family ---------------------------------------------------------------------

    private Family decide(List<Found> found) throws IOException {
        if (directory("/sysresccd") || directory("/sysrescue.d")) {
            if (directory("/sysresccd")) {
                evidence.add("/sysresccd/");
            }
            if (directory("/sysrescue.d")) {
                evidence.add("/sysrescue.d/");
            }
            return Family.SYSTEMRESCUE;
        }
        String archBase = firstValue(found, "archisobasedir").orElse("arch");
        Optional<String> airootfs = airootfs(archBase);
        Optional<String> archLine = where(found, "archisobasedir=");
        if (airootfs.isPresent() || archLine.isPresent()) {
            airootfs.ifPresent(evidence::add);
            archLine.ifPresent(evidence::add);
            return Family.ARCH_ARCHISO;
        }
        Optional<String> dracutLine = where(found, "root=live:");
        String dracutImage = "/" + firstValue(found, "rd.live.dir").orElse("LiveOS") + "/"
                + firstValue(found, "rd.live.squashimg").orElse("squashfs.img");
        if (file(dracutImage).isPresent() || dracutLine.isPresent()) {
            file(dracutImage).ifPresent(e -> evidence.add(e.path()));
            dracutLine.ifPresent(evidence::add);
            return Family.FEDORA_DRACUT;
        }
        List<String> casperImages = filesIn("/casper", ".squashfs");
        List<String> casperUuids = filesIn("/.disk", null).stream()
                .filter(p -> p.toLowerCase(Locale.ROOT).startsWith("/.disk/casper-uuid-")).toList();
        Optional<String> casperLine = where(found, "boot=casper");
        if (!casperImages.isEmpty() || !casperUuids.isEmpty() || casperLine.isPresent()) {
            evidence.addAll(casperImages);
            evidence.addAll(casperUuids);
            casperLine.ifPresent(evidence::add);
            return Family.UBUNTU_CASPER;
        }
        List<String> liveImages = filesIn("/live", ".squashfs");
        Optional<String> liveLine = where(found, "boot=live");
        if (!liveImages.isEmpty() || liveLine.isPresent()) {
            evidence.addAll(liveImages);
            liveLine.ifPresent(evidence::add);
            return Family.DEBIAN_LIVE;
        }
        return Family.UNKNOWN;
    }

    /**
     * "&lt;marker&gt; in &lt;path&gt;" for the first kernel line with an option starting with
     * {@code optionPrefix}; the marker is the option up to its key's '=' ("root=live:CDLABEL=",
     * "archisobasedir="), or the whole option for flags ("boot=live").
     */
    private static Optional<String> where(List<Found> found, String optionPrefix) {
        for (Found f : found) {
            for (KernelLine line : f.lines()) {
                for (String option : line.options()) {
                    boolean keyed = optionPrefix.endsWith("=") || optionPrefix.endsWith(":");
                    if (keyed ? option.startsWith(optionPrefix) : option.equals(optionPrefix)) {
                        int keyEnd = option.indexOf('=', optionPrefix.length() - 1);
                        String marker = keyed ? option.substring(0, keyEnd < 0 ? optionPrefix.length() : keyEnd + 1)
                                : option;
                        return Optional.of(marker + " in " + f.entry().path());
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> firstValue(List<Found> found, String key) {
        for (Found f : found) {
            for (KernelLine line : f.lines()) {
                Optional<String> value = line.value(key);
                if (value.isPresent() && !value.get().isEmpty()) {
                    return value;
                }
            }
        }
        return Optional.empty();
    }

    private static List<String> referencedLabels(List<Found> found) {
        Set<String> labels = new LinkedHashSet<>();
        for (Found f : found) {
            for (KernelLine line : f.lines()) {
                for (String option : line.options()) {
                    for (String prefix : List.of("root=live:CDLABEL=", "root=live:LABEL=", "archisolabel=")) {
                        if (option.startsWith(prefix) && option.length() > prefix.length()) {
                            labels.add(BootConfigParser.decodeLabel(option.substring(prefix.length())));
                        }
                    }
                }
            }
        }
        return List.copyOf(labels);
    }

    // ---- root images --------------------------------------------------------------------

    /** /&lt;basedir&gt;/&lt;arch&gt;/airootfs.sfs or .erofs. */
    private Optional<String> airootfs(String baseDir) {
        String prefix = "/" + baseDir.toLowerCase(Locale.ROOT) + "/";
        return byPath.entrySet().stream()
                .filter(e -> e.getValue().isFile() && e.getKey().startsWith(prefix))
                .filter(e -> {
                    String rest = e.getKey().substring(prefix.length());
                    return rest.matches("[^/]+/airootfs\\.(sfs|erofs)");
                })
                .map(e -> e.getValue().path()).findFirst();
    }

    private Optional<String> archisoRootImage(List<Found> found, Family family) {
        String base = firstValue(found, "archisobasedir")
                .orElse(family == Family.SYSTEMRESCUE ? "sysresccd" : "arch");
        return airootfs(base);
    }

    /** Reads the magic of a dracut root image and, for squashfs, looks for LiveOS/rootfs.img inside. */
    private RootImageLayout layoutOf(IsoEntry image) throws IOException {
        if (image.extents().isEmpty() || !contiguous(image.extents())) {
            return RootImageLayout.UNRECOGNISED;
        }
        BlockDevice device = iso.device().slice(image.firstDataOffset(), image.size());
        if (image.size() >= 4 && Arrays.equals(device.readBytes(0, 4), SQUASHFS_MAGIC)) {
            SquashfsImage squashfs = SquashfsImage.open(device);
            for (String nested : List.of("/LiveOS/rootfs.img", "/LiveOS/ext3fs.img")) {
                if (squashfs.find(nested).filter(e -> e.isFile()).isPresent()) {
                    return RootImageLayout.NESTED_ROOTFS_IMG;
                }
            }
            return RootImageLayout.FLAT_SQUASHFS;
        }
        if (image.size() >= EROFS_MAGIC_OFFSET + 4
                && Arrays.equals(device.readBytes(EROFS_MAGIC_OFFSET, 4), EROFS_MAGIC)) {
            return RootImageLayout.FLAT_EROFS;
        }
        return RootImageLayout.UNRECOGNISED;
    }

    private static boolean contiguous(List<IsoExtent> extents) {
        for (int i = 1; i < extents.size(); i++) {
            IsoExtent before = extents.get(i - 1);
            if (before.offset() + before.length() != extents.get(i).offset()) {
                return false;
            }
        }
        return true;
    }

    private static List<OverlayKind> overlayKinds(RootImageLayout layout) {
        if (layout == RootImageLayout.UNRECOGNISED) {
            return List.of();
        }
        if (layout.allowsDmSnapshot()) {
            return List.of(OverlayKind.DM_SNAPSHOT, OverlayKind.OVERLAYFS_DIRECTORY,
                    OverlayKind.OVERLAYFS_EMBEDDED_IMAGE);
        }
        return List.of(OverlayKind.OVERLAYFS_DIRECTORY, OverlayKind.OVERLAYFS_EMBEDDED_IMAGE);
    }

    // ---- which firmware reads which file ------------------------------------------------

    private Set<BootConfig.Firmware> firmwareOf(Found f, Family family) throws IOException {
        String lower = f.entry().path().toLowerCase(Locale.ROOT);
        Set<BootConfig.Firmware> firmware = EnumSet.noneOf(BootConfig.Firmware.class);
        switch (f.loader()) {
            case SYSLINUX -> firmware.add(BootConfig.Firmware.BIOS);
            case SYSTEMD_BOOT -> firmware.add(BootConfig.Firmware.UEFI);
            case GRUB -> {
                String dir = lower.substring(0, lower.lastIndexOf('/'));
                boolean dataConfig = lower.equals("/boot/grub/grub.cfg") || lower.equals("/boot/grub2/grub.cfg");
                if (dataConfig && (directory(dir + "/i386-pc") || grubBiosImage())) {
                    firmware.add(BootConfig.Firmware.BIOS);
                }
                if (lower.equals("/efi/boot/grub.cfg") || lower.equals("/boot/grub/grubsrcd.cfg")) {
                    firmware.add(BootConfig.Firmware.UEFI);
                }
                if (lower.equals("/boot/grub/grub.cfg") && readsDataGrubCfgOnUefi(family)) {
                    firmware.add(BootConfig.Firmware.UEFI);
                }
            }
        }
        return firmware;
    }

    /** The El Torito BIOS image is GRUB's i386-pc eltorito.img (Fedora 37+, Ubuntu), not isolinux.bin. */
    private boolean grubBiosImage() throws IOException {
        Optional<ElToritoCatalog> catalog = iso.elTorito();
        if (catalog.isEmpty() || catalog.get().biosEntry() == null) {
            return false;
        }
        return iso.findByBlock(catalog.get().biosEntry().loadRba())
                .map(e -> e.name().equalsIgnoreCase("eltorito.img")).orElse(false);
    }

    /**
     * Debian's and Ubuntu's signed GRUB finds the medium by /.disk/info and reads
     * /boot/grub/grub.cfg on it; archiso's uefi.grub profile (no systemd-boot entries) does the
     * same through /boot/&lt;uuid&gt;.uuid.
     */
    private boolean readsDataGrubCfgOnUefi(Family family) {
        return switch (family) {
            case DEBIAN_LIVE, UBUNTU_CASPER -> file("/.disk/info").isPresent() || file("/.disk/mini-info").isPresent();
            case ARCH_ARCHISO -> !directory("/loader/entries");
            default -> false;
        };
    }

    /**
     * The configurations that live inside the EFI image and that the EFI loader really reads on
     * a dd'ed stick: Fedora's GRUB reads EFI/BOOT/grub.cfg next to itself; archiso's
     * systemd-boot reads loader/entries. Debian, Ubuntu and SystemRescue only redirect from
     * there to ISO 9660, so nothing inside their image is listed.
     */
    private List<BootConfig> insideEfiImage(Family family, List<Found> found) {
        Set<BootConfig.Firmware> uefi = EnumSet.of(BootConfig.Firmware.UEFI);
        return switch (family) {
            case FEDORA_DRACUT -> List.of(new BootConfig("/EFI/BOOT/grub.cfg", true, BootConfig.Loader.GRUB, uefi,
                    false, List.of()));
            case ARCH_ARCHISO -> directory("/loader/entries") || found.stream()
                    .noneMatch(f -> f.entry().path().equalsIgnoreCase("/boot/grub/grub.cfg"))
                    ? List.of(new BootConfig("/loader/entries/*.conf", true, BootConfig.Loader.SYSTEMD_BOOT, uefi,
                            false, List.of()))
                    : List.of();
            default -> List.of();
        };
    }

    /**
     * Reads the configurations inside the EFI image with our FAT reader (the image is FAT12,
     * FAT16 or FAT32; nothing is written). An image the reader cannot open leaves them listed
     * but unread, with the reason in the evidence.
     */
    private List<BootConfig> readInsideEfiImage(EfiImage efi, List<BootConfig> wanted) {
        if (wanted.isEmpty()) {
            return wanted;
        }
        List<BootConfig> read = new ArrayList<>();
        try {
            FatFileSystem fat = FatFileSystem.open(iso.device().slice(efi.offset(), efi.length()));
            for (BootConfig config : wanted) {
                if (config.loader() == BootConfig.Loader.SYSTEMD_BOOT) {
                    for (FatEntry entry : fat.stat("/loader/entries").isPresent() ? fat.list("/loader/entries")
                            : List.<FatEntry>of()) {
                        if (!entry.isDirectory() && entry.name().toLowerCase(Locale.ROOT).endsWith(".conf")) {
                            String path = "/loader/entries/" + entry.name();
                            read.add(new BootConfig(path, true, config.loader(), config.firmware(), true,
                                    BootConfigParser.systemdBoot(text(fat.readAllBytes(path)))));
                        }
                    }
                } else if (fat.stat(config.path()).isPresent()) {
                    read.add(new BootConfig(config.path(), true, config.loader(), config.firmware(), true,
                            BootConfigParser.grub(text(fat.readAllBytes(config.path())))));
                } else {
                    read.add(config);
                }
            }
            return read;
        } catch (IOException e) {
            evidence.add("EFI image " + efi.path() + " could not be read as FAT: " + e.getMessage());
            return wanted;
        }
    }

    private static String text(byte[] bytes) {
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    // ---- tree helpers -------------------------------------------------------------------

    private Optional<IsoEntry> file(String path) {
        IsoEntry entry = byPath.get(path.toLowerCase(Locale.ROOT));
        return entry != null && entry.isFile() ? Optional.of(entry) : Optional.empty();
    }

    private boolean directory(String path) {
        IsoEntry entry = byPath.get(path.toLowerCase(Locale.ROOT));
        return entry != null && entry.isDirectory();
    }

    /** Paths of the files directly in {@code dir} whose name ends with {@code suffix} (any when null), sorted. */
    private List<String> filesIn(String dir, String suffix) {
        String prefix = dir.toLowerCase(Locale.ROOT) + "/";
        return byPath.entrySet().stream()
                .filter(e -> e.getValue().isFile() && e.getKey().startsWith(prefix)
                        && e.getKey().indexOf('/', prefix.length()) < 0
                        && (suffix == null || e.getKey().endsWith(suffix)))
                .map(e -> e.getValue().path()).sorted().toList();
    }
}
