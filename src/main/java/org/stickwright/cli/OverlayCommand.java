package org.stickwright.cli;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.stickwright.engine.ext.Ext4EditRefusedException;
import org.stickwright.engine.ext.Ext4Editor;
import org.stickwright.engine.ext.Ext4Entry;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Grower;
import org.stickwright.engine.ext.Ext4Inode;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.ext.Ext4Populator;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.ext.Ext4Usage;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.iso.IsoRebuildException;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;
import org.stickwright.engine.job.Sizes;
import org.stickwright.engine.overlay.DmSnapshotEditor;
import org.stickwright.engine.overlay.DmSnapshotException;
import org.stickwright.engine.overlay.DmSnapshotStore;
import org.stickwright.engine.overlay.FatStoreFile;
import org.stickwright.engine.overlay.LiveRootSquashfs;
import org.stickwright.engine.overlay.MergedFlatLiveImage;
import org.stickwright.engine.overlay.MergedLiveIso;
import org.stickwright.engine.overlay.NestedRootfs;
import org.stickwright.engine.overlay.OverlayDirectoryBackup;
import org.stickwright.engine.overlay.OverlayDirectoryTar;
import org.stickwright.engine.overlay.OverlayTarReader;
import org.stickwright.engine.overlay.OverlayfsUpper;
import org.stickwright.engine.overlay.PersistenceStores;
import org.stickwright.engine.overlay.PersistenceStores.Found;
import org.stickwright.engine.overlay.PersistenceStores.Kind;
import org.stickwright.engine.overlay.TarFormatException;
import org.stickwright.engine.part.PartitionGrower;
import org.stickwright.engine.squashfs.SquashfsSuperblock;
import org.stickwright.platform.linux.LinuxRawDisk;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZInputStream;
import org.tukaani.xz.XZOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code stickwright overlay inspect|resize|reset|recover|export|import}: the persistence
 * stores of a stick, found by looking at it ({@link PersistenceStores}), inspected and edited
 * offline. Every command that writes checks first, asks (or {@code --yes}), and on failure
 * leaves the store as it was: a resize writes a new file before it removes the old one, reset
 * and recover change only the header, import checks size and kind before its first write. A
 * reset of an overlayfs directory store (hybrid Fedora and archiso stores sharing one ext4
 * partition) empties its upper and work directories in place with {@link Ext4Editor}: every
 * check runs before the first write, and an I/O failure mid-way leaves the store unreachable
 * or partly emptied with leaked blocks and inodes that e2fsck frees, never a cross-link.
 */
@Command(name = "overlay", mixinStandardHelpOptions = true,
        description = "Inspect and repair the persistence stores of a live stick, offline.",
        subcommands = {OverlayCommand.Inspect.class, OverlayCommand.Resize.class, OverlayCommand.Reset.class,
                OverlayCommand.Recover.class, OverlayCommand.Merge.class, OverlayCommand.Export.class,
                OverlayCommand.Import.class})
