/*
 * Writes a NEW image file from a live ISO in which one file (LiveOS/squashfs.img) has new
 * content of another length; everything else stays byte for byte where it was, or moves as a
 * whole by one shift. The source is a BlockDevice: an ISO file, or a stick whose first part is
 * the ISO as it was written (partitions a stick added after the ISO are not copied).
 *
 * Fedora's ISOs (and the test fixture, xorriso -partition_offset 16 -appended_part_as_gpt
 * -append_partition 2 <ESP> efiboot.img -e --interval:appended_partition_2:all::) look so, in
 * 512-byte sectors of the fixture fedora-nested.iso (69536 sectors):
 *
 *   0            protective MBR (GRUB boot_hybrid code; byte 432 = BIOS boot image LBA*4+4)
 *   1..63        GPT header, 248 entries
 *   64..60679    GPT 1 "ISO9660": the partition set (second PVD at 64+64, volume 15154 blocks),
 *                file data, LiveOS/squashfs.img somewhere inside
 *   60680..68871 GPT 2 "Appended2" = efiboot.img; the El Torito EFI entry's load RBA is 15170
 *   68872..69471 GPT 3 "Gap1" (xorriso's padding)
 *   69472..69535 backup GPT; the whole-disk PVD says 17384 blocks = all of it
 *
 * The ISO volume proper ends at P = the smallest end of all descriptor sets (block 15170 =
 * sector 60680). The rebuilt image is
 *
 *   [0, S)            copied; the old file's blocks left zero (sparse) unless it was last
 *   [S, S+n)          the new content, S = just after the last block anything else uses
 *   [P+shift, end)    everything from P on (appended partitions, gap, backup GPT) moved by
 *                     shift = the growth rounded up to the alignment the appended partitions had
 *
 * and then patched: the file's directory record in every tree (primary/Rock Ridge, Joliet, the
 * -partition_offset copies: extent LBA relative to each tree's base, length, both-endian); the
 * volume space size of every primary/supplementary descriptor (+shift); El Torito entries whose
 * load RBA is at or after P (+shift); MBR and GPT entries (an entry starting at or after P
 * moves, one ending at P or covering it - partition 1 over the ISO - is stretched; the
 * protective 0xEE entry covers the new image); the GPT written again with its backup at the new
 * end and fresh CRCs. The BIOS boot image never moves (it lies before P), so the isohybrid MBR
 * code's pointer to it stays valid. The new content is streamed, never held in memory.
 */
package org.stickwright.engine.iso;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.part.Gpt;
import org.stickwright.engine.part.GptPartitionEntry;
import org.stickwright.engine.part.GptReader;
import org.stickwright.engine.part.GptWriter;
import org.stickwright.engine.part.Mbr;
import org.stickwright.engine.part.MbrPartitionEntry;
import org.stickwright.engine.part.MbrTypes;
import org.stickwright.engine.part.PartitionTables;

/** Builds a new live ISO image from an existing one with one file's content replaced. */
public final class IsoRebuilder {
    private static final int BLOCK = IsoImage.BLOCK_SIZE;
    private static final int SECTOR = 512;
    private static final long MAX_FILE = 0xFFFF_FFFFL;
    /** Appended partitions keep their alignment up to this much (xorriso aligns less). */
    private static final long MAX_ALIGNMENT = 1L << 20;
    private static final int COPY_BYTES = 1 << 20;

