/*
 * Extract mode (design §1): the stick gets new tables and one FAT32 partition that any system can
 * read and write, holding the ISO's files; persistence lives in image files on it (or in ext4
 * partitions after it, where a family or a size needs that). A 2 GiB stick from the Fedora
 * fixture, --persistence 256M, seeded:
 *
 *   sector 0          MBR: p1 type 0x0C (FAT32 LBA), active, LBA 2048 to the end
 *   1 MiB             FAT32 "FEDORA-SWFL", serial 1A2B-3C4D (blkid UUID "1A2B-3C4D")
 *     /EFI/BOOT/BOOTX64.EFI, grub.cfg       the ISO's loader; grub.cfg's search line now finds
 *                                            the FAT by --fs-uuid, the kernel line says
 *                                            root=live:UUID=1A2B-3C4D, and a first entry adds
 *                                            rd.live.overlay=UUID=1A2B-3C4D rd.live.overlay.overlayfs
 *     /LiveOS/squashfs.img, /images/...     the rest of the ISO tree, byte for byte
 *     /LiveOS/overlay-FEDORA-SWFL-1A2B-3C4D 256 MiB, one contiguous run of clusters: an ext4
 *                                            image (only its metadata written) with overlayfs/, ovlwork/
 *
 * Arch and SystemRescue (archiso): the same FAT32 partition, then an ext4 partition labelled
 * "persistence" holding persistent/upperdir+workdir; archisolabel= / img_label= name the FAT
 * label, archisosearchuuid=<iso uuid> becomes archisodevice=UUID=<FAT serial> (hooks/archiso
 * mounts that tag directly), and every entry gets cow_label=persistence cow_directory=persistent.
 * systemd-boot's loader/entries on the FAT (what it reads when started from there) get one entry
 * per profile; SYSLINUX's menu replaces the ISO's /boot/syslinux/syslinux.cfg, whose modules
 * would not match our loader.
 *
 * The job never zero-fills: a store of any size costs the same few writes (ExtractStores).
 * Everything it writes is recorded (WrittenRanges) and hashed after writing; verify() reads those
 * ranges back through the uncached device. A failure or cancellation wipes the partition tables.
 */
package org.stickwright.engine.job;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.stickwright.engine.boot.BootConfigException;
import org.stickwright.engine.boot.GrubConfig;
import org.stickwright.engine.boot.PersistenceRecipe;
import org.stickwright.engine.boot.SyslinuxConfig;
import org.stickwright.engine.boot.SyslinuxFiles;
import org.stickwright.engine.boot.SyslinuxInstaller;
import org.stickwright.engine.boot.SyslinuxMenu;
import org.stickwright.engine.boot.SystemdBootConfig;
import org.stickwright.engine.ext.Ext4Entry;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.family.BootConfig;
import org.stickwright.engine.family.Family;
import org.stickwright.engine.family.FamilyDetector;
import org.stickwright.engine.family.LiveFamily;
import org.stickwright.engine.family.RootImageLayout;
import org.stickwright.engine.fat.Fat32FormatOptions;
import org.stickwright.engine.fat.Fat32Formatter;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.fat.FatWriter;
import org.stickwright.engine.fat.FileExtent;
import org.stickwright.engine.fat.FileTimes;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.iso.IsoEntry;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.iso.IsoTreeSink;
import org.stickwright.engine.part.FreshTables;
import org.stickwright.engine.part.GptPartitionEntry;
import org.stickwright.engine.part.GptTypes;
import org.stickwright.engine.part.LayoutDoesNotFitException;
import org.stickwright.engine.part.LayoutPlanner;
import org.stickwright.engine.part.Mbr;
import org.stickwright.engine.part.MbrPartitionEntry;
import org.stickwright.engine.part.MbrTypes;

