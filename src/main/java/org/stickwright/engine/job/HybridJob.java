/*
 * Hybrid mode (design §1): the ISO byte for byte, persistence partitions after it, boot
 * configurations patched in place. The three steps:
 *
 * plan    reads only the ISO. Every edit is made on a CopyOnWriteDevice over the ISO file as
 *         large as the target: the boot configurations (ISO 9660 tree and EFI FAT image,
 *         HybridBootPatcher) and the new partition entries (HybridIsoTables: isohybrid-MBR
 *         ISOs get MBR entries 3, 4 and their stale GPT zeroed; GPT ISOs keep their GPT with
 *         the backup moved to the stick's end). So a config that cannot grow, a table without
 *         a free slot, a size that does not fit, all fail here, before the target is opened.
 *         The plan carries the edited sectors: typically 40-80 of them.
 * write   copies the ISO with WriteJob's pipeline, replays the edited sectors, formats each
 *         store as ext4 (metadata only: the time does not grow with the size) and the data
 *         partition as FAT32, through a RecordingDevice that notes every 4 KiB block written;
 *         those runs are then hashed.
 * verify  reads the ISO's range back and compares it with the ISO file outside the edited
 *         runs, then every recorded run against its hash.
 *
 * Example: the Fedora fixture (33,839,104 bytes, GPT) on a 512 MiB stick with 256 MiB of
 * persistence: p4 "persistence" ext4 from MiB 33 to MiB 289, p5 "data" FAT32 from MiB 289 to
 * the last whole MiB before the backup GPT array.
 */
package org.stickwright.engine.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.stickwright.engine.boot.PersistenceRecipe;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.family.FamilyDetector;
import org.stickwright.engine.family.LiveFamily;
import org.stickwright.engine.fat.Fat32FormatOptions;
import org.stickwright.engine.fat.Fat32Formatter;
import org.stickwright.engine.io.AlignedBuffers;
import org.stickwright.engine.io.BadImageException;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.Compression;
import org.stickwright.engine.io.CopyOnWriteDevice;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.ImageSource;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.part.GptTypes;
import org.stickwright.engine.part.HybridIsoTables;
import org.stickwright.engine.part.LayoutPlanner;
import org.stickwright.engine.part.MbrTypes;
import org.stickwright.engine.part.PartitionTables;

/** {@code create --mode hybrid}: the ISO as shipped plus persistence partitions, boot configs patched in place. */
public final class HybridJob implements CreateJob {
    static final long MIN_STORE = 16L << 20;
    /** Below this a data partition is not worth its entry (FAT32 needs 65,525 clusters anyway). */
    static final long MIN_DATA = 64L << 20;
    static final String DATA_LABEL = "STICKDATA";
    private static final long MIB = LayoutPlanner.ALIGNMENT;
    private static final int CHUNK = 4 << 20;

    private final CreateRequest request;
    private final Progress progress;
    private final Cancellation cancellation;
    private final Identifiers ids;

    /** A filesystem to make: ext4 for a store, FAT32 for the data partition. */
    record Filesystem(int number, long offset, long length, String role, HybridStores.Store store, int fatSerial,
            long randomSeed) {
        boolean isExt4() {
            return store != null;
        }
    }

    /** The plan's own state: the ISO, the sectors to replay, the filesystems to make. */
    record Detail(Path iso, long isoSize, HybridIsoTables.Layout layout, NavigableMap<Long, byte[]> editedSectors,
            List<Filesystem> filesystems, List<HybridBootPatcher.Patched> patchedConfigs, Instant time) {
    }

    /** What write did, for verify. */
    record Written(BlockDevice target, List<RecordingDevice.Run> runs) {
    }

    public HybridJob(CreateRequest request, Progress progress, Cancellation cancellation) {
        this.request = request;
        this.progress = progress;
        this.cancellation = cancellation;
        this.ids = request.identifiers();
    }