    /**
     * What a rebuild does (or did).
     *
     * @param path              the replaced file
     * @param oldLength         its old size
     * @param newLength         its new size
     * @param newExtentOffset   byte offset of the new content in the new image
     * @param isoEndBytes       where the ISO volume proper ended in the source (P)
     * @param shiftBytes        how far everything from P on moved
     * @param sourceImageBytes  the source ISO's size (tables and descriptors), not a stick's
     * @param imageBytes        the new image's size
     * @param recordsUpdated    directory records naming the file (one per tree)
     * @param descriptorsUpdated volume descriptors whose volume space size grew
     * @param movedPartitions   partition numbers that moved or were stretched
     * @param droppedPartitions partition numbers lying after the ISO (a stick's own), not copied
     * @param bootEntriesMoved  El Torito entries whose load RBA moved
     * @param alignmentBytes    the alignment the moved region keeps
     */
    public record Plan(String path, long oldLength, long newLength, long newExtentOffset, long isoEndBytes,
            long shiftBytes, long sourceImageBytes, long imageBytes, int recordsUpdated, int descriptorsUpdated,
            List<Integer> movedPartitions, List<Integer> droppedPartitions, int bootEntriesMoved,
            long alignmentBytes) {
        public Plan {
            movedPartitions = List.copyOf(movedPartitions);
            droppedPartitions = List.copyOf(droppedPartitions);
        }
    }

    private final BlockDevice source;
    private final IsoPatcher patcher;
    private final IsoImage image;
    private final IsoEntry target;
    private final List<IsoPatcher.TreeRecord> naming;
    private final PartitionTables tables;
    private final long isoEndBlock;
    private final long imageEndSector;
    private final long newStartBlock;
    private final long newLength;
    private final long shiftBytes;
    private final long alignment;
    private final List<Long> descriptorOffsets = new ArrayList<>();
    private final List<Integer> moved = new ArrayList<>();
    private final List<Integer> dropped = new ArrayList<>();
    private final List<Integer> catalogEntryOffsets = new ArrayList<>();
    private final byte[] catalog;

    private IsoRebuilder(BlockDevice source, String path, long newLength) throws IOException {
        this.source = source;
        this.newLength = newLength;
        this.patcher = IsoPatcher.scanned(source);
        this.image = patcher.image();
        this.target = image.find(path).orElseThrow(() -> new IsoRebuildException(source.name() + ": no file " + path));
        if (!target.isFile()) {
            throw new IsoRebuildException(path + " is not a regular file");
        }
        if (target.extents().size() > 1) {
            throw new IsoRebuildException(path + " is a multi-extent file (4 GiB or more); not rebuilt");
        }
        if (newLength < 0 || newLength > MAX_FILE) {
            throw new IsoRebuildException("new content of " + path + " (" + newLength
                    + " bytes) does not fit a single ISO 9660 extent of at most 4 GiB - 1 bytes");
        }
        if (target.size() > 0 && patcher.isBootImage(target.firstDataOffset())) {
            throw new IsoRebuildException(path + " is an El Torito boot image; a boot image is never replaced");
        }
        this.naming = patcher.recordsNaming(target);
        if (naming.isEmpty()) {
            throw new IsoRebuildException(path + ": no directory record names it in any tree");
        }

        long isoEnd = Long.MAX_VALUE;
        long rootsEnd = 0;
        for (IsoImage.TreeRoot root : image.treeRoots()) {
            long end = root.base() / BLOCK + root.volumeSpaceBlocks();
            isoEnd = Math.min(isoEnd, end);
            rootsEnd = Math.max(rootsEnd, end);
        }
        this.isoEndBlock = isoEnd;
        collectDescriptors();

        this.tables = PartitionTables.read(source);
        long imageEnd = rootsEnd * (BLOCK / SECTOR);
        for (Extent p : partitions()) {
            if (p.start() < rootsEnd * (BLOCK / SECTOR)) {
                imageEnd = Math.max(imageEnd, p.end());
            }
        }
        GptReader.Found gpt = tables.gpt();
        if (gpt != null && gpt.primary() != null) {
            long backupEnd = gpt.primary().alternateLba() + 1;
            long slack = gpt.gpt().arraySectors(SECTOR) + 64;
            if (backupEnd > imageEnd && backupEnd - imageEnd <= slack) {
                imageEnd = backupEnd; // a backup GPT just past the volume still belongs to the ISO
            }
        }
        this.imageEndSector = imageEnd;
        if (source.size() < imageEnd * SECTOR) {
            throw new IsoRebuildException(source.name() + " holds " + source.size() + " bytes but its ISO's "
                    + "descriptors and partitions reach byte " + imageEnd * SECTOR + " (truncated?)");
        }
        checkNothingElseAfterIsoEnd();

        long targetStart = target.size() > 0 ? target.firstDataOffset() / BLOCK : -1;
        long targetBlocks = blocks(target.size());
        long start;
        if (targetStart >= 0 && blocks(newLength) <= targetBlocks) {
            start = targetStart; // fits the old blocks: nothing moves
        } else {
            BitSet used = (BitSet) patcher.usedBlocks().clone();
            if (targetStart >= 0) {
                used.clear((int) targetStart, (int) (targetStart + targetBlocks));
            }
            start = used.previousSetBit((int) Math.min(isoEnd - 1, Integer.MAX_VALUE - 1)) + 1L;
            start = Math.max(start, IsoImage.FIRST_DESCRIPTOR_BLOCK);
            start = afterNonZeroTail(start, targetStart, targetBlocks);
        }
        this.newStartBlock = start;

        // Everything after P moves by a multiple of the largest alignment any moved boundary
        // had (a partition's start or end, the image's end), so each keeps its own: in the
        // Fedora fixture ESP starts on 4 KiB, Gap1 and the image end on 16 KiB.
        long align = BLOCK;
        List<Long> boundaries = new ArrayList<>();
        boundaries.add(imageEnd);
        for (Extent p : partitions()) {
            if (p.end() >= isoEnd * (BLOCK / SECTOR) && p.start() < imageEnd) {
                boundaries.add(p.end());
                if (p.start() >= isoEnd * (BLOCK / SECTOR)) {
                    boundaries.add(p.start());
                }
            }
        }
        for (long sector : boundaries) {
            if (sector > 0) {
                align = Math.max(align, Math.min(MAX_ALIGNMENT, Long.lowestOneBit(sector * SECTOR)));
            }
        }
        this.alignment = Math.max(align, BLOCK);
        long growth = Math.max(0, (start + blocks(newLength) - isoEnd) * BLOCK);
        this.shiftBytes = (growth + alignment - 1) / alignment * alignment;
        if ((imageEnd * SECTOR + shiftBytes) / BLOCK > MAX_FILE) {
            throw new IsoRebuildException("the new image would hold more blocks than a volume space size can say");
        }

        this.catalog = readCatalog();
        checkPartitions();
    }