final class OverlayCommand implements Runnable {
    static final String EXPORT_MAGIC = "STICKWRIGHT-STORE 1";

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                "name a subcommand: inspect, resize, reset, recover, merge, export, import");
    }

    /** Options every overlay subcommand shares. */
    abstract static class Base implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "TARGET", description = "The stick (/dev/sdX), a disk image, or a store file.")
        Path target;

        @Option(names = "--profile", paramLabel = "NAME", description = "Which store (its file/directory name or label).")
        String profile;

        @Option(names = "--json", description = "Print JSON lines (result, error).")
        boolean json;

        Output output;
        /** The last result's fields and words, for {@link OverlayOperations}. */
        Map<String, Object> resultFields;
        String resultText;

        @Override
        public Integer call() {
            output = new Output(json);
            try {
                return run();
            } catch (JobException e) {
                return output.error(e);
            } catch (org.stickwright.engine.io.FormatException e) {
                return output.error(new JobException(Outcome.BAD_INPUT, e.getMessage(), e));
            } catch (Ext4EditRefusedException e) {
                return output.error(new JobException(Outcome.REFUSED, e.getMessage() + "; nothing was written", e));
            } catch (IOException e) {
                return output.error(new JobException(Outcome.IO_ERROR, e.getMessage(), e));
            }
        }

        abstract int run() throws JobException, IOException;

        /** A warning event (JSON) or line on standard error; the job goes on. */
        void warn(String warning) {
            if (output.json()) {
                output.event("warning", Map.of("message", warning));
            } else {
                System.err.println("stickwright: warning: " + warning);
            }
        }

        boolean blockDevice() {
            return target.toString().startsWith("/dev/");
        }

        BlockDevice openReadOnly() throws JobException {
            try {
                return blockDevice() ? LinuxRawDisk.openReadOnly(target) : ImageFile.openReadOnly(target);
            } catch (IOException e) {
                throw new JobException(Outcome.BAD_INPUT, "cannot read " + target + ": " + e.getMessage(), e);
            }
        }

        /** The safety rules of design §5, then the target opened for writing. */
        BlockDevice openForWriting(boolean unmount) throws JobException {
            TargetOpener opener = new TargetOpener(target, -1, false, unmount);
            opener.vetExisting();
            return opener.open();
        }

        /** The one store this command acts on: {@code --profile}, or the only one of the kinds. */
        Found select(List<Found> stores, List<Kind> kinds) throws JobException {
            List<Found> candidates = new ArrayList<>();
            for (Found store : stores) {
                boolean named = profile == null || profile.equals(store.profile()) || profile.equals(store.path());
                if (named && (kinds.isEmpty() || kinds.contains(store.kind()))) {
                    candidates.add(store);
                }
            }
            if (candidates.size() == 1) {
                return candidates.get(0);
            }
            List<String> names = stores.stream().map(s -> s.profile() + " (" + s.kind() + ")").toList();
            if (candidates.isEmpty()) {
                throw new JobException(Outcome.BAD_INPUT, "no store " + (profile == null ? "" : "'" + profile + "' ")
                        + "that this command handles (" + kinds + ") on " + target + "; found: " + names);
            }
            throw new JobException(Outcome.BAD_INPUT, "several stores on " + target + ": choose one with --profile: "
                    + names);
        }

        /** The store file's bytes as a device: in place on FAT, or the whole target. */
        static BlockDevice storeDevice(BlockDevice disk, Found store, List<AutoCloseable> toClose) throws IOException {
            BlockDevice volume = store.partition() == 0 ? disk : disk.slice(store.volumeOffset(), store.volumeBytes());
            if (store.path().equals("/")) {
                return volume;
            }
            if (!store.filesystem().equals("fat")) {
                throw new DmSnapshotException("editing a store file inside " + store.filesystem()
                        + " in place is not supported; found " + store.path() + " on partition " + store.partition());
            }
            FatFileSystem fs = FatFileSystem.open(volume);
            toClose.add(0, fs);
            return FatStoreFile.open(fs, volume, store.path());
        }

            /**
         * The bytes a backup holds: the store file as {@link #storeDevice} opens it, or, for a
         * live-boot {@code persistence} or casper {@code writable} volume, the whole partition.
         */
        static BlockDevice backupDevice(BlockDevice disk, Found store, List<AutoCloseable> toClose)
                throws IOException {
            if (wholeVolume(store)) {
                return disk.slice(store.volumeOffset(), store.volumeBytes());
            }
            return storeDevice(disk, store, toClose);
        }

        /** A store that is a partition of its own (its upper directory lives in that file system). */
        static boolean wholeVolume(Found store) {
            return (store.kind() == Kind.LIVE_BOOT_PERSISTENCE || store.kind() == Kind.CASPER_WRITABLE)
                    && store.filesystem().equals("ext4");
        }

        static void closeAll(List<AutoCloseable> toClose) throws IOException {
            for (AutoCloseable c : toClose) {
                try {
                    c.close();
                } catch (IOException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }
        }

        void result(Map<String, Object> fields, String text) {
            resultFields = new LinkedHashMap<>(fields);
            resultText = text;
            if (output.json()) {
                Map<String, Object> all = new LinkedHashMap<>();
                all.put("outcome", "done");
                all.putAll(fields);
                output.event("result", all);
            } else {
                output.say(text);
            }
        }
    }

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = "Every persistence store: kind, size, usage (dm-snapshot: as dmsetup status), state, changes.")
    static final class Inspect extends Base {
        @Override
        int run() throws JobException, IOException {
            List<Map<String, Object>> reports = new ArrayList<>();
            StringBuilder text = new StringBuilder();
            try (BlockDevice disk = openReadOnly()) {
                List<Found> stores = PersistenceStores.find(disk, !blockDevice());
                for (Found store : stores) {
                    if (profile != null && !profile.equals(store.profile()) && !profile.equals(store.path())) {
                        continue;
                    }
                    Map<String, Object> report = describe(disk, store);
                    reports.add(report);
                    text.append(render(report)).append('\n');
                }
            }
            if (reports.isEmpty()) {
                text.append("No persistence store found on ").append(target).append('.');
            }
            result(Map.of("target", target.toString(), "stores", reports), text.toString().stripTrailing());
            return 0;
        }

        private static Map<String, Object> describe(BlockDevice disk, Found store) throws IOException {
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("profile", store.profile());
            r.put("kind", store.kind().name().toLowerCase());
            r.put("partition", store.partition());
            r.put("filesystem", store.filesystem());
            r.put("volumeLabel", store.volumeLabel());
            r.put("path", store.path());
            r.put("sizeBytes", store.sizeBytes());
            List<AutoCloseable> toClose = new ArrayList<>();
            try {
                switch (store.kind()) {
                    case DM_SNAPSHOT_FILE -> {
                        if (!store.filesystem().equals("fat") && !store.path().equals("/")) {
                            r.put("state", "not read: store files on " + store.filesystem() + " are listed only");
                            break;
                        }
                        DmSnapshotStore dm = DmSnapshotStore.read(storeDevice(disk, store, toClose));
                        r.put("state", dm.state() == DmSnapshotStore.State.VALID && dm.full() ? "full"
                                : dm.state().name().toLowerCase());
                        r.put("chunkSectors", dm.chunkSectors());
                        r.put("exceptions", dm.exceptionCount());
                        r.put("allocatedSectors", dm.allocatedSectors());
                        r.put("totalSectors", dm.totalSectors());
                        r.put("metadataSectors", dm.metadataSectors());
                        r.put("dmsetupStatus", dm.dmsetupStatus());
                        r.put("usedBytes", dm.usedBytes());
                        r.put("usedPercent", percent(dm.allocatedSectors(), dm.totalSectors()));
                        r.put("changedOriginBytes", (long) dm.exceptionCount() * dm.chunkBytes());
                    }
                    case EMBEDDED_OVERLAY_IMAGE, HOME_IMAGE -> {
                        if (!store.filesystem().equals("fat")) {
                            r.put("state", "not read: image files on " + store.filesystem() + " are listed only");
                            break;
                        }
                        BlockDevice image = storeDevice(disk, store, toClose);
                        Ext4Reader ext4 = Ext4Reader.open(image);
                        usage(r, ext4.usage());
                        if (store.kind() == Kind.EMBEDDED_OVERLAY_IMAGE) {
                            upper(r, ext4, "/overlayfs");
                        }
                    }
                    case OVERLAYFS_DIRECTORY, LIVE_BOOT_PERSISTENCE, CASPER_WRITABLE -> {
                        BlockDevice volume = disk.slice(store.volumeOffset(), store.volumeBytes());
                        if (!store.filesystem().equals("ext4")) {
                            r.put("state", "image file on " + store.filesystem() + ": listed only");
                            break;
                        }
                        Ext4Reader ext4 = Ext4Reader.open(volume);
                        usage(r, ext4.usage());
                        upper(r, ext4, store.path());
                    }
                    default -> throw new IllegalStateException(store.kind().name());
                }
            } catch (org.stickwright.engine.io.FormatException e) {
                r.put("state", "corrupt");
                r.put("problem", e.getMessage());
            } finally {
                closeAll(toClose);
            }
            return r;
        }

        private static void usage(Map<String, Object> r, Ext4Usage usage) {
            long block = usage.blockSize();
            r.put("state", "valid");
            r.put("usedBytes", usage.usedBlocks() * block);
            r.put("usedPercent", percent(usage.usedBlocks(), usage.blocksCount()));
        }

        private static void upper(Map<String, Object> r, Ext4Reader ext4, String path) throws IOException {
            try {
                OverlayfsUpper.Inspection upper = OverlayfsUpper.inspect(ext4, path, 5);
                r.put("changedFiles", upper.files());
                r.put("symlinks", upper.symlinks());
                r.put("directories", upper.directories());
                r.put("whiteouts", upper.whiteouts());
                r.put("opaqueDirectories", upper.opaqueDirectories());
                r.put("changedBytes", upper.fileBytes());
                List<Map<String, Object>> largest = new ArrayList<>();
                for (OverlayfsUpper.Change change : upper.largest()) {
                    largest.add(Map.of("path", change.path(), "bytes", change.bytes()));
                }
                r.put("largest", largest);
                r.put("deleted", upper.deleted());
            } catch (java.nio.file.NoSuchFileException e) {
                r.put("changedFiles", 0);
                r.put("note", path + " does not exist yet (nothing changed)");
            }
        }

        private static double percent(long part, long whole) {
            return whole <= 0 ? 0 : Math.round(1000.0 * part / whole) / 10.0;
        }

        private static String render(Map<String, Object> r) {
            StringBuilder s = new StringBuilder();
            s.append(r.get("profile")).append(": ").append(r.get("kind")).append(" on partition ")
                    .append(r.get("partition")).append(" (").append(r.get("filesystem")).append(' ')
                    .append(r.get("path")).append("), ").append(Sizes.human((Long) r.get("sizeBytes")));
            if (r.containsKey("state")) {
                s.append(", ").append(r.get("state"));
            }
            if (r.containsKey("dmsetupStatus")) {
                s.append("\n  dmsetup status: ").append(r.get("dmsetupStatus")).append("  (")
                        .append(r.get("exceptions")).append(" chunks changed, ").append(r.get("usedPercent"))
                        .append(" % used)");
            } else if (r.containsKey("usedBytes")) {
                s.append("\n  used: ").append(Sizes.human((Long) r.get("usedBytes"))).append(" (")
                        .append(r.get("usedPercent")).append(" %)");
            }
            if (r.containsKey("changedFiles") && r.containsKey("whiteouts")) {
                s.append("\n  changed files: ").append(r.get("changedFiles")).append(", deleted (whiteouts): ")
                        .append(r.get("whiteouts")).append(", opaque directories: ").append(r.get("opaqueDirectories"));
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> largest = (List<Map<String, Object>>) r.get("largest");
                for (Map<String, Object> change : largest) {
                    s.append("\n    ").append(Sizes.human((Long) change.get("bytes"))).append("  ")
                            .append(change.get("path"));
                }
            }
            if (r.containsKey("problem")) {
                s.append("\n  problem: ").append(r.get("problem"));
            }
            return s.toString();
        }
    }

    /** Base of the commands that write: --yes and --unmount. */
    abstract static class Writing extends Base {
        @Option(names = "--yes", description = "Do not ask for confirmation.")
        boolean yes;

        @Option(names = "--unmount", description = "Unmount the target's mounted partitions first (consent).")
        boolean unmount;

        /** Set by {@link OverlayOperations}: stop at the question, after every check, before any write. */
        boolean questionOnly;

        void confirm(String question) throws JobException {
            if (questionOnly) {
                throw new OverlayOperations.QuestionAsked(question);
            }
            Confirmation.confirm(question, yes, output);
        }
    }

    @Command(name = "resize", mixinStandardHelpOptions = true,
            description = "Grow a dm-snapshot store (chunk size and every byte kept) or shrink it down to what it uses;"
                    + " grow an ext4 store file on FAT in place (dracut's embedded image, live-boot persistence); grow an ext4"
                    + " store partition (live-boot persistence, casper writable, a Fedora or archiso store partition)"
                    + " into the free space after it, in place.")
    static final class Resize extends Writing {
        @Option(names = "--to", required = true, paramLabel = "SIZE",
                description = "The new size (512M, 2G, bytes); for a store partition also 'max': all the free space after it.")
        String to;

        @Override
        int run() throws JobException, IOException {
            long requested;
            try {
                requested = to.equalsIgnoreCase("max") ? Long.MAX_VALUE : Sizes.parse(to);
            } catch (IllegalArgumentException e) {
                throw new JobException(Outcome.BAD_INPUT, "--to: " + e.getMessage(), e);
            }
            Found store;
            long newSize;
            DmSnapshotStore dm;
            try (BlockDevice disk = openReadOnly()) {
                store = select(PersistenceStores.find(disk, !blockDevice()), List.of(Kind.DM_SNAPSHOT_FILE,
                        Kind.EMBEDDED_OVERLAY_IMAGE, Kind.LIVE_BOOT_PERSISTENCE, Kind.CASPER_WRITABLE,
                        Kind.OVERLAYFS_DIRECTORY));
                if (store.partition() != 0 && store.filesystem().equals("ext4")) {
                    return growPartition(disk, store, requested);
                }
                if (requested == Long.MAX_VALUE) {
                    throw new JobException(Outcome.BAD_INPUT, "--to max is for a store partition; give a size");
                }
                if (store.kind() != Kind.DM_SNAPSHOT_FILE && !store.path().equals("/")) {
                    return growImage(disk, store, requested);
                }
                if (store.kind() != Kind.DM_SNAPSHOT_FILE) {
                    throw new JobException(Outcome.REFUSED, "resizing a " + store.kind() + " store that is the"
                            + " whole target " + target + " is not supported; not resized");
                }
                List<AutoCloseable> toClose = new ArrayList<>();
                try {
                    dm = DmSnapshotStore.read(storeDevice(disk, store, toClose));
                } finally {
                    closeAll(toClose);
                }
                newSize = DmSnapshotEditor.checkResize(dm, requested);
            }
            confirm("Resize the dm-snapshot store " + store.path() + " on " + target + " from "
                    + Sizes.human(store.sizeBytes()) + " to " + Sizes.human(newSize) + "?");
            try (BlockDevice disk = openForWriting(unmount)) {
                if (store.partition() == 0) {
                    if (!(disk instanceof ImageFile file)) {
                        throw new JobException(Outcome.REFUSED, "a whole drive is not a store file");
                    }
                    long old = file.size();
                    file.setSize(newSize);
                    DmSnapshotEditor.zeroMetadataFrom(file, dm, old);
                } else {
                    BlockDevice volume = disk.slice(store.volumeOffset(), store.volumeBytes());
                    try (FatFileSystem fs = FatFileSystem.open(volume)) {
                        FatStoreFile.resizeDmSnapshot(fs, volume, store.path(), newSize);
                    }
                }
                disk.flush();
            }
            result(Map.of("store", store.path(), "oldSizeBytes", store.sizeBytes(), "newSizeBytes", newSize),
                    "Resized " + store.path() + " from " + Sizes.human(store.sizeBytes()) + " to "
                            + Sizes.human(newSize) + "; every allocated chunk kept.");
            return 0;
        }

        /**
         * A store that is an ext4 partition (or lives on one) grows in place: the partition's
         * end moves into the free space after it ({@link PartitionGrower}), then the ext4 fills
         * it ({@link Ext4Grower}); no file moves. Both are planned and checked before the
         * question. A partition grown earlier by a resize that stopped before its ext4 grew
         * (or by another tool) is just filled.
         */
        private int growPartition(BlockDevice readOnly, Found store, long requested) throws JobException, IOException {
            PartitionGrower.Plan table = null;
            long volumeBytes = store.volumeBytes();
            Ext4Grower.Growth growth;
            try {
                table = PartitionGrower.plan(readOnly, store.partition(), requested);
                volumeBytes = table.newBytes();
                growth = Ext4Grower.plan(readOnly.slice(store.volumeOffset(), volumeBytes));
            } catch (PartitionGrower.Refused e) {
                if (requested != Long.MAX_VALUE && requested > store.volumeBytes()) {
                    throw new JobException(Outcome.REFUSED, e.getMessage() + "; not resized", e);
                }
                try {
                    growth = Ext4Grower.plan(readOnly.slice(store.volumeOffset(), volumeBytes));
                } catch (Ext4EditRefusedException unfilled) {
                    throw new JobException(Outcome.REFUSED, (unfilled.getMessage().contains("nothing to grow")
                            ? e.getMessage() : unfilled.getMessage()) + "; not resized", unfilled);
                }
            }
            String what = store.kind() == Kind.OVERLAYFS_DIRECTORY
                    ? "the ext4 partition " + store.partition() + " holding " + store.path()
                    : "the " + store.kind().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')
                            + " partition " + store.partition() + (store.volumeLabel().isEmpty() ? ""
                                    : " (" + store.volumeLabel() + ")");
            confirm("Grow " + what + " on " + target + (table == null ? " (its partition was already grown)" : " from "
                    + Sizes.human(store.volumeBytes())) + " to " + Sizes.human(growth.newBytes())
                    + "? The partition's end moves into the free space after it; every file stays where it is.");
            try (BlockDevice disk = openForWriting(unmount)) {
                if (table != null) {
                    PartitionGrower.grow(disk, table);
                }
                try {
                    Ext4Grower.grow(disk.slice(store.volumeOffset(), volumeBytes));
                } catch (IOException e) {
                    throw new JobException(Outcome.IO_ERROR, e.getMessage() + (table == null ? "" : "; partition "
                            + store.partition() + " was already grown to " + Sizes.human(volumeBytes) + " and its ext4"
                            + " left at " + Sizes.human(growth.oldBytes()) + ", which is valid: run resize again to"
                            + " grow the ext4"), e);
                }
                disk.flush();
            }
            result(Map.of("store", store.path(), "partition", store.partition(), "oldSizeBytes", store.volumeBytes(),
                    "newSizeBytes", volumeBytes, "filesystemBytes", growth.newBytes(), "groupsAdded",
                    growth.newGroups() - growth.oldGroups()),
                    "Grew partition " + store.partition() + " from " + Sizes.human(store.volumeBytes()) + " to "
                            + Sizes.human(volumeBytes) + " and its ext4 from " + Sizes.human(growth.oldBytes()) + " to "
                            + Sizes.human(growth.newBytes()) + " (" + (growth.newGroups() - growth.oldGroups())
                            + " block groups added); every file kept in place.");
            return 0;
        }

        /**
         * An ext4 store file on FAT (dracut's embedded overlay image, a live-boot persistence or
         * casper-rw file) grows in place ({@link FatStoreFile#growExt4}): checked completely
         * (free space, the ext4's state and features) before the question.
         */
        private int growImage(BlockDevice readOnly, Found store, long requested) throws JobException, IOException {
            if (!store.filesystem().equals("fat")) {
                throw new JobException(Outcome.REFUSED, "growing an ext4 image file inside " + store.filesystem()
                        + " is not supported; not resized");
            }
            Ext4Grower.Growth growth;
            BlockDevice volume = readOnly.slice(store.volumeOffset(), store.volumeBytes());
            try (FatFileSystem fs = FatFileSystem.open(volume)) {
                growth = FatStoreFile.planExt4Growth(fs, volume, store.path(), requested);
            }
            confirm("Grow the ext4 store " + store.path() + " on " + target + " from " + Sizes.human(store.sizeBytes())
                    + " to " + Sizes.human(growth.newBytes()) + "? The file grows in place; every file in it stays.");
            try (BlockDevice disk = openForWriting(unmount)) {
                BlockDevice writable = disk.slice(store.volumeOffset(), store.volumeBytes());
                try (FatFileSystem fs = FatFileSystem.open(writable)) {
                    growth = FatStoreFile.growExt4(fs, writable, store.path(), requested);
                }
                disk.flush();
            }
            result(Map.of("store", store.path(), "oldSizeBytes", store.sizeBytes(), "newSizeBytes", growth.newBytes(),
                    "groupsAdded", growth.newGroups() - growth.oldGroups()),
                    "Grew " + store.path() + " from " + Sizes.human(store.sizeBytes()) + " to "
                            + Sizes.human(growth.newBytes()) + " in place; every file kept as it was.");
            return 0;
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = true,
            description = "Make a store fresh and empty (dm-snapshot: zero header; embedded image or persistence volume: a new empty ext4 with the same label and UUID; overlayfs directory on a shared ext4 partition: its upper and work directories emptied in place, other profiles untouched). Home stays.")
    static final class Reset extends Writing {
        @Override
        int run() throws JobException, IOException {
            Found store;
            List<Ext4Entry> keep = new ArrayList<>();
            String label = null;
            UUID uuid = null;
            List<String> emptied = List.of();
            Ext4Editor.Emptying planned = null;
            String renameTo;
            try (BlockDevice disk = openReadOnly()) {
                store = select(PersistenceStores.find(disk, !blockDevice()), List.of(Kind.DM_SNAPSHOT_FILE,
                        Kind.EMBEDDED_OVERLAY_IMAGE, Kind.LIVE_BOOT_PERSISTENCE, Kind.CASPER_WRITABLE,
                        Kind.OVERLAYFS_DIRECTORY));
                renameTo = dracutName(disk, store);
                if (store.kind() == Kind.OVERLAYFS_DIRECTORY) {
                    if (!store.filesystem().equals("ext4")) {
                        throw new JobException(Outcome.REFUSED, store.path() + " is on " + store.filesystem()
                                + ", not ext4: not reset");
                    }
                    BlockDevice volume = disk.slice(store.volumeOffset(), store.volumeBytes());
                    emptied = storeDirectories(Ext4Reader.open(volume), store);
                    planned = Ext4Editor.open(volume).planEmptying(emptied);
                } else if (store.kind() != Kind.DM_SNAPSHOT_FILE) {
                    List<AutoCloseable> toClose = new ArrayList<>();
                    try {
                        BlockDevice image = store.kind() == Kind.EMBEDDED_OVERLAY_IMAGE
                                ? storeDevice(disk, store, toClose)
                                : disk.slice(store.volumeOffset(), store.volumeBytes());
                        if (!PersistenceStores.isExt4(image, 0)) {
                            throw new JobException(Outcome.REFUSED, store.path() + " is not ext4: not reset");
                        }
                        Ext4Reader ext4 = Ext4Reader.open(image);
                        label = ext4.superblock().label();
                        uuid = ext4.superblock().uuid();
                        keep = freshContent(ext4, store.kind());
                    } finally {
                        closeAll(toClose);
                    }
                }
            }
            if (planned != null) {
                confirm("Empty " + String.join(" and ", emptied) + " (the " + store.profile() + " store) on partition "
                        + store.partition() + " of " + target + "? " + planned.inodesFreed() + " files and directories ("
                        + Sizes.human(planned.bytesFreed())
                        + ") kept in it are lost; the partition's other stores stay.");
            } else {
                confirm("Reset the " + store.kind().name().toLowerCase() + " store " + store.path() + " on "
                        + target + "? Every change kept in it is lost."
                        + (renameTo == null ? "" : " It is renamed to " + renameTo + ", the name dracut looks for."));
            }
            try (BlockDevice disk = openForWriting(unmount)) {
                List<AutoCloseable> toClose = new ArrayList<>();
                try {
                    if (store.kind() == Kind.OVERLAYFS_DIRECTORY) {
                        planned = Ext4Editor.open(disk.slice(store.volumeOffset(), store.volumeBytes())).emptyDirectories(emptied);
                    } else if (store.kind() == Kind.DM_SNAPSHOT_FILE) {
                        DmSnapshotEditor.reset(storeDevice(disk, store, toClose));
                    } else {
                        BlockDevice image = store.kind() == Kind.EMBEDDED_OVERLAY_IMAGE
                                ? storeDevice(disk, store, toClose)
                                : disk.slice(store.volumeOffset(), store.volumeBytes());
                        Ext4Formatter.format(image, Ext4Options.labelled(label).withUuid(uuid).withEntries(keep));
                    }
                } finally {
                    closeAll(toClose);
                }
                if (renameTo != null) {
                    try (FatFileSystem fs = FatFileSystem.open(disk.slice(store.volumeOffset(), store.volumeBytes()))) {
                        fs.rename(store.path(), renameTo);
                        fs.flush();
                    }
                }
                disk.flush();
            }
            if (planned != null) {
                result(Map.of("store", store.path(), "kind", store.kind().name().toLowerCase(), "emptied", emptied,
                        "inodesFreed", planned.inodesFreed(), "blocksFreed", planned.blocksFreed()),
                        "Reset " + store.path() + ": emptied " + String.join(" and ", emptied) + " ("
                                + planned.inodesFreed() + " files and directories freed).");
                return 0;
            }
            String path = renameTo == null ? store.path() : renameTo;
            result(Map.of("store", path, "kind", store.kind().name().toLowerCase(), "renamedFrom",
                    renameTo == null ? "" : store.path()),
                    "Reset " + path + ": it is empty now." + (renameTo == null ? "" : " (It was " + store.path()
                            + ": named after an older label or UUID of its partition, which dracut would not find.)"));
            return 0;
        }

        /** The store's upper and, where it exists, its work directory (overlayfs refuses a stale one). */
        private static List<String> storeDirectories(Ext4Reader ext4, Found store) throws IOException {
            List<String> dirs = new ArrayList<>(List.of(store.path()));
            try {
                if (ext4.lookup(store.workPath()).isDirectory()) {
                    dirs.add(store.workPath());
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // no work directory yet: the initramfs makes it at the next boot
            }
            return dirs;
        }

        private static final java.util.regex.Pattern AUTO_NAME = java.util.regex.Pattern.compile(
                "overlay-.*-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}");

        /**
         * The path dracut looks for when the boot line names no store path
         * ({@code rd.live.overlay=UUID=…}): {@code <livedir>/overlay-<LABEL>-<UUID>} of the live
         * partition as blkid reports it. Returns it when the store has such a name built from
         * another label or serial and sits beside the live image on that FAT partition, no
         * boot configuration on it names the stale path, and the new name is free; else null.
         */
        static String dracutName(BlockDevice disk, Found store) throws IOException {
            if (!store.filesystem().equals("fat") || store.partition() == 0
                    || store.kind() != Kind.DM_SNAPSHOT_FILE && store.kind() != Kind.EMBEDDED_OVERLAY_IMAGE) {
                return null;
            }
            String path = store.path();
            int slash = path.lastIndexOf('/');
            String dir = path.substring(0, slash);
            String name = path.substring(slash + 1);
            if (!AUTO_NAME.matcher(name).matches()) {
                return null;
            }
            try (FatFileSystem fs = FatFileSystem.open(disk.slice(store.volumeOffset(), store.volumeBytes()))) {
                if (fs.stat(dir + "/squashfs.img").isEmpty()) {
                    return null;
                }
                String volumeLabel = fs.volumeLabel().equals("NO NAME") ? "" : fs.volumeLabel();
                String wanted = "overlay-" + volumeLabel + "-" + fs.volumeSerialText();
                if (wanted.equals(name) || fs.stat(dir + "/" + wanted).isPresent()) {
                    return null;
                }
                boolean[] named = new boolean[1];
                fs.walk((file, entry) -> {
                    String lower = file.toLowerCase(java.util.Locale.ROOT);
                    if (!entry.isDirectory() && entry.size() < (1 << 20)
                            && (lower.endsWith(".cfg") || lower.endsWith(".conf"))) {
                        named[0] |= new String(fs.readAllBytes(file), StandardCharsets.UTF_8).contains(name);
                    }
                });
                return named[0] ? null : dir + "/" + wanted;
            }
        }

        /** What a fresh store of this kind holds: the upper/work directories and persistence.conf. */
        private static List<Ext4Entry> freshContent(Ext4Reader ext4, Kind kind) throws IOException, JobException {
            List<Ext4Entry> entries = new ArrayList<>();
            switch (kind) {
                case EMBEDDED_OVERLAY_IMAGE -> {
                    entries.add(Ext4Entry.directory("/overlayfs", 0755));
                    entries.add(Ext4Entry.directory("/ovlwork", 0755));
                }
                case LIVE_BOOT_PERSISTENCE -> {
                    Ext4Inode conf = ext4.lookup("/persistence.conf");
                    String text = new String(ext4.readAll(conf, 64 * 1024), StandardCharsets.UTF_8);
                    for (String line : text.split("\n")) {
                        String t = line.trim();
                        if (!t.isEmpty() && !t.startsWith("#") && !t.matches("/\\s+union")) {
                            throw new JobException(Outcome.REFUSED, "persistence.conf keeps more than the root ('"
                                    + t + "'): a reset would lose it; not reset");
                        }
                    }
                    entries.add(Ext4Entry.file("/persistence.conf", 0644, text));
                }
                case CASPER_WRITABLE -> {
                    entries.add(Ext4Entry.directory("/upper", 0755));
                    entries.add(Ext4Entry.directory("/work", 0755));
                }
                default -> throw new IllegalStateException(kind.name());
            }
            return entries;
        }
    }

    @Command(name = "recover", mixinStandardHelpOptions = true,
            description = "Make an invalidated dm-snapshot store valid again and say what may be lost.")
    static final class Recover extends Writing {
        @Override
        int run() throws JobException, IOException {
            Found store;
            try (BlockDevice disk = openReadOnly()) {
                store = select(PersistenceStores.find(disk, !blockDevice()), List.of(Kind.DM_SNAPSHOT_FILE));
                List<AutoCloseable> toClose = new ArrayList<>();
                try {
                    DmSnapshotStore dm = DmSnapshotStore.read(storeDevice(disk, store, toClose));
                    if (dm.state() != DmSnapshotStore.State.INVALID) {
                        throw new JobException(Outcome.BAD_INPUT, store.path() + " is "
                                + dm.state().name().toLowerCase() + ", not invalidated: nothing to recover");
                    }
                } finally {
                    closeAll(toClose);
                }
            }
            confirm("Mark the invalidated store " + store.path() + " on " + target + " valid again?");
            DmSnapshotEditor.Recovery recovery;
            try (BlockDevice disk = openForWriting(unmount)) {
                List<AutoCloseable> toClose = new ArrayList<>();
                try {
                    recovery = DmSnapshotEditor.recover(storeDevice(disk, store, toClose));
                } finally {
                    closeAll(toClose);
                }
            }
            result(Map.of("store", store.path(), "exceptions", recovery.exceptions(), "usedBytes",
                    recovery.usedBytes(), "full", recovery.full(), "mayBeLost", recovery.lost()),
                    "Recovered " + store.path() + ": " + recovery.exceptions() + " changed chunks are back. "
                            + "May be lost: " + recovery.lost() + ".");
            return 0;
        }
    }

    @Command(name = "merge", mixinStandardHelpOptions = true,
            description = "Apply a store to the live image and write a new live ISO whose root already holds the"
                    + " changes (it boots with an empty overlay): a dm-snapshot store (Fedora nested), or an overlayfs"
                    + " store (Fedora flat). With --rootfs-only, write only the merged LiveOS/rootfs.img (dm-snapshot);"
                    + " with --squashfs-only, only the merged LiveOS/squashfs.img (overlayfs, any stick). The stick is"
                    + " not changed.")
    static final class Merge extends Base {
        @Option(names = "--output", required = true, paramLabel = "FILE",
                description = "The new ISO image to write (or, with --rootfs-only, the merged ext4 rootfs.img;"
                        + " with --squashfs-only, the merged squashfs.img).")
        Path outputFile;

        @Option(names = "--rootfs-only", description = "Write only the merged LiveOS/rootfs.img (an ext4 image);"
                + " no squashfs or ISO is built.")
        boolean rootfsOnly;

        @Option(names = "--squashfs-only", description = "Write only the merged LiveOS/squashfs.img (an overlayfs"
                + " store on a Fedora flat image; also for an extract-mode stick, which holds no ISO to rebuild).")
        boolean squashfsOnly;

        @Option(names = "--base-iso", paramLabel = "ISO", description = "The ISO the stick was made from, rebuilt"
                + " with the changes: for an extract-mode stick, which holds no ISO of its own (its root squashfs"
                + " must be the ISO's).")
        Path baseIso;

        @Option(names = "--squashfs-builder", paramLabel = "auto|java|tar2sqfs", defaultValue = "auto",
                converter = BuilderConverter.class, description = "Which program builds the new squashfs: tar2sqfs"
                + " (package squashfs-tools-ng; native compressors on every core, any compressor) where installed,"
                + " else our own writer (gzip or xz, slower); default: ${DEFAULT-VALUE}.")
        org.stickwright.engine.overlay.SquashfsBuilder builder;

        /** "auto", "java" or "tar2sqfs", any case. */
        static final class BuilderConverter implements picocli.CommandLine.ITypeConverter<
                org.stickwright.engine.overlay.SquashfsBuilder> {
            @Override
            public org.stickwright.engine.overlay.SquashfsBuilder convert(String value) {
                return org.stickwright.engine.overlay.SquashfsBuilder.valueOf(value.toUpperCase(java.util.Locale.ROOT));
            }
        }

        /**
         * Where the ISO to rebuild comes from: the stick, or {@code --base-iso} once its root
         * squashfs is shown to be the stick's (equal superblocks: the same mkfs time, size, inode
         * count and table offsets, so the same build), since the store's changes are relative to it.
         */
        private BlockDevice isoSource(BlockDevice disk, List<AutoCloseable> toClose) throws JobException, IOException {
            if (baseIso == null) {
                return disk;
            }
            ImageFile iso;
            try {
                iso = ImageFile.openReadOnly(baseIso);
            } catch (IOException e) {
                throw new JobException(Outcome.BAD_INPUT, "cannot read --base-iso " + baseIso + ": " + e.getMessage(), e);
            }
            toClose.add(iso);
            if (!IsoImage.looksLikeIso9660(iso)) {
                throw new JobException(Outcome.BAD_INPUT, "--base-iso " + baseIso + " is not an ISO 9660 image");
            }
            LiveRootSquashfs.Located fromIso = LiveRootSquashfs.inIso(IsoImage.open(iso), iso)
                    .orElseThrow(() -> new JobException(Outcome.BAD_INPUT, "--base-iso " + baseIso + " has none of the"
                            + " live root images " + LiveRootSquashfs.ROOT_PATHS));
            LiveRootSquashfs.Located onStick = LiveRootSquashfs.find(disk)
                    .orElseThrow(() -> new JobException(Outcome.BAD_INPUT, "no live root image on " + target));
            SquashfsSuperblock a = fromIso.image().superblock();
            SquashfsSuperblock b = onStick.image().superblock();
            if (!fromIso.path().equals(onStick.path()) || !a.equals(b)) {
                throw new JobException(Outcome.BAD_INPUT, "--base-iso " + baseIso + " is not the image " + target
                        + " was made from: its " + fromIso.path() + " (" + a.bytesUsed() + " bytes, made "
                        + java.time.Instant.ofEpochSecond(a.modificationTime()) + ") differs from the stick's "
                        + onStick.path() + " (" + b.bytesUsed() + " bytes, made "
                        + java.time.Instant.ofEpochSecond(b.modificationTime()) + ")");
            }
            return iso;
        }

        @Override
        int run() throws JobException, IOException {
            if (Files.exists(outputFile)) {
                throw new JobException(Outcome.BAD_INPUT, outputFile + " exists; not overwritten");
            }
            if (rootfsOnly && squashfsOnly) {
                throw new JobException(Outcome.BAD_INPUT, "--rootfs-only and --squashfs-only exclude each other");
            }
            if (baseIso != null && (rootfsOnly || squashfsOnly)) {
                throw new JobException(Outcome.BAD_INPUT, "--base-iso is for a new ISO; --rootfs-only and"
                        + " --squashfs-only take the live image from the stick");
            }
            if (rootfsOnly) {
                return mergeRootfs();
            }
            List<Kind> kinds = new ArrayList<>(List.of(Kind.EMBEDDED_OVERLAY_IMAGE, Kind.OVERLAYFS_DIRECTORY,
                    Kind.LIVE_BOOT_PERSISTENCE, Kind.CASPER_WRITABLE));
            if (!squashfsOnly) {
                kinds.add(0, Kind.DM_SNAPSHOT_FILE);
            }
            Found store;
            try (BlockDevice disk = openReadOnly()) {
                store = select(PersistenceStores.find(disk, !blockDevice()), kinds);
            }
            return store.kind() == Kind.DM_SNAPSHOT_FILE ? mergeIso(store) : mergeOverlayfs(store);
        }

        /**
         * The root union of a live-boot persistence volume: persistence.conf(5) must name
         * {@code / union} (live-boot then mounts the volume's /rw as the root's upper); the
         * other lines (e.g. {@code /home bind}) keep their files outside the root, so they are
         * returned to be named as left out.
         */
        private static List<String> liveBootOtherLines(Ext4Reader fs, Found store) throws JobException, IOException {
            String conf;
            try {
                conf = new String(fs.readAll(fs.lookup("/persistence.conf"), 64 * 1024), StandardCharsets.UTF_8);
            } catch (java.nio.file.NoSuchFileException e) {
                throw new JobException(Outcome.BAD_INPUT, store.path() + " has no persistence.conf: live-boot"
                        + " does not use it, there is nothing to merge");
            }
            boolean rootUnion = false;
            List<String> others = new ArrayList<>();
            for (String raw : conf.split("\n")) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] words = line.split("\\s+", 2);
                if (words[0].equals("/") && words.length > 1 && List.of(words[1].split(",")).contains("union")) {
                    rootUnion = true;
                } else {
                    others.add(line);
                }
            }
            if (!rootUnion) {
                throw new JobException(Outcome.BAD_INPUT, store.path() + ": persistence.conf has no '/ union' line"
                        + " (it keeps only " + others + "), so the live root has no changes to merge");
            }
            return others;
        }

        /** An overlayfs store folded into the stick's root squashfs (MergedFlatLiveImage). */
        private int mergeOverlayfs(Found store) throws JobException, IOException {
            MergedFlatLiveImage.Result merged;
            List<String> leftOut = List.of();
            long started = System.nanoTime();
            try (BlockDevice disk = openReadOnly()) {
                List<AutoCloseable> toClose = new ArrayList<>();
                try {
                    Ext4Reader upperFs;
                    String upperPath;
                    if (store.kind() == Kind.EMBEDDED_OVERLAY_IMAGE) {
                        upperFs = Ext4Reader.open(storeDevice(disk, store, toClose));
                        upperPath = "/overlayfs";
                    } else if (store.kind() == Kind.LIVE_BOOT_PERSISTENCE || store.kind() == Kind.CASPER_WRITABLE) {
                        upperFs = Ext4Reader.open(backupDevice(disk, store, toClose));
                        upperPath = store.kind() == Kind.LIVE_BOOT_PERSISTENCE ? "/rw" : "/upper";
                        if (store.kind() == Kind.LIVE_BOOT_PERSISTENCE) {
                            leftOut = liveBootOtherLines(upperFs, store);
                        }
                    } else {
                        if (!store.filesystem().equals("ext4")) {
                            throw new JobException(Outcome.BAD_INPUT, store.path() + " is on " + store.filesystem()
                                    + "; only overlayfs directories on ext4 are merged");
                        }
                        upperFs = Ext4Reader.open(disk.slice(store.volumeOffset(), store.volumeBytes()));
                        upperPath = store.path();
                    }
                    merged = squashfsOnly
                            ? MergedFlatLiveImage.writeSquashfs(disk, upperFs, upperPath, outputFile, null, null,
                                    builder)
                            : MergedFlatLiveImage.writeIso(isoSource(disk, toClose), upperFs, upperPath, outputFile,
                                    null, null, builder);
                } catch (IsoRebuildException | org.stickwright.engine.overlay.OverlayfsMergeException e) {
                    throw new JobException(Outcome.BAD_INPUT, e.getMessage(), e);
                } finally {
                    closeAll(toClose);
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("store", store.path());
            fields.put("output", outputFile.toString());
            fields.put("entriesFromLower", merged.merge().fromLower());
            fields.put("entriesFromUpper", merged.merge().fromUpper());
            fields.put("whiteouts", merged.merge().whiteouts());
            fields.put("opaqueDirectories", merged.merge().opaqueDirectories());
            fields.put("hardLinks", merged.merge().hardLinks());
            fields.put("socketsLeftOut", merged.merge().socketsLeftOut());
            fields.put("squashfsBytes", merged.squashfsBytes());
            fields.put("compression", merged.compression().name().toLowerCase(java.util.Locale.ROOT));
            if (merged.iso() != null) {
                fields.put("isoBytes", merged.iso().imageBytes());
                fields.put("shiftBytes", merged.iso().shiftBytes());
                fields.put("movedPartitions", merged.iso().movedPartitions());
            }
            fields.put("leftOut", leftOut);
            fields.put("companions", merged.companions());
            fields.put("milliseconds", millis);
            fields.put("squashfsBuilder", merged.squashfsBuilder());
            String note = merged.compressionNote().isEmpty() ? "" : " Note: " + merged.compressionNote() + ".";
            if (!merged.companions().isEmpty()) {
                note += " Beside the root: " + String.join("; ", merged.companions()) + ".";
            }
            if (!leftOut.isEmpty()) {
                note += " Not merged (persistence.conf keeps them outside the root union): " + leftOut + ".";
            }
            if (merged.merge().socketsLeftOut() > 0) {
                note += " " + merged.merge().socketsLeftOut() + " socket node(s) were left out: tar2sqfs reads a tar"
                        + " stream, which cannot hold sockets; --squashfs-builder java keeps them.";
            }
            String what = merged.iso() != null
                    ? "a new live image " + outputFile + " (" + Sizes.human(merged.iso().imageBytes()) + "; squashfs "
                            + Sizes.human(merged.squashfsBytes()) + ", " + fields.get("compression") + ", by "
                            + merged.squashfsBuilder() + "). Write it to a stick as a fresh start: it boots with the"
                            + " changes and an empty overlay."
                    : "a new squashfs " + outputFile + " (" + Sizes.human(merged.squashfsBytes()) + ", "
                            + fields.get("compression") + ", by " + merged.squashfsBuilder() + "): the live root with"
                            + " the changes, to replace the stick's root squashfs.";
            result(fields, "Merged " + merged.merge().fromUpper() + " entries and " + merged.merge().whiteouts()
                    + " deletions of " + store.path() + " into " + what + note);
            return 0;
        }

        private int mergeIso(Found store) throws JobException, IOException {
            MergedLiveIso.Result merged;
            long started = System.nanoTime();
            try (BlockDevice disk = openReadOnly()) {
                List<AutoCloseable> toClose = new ArrayList<>();
                try {
                    BlockDevice cow = storeDevice(disk, store, toClose);
                    DmSnapshotStore dm = DmSnapshotStore.read(cow);
                    merged = MergedLiveIso.write(isoSource(disk, toClose), dm, cow, outputFile, null, null, builder);
                } catch (IsoRebuildException e) {
                    throw new JobException(Outcome.BAD_INPUT, e.getMessage(), e);
                } finally {
                    closeAll(toClose);
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("store", store.path());
            fields.put("output", outputFile.toString());
            fields.put("rootfsBytes", merged.rootfsBytes());
            fields.put("chunksApplied", merged.merge().applied());
            fields.put("chunksTruncated", merged.merge().truncated());
            fields.put("chunksOutsideOrigin", merged.merge().outsideOrigin());
            fields.put("squashfsBytes", merged.squashfsBytes());
            fields.put("compression", merged.compression().name().toLowerCase(java.util.Locale.ROOT));
            fields.put("isoBytes", merged.iso().imageBytes());
            fields.put("shiftBytes", merged.iso().shiftBytes());
            fields.put("movedPartitions", merged.iso().movedPartitions());
            fields.put("milliseconds", millis);
            fields.put("squashfsBuilder", merged.squashfsBuilder());
            String note = merged.compressionNote().isEmpty() ? "" : " Note: " + merged.compressionNote() + ".";
            result(fields, "Merged " + merged.merge().applied() + " changed chunks of " + store.path() + " into a new "
                    + "live image " + outputFile + " (" + Sizes.human(merged.iso().imageBytes()) + "; squashfs "
                    + Sizes.human(merged.squashfsBytes()) + ", " + fields.get("compression") + ", by "
                    + merged.squashfsBuilder() + "). Write it to a stick as a fresh start: it boots with the changes"
                    + " and an empty overlay." + note);
            return 0;
        }

        private int mergeRootfs() throws JobException, IOException {
            Path partial = outputFile.resolveSibling(outputFile.getFileName() + ".part");
            Found store;
            DmSnapshotEditor.MergeResult merged;
            long size;
            try (BlockDevice disk = openReadOnly()) {
                store = select(PersistenceStores.find(disk, !blockDevice()), List.of(Kind.DM_SNAPSHOT_FILE));
                org.stickwright.engine.squashfs.SquashfsImage squashfs = NestedRootfs.findSquashfs(disk)
                        .orElseThrow(() -> new JobException(Outcome.BAD_INPUT, "no LiveOS/squashfs.img on " + target
                                + " (neither in an ISO 9660 tree nor on a FAT partition)"));
                List<AutoCloseable> toClose = new ArrayList<>();
                try (ImageFile out = ImageFile.create(partial, 0)) {
                    BlockDevice cow = storeDevice(disk, store, toClose);
                    DmSnapshotStore dm = DmSnapshotStore.read(cow);
                    size = NestedRootfs.extract(squashfs, out);
                    merged = DmSnapshotEditor.merge(dm, cow, out);
                } finally {
                    closeAll(toClose);
                }
                Files.move(partial, outputFile);
            } finally {
                Files.deleteIfExists(partial);
            }
            result(Map.of("store", store.path(), "output", outputFile.toString(), "rootfsBytes", size,
                    "chunksApplied", merged.applied(), "chunksTruncated", merged.truncated(),
                    "chunksOutsideOrigin", merged.outsideOrigin()),
                    "Merged " + merged.applied() + " changed chunks of " + store.path() + " into " + outputFile
                            + " (" + Sizes.human(size) + "). Check it with e2fsck -f before packing it into a"
                            + " new live image (overlay merge without --rootfs-only builds the ISO).");
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = "Back a store up to an xz-compressed file (a dm-snapshot store: only its allocated part;"
                    + " an ext4 image or persistence partition: all of it, unused blocks compress to almost nothing;"
                    + " an overlayfs directory store: a pax tar.xz with its xattrs).")
    static final class Export extends Base {
        @Option(names = "--output", required = true, paramLabel = "FILE", description = "The backup file to write.")
        Path outputFile;

        @Override
        int run() throws JobException, IOException {
            if (Files.exists(outputFile)) {
                throw new JobException(Outcome.BAD_INPUT, outputFile + " exists; not overwritten");
            }
            Found store;
            long length;
            Path partial = outputFile.resolveSibling(outputFile.getFileName() + ".part");
            try (BlockDevice disk = openReadOnly()) {
                store = select(PersistenceStores.find(disk, !blockDevice()), List.of(Kind.DM_SNAPSHOT_FILE,
                        Kind.EMBEDDED_OVERLAY_IMAGE, Kind.HOME_IMAGE, Kind.LIVE_BOOT_PERSISTENCE,
                        Kind.CASPER_WRITABLE, Kind.OVERLAYFS_DIRECTORY));
                if (store.kind() == Kind.OVERLAYFS_DIRECTORY) {
                    return exportDirectory(this, disk, store, partial);
                }
                String base = baseImage(disk);
                List<AutoCloseable> toClose = new ArrayList<>();
                try {
                    BlockDevice device = backupDevice(disk, store, toClose);
                    length = device.size();
                    if (store.kind() == Kind.DM_SNAPSHOT_FILE) {
                        DmSnapshotStore dm = DmSnapshotStore.read(device);
                        length = Math.min(device.size(), dm.state() == DmSnapshotStore.State.FRESH
                                ? DmSnapshotEditor.RESET_BYTES : dm.minimumSizeBytes());
                    }
                    Properties header = new Properties();
                    header.setProperty("kind", store.kind().name());
                    header.setProperty("path", store.path());
                    header.setProperty("sizeBytes", Long.toString(device.size()));
                    header.setProperty("lengthBytes", Long.toString(length));
                    header.setProperty("baseImage", base);
                    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partial))) {
                        out.write((EXPORT_MAGIC + "\n").getBytes(StandardCharsets.US_ASCII));
                        java.io.ByteArrayOutputStream props = new java.io.ByteArrayOutputStream();
                        header.store(props, null);
                        byte[] propBytes = props.toByteArray();
                        out.write(ByteBuffer.allocate(4).putInt(propBytes.length).array());
                        out.write(propBytes);
                        try (XZOutputStream xz = new XZOutputStream(out, new LZMA2Options(3))) {
                            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
                            for (long at = 0; at < length; at += buffer.capacity()) {
                                int part = (int) Math.min(buffer.capacity(), length - at);
                                buffer.clear().limit(part);
                                device.read(buffer, at);
                                xz.write(buffer.array(), 0, part);
                            }
                        }
                    }
                } finally {
                    closeAll(toClose);
                }
                Files.move(partial, outputFile);
            } finally {
                Files.deleteIfExists(partial);
            }
            result(Map.of("store", store.path(), "output", outputFile.toString(), "storedBytes", length,
                    "fileBytes", Files.size(outputFile)), "Exported " + store.path() + " (" + Sizes.human(length)
                            + " kept) to " + outputFile + " (" + Sizes.human(Files.size(outputFile)) + ").");
            return 0;
        }
    }

    /** Adds exporting an overlayfs directory store as a pax tar.xz to {@link Export}. */
    private static int exportDirectory(Export command, BlockDevice disk, Found store, Path partial)
            throws JobException, IOException {
        if (!store.filesystem().equals("ext4")) {
            throw new JobException(Outcome.REFUSED, store.path() + " is on " + store.filesystem() + ", not ext4");
        }
        Ext4Reader ext4 = Ext4Reader.open(disk.slice(store.volumeOffset(), store.volumeBytes()));
        OverlayDirectoryTar.Summary summary;
        try (OutputStream out = new XZOutputStream(new BufferedOutputStream(Files.newOutputStream(partial)),
                new LZMA2Options(3))) {
            summary = OverlayDirectoryTar.write(ext4, store.path(), out, baseImage(disk));
        }
        Files.move(partial, command.outputFile);
        command.result(Map.of("store", store.path(), "output", command.outputFile.toString(), "format", "pax tar.xz",
                "entries", summary.entries(), "contentBytes", summary.contentBytes(), "fileBytes",
                Files.size(command.outputFile)), "Exported " + store.path() + " (" + summary.entries() + " entries, "
                        + Sizes.human(summary.contentBytes()) + ") to " + command.outputFile
                        + " as a pax tar.xz with its xattrs (tar -xpf FILE --xattrs --xattrs-include='*' restores it).");
        return 0;
    }

    /**
     * Adds restoring an overlayfs directory store's backup to {@link Import}: the archive is
     * checked whole, the store's upper (and work) directory emptied and the archive's tree
     * created in the upper in place (Ext4Populator). Before the first write the whole job is
     * rehearsed on a copy-on-write view of the volume (empty, then plan the tree: names, space,
     * inodes), so a backup that cannot fit or a tree that cannot be made is refused with the
     * store untouched.
     */
    private static int importDirectory(Import command, Path input) throws JobException, IOException {
        OverlayTarReader.Summary summary;
        try {
            summary = OverlayDirectoryBackup.check(input);
        } catch (TarFormatException e) {
            throw new JobException(Outcome.BAD_INPUT, input + " is a damaged directory-store backup: " + e.getMessage()
                    + "; nothing was written", e);
        }
        List<Ext4Populator.Item> items = new ArrayList<>();
        String exportedBase = directoryItems(input, items);
        Found store;
        String base;
        List<String> emptied;
        Ext4Editor.Emptying emptying;
        Ext4Populator.Population population;
        try (BlockDevice disk = command.openReadOnly()) {
            store = command.select(PersistenceStores.find(disk, !command.blockDevice()),
                    List.of(Kind.OVERLAYFS_DIRECTORY));
            if (!store.filesystem().equals("ext4")) {
                throw new JobException(Outcome.REFUSED, store.path() + " is on " + store.filesystem() + ", not ext4: not"
                        + " restored");
            }
            BlockDevice volume = disk.slice(store.volumeOffset(), store.volumeBytes());
            base = baseImage(disk);
            emptied = Reset.storeDirectories(Ext4Reader.open(volume), store);
            org.stickwright.engine.io.CopyOnWriteDevice rehearsal =
                    new org.stickwright.engine.io.CopyOnWriteDevice(volume, volume.size());
            emptying = Ext4Editor.open(rehearsal).emptyDirectories(emptied);
            population = Ext4Populator.plan(rehearsal, store.path(), items);
        }
        boolean sameBase = exportedBase.equals(base);
        if (!sameBase) {
            command.warn(exportedBase.isEmpty() ? "the backup records no base image (not written by overlay export):"
                    + " changes bound to another root may not apply" : "the backup was taken on a stick with base image '"
                    + exportedBase + "', this stick has '" + base + "': changes bound to the old root may not apply");
        }
        command.confirm("Replace the " + store.profile() + " store " + store.path() + " on partition " + store.partition()
                + " of " + command.target + " with the backup " + input + " (" + summary.entries() + " entries, "
                + Sizes.human(summary.contentBytes()) + ")? The " + emptying.inodesFreed()
                + " files and directories in it now are lost.");
        try (BlockDevice disk = command.openForWriting(command.unmount)) {
            BlockDevice volume = disk.slice(store.volumeOffset(), store.volumeBytes());
            Ext4Editor.open(volume).emptyDirectories(emptied);
            try {
                population = Ext4Populator.populate(volume, store.path(), items, sink -> {
                    try (InputStream in = OverlayDirectoryBackup.open(input)) {
                        OverlayTarReader tar = OverlayTarReader.of(in);
                        for (OverlayTarReader.Entry e; (e = tar.next()) != null; ) {
                            if (e.kind() == OverlayTarReader.Kind.FILE) {
                                sink.write(e.path(), tar.content());
                            }
                        }
                    }
                });
            } catch (IOException e) {
                throw new JobException(Outcome.IO_ERROR, "the store " + store.path() + " was emptied but restoring "
                        + input + " into it failed (" + e.getMessage() + "); it is an empty store now, so the live"
                        + " system boots without the changes: run overlay import again", e);
            }
            disk.flush();
        }
        command.result(Map.of("store", store.path(), "kind", store.kind().name().toLowerCase(), "emptied", emptied,
                "restoredEntries", population.names(), "restoredBytes", population.contentBytes(), "blocks",
                population.blocks(), "sameBaseImage", sameBase), "Imported " + input + " into " + store.path() + " ("
                        + population.names() + " entries, " + Sizes.human(population.contentBytes()) + ")"
                        + (sameBase ? "." : ", from another base image."));
        return 0;
    }

    /** Adds the archive's entries below its top directory as ext4 items to {@code items}; returns its base image. */
    private static String directoryItems(Path input, List<Ext4Populator.Item> items) throws IOException {
        try (InputStream in = OverlayDirectoryBackup.open(input)) {
            OverlayTarReader tar = OverlayTarReader.of(in);
            for (OverlayTarReader.Entry e; (e = tar.next()) != null; ) {
                if (e.path().isEmpty()) {
                    continue; // the upper directory itself: kept as the store has it
                }
                Ext4Populator.Type type = switch (e.kind()) {
                    case FILE -> Ext4Populator.Type.FILE;
                    case DIRECTORY -> Ext4Populator.Type.DIRECTORY;
                    case SYMLINK -> Ext4Populator.Type.SYMLINK;
                    case HARD_LINK -> Ext4Populator.Type.HARD_LINK;
                    case CHAR_DEVICE -> Ext4Populator.Type.CHAR_DEVICE;
                    case BLOCK_DEVICE -> Ext4Populator.Type.BLOCK_DEVICE;
                    case FIFO -> Ext4Populator.Type.FIFO;
                };
                items.add(new Ext4Populator.Item(e.path(), type, e.mode() & 07777, e.uid(), e.gid(), e.mtime(),
                        e.size(), e.link(), e.deviceMajor(), e.deviceMinor(), e.xattrs()));
            }
            return tar.baseImage();
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = "Restore an exported store onto a stick's store of the same kind.")
    static final class Import extends Writing {
        @Parameters(index = "1", paramLabel = "FILE", description = "A file written by overlay export.")
        Path input;

        @Override
        int run() throws JobException, IOException {
            if (OverlayDirectoryBackup.recognise(input)) {
                return importDirectory(this, input);
            }
            Properties header = new Properties();
            long propsEnd;
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(input)))) {
                byte[] magic = new byte[EXPORT_MAGIC.length() + 1];
                in.readFully(magic);
                if (!new String(magic, StandardCharsets.US_ASCII).equals(EXPORT_MAGIC + "\n")) {
                    throw new JobException(Outcome.BAD_INPUT, input + " is not a store exported by stickwright");
                }
                int length = in.readInt();
                if (length < 0 || length > 1 << 16) {
                    throw new JobException(Outcome.BAD_INPUT, input + ": header of " + length + " bytes is corrupt");
                }
                byte[] props = new byte[length];
                in.readFully(props);
                header.load(new java.io.ByteArrayInputStream(props));
                propsEnd = magic.length + 4L + length;
            } catch (java.io.EOFException e) {
                throw new JobException(Outcome.BAD_INPUT, input + " is truncated", e);
            }
            Kind kind;
            long storedBytes;
            try {
                kind = Kind.valueOf(header.getProperty("kind", ""));
                storedBytes = Long.parseLong(header.getProperty("lengthBytes", "-1"));
            } catch (IllegalArgumentException e) {
                throw new JobException(Outcome.BAD_INPUT, input + ": header names no known store kind or length", e);
            }
            Found store;
            String base;
            try (BlockDevice disk = openReadOnly()) {
                store = select(PersistenceStores.find(disk, !blockDevice()), List.of(kind));
                base = baseImage(disk);
            }
            if (storedBytes < 0 || storedBytes > store.sizeBytes()) {
                throw new JobException(Outcome.REFUSED, "the backup holds " + storedBytes + " bytes but "
                        + store.path() + " has only " + store.sizeBytes() + "; grow it first (overlay resize)");
            }
            checkBackup(input, propsEnd, storedBytes, kind);
            String exportedBase = header.getProperty("baseImage", "");
            boolean sameBase = exportedBase.equals(base);
            if (!sameBase) {
                warn("the backup was taken on a stick with base image '" + exportedBase + "', this stick has '" + base
                        + "': changes bound to the old root may not apply");
            }
            confirm("Replace the " + kind.name().toLowerCase() + " store " + store.path() + " on "
                    + target + " with the backup " + input + "?");
            try (BlockDevice disk = openForWriting(unmount)) {
                List<AutoCloseable> toClose = new ArrayList<>();
                try (InputStream raw = Files.newInputStream(input)) {
                    raw.skipNBytes(propsEnd);
                    BlockDevice device = backupDevice(disk, store, toClose);
                    try (XZInputStream xz = new XZInputStream(new BufferedInputStream(raw))) {
                        byte[] buffer = new byte[1 << 20];
                        long at = 0;
                        while (at < storedBytes) {
                            int part = xz.readNBytes(buffer, 0, (int) Math.min(buffer.length, storedBytes - at));
                            if (part <= 0) {
                                throw new JobException(Outcome.BAD_INPUT, input + " ends after " + at + " of "
                                        + storedBytes + " bytes; the store is only partly restored: reset it");
                            }
                            device.write(ByteBuffer.wrap(buffer, 0, part), at);
                            at += part;
                        }
                    }
                    if (kind == Kind.DM_SNAPSHOT_FILE) {
                        DmSnapshotStore dm = DmSnapshotStore.read(device);
                        if (dm.state() != DmSnapshotStore.State.FRESH) {
                            DmSnapshotEditor.zeroMetadataFrom(device, dm, storedBytes);
                        }
                    }
                } finally {
                    closeAll(toClose);
                }
                disk.flush();
            }
            if (wholeVolume(store) && storedBytes < store.sizeBytes()) {
                output.say("The restored file system keeps its old size (" + Sizes.human(storedBytes) + ") on the "
                        + Sizes.human(store.sizeBytes()) + " partition.");
            }
            result(Map.of("store", store.path(), "restoredBytes", storedBytes, "sameBaseImage", sameBase),
                    "Imported " + input + " into " + store.path() + " (" + Sizes.human(storedBytes) + ")"
                            + (sameBase ? "." : ", from another base image."));
            return 0;
        }
    }

    /**
     * Reads the whole backup once before the first write, so a truncated or corrupt file (the
     * xz check fails) or one of the wrong content is refused while the store is still whole.
     */
    static void checkBackup(Path input, long propsEnd, long storedBytes, Kind kind) throws JobException, IOException {
        byte[] magic = new byte[2];
        long length = 0;
        try (InputStream raw = Files.newInputStream(input)) {
            raw.skipNBytes(propsEnd);
            try (XZInputStream xz = new XZInputStream(new BufferedInputStream(raw))) {
                byte[] buffer = new byte[1 << 20];
                for (int part; (part = xz.read(buffer)) > 0; length += part) {
                    if (length <= 1080 && length + part >= 1082) {
                        magic[0] = buffer[(int) (1080 - length)];
                        magic[1] = buffer[(int) (1081 - length)];
                    }
                }
            }
        } catch (java.io.EOFException | org.tukaani.xz.XZIOException e) {
            throw new JobException(Outcome.BAD_INPUT, input + " is truncated or corrupt (" + e.getMessage()
                    + "); nothing was written", e);
        }
        if (length != storedBytes) {
            throw new JobException(Outcome.BAD_INPUT, input + " holds " + length + " bytes, its header says "
                    + storedBytes + "; nothing was written");
        }
        boolean ext4 = (magic[0] & 0xFF) == 0x53 && (magic[1] & 0xFF) == 0xEF;
        if (kind != Kind.DM_SNAPSHOT_FILE && !ext4) {
            throw new JobException(Outcome.BAD_INPUT, input + " holds no ext4 file system, which a "
                    + kind.name().toLowerCase() + " store is; nothing was written");
        }
    }

    /**
     * What the stick's live system was made from, for telling whether a backup belongs to it:
     * a dd'ed ISO's volume label and creation time; on an extract stick the root image and
     * fingerprint its manifest records, or without one the squashfs the live system mounts
     * (its path, size and mkfs time: a rebuilt image differs in them); "" when none is found.
     */
    static String baseImage(BlockDevice disk) {
        try {
            if (IsoImage.looksLikeIso9660(disk)) {
                IsoImage iso = IsoImage.open(disk);
                return iso.volume().label() + " " + iso.volume().creationDate();
            }
            int sector = disk.logicalSectorSize();
            for (org.stickwright.engine.part.PartitionTables.Partition p
                    : org.stickwright.engine.part.PartitionTables.read(disk).partitions()) {
                long offset = p.firstLba() * sector;
                long bytes = p.sectorCount() * sector;
                if (offset < 0 || bytes < 4096 || offset + bytes > disk.size()) {
                    continue;
                }
                String found = squashfsIdentity(disk.slice(offset, bytes));
                if (!found.isEmpty()) {
                    return found;
                }
            }
        } catch (IOException e) {
            return "";
        }
        return "";
    }

    private static final List<String> ROOT_IMAGES = List.of("LiveOS/squashfs.img", "live/filesystem.squashfs",
            "casper/filesystem.squashfs", "arch/x86_64/airootfs.sfs");

    private static String squashfsIdentity(BlockDevice volume) throws IOException {
        byte[] boot = volume.readBytes(0, 512);
        if ((boot[510] & 0xFF) != 0x55 || (boot[511] & 0xFF) != 0xAA) {
            return "";
        }
        try (FatFileSystem fs = FatFileSystem.open(volume)) {
            var manifest = fs.stat(org.stickwright.engine.job.StickManifest.PATH);
            if (manifest.isPresent() && !manifest.get().isDirectory() && manifest.get().size() < 64 * 1024) {
                try {
                    var parsed = org.stickwright.engine.job.StickManifest.parse(
                            fs.readAllBytes(org.stickwright.engine.job.StickManifest.PATH));
                    return parsed.rootImage() + " " + parsed.rootFingerprint();
                } catch (JobException e) {
                    // a damaged manifest: fall back to the squashfs itself
                }
            }
            for (String path : ROOT_IMAGES) {
                var entry = fs.stat(path);
                if (entry.isEmpty() || entry.get().isDirectory() || entry.get().size() < 96) {
                    continue;
                }
                byte[] superblock;
                try (InputStream in = fs.openInputStream(path)) {
                    superblock = in.readNBytes(96);
                }
                ByteBuffer sb = ByteBuffer.wrap(superblock).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                // squashfs superblock: magic "hsqs" at 0, mkfs_time (u32 seconds) at 8
                if (sb.getInt(0) != 0x73717368) {
                    return path + " " + entry.get().size() + " bytes";
                }
                return path + " " + entry.get().size() + " bytes, made "
                        + java.time.Instant.ofEpochSecond(Integer.toUnsignedLong(sb.getInt(8)));
            }
        } catch (org.stickwright.engine.io.FormatException e) {
            return "";
        }
        return "";
    }
}