    @Override
    public CreatePlan plan(long targetSize, int sectorSize) throws JobException {
        ImageSource source;
        try {
            source = ImageSource.of(request.image());
        } catch (BadImageException e) {
            throw new JobException(Outcome.BAD_INPUT, e.getMessage(), e);
        }
        if (source.compression() != Compression.NONE) {
            throw new JobException(Outcome.BAD_INPUT, request.image() + " is " + source.compression().name()
                    .toLowerCase(java.util.Locale.ROOT) + "-compressed: hybrid mode patches the ISO in place and needs "
                    + "the uncompressed .iso file; decompress it first");
        }
        if (request.dataFs() == CreateRequest.DataFs.EXFAT) {
            throw new JobException(Outcome.BAD_INPUT, "--data-fs exfat: Stickwright cannot format exFAT itself yet; "
                    + "use --data-fs fat32 (files up to 4 GiB) or none");
        }
        if (sectorSize != CopyOnWriteDevice.SECTOR) {
            throw new JobException(Outcome.BAD_INPUT, "the target has " + sectorSize + "-byte sectors: a hybrid ISO's "
                    + "partition table counts 512-byte sectors, so firmware could not boot it from this drive; "
                    + "use --mode extract");
        }
        checkSizes();
        try (ImageFile iso = ImageFile.openReadOnly(request.image())) {
            long isoSize = iso.size();
            if (!IsoImage.looksLikeIso9660(iso)) {
                throw new JobException(Outcome.BAD_INPUT, request.image() + " is not an ISO 9660 image; "
                        + "use `stickwright write` to copy a disk image as it is");
            }
            LiveFamily family = FamilyDetector.detect(IsoImage.open(iso));
            if (!family.isKnown()) {
                throw new JobException(Outcome.BAD_INPUT, request.image() + ": no known live-system family (Fedora/dracut, "
                        + "Debian live-boot, Ubuntu casper, Arch archiso, SystemRescue) was found, so Stickwright cannot "
                        + "add persistence; use `stickwright write` for a plain copy");
            }
            if (!family.hybrid()) {
                throw new JobException(Outcome.BAD_INPUT, request.image() + " is not a hybrid ISO (no MBR or GPT): it "
                        + "would not boot from a stick as written; use --mode extract");
            }
            if (targetSize < isoSize + MIN_STORE + MIB) {
                throw new JobException(Outcome.BAD_INPUT, String.format("the target is too small: %s holds the ISO (%s) "
                        + "but no persistence; it needs at least %s", Sizes.human(targetSize), Sizes.human(isoSize),
                        Sizes.human(roundUp(isoSize, MIB) + MIN_STORE + MIB)));
            }
            return plan(iso, isoSize, family, targetSize, sectorSize);
        } catch (IOException e) {
            throw new JobException(Outcome.BAD_INPUT, request.image() + ": " + e.getMessage(), e);
        }
    }

    private void checkSizes() throws JobException {
        checkStoreSize("--persistence", request.persistence(), true);
        checkStoreSize("--home", request.home(), true);
        for (CreateRequest.Profile profile : request.profiles()) {
            checkStoreSize("--profile " + profile.name(), profile.size(), false);
        }
    }

    private static void checkStoreSize(String option, long size, boolean zeroAllowed) throws JobException {
        if (size < 0 || (size == 0 && !zeroAllowed) || (size > 0 && size < MIN_STORE)) {
            throw new JobException(Outcome.BAD_INPUT, option + " " + size + " bytes: a store needs at least "
                    + Sizes.human(MIN_STORE));
        }
    }