    /** Works out the new layout, writing nothing. */
    public static Plan plan(BlockDevice source, String path, long newLength) throws IOException {
        return new IsoRebuilder(source, path, newLength).describe();
    }

    /**
     * Writes {@code output} (which must not exist): {@code source}'s ISO with the file at
     * {@code path} holding {@code content} (all of it, streamed). The output is removed again
     * when anything fails.
     *
     * @throws IsoRebuildException when the layout cannot be rebuilt safely or the output exists
     */
    public static Plan rebuild(BlockDevice source, String path, BlockDevice content, Path output, Progress progress,
            Cancellation cancellation) throws IOException {
        IsoRebuilder rebuilder = new IsoRebuilder(source, path, content.size());
        try {
            Files.createFile(output);
        } catch (FileAlreadyExistsException e) {
            throw new IsoRebuildException(output + " exists; it is never written over");
        }
        boolean done = false;
        try {
            try (ImageFile out = ImageFile.create(output, rebuilder.imageEndSector * SECTOR + rebuilder.shiftBytes)) {
                rebuilder.write(content, out, progress == null ? new Progress() : progress,
                        cancellation == null ? new Cancellation() : cancellation);
                out.flush();
            }
            try (ImageFile check = ImageFile.openReadOnly(output)) {
                rebuilder.verify(check, path);
            }
            done = true;
            return rebuilder.describe();
        } finally {
            if (!done) {
                Files.deleteIfExists(output);
            }
        }
    }