/** {@code create --mode extract}: a FAT32 stick with the ISO's files and persistence image files. */
public final class ExtractJob implements CreateJob {
    private static final long MIB = 1L << 20;
    /** Room for what the job adds besides the tree and the stores (EFI loader copy, configs, syslinux). */
    private static final long SLACK = 8 * MIB;
    private static final long MIN_EXT4 = 16 * MIB;
    private static final Pattern PROFILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,15}");
    private static final Pattern ROOT_LABEL = Pattern.compile("root=live:(?:CD)?LABEL=\\S+");
    private static final Pattern GRUB_LABEL_SEARCH = Pattern.compile(
            "^(\\s*)search\\b(?=.*(?:\\s-l\\b|\\s--label\\b))(.*)$");
    /** archiso's medium by label: archisolabel= on kernel lines, img_label= for loop-mounted ISOs. */
    private static final Pattern ARCHISO_LABEL = Pattern.compile("\\b(archisolabel|img_label)=[^\\s\"';]+");
    private static final Pattern ARCHISO_SEARCH_UUID = Pattern.compile("\\barchisosearchuuid=[^\\s\"';]+");
    private static final String LOADER_CONF = "/loader/loader.conf";
    private static final String LOADER_ENTRIES = "/loader/entries";
    private static final Pattern GRUB_SET_VAR = Pattern.compile("--set(?:=|\\s+)([A-Za-z_][A-Za-z0-9_]*)");

    private final CreateRequest request;
    private final Progress progress;
    private final Cancellation cancellation;

    public ExtractJob(CreateRequest request, Progress progress, Cancellation cancellation) {
        this.request = request;
        this.progress = progress;
        this.cancellation = cancellation;
    }

    /** The planning state {@link #write} needs: every identifier is drawn here, once. */
    record Detail(String fatLabel, int fatSerial, int diskSignature, UUID diskGuid, List<UUID> partitionGuids,
            List<ExtractStores.Store> stores, PersistenceRecipe recipe, Instant time, long treeBytes,
            SyslinuxFiles syslinux) {
    }

    /** What verify() needs: the hashed ranges. */
    record Written(List<WrittenRanges.HashedRange> ranges) {
    }

    // ------------------------------------------------------------------------------ plan

    @Override
    public CreatePlan plan(long targetSize, int sectorSize) throws JobException {
        if (sectorSize <= 0 || MIB % sectorSize != 0) {
            throw new JobException(Outcome.BAD_INPUT, "sector size " + sectorSize + " is not a divisor of 1 MiB");
        }
        LiveFamily family;
        long treeBytes;
        long treeEntries;
        try (ImageFile file = ImageFile.openReadOnly(request.image())) {
            IsoImage iso = IsoImage.open(file);
            family = FamilyDetector.detect(iso);
            long bytes = 0;
            long entries = 0;
            for (IsoEntry entry : iso.walk()) {
                entries++;
                if (entry.isFile()) {
                    if (entry.size() > ExtractStores.FAT_FILE_LIMIT) {
                        throw new JobException(Outcome.BAD_INPUT, request.image() + ": " + entry.path() + " has "
                                + entry.size() + " bytes; FAT32 holds files below 4 GiB, so extract mode cannot copy it"
                                + " (use --mode hybrid)");
                    }
                    bytes += entry.size();
                }
            }
            treeBytes = bytes;
            treeEntries = entries;
        } catch (IOException e) {
            throw new JobException(Outcome.BAD_INPUT, "cannot read " + request.image() + " as an ISO 9660 image: "
                    + e.getMessage(), e);
        }
        if (request.dataFs() != CreateRequest.DataFs.FAT32) {
            throw new JobException(Outcome.BAD_INPUT, "--data-fs " + request.dataFs().name().toLowerCase(Locale.ROOT)
                    + ": in extract mode the FAT32 live partition is the data partition (any system reads and writes "
                    + "it); --data-fs chooses the data partition of hybrid mode only");
        }
        Family kind = family.family();
        if (kind == Family.UNKNOWN) {
            throw new JobException(Outcome.BAD_INPUT, request.image() + ": extract mode supports Fedora/dracut, Debian "
                    + "live-boot, Ubuntu casper, Arch archiso and SystemRescue images; this one is "
                    + kind.displayName() + " (try --mode hybrid)");
        }
        if (kind == Family.FEDORA_DRACUT && family.rootImageLayout() == RootImageLayout.UNRECOGNISED) {
            throw new JobException(Outcome.BAD_INPUT, request.image() + ": the dracut root image "
                    + family.rootImage() + " is neither a flat nor a nested squashfs/EROFS image");
        }
        if (request.keepPersistence()) {
            List<String> notes = new ArrayList<>();
            SyslinuxFiles syslinux = syslinux(sectorSize, notes);
            notes.add("--keep-persistence: the stick's partitions, FAT32 label and UUID and its persistence files stay; "
                    + "everything else on the FAT32 partition is replaced by this image's files");
            if (request.persistence() > 0 || request.home() > 0 || !request.profiles().isEmpty()) {
                notes.add("--keep-persistence keeps the stores as they are: the sizes given are not used");
            }
            Detail detail = new Detail(null, 0, 0, null, List.of(), List.of(), PersistenceRecipe.plain(),
                    request.identifiers().now(), treeBytes, syslinux);
            return new CreatePlan(request, family, targetSize, sectorSize, List.of(), List.of(), List.of(), notes, detail);
        }
        checkSizes();

        Identifiers ids = request.identifiers();
        String fatLabel = fatLabel(family);
        int serial = ids.serial();
        int diskSignature = ids.serial();
        UUID diskGuid = ids.uuid();
        String fatUuid = Fat32Formatter.serialText(serial);
        List<ExtractStores.Store> stores = new ArrayList<>();
        List<String> storeNotes = new ArrayList<>();
        PersistenceRecipe recipe = switch (kind) {
            case FEDORA_DRACUT -> fedoraStores(family, fatLabel, fatUuid, ids, stores);
            case DEBIAN_LIVE, ARCH_ARCHISO, SYSTEMRESCUE -> partitionStores(family, ids, stores, storeNotes);
            default -> ubuntuStores(ids, stores);
        };

        // Partitions: the FAT first (from 1 MiB), then one ext4 partition per store that needs one.
        List<ExtractStores.Store> partitionStores = stores.stream().filter(s -> !s.onFat()).toList();
        LayoutPlanner planner = request.gpt()
                ? LayoutPlanner.forGpt(targetSize, sectorSize, (128L * 128 + sectorSize - 1) / sectorSize)
                : LayoutPlanner.forMbr(targetSize, sectorSize);
        long partitionBytes = partitionStores.stream().mapToLong(s -> alignUp(s.size(), MIB)).sum();
        long fatLength = (planner.usableEndBytes() - MIB - partitionBytes) / MIB * MIB;
        int clusterSize = Math.max(Fat32Formatter.defaultClusterSize(Math.max(fatLength, 0)), sectorSize);
        long fileStoreBytes = stores.stream().filter(ExtractStores.Store::onFat).mapToLong(s -> alignUp(s.size(), clusterSize)).sum();
        long fatNeeded = alignUp(treeBytes + treeEntries * (long) clusterSize + fileStoreBytes + SLACK, MIB);
        // FAT tables (two copies, 4 bytes a cluster) and the 65525-cluster minimum of FAT32
        long tables = 2 * (Math.max(fatLength, 0) / clusterSize * 4) + MIB;
        long minimum = Math.max(fatNeeded + tables, 65_600L * clusterSize + tables);
        if (fatLength < minimum) {
            throw new JobException(Outcome.BAD_INPUT, String.format(Locale.ROOT,
                    "the target's %d bytes are too small: the FAT32 partition needs %d MiB for the ISO's files and the "
                            + "persistence files, and ext4 partitions take %d MiB", targetSize,
                    (minimum + MIB - 1) / MIB, partitionBytes / MIB));
        }
        List<LayoutPlanner.Request> requests = new ArrayList<>();
        requests.add(LayoutPlanner.Request.ofSize(fatLength));
        for (ExtractStores.Store store : partitionStores) {
            requests.add(LayoutPlanner.Request.ofSize(store.size()));
        }
        List<LayoutPlanner.Extent> extents;
        try {
            extents = planner.plan(0, requests);
        } catch (LayoutDoesNotFitException e) {
            throw new JobException(Outcome.BAD_INPUT, "the partitions do not fit the target: " + e.getMessage(), e);
        }
        List<CreatePlan.PlannedPartition> partitions = new ArrayList<>();
        partitions.add(new CreatePlan.PlannedPartition(1, extents.get(0).offset(), extents.get(0).length(), "live",
                "fat32", fatLabel));
        List<CreatePlan.PlannedFile> files = new ArrayList<>();
        List<UUID> partitionGuids = new ArrayList<>();
        partitionGuids.add(ids.uuid());
        for (int i = 0; i < partitionStores.size(); i++) {
            ExtractStores.Store store = partitionStores.get(i);
            partitions.add(new CreatePlan.PlannedPartition(i + 2, extents.get(i + 1).offset(), extents.get(i + 1).length(),
                    store.role(), "ext4", store.fsLabel()));
            partitionGuids.add(ids.uuid());
        }
        for (ExtractStores.Store store : stores) {
            if (store.onFat()) {
                files.add(new CreatePlan.PlannedFile(1, store.path(), store.size(), store.role()));
            }
        }
        List<String> entries = new ArrayList<>();
        for (PersistenceRecipe.Profile profile : recipe.profiles()) {
            entries.add(profile.titleSuffix());
        }
        entries.add(recipe.profiles().isEmpty() ? "live" : PersistenceRecipe.PLAIN_SUFFIX);
        List<String> notes = new ArrayList<>(storeNotes);
        SyslinuxFiles syslinux = syslinux(sectorSize, notes);
        if (!request.gpt() && partitions.size() > 4) {
            throw new JobException(Outcome.BAD_INPUT, partitions.size() + " partitions do not fit an MBR (4 at most): "
                    + "use --gpt, or fewer profiles");
        }
        if (kind == Family.DEBIAN_LIVE && !partitionStores.isEmpty()) {
            notes.add("Debian live-boot ignores persistence on the partition it boots from: its store is the ext4 "
                    + "partition labelled '" + partitionStores.get(0).fsLabel() + "' after the FAT32 partition");
        }
        if ((kind == Family.ARCH_ARCHISO || kind == Family.SYSTEMRESCUE) && !partitionStores.isEmpty()) {
            notes.add("archiso keeps its overlay in a directory of a Linux filesystem (FAT32 cannot be an overlayfs "
                    + "upper layer): cow_label=" + partitionStores.get(0).fsLabel() + " names the ext4 partition after "
                    + "the FAT32 one, cow_directory=" + HybridStores.COW_DIRECTORY + " the directory on it");
        }
        for (ExtractStores.Store store : stores) {
            if (store.kind() == ExtractStores.Kind.EXT4_PARTITION && (kind == Family.FEDORA_DRACUT
                    || kind == Family.UBUNTU_CASPER)) {
                notes.add(store.role() + " of " + store.size() + " bytes is 4 GiB or more: FAT32 cannot hold it as a "
                        + "file, so it is an ext4 partition");
            }
        }
        Detail detail = new Detail(fatLabel, serial, diskSignature, diskGuid, partitionGuids, stores, recipe,
                ids.now(), treeBytes, syslinux);
        return new CreatePlan(request, family, targetSize, sectorSize, partitions, files, entries, notes, detail);
    }

    /** SYSLINUX from --syslinux-dir or the host, or null (UEFI only), with the note saying which. */
    private SyslinuxFiles syslinux(int sectorSize, List<String> notes) throws JobException {
        SyslinuxFiles files;
        try {
            files = request.syslinuxDir() != null ? SyslinuxFiles.fromDirectory(request.syslinuxDir())
                    : SyslinuxFiles.fromHost().orElse(null);
        } catch (IOException e) {
            throw new JobException(Outcome.BAD_INPUT, "--syslinux-dir: " + e.getMessage(), e);
        }
        if (files == null) {
            notes.add("UEFI only: no SYSLINUX found (install Debian's syslinux and syslinux-common, or give "
                    + "--syslinux-dir), so BIOS firmware cannot boot this stick");
            return null;
        }
        if (sectorSize != SyslinuxInstaller.SECTOR) {
            notes.add("UEFI only: SYSLINUX boots FAT volumes of 512-byte sectors, this target has " + sectorSize);
            return null;
        }
        notes.add("BIOS: SYSLINUX " + files.version() + " from " + files.source() + " (its syslinux.cfg offers "
                + "the entries of the UEFI menu)");
        return files;
    }

    private void checkSizes() throws JobException {
        List<Long> sizes = new ArrayList<>();
        sizes.add(request.persistence());
        sizes.add(request.home());
        for (CreateRequest.Profile profile : request.profiles()) {
            if (!PROFILE_NAME.matcher(profile.name()).matches()) {
                throw new JobException(Outcome.BAD_INPUT, "--profile " + profile.name() + ": a profile name is 1-16 "
                        + "letters, digits, '.', '_' or '-', starting with a letter or digit");
            }
            if (profile.name().equalsIgnoreCase("persistence")) {
                throw new JobException(Outcome.BAD_INPUT, "--profile persistence: that name is the default store's");
            }
            if (profile.size() <= 0) {
                throw new JobException(Outcome.BAD_INPUT, "--profile " + profile.name() + ": needs a size, e.g. work=1G");
            }
            sizes.add(profile.size());
        }
        for (long size : sizes) {
            if (size < 0 || (size > 0 && size < MIN_EXT4)) {
                throw new JobException(Outcome.BAD_INPUT, "a persistence size of " + size + " bytes is too small: "
                        + "stores hold at least 16M");
            }
        }
        long distinct = request.profiles().stream().map(p -> p.name().toLowerCase(Locale.ROOT)).distinct().count();
        if (distinct != request.profiles().size()) {
            throw new JobException(Outcome.BAD_INPUT, "--profile names must differ");
        }
    }

    /** The FAT label: the user's, checked, or made from the ISO's volume id (upper case, ≤ 11). */
    private String fatLabel(LiveFamily family) throws JobException {
        if (request.label() != null) {
            String label = request.label().toUpperCase(Locale.ROOT);
            if (label.isEmpty() || label.length() > 11 || !label.chars().allMatch(ExtractJob::labelChar)
                    || label.startsWith(" ")) {
                throw new JobException(Outcome.BAD_INPUT, "--label " + request.label() + ": a FAT32 label is 1-11 "
                        + "letters, digits or -_!#$%&'()@^`{}~, not starting with a space");
            }
            return label;
        }
        StringBuilder derived = new StringBuilder();
        String volume = family.volumeLabel() == null ? "" : family.volumeLabel().toUpperCase(Locale.ROOT);
        for (int i = 0; i < volume.length() && derived.length() < 11; i++) {
            char c = volume.charAt(i);
            // Spaces in labels need escaping in udev's by-label names and kernel lines: use '_'.
            derived.append(c != ' ' && labelChar(c) ? c : '_');
        }
        String label = derived.toString().replaceAll("_+$", "");
        return label.isEmpty() ? "LIVE" : label;
    }

    private static boolean labelChar(int c) {
        return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == ' ' || "$%'-_@~`!(){}^#&".indexOf(c) >= 0;
    }

    private PersistenceRecipe fedoraStores(LiveFamily family, String fatLabel, String fatUuid, Identifiers ids,
            List<ExtractStores.Store> stores) throws JobException {
        String liveDir = family.kernelLines().stream().map(l -> l.value("rd.live.dir")).flatMap(Optional::stream)
                .findFirst().orElse("LiveOS");
        boolean nested = family.rootImageLayout() == RootImageLayout.NESTED_ROOTFS_IMG;
        List<PersistenceRecipe.Profile> profiles = new ArrayList<>();
        record Wanted(String role, String suffix, String name, long size, boolean useDefaultPath) {
        }
        List<Wanted> wanted = new ArrayList<>();
        if (request.persistence() > 0) {
            wanted.add(new Wanted("persistence", "persistent", "overlay-" + fatLabel + "-" + fatUuid,
                    request.persistence(), true));
        } else if (!request.profiles().isEmpty()) {
            throw new JobException(Outcome.BAD_INPUT, "--profile needs --persistence too: profiles are further stores "
                    + "beside the default one");
        }
        for (CreateRequest.Profile profile : request.profiles()) {
            wanted.add(new Wanted("profile:" + profile.name(), "persistent: " + profile.name(),
                    "overlay-" + profile.name(), profile.size(), false));
        }
        for (Wanted w : wanted) {
            String fatPath = "/" + liveDir + "/" + w.name();
            if (w.size() > ExtractStores.FAT_FILE_LIMIT) {
                UUID uuid = ids.uuid();
                stores.add(new ExtractStores.Store(w.role(), ExtractStores.Kind.EXT4_PARTITION, alignUp(w.size(), MIB),
                        null, ext4Label(w.role()), uuid, ExtractStores.dracutOverlayDirectory(liveDir, w.name())));
                profiles.add(fedoraProfile(w.suffix(), "rd.live.overlay=UUID=" + uuid + ":" + fatPath, true));
            } else if (nested) {
                stores.add(new ExtractStores.Store(w.role(), ExtractStores.Kind.DM_SNAPSHOT_FILE,
                        ExtractStores.fileSize(w.size()), fatPath, null, null, List.of()));
                profiles.add(fedoraProfile(w.suffix(), "rd.live.overlay=UUID=" + fatUuid
                        + (w.useDefaultPath() ? "" : ":" + fatPath), false));
            } else {
                stores.add(new ExtractStores.Store(w.role(), ExtractStores.Kind.EXT4_FILE,
                        ExtractStores.fileSize(w.size()), fatPath, ext4Label(w.role()), ids.uuid(),
                        ExtractStores.dracutEmbeddedOverlay()));
                profiles.add(fedoraProfile(w.suffix(), "rd.live.overlay=UUID=" + fatUuid
                        + (w.useDefaultPath() ? "" : ":" + fatPath), true));
            }
        }
        if (request.home() > 0) {
            if (request.home() > ExtractStores.FAT_FILE_LIMIT) {
                UUID uuid = ids.uuid();
                stores.add(new ExtractStores.Store("home", ExtractStores.Kind.EXT4_PARTITION, alignUp(request.home(), MIB),
                        null, "home", uuid, List.of()));
                List<PersistenceRecipe.Profile> withHome = new ArrayList<>();
                for (PersistenceRecipe.Profile p : profiles) {
                    List<String> add = new ArrayList<>(p.add());
                    add.add("persistenthome=UUID=" + uuid);
                    withHome.add(new PersistenceRecipe.Profile(p.titleSuffix(), add, p.remove()));
                }
                profiles = withHome;
            } else {
                stores.add(new ExtractStores.Store("home", ExtractStores.Kind.EXT4_FILE,
                        ExtractStores.fileSize(request.home()), "/" + liveDir + "/home.img", "home", ids.uuid(), List.of()));
            }
        }
        return new PersistenceRecipe("fedora", profiles, List.of("rd.live.check"));
    }

    private static PersistenceRecipe.Profile fedoraProfile(String suffix, String overlay, boolean overlayfs) {
        return overlayfs
                ? new PersistenceRecipe.Profile(suffix, List.of(overlay, "rd.live.overlay.overlayfs"), List.of())
                : new PersistenceRecipe.Profile(suffix, List.of(overlay), List.of("rd.live.overlay.overlayfs"));
    }

    /**
     * Debian, archiso and SystemRescue keep every store in ext4 partitions after the FAT32 one,
     * laid out exactly as hybrid mode lays them out (HybridStores): Debian's persistence
     * (label persistence, "/ union"), home (label home-rw, "/home", both labels in
     * persistence-label=) and one partition per profile labelled with the profile's name;
     * archiso's one partition labelled persistence with a cow directory per profile.
     */
    private PersistenceRecipe partitionStores(LiveFamily family, Identifiers ids, List<ExtractStores.Store> stores,
            List<String> notes) throws JobException {
        if (request.persistence() == 0) {
            if (!request.profiles().isEmpty() || request.home() > 0) {
                throw new JobException(Outcome.BAD_INPUT, (request.home() > 0 ? "--home" : "--profile")
                        + " needs --persistence too: they are further stores beside the default one");
            }
            return PersistenceRecipe.plain();
        }
        HybridStores.Decision decision = HybridStores.decide(family, request, request.persistence(), ids);
        for (HybridStores.Store store : decision.stores()) {
            stores.add(new ExtractStores.Store(store.role(), ExtractStores.Kind.EXT4_PARTITION, alignUp(store.size(), MIB),
                    null, store.label(), store.uuid(), store.entries()));
        }
        notes.addAll(decision.notes());
        return decision.recipe();
    }

    private PersistenceRecipe ubuntuStores(Identifiers ids, List<ExtractStores.Store> stores) throws JobException {
        if (!request.profiles().isEmpty()) {
            throw new JobException(Outcome.BAD_INPUT, "--profile: casper only looks for the label 'writable'; Ubuntu "
                    + "sticks cannot offer persistence profiles");
        }
        if (request.persistence() > 0) {
            stores.add(ubuntuStore("persistence", "writable", request.persistence(), ids));
        }
        if (request.home() > 0) {
            stores.add(ubuntuStore("home", "home-rw", request.home(), ids));
        }
        return request.persistence() > 0 ? PersistenceRecipe.ubuntu(List.of()) : PersistenceRecipe.plain();
    }

    private static ExtractStores.Store ubuntuStore(String role, String label, long size, Identifiers ids) {
        return size > ExtractStores.FAT_FILE_LIMIT
                ? new ExtractStores.Store(role, ExtractStores.Kind.EXT4_PARTITION, alignUp(size, MIB), null, label,
                        ids.uuid(), List.of())
                : new ExtractStores.Store(role, ExtractStores.Kind.EXT4_FILE, ExtractStores.fileSize(size), "/" + label,
                        label, ids.uuid(), List.of());
    }

    private static String ext4Label(String role) {
        String label = role.startsWith("profile:") ? "sw-" + role.substring(8) : role;
        return label.length() > 16 ? label.substring(0, 16) : label;
    }

    // ------------------------------------------------------------------------------ write

    @Override
    public Created write(CreatePlan plan, BlockDevice target) throws JobException {
        if (request.keepPersistence()) {
            return refresh(plan, target);
        }
        Detail detail = (Detail) plan.detail();
        long start = System.nanoTime();
        WrittenRanges out = new WrittenRanges(target);
        try (ImageFile isoFile = ImageFile.openReadOnly(request.image())) {
            IsoImage iso = IsoImage.open(isoFile);
            int sector = target.logicalSectorSize();
            if (sector != plan.sectorSize() || target.size() < plan.targetSize()) {
                throw new JobException(Outcome.BAD_INPUT, "the target changed since planning: " + target.size()
                        + " bytes of " + sector + "-byte sectors, planned " + plan.targetSize() + " of " + plan.sectorSize());
            }
            writeTables(plan, detail, out);
            CreatePlan.PlannedPartition live = plan.partitions().get(0);
            BlockDevice fat = out.slice(live.offset(), live.length());
            Fat32Formatter.format(fat, new Fat32FormatOptions(detail.fatLabel(), detail.fatSerial(), 0xF8,
                    live.offset() / sector, 0), detail.time(), ZoneOffset.UTC);
            FileTimes ours = FileTimes.of(detail.time());
            Map<ExtractStores.Store, FileExtent> fileExtents = new LinkedHashMap<>();
            ConfigEditor editor = new ConfigEditor(plan.family(), detail);
            try (FatWriter writer = FatWriter.open(fat, ZoneOffset.UTC)) {
                progress.startPhase("copy", detail.treeBytes());
                EditingSink sink = new EditingSink(new IsoTreeToFat(writer, isoFile), writer, editor,
                        detail.syslinux() != null);
                iso.extract(sink);
                copyMissingEfiFiles(plan.family(), isoFile, writer, editor, ours);
                editor.writeLoaderFiles(writer, ours);
                if (detail.syslinux() != null) {
                    writeSyslinuxFiles(writer, detail.syslinux(), editor, ours, sink.replacedBootSyslinux);
                }
                progress.startPhase("persistence", detail.stores().size());
                for (ExtractStores.Store store : detail.stores()) {
                    if (store.onFat()) {
                        String parent = store.path().substring(0, store.path().lastIndexOf('/'));
                        if (!parent.isEmpty() && writer.volume().stat(parent).isEmpty()) {
                            writer.mkdirs(parent, ours);
                        }
                        fileExtents.put(store, writer.allocateContiguous(store.path(), store.size(), ours));
                    }
                }
                writeManifest(writer, plan.family(), iso, isoFile, detail, ours);
            }
            if (detail.syslinux() != null) {
                installSyslinux(fat, detail.syslinux());
            }
            int partitionIndex = 1;
            for (ExtractStores.Store store : detail.stores()) {
                cancellation.check();
                if (store.onFat()) {
                    FileExtent extent = fileExtents.get(store);
                    makeStore(store, fat.slice(extent.deviceOffset(), extent.length()), detail);
                } else {
                    CreatePlan.PlannedPartition p = plan.partitions().get(partitionIndex++);
                    makeStore(store, out.slice(p.offset(), p.length()), detail);
                }
                progress.add(1);
            }
            out.flush();
            long total = out.ranges().stream().mapToLong(r -> r[1]).sum();
            progress.startPhase("hash", total);
            List<WrittenRanges.HashedRange> hashes = out.hash(target, progress, cancellation);
            return new Created(plan, out.bytesWritten(), System.nanoTime() - start, new Written(hashes));
        } catch (Cancellation.CancelledException e) {
            throw wiped(target, Outcome.CANCELLED, "cancelled", e);
        } catch (JobException e) {
            throw e.outcome() == Outcome.BAD_INPUT && out.bytesWritten() == 0 ? e : wiped(target, e.outcome(), e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw wiped(target, Outcome.IO_ERROR, e.getMessage(), e);
        }
    }

    /** The manifest a later --keep-persistence run reads (StickManifest). */
    private static void writeManifest(FatWriter writer, LiveFamily family, IsoImage iso, BlockDevice isoFile,
            Detail detail, FileTimes times) throws IOException {
        byte[] bytes = new StickManifest(family.family(), family.rootImage(), rootFingerprint(family, iso, isoFile),
                detail.stores(), detail.recipe()).toBytes();
        String dir = StickManifest.PATH.substring(0, StickManifest.PATH.lastIndexOf('/'));
        if (writer.volume().stat(dir).isEmpty()) {
            writer.mkdirs(dir, times);
        }
        writer.writeFile(StickManifest.PATH, bytes.length, new ByteArrayInputStream(bytes), times);
    }

    private static String rootFingerprint(LiveFamily family, IsoImage iso, BlockDevice isoFile) throws IOException {
        if (family.rootImage() == null) {
            return "-";
        }
        Optional<IsoEntry> root = iso.find(family.rootImage());
        if (root.isEmpty()) {
            return "-";
        }
        List<long[]> extents = root.get().extents().stream().map(e -> new long[] {e.offset(), e.length()}).toList();
        return StickManifest.fingerprint(isoFile, extents, root.get().size());
    }

    /**
     * --keep-persistence: on a stick this job made, keep the tables, the FAT32 volume (label,
     * UUID) and the stores the manifest lists; delete every other file on the FAT32 partition and
     * copy the new image's tree in, with the boot configurations made from the stick's recipe.
     */
    private Created refresh(CreatePlan plan, BlockDevice target) throws JobException {
        Detail planned = (Detail) plan.detail();
        long start = System.nanoTime();
        WrittenRanges out = new WrittenRanges(target);
        try (ImageFile isoFile = ImageFile.openReadOnly(request.image())) {
            IsoImage iso = IsoImage.open(isoFile);
            org.stickwright.engine.part.PartitionTables tables = org.stickwright.engine.part.PartitionTables.read(target);
            int sector = target.logicalSectorSize();
            if (tables.partitions().isEmpty()) {
                throw new JobException(Outcome.BAD_INPUT, target.name() + " has no partitions: not a stick made by "
                        + "extract mode; nothing was written");
            }
            var first = tables.partitions().get(0);
            BlockDevice fat = out.slice(first.firstLba() * sector, first.sectorCount() * sector);
            StickManifest manifest;
            String label;
            int serial;
            List<String> notes = new ArrayList<>(plan.notes());
            List<CreatePlan.PlannedFile> files = new ArrayList<>();
            try (FatFileSystem volume = FatFileSystem.open(fat, ZoneOffset.UTC)) {
                if (volume.stat(StickManifest.PATH).isEmpty()) {
                    throw new JobException(Outcome.BAD_INPUT, target.name() + ": no " + StickManifest.PATH
                            + " on its first partition, so it is not a stick made by extract mode; nothing was written");
                }
                manifest = StickManifest.parse(volume.readAllBytes(StickManifest.PATH));
                if (manifest.family() != plan.family().family()) {
                    throw new JobException(Outcome.BAD_INPUT, "the stick holds a " + manifest.family().displayName()
                            + " system, " + request.image() + " is " + plan.family().family().displayName()
                            + ": its persistence would not fit; nothing was written");
                }
                label = volume.volumeLabel().trim();
                serial = volume.volumeSerial();
                String newRoot = rootFingerprint(plan.family(), iso, isoFile);
                for (ExtractStores.Store store : manifest.stores()) {
                    if (store.onFat() && volume.stat(store.path()).isEmpty()) {
                        throw new JobException(Outcome.BAD_INPUT, "the manifest lists " + store.path()
                                + " but the stick has no such file; nothing was written");
                    }
                    if (store.onFat()) {
                        files.add(new CreatePlan.PlannedFile(1, store.path(), store.size(), store.role()));
                    }
                    if (store.kind() == ExtractStores.Kind.DM_SNAPSHOT_FILE && !newRoot.equals(manifest.rootFingerprint())) {
                        notes.add("warning: " + store.path() + " is a dm-snapshot store of changed blocks of the old "
                                + "root image; " + request.image() + " has a different one, so the kept changes will "
                                + "not apply (reset that store, e.g. `stickwright overlay reset`, before booting it)");
                    }
                }
                progress.startPhase("remove old live files", 0);
                removeAllBut(volume, manifest);
            }
            Detail detail = new Detail(label, serial, 0, null, List.of(), manifest.stores(), manifest.recipe(),
                    planned.time(), planned.treeBytes(), planned.syslinux());
            FileTimes ours = FileTimes.of(detail.time());
            ConfigEditor editor = new ConfigEditor(plan.family(), detail);
            try (FatWriter writer = FatWriter.open(fat, ZoneOffset.UTC)) {
                progress.startPhase("copy", detail.treeBytes());
                EditingSink sink = new EditingSink(new IsoTreeToFat(writer, isoFile), writer, editor,
                        detail.syslinux() != null);
                iso.extract(sink);
                copyMissingEfiFiles(plan.family(), isoFile, writer, editor, ours);
                editor.writeLoaderFiles(writer, ours);
                if (detail.syslinux() != null) {
                    writeSyslinuxFiles(writer, detail.syslinux(), editor, ours, sink.replacedBootSyslinux);
                }
                writeManifest(writer, plan.family(), iso, isoFile, detail, ours);
            }
            if (detail.syslinux() != null) {
                installSyslinux(fat, detail.syslinux());
                byte[] sector0 = out.readBytes(0, Mbr.SECTOR_SIZE);
                byte[] code = tables.scheme() == org.stickwright.engine.part.PartitionTables.Scheme.GPT
                        ? detail.syslinux().gptMbr() : detail.syslinux().mbr();
                System.arraycopy(code, 0, sector0, 0, code.length);
                out.writeBytes(0, sector0);
            }
            out.flush();
            progress.startPhase("hash", out.ranges().stream().mapToLong(r -> r[1]).sum());
            List<WrittenRanges.HashedRange> hashes = out.hash(target, progress, cancellation);
            List<CreatePlan.PlannedPartition> partitions = new ArrayList<>();
            for (var p : tables.partitions()) {
                partitions.add(new CreatePlan.PlannedPartition(p.number(), p.firstLba() * sector, p.sectorCount() * sector,
                        p.number() == 1 ? "live" : "kept", p.number() == 1 ? "fat32" : "kept", p.number() == 1 ? label : null));
            }
            List<String> entries = new ArrayList<>();
            manifest.recipe().profiles().forEach(p -> entries.add(p.titleSuffix()));
            entries.add(manifest.recipe().profiles().isEmpty() ? "live" : PersistenceRecipe.PLAIN_SUFFIX);
            CreatePlan done = new CreatePlan(request, plan.family(), plan.targetSize(), sector, partitions, files, entries,
                    notes, detail);
            return new Created(done, out.bytesWritten(), System.nanoTime() - start, new Written(hashes));
        } catch (Cancellation.CancelledException e) {
            throw wiped(target, Outcome.CANCELLED, "cancelled", e);
        } catch (JobException e) {
            throw e.outcome() == Outcome.BAD_INPUT && out.bytesWritten() == 0 ? e : wiped(target, e.outcome(), e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            if (out.bytesWritten() == 0) {
                throw new JobException(Outcome.BAD_INPUT, target.name() + " cannot be read as a stick made by extract "
                        + "mode: " + e.getMessage() + "; nothing was written", e);
            }
            throw wiped(target, Outcome.IO_ERROR, e.getMessage(), e);
        }
    }

    /** Deletes every file and directory of the volume except the manifest's stores and their parents. */
    private static void removeAllBut(FatFileSystem volume, StickManifest manifest) throws IOException {
        java.util.Set<String> keep = new java.util.HashSet<>();
        for (ExtractStores.Store store : manifest.stores()) {
            if (store.onFat()) {
                String path = store.path().toUpperCase(Locale.ROOT);
                keep.add(path);
                for (int i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
                    keep.add(path.substring(0, i));
                }
            }
        }
        List<String> files = new ArrayList<>();
        List<String> directories = new ArrayList<>();
        volume.walk((path, entry) -> {
            boolean volumeLabel = (entry.attributes() & org.stickwright.engine.fat.FatEntry.ATTR_VOLUME_ID) != 0
                    && !entry.isDirectory();
            if (!volumeLabel && !keep.contains(path.toUpperCase(Locale.ROOT))) {
                (entry.isDirectory() ? directories : files).add(path);
            }
        });
        for (String file : files) {
            volume.delete(file);
        }
        directories.sort(java.util.Comparator.comparingInt(String::length).reversed());
        for (String directory : directories) {
            volume.delete(directory);
        }
    }

    private static final String LDLINUX_SYS = "/ldlinux.sys";

    /**
     * Patches the boot sector and ldlinux.sys for their sectors, then marks ldlinux.sys read-only,
     * hidden and system as SYSLINUX's installer does: the loader finds itself by the sectors
     * patched in, so a defragmenter or a user must not move or delete it.
     */
    private static void installSyslinux(BlockDevice fat, SyslinuxFiles files) throws IOException {
        try (FatFileSystem volume = FatFileSystem.open(fat, ZoneOffset.UTC)) {
            SyslinuxInstaller.install(fat, volume.extents(LDLINUX_SYS), files);
            int attributes = volume.stat(LDLINUX_SYS).orElseThrow().attributes();
            volume.setAttributes(LDLINUX_SYS, attributes | org.stickwright.engine.fat.FatEntry.ATTR_READ_ONLY
                    | org.stickwright.engine.fat.FatEntry.ATTR_HIDDEN | org.stickwright.engine.fat.FatEntry.ATTR_SYSTEM);
        }
    }
    private static final String SYSLINUX_CFG = "/syslinux/syslinux.cfg";
    private static final String BOOT_SYSLINUX_CFG = "/boot/syslinux/syslinux.cfg";
    private static final String BOOT_LDLINUX_C32 = "/boot/syslinux/ldlinux.c32";
    /** Files of an ISO's /boot/syslinux (archiso) that our SYSLINUX replaces rather than refuses. */
    private static final java.util.Set<String> BOOT_SYSLINUX_OWNED = java.util.Set.of(BOOT_SYSLINUX_CFG, BOOT_LDLINUX_C32);

    /**
     * ldlinux.sys (patched for its sectors after the FAT is closed), its second stage beside it,
     * and a syslinux.cfg offering the entries of the GRUB menu UEFI boots.
     */
    private static void writeSyslinuxFiles(FatWriter writer, SyslinuxFiles files, ConfigEditor editor, FileTimes times,
            boolean bootSyslinuxReplaced) throws IOException {
        for (String taken : List.of(LDLINUX_SYS, "/ldlinux.c32", BOOT_SYSLINUX_CFG, SYSLINUX_CFG)) {
            if (writer.volume().stat(taken).isPresent()) {
                throw new IOException("the ISO has its own " + taken + "; extract mode cannot install SYSLINUX beside it");
            }
        }
        byte[] sys = SyslinuxInstaller.ldlinuxFile(files);
        writer.writeFile(LDLINUX_SYS, sys.length, new ByteArrayInputStream(sys), times);
        writer.writeFile("/ldlinux.c32", files.ldlinuxC32().length, new ByteArrayInputStream(files.ldlinuxC32()), times);
        byte[] cfg = editor.biosMenu().getBytes(StandardCharsets.UTF_8);
        if (bootSyslinuxReplaced) {
            // archiso's /boot/syslinux: SYSLINUX looks there before /syslinux, and its modules would
            // not match our loader's version, so our menu and second stage take those places
            writer.writeFile(BOOT_SYSLINUX_CFG, cfg.length, new ByteArrayInputStream(cfg), times);
            writer.writeFile(BOOT_LDLINUX_C32, files.ldlinuxC32().length, new ByteArrayInputStream(files.ldlinuxC32()),
                    times);
            return;
        }
        if (writer.volume().stat("/syslinux").isEmpty()) {
            writer.mkdirs("/syslinux", times);
        }
        writer.writeFile(SYSLINUX_CFG, cfg.length, new ByteArrayInputStream(cfg), times);
    }

    private static JobException wiped(BlockDevice target, Outcome outcome, String message, Exception cause) {
        try {
            FreshTables.wipe(target);
            target.flush();
            return new JobException(outcome, message + "; the target's partition tables were wiped", cause);
        } catch (IOException e) {
            cause.addSuppressed(e);
            return new JobException(outcome, message + "; wiping the target's partition tables failed too: "
                    + e.getMessage(), cause);
        }
    }

    private void writeTables(CreatePlan plan, Detail detail, BlockDevice out) throws IOException {
        int sector = plan.sectorSize();
        if (request.gpt()) {
            List<GptPartitionEntry> entries = new ArrayList<>();
            for (CreatePlan.PlannedPartition p : plan.partitions()) {
                boolean live = p.number() == 1;
                entries.add(new GptPartitionEntry(live ? GptTypes.MICROSOFT_BASIC_DATA : GptTypes.LINUX_FILESYSTEM,
                        detail.partitionGuids().get(p.number() - 1), p.offset() / sector,
                        (p.offset() + p.length()) / sector - 1, live ? GptPartitionEntry.LEGACY_BIOS_BOOTABLE : 0,
                        live ? p.label() : p.role()));
            }
            FreshTables.writeGpt(out, detail.diskGuid(), entries);
            if (detail.syslinux() != null) {
                // gptmbr.bin finds the partition with the legacy-BIOS-bootable attribute
                byte[] sector0 = out.readBytes(0, Mbr.SECTOR_SIZE);
                System.arraycopy(detail.syslinux().gptMbr(), 0, sector0, 0, detail.syslinux().gptMbr().length);
                out.writeBytes(0, sector0);
            }
        } else {
            List<MbrPartitionEntry> entries = new ArrayList<>();
            for (CreatePlan.PlannedPartition p : plan.partitions()) {
                boolean live = p.number() == 1;
                entries.add(MbrPartitionEntry.of(live ? MbrTypes.FAT32_LBA : MbrTypes.LINUX, p.offset() / sector,
                        p.length() / sector, live));
            }
            byte[] code = new byte[Mbr.BOOT_CODE_SIZE];
            if (detail.syslinux() != null) {
                // mbr.bin chain-loads the active partition's boot sector: the FAT one
                System.arraycopy(detail.syslinux().mbr(), 0, code, 0, detail.syslinux().mbr().length);
            }
            FreshTables.writeMbr(out, Mbr.fresh(code, detail.diskSignature() & 0xFFFF_FFFFL, entries));
        }
    }

    /** Writes a store's format into its file or partition: metadata only, whatever its size. */
    private static void makeStore(ExtractStores.Store store, BlockDevice space, Detail detail) throws IOException {
        if (store.kind() == ExtractStores.Kind.DM_SNAPSHOT_FILE) {
            space.write(ByteBuffer.allocate(ExtractStores.DM_STORE_HEADER), 0);
            return;
        }
        Ext4Options options = Ext4Options.labelled(store.fsLabel()).withUuid(store.fsUuid()).withReservedPercent(0)
                .withCreationTime(detail.time()).withEntries(store.entries());
        Ext4Formatter.format(space, options);
    }

    /**
     * Copies what the EFI image holds and the tree does not (Debian: the loader exists only inside
     * boot/grub/efi.img), so the FAT partition boots on UEFI by itself.
     */
    private void copyMissingEfiFiles(LiveFamily family, BlockDevice iso, FatWriter writer, ConfigEditor editor,
            FileTimes times) throws IOException {
        if (family.efi().isEmpty()) {
            return;
        }
        var efi = family.efi().get();
        if (efi.offset() < 0 || efi.length() <= 0 || efi.offset() + efi.length() > iso.size()) {
            return;
        }
        try (FatFileSystem image = FatFileSystem.open(iso.slice(efi.offset(), efi.length()), ZoneOffset.UTC)) {
            List<String[]> found = new ArrayList<>();
            image.walk((path, entry) -> found.add(new String[] {path, entry.isDirectory() ? "d" : "f"}));
            for (String[] item : found) {
                String path = item[0];
                if (writer.volume().stat(path).isPresent()) {
                    continue;
                }
                if (item[1].equals("d")) {
                    writer.mkdirs(path, times);
                } else if (editor.defers(path)) {
                    editor.defer(path, image.readAllBytes(path));
                } else {
                    byte[] content = editor.edit(path, image.readAllBytes(path));
                    writer.writeFile(path, content.length, new ByteArrayInputStream(content), times);
                }
            }
        }
    }

    /** Passes the ISO tree to the FAT copier, rewriting boot configurations on the way. */
    private final class EditingSink implements IsoTreeSink {
        private final IsoTreeToFat copier;
        private final FatWriter writer;
        private final ConfigEditor editor;

        private final boolean bootSyslinuxReplaced;
        private boolean replacedBootSyslinux;

        /** @param installsSyslinux whether our SYSLINUX goes onto the stick (then the ISO's loses its place) */
        EditingSink(IsoTreeToFat copier, FatWriter writer, ConfigEditor editor, boolean installsSyslinux) {
            this.copier = copier;
            this.writer = writer;
            this.editor = editor;
            this.bootSyslinuxReplaced = installsSyslinux;
        }

        @Override
        public void directory(IsoEntry directory) throws IOException {
            cancellation.check();
            copier.directory(directory);
        }

        @Override
        public void file(IsoEntry file, InputStream content) throws IOException {
            cancellation.check();
            if (editor.defers(file.path())) {
                editor.defer(file.path(), content.readAllBytes());
            } else if (bootSyslinuxReplaced && BOOT_SYSLINUX_OWNED.contains(file.path().toLowerCase(Locale.ROOT))) {
                // archiso's own SYSLINUX files: ours replace them (see writeSyslinuxFiles)
                content.transferTo(OutputStream.nullOutputStream());
                replacedBootSyslinux = true;
            } else if (editor.edits(file.path())) {
                byte[] edited = editor.edit(file.path(), content.readAllBytes());
                Instant modified = file.modified() == null ? Instant.EPOCH : file.modified();
                writer.writeFile(file.path(), edited.length, new ByteArrayInputStream(edited),
                        new FileTimes(modified, modified, file.accessed() == null ? modified : file.accessed()));
            } else {
                copier.file(file, content);
            }
            progress.add(file.size());
        }

        @Override
        public void symlink(IsoEntry link, String target) {
            copier.symlink(link, target);
        }

        @Override
        public void finish() throws IOException {
            copier.finish();
        }
    }

    /**
     * Rewrites a boot configuration for the FAT partition: dracut's root=live:CDLABEL=&lt;ISO&gt;
     * becomes root=live:UUID=&lt;FAT serial&gt;, GRUB's search by label searches by that UUID,
     * then the family's recipe adds the persistent entries (the original stays as the plain one).
     */
    static final class ConfigEditor {
        private final Map<String, BootConfig.Loader> loaders = new HashMap<>();
        private final String fatUuid;
        private final PersistenceRecipe recipe;
        private final Map<String, byte[]> editedGrub = new LinkedHashMap<>();
        private final String fatLabel;
        private final boolean archiso;
        private final boolean systemdBoot;
        /** systemd-boot's files, held back until the whole tree is copied: their edit needs them all. */
        private final Map<String, byte[]> loaderFiles = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        private final List<byte[]> editedLoaderEntries = new ArrayList<>();

        ConfigEditor(LiveFamily family, Detail detail) {
            this.fatUuid = Fat32Formatter.serialText(detail.fatSerial());
            this.fatLabel = detail.fatLabel();
            this.recipe = detail.recipe();
            this.archiso = family.family() == Family.ARCH_ARCHISO || family.family() == Family.SYSTEMRESCUE;
            boolean loaderEntries = false;
            for (BootConfig config : family.bootConfigs()) {
                loaderEntries |= config.loader() == BootConfig.Loader.SYSTEMD_BOOT;
                if (config.loader() == BootConfig.Loader.SYSLINUX && config.read() && config.kernelLines().isEmpty()) {
                    // menus of other things (archiso_tail.cfg's chain.c32, isolinux.cfg's CONFIG):
                    // nothing to relabel, and a persistent copy of them would boot no live system
                    continue;
                }
                loaders.put(config.path().toLowerCase(Locale.ROOT), config.loader());
            }
            this.systemdBoot = loaderEntries;
        }

        boolean edits(String path) {
            BootConfig.Loader loader = loaders.get(path.toLowerCase(Locale.ROOT));
            return loader == BootConfig.Loader.GRUB || loader == BootConfig.Loader.SYSLINUX;
        }

        /** systemd-boot's loader.conf and entries: written by {@link #writeLoaderFiles} once all are known. */
        boolean defers(String path) {
            String lower = path.toLowerCase(Locale.ROOT);
            return systemdBoot && (lower.equals(LOADER_CONF)
                    || lower.startsWith(LOADER_ENTRIES + "/") && lower.endsWith(".conf") && lower.indexOf('/', LOADER_ENTRIES.length() + 1) < 0);
        }

        /** Keeps a systemd-boot file for later; the ISO tree's copy wins over the EFI image's. */
        void defer(String path, byte[] content) {
            loaderFiles.putIfAbsent(path, content);
        }

        /**
         * Writes systemd-boot's files relabelled for the FAT32 partition, with one entry per
         * profile and loader.conf's default on the first (SystemdBootConfig), as systemd-boot
         * reads them from the partition it started from.
         */
        void writeLoaderFiles(FatWriter writer, FileTimes times) throws IOException {
            if (loaderFiles.isEmpty()) {
                return;
            }
            Map<String, byte[]> entries = new java.util.TreeMap<>();
            byte[] loaderConf = new byte[0];
            for (Map.Entry<String, byte[]> e : loaderFiles.entrySet()) {
                byte[] relabelled = relabel(new String(e.getValue(), StandardCharsets.ISO_8859_1), false)
                        .getBytes(StandardCharsets.ISO_8859_1);
                if (e.getKey().equalsIgnoreCase(LOADER_CONF)) {
                    loaderConf = relabelled;
                } else {
                    entries.put(e.getKey().substring(LOADER_ENTRIES.length() + 1), relabelled);
                }
            }
            SystemdBootConfig.Edit edit;
            try {
                edit = entries.isEmpty() ? new SystemdBootConfig.Edit(new java.util.TreeMap<>(), loaderConf, List.of())
                        : SystemdBootConfig.withPersistence(entries, loaderConf, recipe);
            } catch (BootConfigException e) {
                throw new IOException("cannot edit " + LOADER_ENTRIES + ": " + e.getMessage(), e);
            }
            if (!edit.entries().isEmpty() && writer.volume().stat(LOADER_ENTRIES).isEmpty()) {
                writer.mkdirs(LOADER_ENTRIES, times);
            }
            String defaultName = edit.entries().isEmpty() ? null
                    : SystemdBootConfig.defaultEntryName(edit.entries(), edit.loaderConf());
            if (defaultName != null) {
                editedLoaderEntries.add(edit.entries().get(defaultName));
            }
            for (Map.Entry<String, byte[]> e : edit.entries().entrySet()) {
                writer.writeFile(LOADER_ENTRIES + "/" + e.getKey(), e.getValue().length,
                        new ByteArrayInputStream(e.getValue()), times);
                if (!e.getKey().equals(defaultName)) {
                    editedLoaderEntries.add(e.getValue());
                }
            }
            for (String path : loaderFiles.keySet()) {
                if (path.equalsIgnoreCase(LOADER_CONF)) {
                    writer.writeFile(path, edit.loaderConf().length, new ByteArrayInputStream(edit.loaderConf()), times);
                }
            }
        }

        byte[] edit(String path, byte[] content) throws IOException {
            BootConfig.Loader loader = loaders.get(path.toLowerCase(Locale.ROOT));
            if (loader == null) {
                return content;
            }
            String text = new String(content, StandardCharsets.ISO_8859_1);
            String relabelled = relabel(text, loader == BootConfig.Loader.GRUB);
            byte[] bytes = relabelled.getBytes(StandardCharsets.ISO_8859_1);
            try {
                if (loader == BootConfig.Loader.GRUB) {
                    GrubConfig grub = GrubConfig.parse(bytes);
                    byte[] edited = grub.entries().stream().anyMatch(e -> !e.submenu()) ? grub.withPersistence(recipe) : bytes;
                    editedGrub.put(path, edited);
                    return edited;
                }
                if (loader == BootConfig.Loader.SYSLINUX) {
                    SyslinuxConfig syslinux = SyslinuxConfig.parse(bytes);
                    // A label list included from isolinux.cfg (Debian's live.cfg) has no `default`
                    // of its own: the editor then takes its first label, which is the default one.
                    return syslinux.labels().isEmpty() ? bytes : syslinux.withPersistence(recipe, Optional.empty());
                }
            } catch (BootConfigException e) {
                throw new IOException("cannot edit " + path + ": " + e.getMessage(), e);
            }
            return bytes;
        }

        /**
         * The syslinux.cfg offering the menu UEFI boots, as edited: from /EFI/BOOT/grub.cfg when it
         * has kernel entries (Fedora), else from the edited GRUB configuration with the most
         * (Debian's /boot/grub/grub.cfg, SystemRescue's grubsrcd.cfg), else from systemd-boot's
         * entries (Arch).
         */
        String biosMenu() throws IOException {
            byte[] best = null;
            int most = 0;
            for (Map.Entry<String, byte[]> e : editedGrub.entrySet()) {
                int entries = SyslinuxMenu.entries(e.getValue()).size();
                if (e.getKey().equalsIgnoreCase("/EFI/BOOT/grub.cfg") && entries > 0) {
                    return SyslinuxMenu.fromGrub(e.getValue());
                }
                if (entries > most) {
                    most = entries;
                    best = e.getValue();
                }
            }
            if (best != null) {
                return SyslinuxMenu.fromGrub(best);
            }
            if (!editedLoaderEntries.isEmpty()) {
                // archiso: systemd-boot's entries, the default (persistent) one first
                return SyslinuxMenu.fromLoaderEntries(editedLoaderEntries, 5);
            }
            throw new IOException("no GRUB configuration or systemd-boot entry with a kernel to make syslinux.cfg from");
        }

        String relabel(String text, boolean grub) {
            String out = ROOT_LABEL.matcher(text).replaceAll(Matcher.quoteReplacement("root=live:UUID=" + fatUuid));
            if (archiso) {
                // archiso mounts /dev/disk/by-label/<archisolabel> (or img_label), or searches for
                // the partition holding /boot/<archisosearchuuid>.uuid: point both at the FAT32
                // partition itself (archisodevice= takes a UUID= tag, hooks/archiso _mnt_dev).
                String byLabel = fatLabel.indexOf(' ') < 0 ? fatLabel : null;
                out = ARCHISO_LABEL.matcher(out).replaceAll(m -> Matcher.quoteReplacement(byLabel != null
                        ? m.group(1) + "=" + byLabel : "archisodevice=UUID=" + fatUuid));
                out = ARCHISO_SEARCH_UUID.matcher(out).replaceAll(Matcher.quoteReplacement("archisodevice=UUID=" + fatUuid));
            }
            if (!grub) {
                return out;
            }
            StringBuilder result = new StringBuilder();
            for (String line : out.split("(?<=\n)", -1)) {
                String body = line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
                String eol = line.substring(body.length());
                String cr = body.endsWith("\r") ? "\r" : "";
                body = body.substring(0, body.length() - cr.length());
                Matcher m = GRUB_LABEL_SEARCH.matcher(body);
                if (m.matches()) {
                    Matcher var = GRUB_SET_VAR.matcher(m.group(2));
                    String name = var.find() ? var.group(1) : "root";
                    body = m.group(1) + "search --no-floppy --set=" + name + " --fs-uuid " + fatUuid;
                }
                result.append(body).append(cr).append(eol);
            }
            return result.toString();
        }
    }

    // ------------------------------------------------------------------------------ verify

    @Override
    public void verify(Created created, BlockDevice readBack) throws JobException {
        Written written = (Written) created.detail();
        long total = written.ranges().stream().mapToLong(WrittenRanges.HashedRange::length).sum();
        progress.startPhase("verify", total);
        try {
            for (WrittenRanges.HashedRange range : written.ranges()) {
                int[] actual = WrittenRanges.checksums(readBack, range.offset(), range.length(), progress, cancellation);
                long differs = range.firstDifference(actual);
                if (differs >= 0) {
                    throw new JobException(Outcome.VERIFY_MISMATCH, String.format(Locale.ROOT,
                            "read-back of %s differs from what was written in the 4 MiB from byte %d (written range "
                                    + "%d..%d)", readBack.name(), differs, range.offset(), range.offset() + range.length()));
                }
            }
        } catch (Cancellation.CancelledException e) {
            throw new JobException(Outcome.CANCELLED, "verification cancelled; the stick was written but not verified", e);
        } catch (IOException e) {
            throw new JobException(Outcome.IO_ERROR, "reading " + readBack.name() + " back failed: " + e.getMessage(), e);
        }
    }

    private static long alignUp(long value, long unit) {
        return (value + unit - 1) / unit * unit;
    }
}