    private CreatePlan plan(ImageFile iso, long isoSize, LiveFamily family, long targetSize, int sectorSize)
            throws IOException, JobException {
        List<String> notes = new ArrayList<>();
        Instant time = ids.now();
        long persistenceSize = request.persistence() > 0 ? request.persistence() : -1;
        HybridStores.Decision decision = HybridStores.decide(family, request, persistenceSize, ids);
        notes.addAll(decision.notes());
        CopyOnWriteDevice edits = new CopyOnWriteDevice(iso, targetSize);

        List<HybridBootPatcher.Patched> patched;
        try {
            patched = HybridBootPatcher.apply(edits, family, decision.recipe(), time);
        } catch (IOException e) {
            throw new JobException(Outcome.BAD_INPUT, "cannot patch the boot configuration: " + e.getMessage(), e);
        }
        if (patched.isEmpty()) {
            throw new JobException(Outcome.BAD_INPUT, "no boot configuration with a kernel line was found to patch");
        }
        if (family.family() == org.stickwright.engine.family.Family.FEDORA_DRACUT) {
            notes.add("rd.live.check was removed from the edited entries: the ISO's implanted checksum no longer matches");
        }
        long isoEnd = Math.max(isoSize, edits.writtenEnd());
        HybridIsoTables.Layout layout = HybridIsoTables.detect(edits);
        PartitionTables tables = PartitionTables.read(edits);
        long contentEnd = Math.max(isoEnd, HybridIsoTables.contentEndBytes(edits));
        long usableEnd = layout == HybridIsoTables.Layout.GPT
                ? LayoutPlanner.forGpt(targetSize, sectorSize, tables.gpt().gpt().arraySectors(sectorSize)).usableEndBytes()
                : LayoutPlanner.forMbr(targetSize, sectorSize).usableEndBytes();
        long firstStart = roundUp(Math.max(contentEnd, MIB), MIB);
        long room = usableEnd > firstStart ? (usableEnd - firstStart) / MIB * MIB : 0;
        int freeSlots = layout == HybridIsoTables.Layout.GPT
                ? (int) tables.gpt().gpt().slots().stream().filter(s -> !s.isUsed()).count()
                : (int) tables.mbr().entries().stream().filter(e -> e.isEmpty()).count();

        List<HybridStores.Store> stores = decision.stores();
        if (stores.size() > freeSlots) {
            throw new JobException(Outcome.BAD_INPUT, String.format("this ISO's %s has room for %d more partitions, "
                    + "but %d stores were asked for (persistence%s%s); ask for fewer",
                    layout == HybridIsoTables.Layout.GPT ? "GPT" : "MBR (four entries, two used by the ISO)", freeSlots,
                    stores.size(), request.home() > 0 ? ", home" : "",
                    request.profiles().isEmpty() ? "" : ", " + request.profiles().size() + " profile(s)"));
        }
        long fixed = 0;
        for (HybridStores.Store store : stores) {
            if (store.size() > 0) {
                fixed += roundUp(store.size(), MIB);
            }
        }
        long needed = fixed + (persistenceSize < 0 ? MIN_STORE : 0);
        if (needed > room) {
            long othersSize = fixed - (persistenceSize > 0 ? roundUp(persistenceSize, MIB) : 0);
            long largest = Math.max(0, room - othersSize);
            String what = persistenceSize > 0 ? "--persistence " + Sizes.human(persistenceSize) : "the persistence store";
            throw new JobException(Outcome.BAD_INPUT, String.format("the target is too small: after the ISO it has "
                    + "room for %s; %s%s does not fit. The largest --persistence possible is %s",
                    Sizes.human(room), what, othersSize > 0 ? " with " + Sizes.human(othersSize) + " for home and profiles" : "",
                    largest >= MIN_STORE ? Sizes.human(largest) : "none (no room even for " + Sizes.human(MIN_STORE) + ")"));
        }
        long leftover = room - fixed;
        boolean data = false;
        if (persistenceSize < 0) {
            notes.add("no --persistence size given: the persistence store takes the rest of the stick, no data partition");
        } else if (request.dataFs() == CreateRequest.DataFs.NONE) {
            notes.add("no data partition (--data-fs none): " + Sizes.human(leftover) + " stay unpartitioned");
        } else if (stores.size() >= freeSlots) {
            notes.add("no data partition: the ISO's MBR has no entry left for it; "
                    + Sizes.human(leftover) + " stay unpartitioned");
        } else if (leftover < MIN_DATA) {
            notes.add("no data partition: only " + Sizes.human(leftover) + " are left after the stores");
        } else {
            data = true;
        }

        List<CreatePlan.PlannedPartition> partitions = new ArrayList<>();
        partitions.add(new CreatePlan.PlannedPartition(1, 0, isoEnd, "iso", "iso9660", family.volumeLabel()));
        List<Filesystem> filesystems = new ArrayList<>();
        for (HybridStores.Store store : stores) {
            LayoutPlanner.Request size = store.size() > 0 ? LayoutPlanner.Request.ofSize(store.size())
                    : LayoutPlanner.Request.restOfDisk();
            HybridIsoTables.AddedPartition added = HybridIsoTables.addPartitionAfterIso(edits, isoEnd,
                    new HybridIsoTables.NewPartition(size, MbrTypes.LINUX, GptTypes.LINUX_FILESYSTEM, store.label(),
                            ids.uuid(), 0));
            Filesystem fs = new Filesystem(added.number(), added.offsetBytes(sectorSize), added.sectorCount() * sectorSize,
                    store.role(), store, 0, seed());
            filesystems.add(fs);
            partitions.add(new CreatePlan.PlannedPartition(fs.number(), fs.offset(), fs.length(), store.role(), "ext4",
                    store.label()));
        }
        if (data) {
            HybridIsoTables.AddedPartition added = HybridIsoTables.addPartitionAfterIso(edits, isoEnd,
                    new HybridIsoTables.NewPartition(LayoutPlanner.Request.restOfDisk(), MbrTypes.FAT32_LBA,
                            GptTypes.MICROSOFT_BASIC_DATA, "data", ids.uuid(), 0));
            Filesystem fs = new Filesystem(added.number(), added.offsetBytes(sectorSize), added.sectorCount() * sectorSize,
                    "data", null, ids.serial(), 0);
            filesystems.add(fs);
            partitions.add(new CreatePlan.PlannedPartition(fs.number(), fs.offset(), fs.length(), "data", "fat32",
                    DATA_LABEL));
        }
        if (layout == HybridIsoTables.Layout.ISOHYBRID_MBR) {
            notes.add("isohybrid MBR kept (new entries added) and its stale GPT headers zeroed: the ISO stays a "
                    + "partition firmware and the initramfs can reach");
        } else {
            notes.add("the ISO's GPT kept, its backup header and array moved to the end of the stick");
        }
        List<String> entries = new ArrayList<>();
        for (PersistenceRecipe.Profile profile : decision.recipe().profiles()) {
            entries.add(profile.titleSuffix() + ": " + String.join(" ", profile.add()));
        }
        entries.add(PersistenceRecipe.PLAIN_SUFFIX);
        for (HybridBootPatcher.Patched p : patched) {
            notes.add("boot configuration patched: " + p.where());
        }
        Detail detail = new Detail(request.image(), isoSize, layout, new TreeMap<>(edits.pendingSectors()),
                List.copyOf(filesystems), List.copyOf(patched), time);
        return new CreatePlan(request, family, targetSize, sectorSize, partitions, List.of(), entries, notes, detail);
    }