    private Plan describe() {
        return new Plan(target.path(), target.size(), newLength, newStartBlock * BLOCK, isoEndBlock * BLOCK, shiftBytes,
                imageEndSector * SECTOR, imageEndSector * SECTOR + shiftBytes, naming.size(), descriptorOffsets.size(),
                moved, dropped, movedBootEntries(), alignment);
    }

    // ---- layout facts ----

    private static long blocks(long bytes) {
        return (bytes + BLOCK - 1) / BLOCK;
    }

    /** A partition of either table: number, first sector, one past its last, where it came from. */
    private record Extent(int number, long start, long end, boolean gpt, int slot) {
    }

    /** The partitions of the table in force, and a stale-but-intact GPT's too (it is rewritten). */
    private List<Extent> partitions() {
        List<Extent> all = new ArrayList<>();
        if (tables.mbr() != null) {
            for (int i = 0; i < 4; i++) {
                MbrPartitionEntry e = tables.mbr().entries().get(i);
                if (!e.isEmpty() && e.type() != MbrTypes.GPT_PROTECTIVE) {
                    all.add(new Extent(i + 1, e.firstLba(), e.endLba(), false, i));
                }
            }
        }
        if (rewritesGpt()) {
            List<GptPartitionEntry> slots = tables.gpt().gpt().slots();
            for (int i = 0; i < slots.size(); i++) {
                GptPartitionEntry e = slots.get(i);
                if (e.isUsed()) {
                    all.add(new Extent(i + 1, e.firstLba(), e.lastLba() + 1, true, i));
                }
            }
        }
        return all;
    }

    private boolean rewritesGpt() {
        return tables.gpt() != null && tables.gpt().primary() != null;
    }

    /** A sector number of the source as it is in the new image. */
    private long mapSector(long sector) {
        return sector >= isoEndBlock * (BLOCK / SECTOR) ? sector + shiftBytes / SECTOR : sector;
    }

    private void collectDescriptors() throws IOException {
        List<Long> bases = new ArrayList<>();
        bases.add(0L);
        bases.addAll(image.partitionSetOffsets());
        for (long base : bases) {
            for (int i = 0; i < IsoImage.MAX_DESCRIPTORS; i++) {
                long at = base + (IsoImage.FIRST_DESCRIPTOR_BLOCK + i) * (long) BLOCK;
                byte[] head = source.readBytes(at, 8);
                int type = head[0] & 0xff;
                if (type == 255) {
                    break;
                }
                if (type == 1 || type == 2) {
                    descriptorOffsets.add(at);
                }
            }
        }
    }

    /** Refuses a source where some file or directory (not the replaced one) is stored at or after P. */
    private void checkNothingElseAfterIsoEnd() throws IOException {
        for (IsoPatcher.TreeRecord r : patcher.records()) {
            if (naming.contains(r) || r.record().dataLength == 0) {
                continue;
            }
            long end = r.dataOffset() / BLOCK + blocks(r.record().dataLength);
            if (end > isoEndBlock) {
                throw new IsoRebuildException(source.name() + ": " + r.path() + " is stored at byte " + r.dataOffset()
                        + ", past the ISO volume's end at byte " + isoEndBlock * BLOCK
                        + "; such a layout is not rebuilt");
            }
        }
    }

    /** The first block from which [start, P) is all zero, the old file's blocks not counted. */
    private long afterNonZeroTail(long start, long targetStart, long targetBlocks) throws IOException {
        long result = start;
        ByteBuffer buffer = ByteBuffer.allocate(64 * BLOCK);
        long block = start;
        while (block < isoEndBlock) {
            if (targetStart >= 0 && block >= targetStart && block < targetStart + targetBlocks) {
                block = targetStart + targetBlocks;
                continue;
            }
            long limit = targetStart >= block ? Math.min(isoEndBlock, targetStart) : isoEndBlock;
            int n = (int) Math.min(64, limit - block);
            buffer.clear().limit(n * BLOCK);
            source.read(buffer, block * BLOCK);
            byte[] bytes = buffer.array();
            for (int i = n * BLOCK - 1; i >= 0; i--) {
                if (bytes[i] != 0) {
                    result = Math.max(result, block + i / BLOCK + 1);
                    break;
                }
            }
            block += n;
        }
        return result;
    }

    private byte[] readCatalog() throws IOException {
        if (image.elTorito().isEmpty()) {
            return null;
        }
        ElToritoCatalog elTorito = image.elTorito().get();
        if (elTorito.catalogLba() >= isoEndBlock) {
            throw new IsoRebuildException("the El Torito boot catalog lies after the ISO volume's end; not rebuilt");
        }
        byte[] block = source.readBytes(elTorito.catalogLba() * BLOCK, BLOCK);
        // Walks the entries as ElToritoCatalog.parse does, remembering where each sits.
        catalogEntryOffsets.add(32);
        int at = 64;
        while (at + 32 <= BLOCK) {
            int header = block[at] & 0xff;
            if (header != 0x90 && header != 0x91) {
                break;
            }
            int count = Bytes.le16(block, at + 2);
            at += 32;
            for (int i = 0; i < count && at + 32 <= BLOCK; i++) {
                catalogEntryOffsets.add(at);
                at += 32;
                while (at + 32 <= BLOCK && (block[at] & 0xff) == 0x44) {
                    at += 32;
                }
            }
            if (header == 0x91) {
                break;
            }
        }
        HybridLayout hybrid = image.hybrid();
        for (int offset : catalogEntryOffsets) {
            long rba = Bytes.le32(block, offset + 8);
            boolean bios = offset == 32 ? (block[1] & 0xff) == ElToritoCatalog.PLATFORM_X86 : false;
            if (rba >= isoEndBlock && bios && hybrid.isohybridStyle() != null) {
                throw new IsoRebuildException("the BIOS boot image lies after the ISO volume's end; moving it would"
                        + " break the isohybrid MBR code that points at it");
            }
        }
        return block;
    }

    private int movedBootEntries() {
        if (catalog == null || shiftBytes == 0) {
            return 0;
        }
        int count = 0;
        for (int offset : catalogEntryOffsets) {
            if (Bytes.le32(catalog, offset + 8) >= isoEndBlock) {
                count++;
            }
        }
        return count;
    }

    private void checkPartitions() throws IOException {
        long p = isoEndBlock * (BLOCK / SECTOR);
        long coverLimit = IsoImage.FIRST_DESCRIPTOR_BLOCK * (BLOCK / SECTOR);
        for (long set : image.partitionSetOffsets()) {
            coverLimit = Math.max(coverLimit, set / SECTOR);
        }
        for (Extent e : partitions()) {
            if (e.start() >= imageEndSector) {
                if (!dropped.contains(e.number())) {
                    dropped.add(e.number());
                }
                continue;
            }
            if (e.end() > imageEndSector) {
                throw new IsoRebuildException("partition " + e.number() + " (sectors " + e.start() + ".." + e.end()
                        + ") reaches past the ISO's end at sector " + imageEndSector + "; not rebuilt");
            }
            if (e.start() < p && e.end() > p && e.start() > coverLimit) {
                throw new IsoRebuildException("partition " + e.number() + " (sectors " + e.start() + ".." + e.end()
                        + ") straddles the ISO volume's end at sector " + p
                        + " without covering the ISO; it cannot be stretched or moved safely");
            }
            long targetStart = target.size() > 0 ? target.firstDataOffset() / SECTOR : -1;
            if (targetStart >= 0 && e.start() > coverLimit && e.start() < targetStart + blocks(target.size()) * 4
                    && e.end() > targetStart) {
                throw new IsoRebuildException("partition " + e.number() + " overlaps the data of " + target.path()
                        + "; not rebuilt");
            }
            if (shiftBytes > 0 && e.end() >= p && !moved.contains(e.number())) {
                moved.add(e.number());
            }
        }
    }

    // ---- writing ----