    private long seed() {
        byte[] b = new byte[8];
        ids.nextBytes(b);
        return ByteBuffer.wrap(b).getLong();
    }

    @Override
    public Created write(CreatePlan plan, BlockDevice target) throws JobException {
        Detail detail = (Detail) plan.detail();
        long start = System.nanoTime();
        try {
            if (target.size() < plan.targetSize() || target.logicalSectorSize() != plan.sectorSize()) {
                throw new JobException(Outcome.BAD_INPUT, target.name() + " is not the drive this plan was made for ("
                        + plan.targetSize() + " bytes, " + plan.sectorSize() + "-byte sectors)");
            }
        } catch (IOException e) {
            throw new JobException(Outcome.IO_ERROR, target.name() + ": cannot read its size: " + e.getMessage(), e);
        }
        ImageSource source;
        try {
            source = ImageSource.of(detail.iso());
        } catch (BadImageException e) {
            throw new JobException(Outcome.BAD_INPUT, e.getMessage(), e);
        }
        WriteJob copy = new WriteJob(new WriteJob.Request(source, null, target), progress, cancellation);
        WriteJob.Written isoWritten = copy.write(WriteJob.checkImage(source, null, progress, cancellation));
        RecordingDevice recorder = new RecordingDevice(target);
        try {
            if (isoWritten.imageSize() != detail.isoSize()) {
                throw new IOException(detail.iso() + " changed size since the plan was made");
            }
            progress.startPhase("patching", (long) detail.editedSectors().size() * CopyOnWriteDevice.SECTOR);
            replay(detail.editedSectors(), recorder);
            if (detail.layout() == HybridIsoTables.Layout.ISOHYBRID_MBR && !(target instanceof ImageFile)) {
                // A stick used before may hold a backup GPT in its last sectors; with this MBR it must not.
                long size = target.size();
                recorder.write(AlignedBuffers.allocate((int) Math.min(MIB, size - detail.isoSize())),
                        size - Math.min(MIB, size - detail.isoSize()));
            }
            long total = detail.filesystems().size();
            progress.startPhase("formatting", total);
            for (Filesystem fs : detail.filesystems()) {
                cancellation.check();
                try (BlockDevice partition = recorder.slice(fs.offset(), fs.length())) {
                    if (fs.isExt4()) {
                        Ext4Options options = Ext4Options.labelled(fs.store().label()).withUuid(fs.store().uuid())
                                .withReservedPercent(0).withCreationTime(detail.time())
                                .withEntries(fs.store().entries());
                        Ext4Formatter.format(partition, options, new Random(fs.randomSeed()));
                    } else {
                        Fat32Formatter.format(partition, Fat32FormatOptions.defaults().withLabel(DATA_LABEL)
                                .withSerial(fs.fatSerial()).withHiddenSectors(fs.offset() / plan.sectorSize()),
                                detail.time());
                    }
                }
                progress.add(1);
            }
            progress.startPhase("syncing", 0);
            recorder.flush();
            List<RecordingDevice.Run> runs = recorder.hashRuns();
            return new Created(plan, isoWritten.bytesWritten() + recorder.recordedBytes(), System.nanoTime() - start,
                    new Written(target, runs));
        } catch (Cancellation.CancelledException e) {
            throw new JobException(Outcome.CANCELLED, "cancelled while making the persistence partitions; " + wipe(target), e);
        } catch (IOException e) {
            throw new JobException(Outcome.IO_ERROR, "making the persistence partitions on " + target.name() + " failed: "
                    + e.getMessage() + "; " + wipe(target), e);
        }
    }