    private void write(BlockDevice content, BlockDevice out, Progress progress, Cancellation cancellation)
            throws IOException {
        long targetStart = target.size() > 0 ? target.firstDataOffset() : -1;
        long targetEnd = targetStart + blocks(target.size()) * BLOCK;
        long volumeEnd = isoEndBlock * BLOCK;
        long tail = imageEndSector * SECTOR - volumeEnd;
        progress.startPhase("writing the new image", volumeEnd + newLength + tail);
        // The volume up to P without the old content (its blocks stay zero); the tail after
        // the last used block is all zero in the source, so the new content lands on zeros.
        if (targetStart >= 0) {
            copy(source, 0, out, 0, targetStart, progress, cancellation);
            copy(source, targetEnd, out, targetEnd, volumeEnd - targetEnd, progress, cancellation);
            progress.add(targetEnd - targetStart);
        } else {
            copy(source, 0, out, 0, volumeEnd, progress, cancellation);
        }
        copy(content, 0, out, newStartBlock * BLOCK, newLength, progress, cancellation);
        copy(source, volumeEnd, out, volumeEnd + shiftBytes, tail, progress, cancellation);

        for (IsoPatcher.TreeRecord r : naming) {
            byte[] fields = new byte[16];
            Bytes.putBoth32(fields, 0, newStartBlock - r.base() / BLOCK);
            Bytes.putBoth32(fields, 8, newLength);
            out.writeBytes(r.record().position + 2, fields);
        }
        for (long at : descriptorOffsets) {
            long blocks = Bytes.le32(source.readBytes(at + 80, 4), 0) + shiftBytes / BLOCK;
            byte[] field = new byte[8];
            Bytes.putBoth32(field, 0, blocks);
            out.writeBytes(at + 80, field);
        }
        if (catalog != null && shiftBytes > 0) {
            byte[] patched = catalog.clone();
            for (int offset : catalogEntryOffsets) {
                long rba = Bytes.le32(patched, offset + 8);
                if (rba >= isoEndBlock) {
                    putLe32(patched, offset + 8, rba + shiftBytes / BLOCK);
                }
            }
            out.writeBytes(image.elTorito().get().catalogLba() * BLOCK, patched);
        }
        writeTables(out);
    }

    /** Copies {@code length} bytes, leaving all-zero stretches unwritten (the output is sparse and zero). */
    private static void copy(BlockDevice from, long fromOffset, BlockDevice to, long toOffset, long length,
            Progress progress, Cancellation cancellation) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(COPY_BYTES);
        for (long done = 0; done < length; ) {
            cancellation.check();
            int n = (int) Math.min(COPY_BYTES, length - done);
            buffer.clear().limit(n);
            from.read(buffer, fromOffset + done);
            if (!allZero(buffer.array(), n)) {
                buffer.flip();
                to.write(buffer, toOffset + done);
            }
            done += n;
            progress.add(n);
        }
    }

    private static boolean allZero(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static void putLe32(byte[] b, int at, long value) {
        for (int i = 0; i < 4; i++) {
            b[at + i] = (byte) (value >>> (8 * i));
        }
    }

    private void writeTables(BlockDevice out) throws IOException {
        long newSectors = imageEndSector + shiftBytes / SECTOR;
        if (tables.mbr() != null) {
            Mbr mbr = tables.mbr();
            for (int i = 0; i < 4; i++) {
                MbrPartitionEntry e = mbr.entries().get(i);
                MbrPartitionEntry changed;
                if (e.isEmpty()) {
                    continue;
                } else if (e.type() == MbrTypes.GPT_PROTECTIVE && (e.endLba() >= imageEndSector
                        || e.sectorCount() == MAX_FILE)) {
                    changed = resized(e, e.firstLba(), Math.min(newSectors - e.firstLba(), MAX_FILE));
                } else if (e.firstLba() >= imageEndSector) {
                    changed = MbrPartitionEntry.EMPTY; // the stick's own partition, not the ISO's
                } else {
                    long first = mapSector(e.firstLba());
                    changed = resized(e, first, mapSector(e.endLba()) - first);
                }
                if (!changed.equals(e)) {
                    Mbr.writeEntry(out, i + 1, changed);
                }
            }
        }
        if (rewritesGpt()) {
            GptReader.Found found = tables.gpt();
            Gpt gpt = found.gpt();
            List<GptPartitionEntry> slots = new ArrayList<>(gpt.slots());
            for (int i = 0; i < slots.size(); i++) {
                GptPartitionEntry e = slots.get(i);
                if (!e.isUsed()) {
                    continue;
                }
                if (e.firstLba() >= imageEndSector) {
                    slots.set(i, GptPartitionEntry.UNUSED);
                } else {
                    slots.set(i, new GptPartitionEntry(e.type(), e.unique(), mapSector(e.firstLba()),
                            mapSector(e.lastLba() + 1) - 1, e.attributes(), e.name()));
                }
            }
            long backupHeader = newSectors - 1;
            long lastUsable = backupHeader - gpt.arraySectors(SECTOR) - 1;
            Gpt rebuilt = new Gpt(gpt.diskGuid(), gpt.firstUsableLba(), lastUsable, gpt.entrySize(), slots);
            if (tables.scheme() == PartitionTables.Scheme.GPT) {
                GptWriter.write(out, rebuilt, found.primary().entriesLba(), backupHeader);
            } else {
                GptWriter.writeAsFound(out, rebuilt, found.primary().entriesLba(), backupHeader);
            }
        }
    }

    /** The entry with a new start and size; CHS end recomputed in the geometry its maker used. */
    private static MbrPartitionEntry resized(MbrPartitionEntry e, long first, long count) {
        int chsFirst = first == e.firstLba() ? e.chsFirst() : Chs.of(first, Chs.geometryOf(e));
        int chsLast = count == e.sectorCount() && first == e.firstLba() ? e.chsLast()
                : Chs.of(first + count - 1, Chs.geometryOf(e));
        return new MbrPartitionEntry(e.status(), chsFirst, e.type(), chsLast, first, count);
    }

    /** Cylinder/head/sector packing in the two geometries partitioners use (xorriso 64/32, fdisk 255/63). */
    private static final class Chs {
        private static final int[][] GEOMETRIES = {{64, 32}, {255, 63}};

        static int[] geometryOf(MbrPartitionEntry e) {
            for (int[] g : GEOMETRIES) {
                if (of(e.firstLba() + e.sectorCount() - 1, g) == e.chsLast()) {
                    return g;
                }
            }
            return GEOMETRIES[1];
        }

        static int of(long lba, int[] geometry) {
            int heads = geometry[0];
            int sectors = geometry[1];
            long cylinder = lba / ((long) heads * sectors);
            if (cylinder > 1023) {
                return (heads - 1) << 16 | (sectors | 3 << 6) << 8 | 0xFF;
            }
            int head = (int) (lba / sectors % heads);
            int sector = (int) (lba % sectors) + 1;
            return head << 16 | (sector | (int) (cylinder >> 8) << 6) << 8 | (int) (cylinder & 0xFF);
        }
    }

    /** Reads the new image back: the file is where the plan put it, in every tree, and the tables parse. */
    private void verify(BlockDevice written, String path) throws IOException {
        IsoImage rebuilt = IsoImage.open(written);
        IsoEntry file = rebuilt.find(path).orElseThrow(() -> new IsoFormatException("rebuilt image", 0,
                path + " is missing after the rebuild"));
        long expected = newLength > 0 ? newStartBlock * BLOCK : file.firstDataOffset();
        if (file.size() != newLength || file.firstDataOffset() != expected) {
            throw new IsoFormatException("rebuilt image", file.recordOffset(), path + " reads back as "
                    + file.size() + " bytes at " + file.firstDataOffset() + ", not " + newLength + " at " + expected);
        }
        PartitionTables.read(written);
    }

    @Override
    public String toString() {
        return "IsoRebuilder[" + source.name() + ", " + target.path() + "]";
    }
}