    /** Writes the planned sectors, each run of adjacent sectors in one write. */
    private void replay(NavigableMap<Long, byte[]> sectors, BlockDevice target) throws IOException {
        List<Map.Entry<Long, byte[]>> run = new ArrayList<>();
        for (Map.Entry<Long, byte[]> e : sectors.entrySet()) {
            if (!run.isEmpty() && run.get(run.size() - 1).getKey() + 1 != e.getKey()) {
                writeRun(run, target);
                run.clear();
            }
            run.add(e);
        }
        if (!run.isEmpty()) {
            writeRun(run, target);
        }
    }

    private void writeRun(List<Map.Entry<Long, byte[]>> run, BlockDevice target) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(run.stream().mapToInt(e -> e.getValue().length).sum());
        for (Map.Entry<Long, byte[]> e : run) {
            buffer.put(e.getValue());
        }
        target.write(buffer.flip(), run.get(0).getKey() * CopyOnWriteDevice.SECTOR);
        progress.add(buffer.capacity());
    }

    @Override
    public void verify(Created created, BlockDevice readBack) throws JobException {
        Detail detail = (Detail) created.plan().detail();
        Written written = (Written) created.detail();
        List<RecordingDevice.Run> runs = written.runs();
        long isoBytes = roundUp(detail.isoSize(), RecordingDevice.BLOCK);
        long runBytes = runs.stream().mapToLong(RecordingDevice.Run::length).sum();
        progress.startPhase("verifying", isoBytes + runBytes);
        try (FileChannel iso = FileChannel.open(detail.iso())) {
            ByteBuffer actual = AlignedBuffers.allocate(CHUNK);
            ByteBuffer expected = ByteBuffer.allocate(CHUNK);
            for (long at = 0; at < isoBytes; at += CHUNK) {
                cancellation.check();
                int n = (int) Math.min(CHUNK, isoBytes - at);
                actual.clear().limit(n);
                readBack.read(actual, at);
                expected.clear();
                java.util.Arrays.fill(expected.array(), 0, n, (byte) 0);
                expected.limit((int) Math.max(0, Math.min(n, detail.isoSize() - at)));
                while (expected.hasRemaining()) {
                    if (iso.read(expected, at + expected.position()) < 0) {
                        throw new java.io.EOFException(detail.iso() + " shrank while it was being verified");
                    }
                }
                long bad = firstMismatchOutsideRuns(actual, expected.array(), at, n, runs);
                if (bad >= 0) {
                    throw mismatch(written.target(), bad);
                }
                progress.add(n);
            }
            for (RecordingDevice.Run run : runs) {
                cancellation.check();
                if (RecordingDevice.check(readBack, run) >= 0) {
                    throw new JobException(Outcome.VERIFY_MISMATCH, String.format("verification failed: the %d bytes "
                            + "written at byte %d (0x%x) of %s read back differently; the stick cannot be trusted; %s",
                            run.length(), run.offset(), run.offset(), written.target().name(), wipe(written.target())));
                }
                progress.add(run.length());
            }
        } catch (Cancellation.CancelledException e) {
            throw new JobException(Outcome.CANCELLED, "cancelled while verifying; " + wipe(written.target()), e);
        } catch (IOException e) {
            throw new JobException(Outcome.IO_ERROR, "reading back " + readBack.name() + " failed: " + e.getMessage()
                    + "; " + wipe(written.target()), e);
        }
    }

    private static long firstMismatchOutsideRuns(ByteBuffer actual, byte[] expected, long at, int n,
            List<RecordingDevice.Run> runs) {
        int i = 0;
        int runIndex = 0;
        while (i < n) {
            long pos = at + i;
            while (runIndex < runs.size() && runs.get(runIndex).offset() + runs.get(runIndex).length() <= pos) {
                runIndex++;
            }
            RecordingDevice.Run run = runIndex < runs.size() ? runs.get(runIndex) : null;
            if (run != null && run.offset() <= pos) {
                i = (int) Math.min(n, run.offset() + run.length() - at);
                continue;
            }
            int end = run == null ? n : (int) Math.min(n, run.offset() - at);
            for (; i < end; i++) {
                if (actual.get(i) != expected[i]) {
                    return at + i;
                }
            }
        }
        return -1;
    }

    private JobException mismatch(BlockDevice target, long offset) {
        return new JobException(Outcome.VERIFY_MISMATCH, String.format("verification failed: %s differs from what was "
                + "written at byte %d (0x%x); the stick cannot be trusted; %s", target.name(), offset, offset, wipe(target)));
    }

    /** Zeroes the first and last MiB (MBR, GPT, ISO descriptors, backup GPT) and says what happened. */
    static String wipe(BlockDevice target) {
        try {
            long size = target.size();
            long head = Math.min(MIB, size);
            target.write(AlignedBuffers.allocate((int) head), 0);
            long tail = Math.min(MIB, size - head);
            if (tail > 0) {
                target.write(AlignedBuffers.allocate((int) tail), size - tail);
            }
            target.flush();
            return "the target's partition tables were wiped so it is not mistaken for a good stick";
        } catch (IOException e) {
            return "wiping the target's partition tables failed too (" + e.getMessage() + "): its state is unknown";
        }
    }

    private static long roundUp(long value, long unit) {
        return (value + unit - 1) / unit * unit;
    }
}
