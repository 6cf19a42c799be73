/*
 * Replaces one file's content inside an existing ISO 9660 image, writing only what must
 * change. A file's bytes are referenced from a directory record in every tree that lists it:
 * the primary tree (with Rock Ridge), the Joliet tree, and on images made with xorriso's
 * -partition_offset the second primary and Joliet trees at the partition's start, whose block
 * numbers count from that start (a record there says LBA 774 for data at absolute block 790
 * when the partition starts at block 16). The new content goes
 *
 *   1. into the file's own blocks when it fits (the slack of its last 2048-byte block), or
 *   2. into a run of free blocks inside the volume of EVERY tree that names the file: blocks
 *      no descriptor, path table, directory, continuation area, boot catalog, boot image or
 *      file uses AND that read as zeros (so structures we do not model, such as a backup GPT
 *      or checksum tags, are never overwritten), or
 *   3. after the volume's end, growing the volume space size (both-endian, byte 80) of every
 *      primary and supplementary descriptor; the device must be large enough and the bytes
 *      there zero. Partition tables that describe the ISO are the caller's to adjust.
 *
 * "Inside every tree" matters for -partition_offset images. A partition set's descriptor says
 * how big its partition is: in Ubuntu's layout (the test fixture) the set at block 16 has a
 * volume of 84 blocks (= GPT partition 1) while the whole-disk set's volume also spans the
 * appended EFI partition and xorriso's padding after it. A file moved to block 2148 reads fine through
 * the whole disk but lies past the end of /dev/sdX1, which the kernel and GRUB's (hd0,gpt1)
 * read. So a run must end within the smallest volume of the naming trees, and appending is
 * allowed only when every tree ends where the first set ends (else the partition would have to
 * grow over whatever follows it: refused). The partition's own system area (its blocks 0-15,
 * here absolute blocks 16-31) is the whole-disk set's descriptor area: the descriptors up to the
 * terminator are used, the zero blocks after them are free for both trees; only the disk's
 * system area (blocks 0-15: MBR, GPT) is always reserved.
 *
 * then every matching directory record gets the new extent LBA (byte 2) and data length
 * (byte 10), both-endian. Rock Ridge entries (PX, TF, NM) are left as they are.
 */
package org.stickwright.engine.iso;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.stickwright.engine.io.BlockDevice;

/** In-place content replacement for files of an ISO 9660 image. */
public final class IsoPatcher {
    private static final int BLOCK = IsoImage.BLOCK_SIZE;
    private static final long MAX_FILE = 0xFFFF_FFFFL;

    /** Where the new content went. */
    public enum Placement { IN_PLACE, RELOCATED, APPENDED }

    /**
     * What a replacement did.
     *
     * @param path              the file replaced
     * @param placement         where its content went
     * @param extent            the new extent on the device
     * @param recordsUpdated    directory records rewritten (one per tree naming the file)
     * @param volumeSpaceBlocks the volume's size in blocks afterwards (first descriptor set)
     */
    public record Result(String path, Placement placement, IsoExtent extent, int recordsUpdated,
            long volumeSpaceBlocks) {
    }

    /** A directory record of some tree, with the path it has in that tree. */
    record TreeRecord(String path, DirectoryRecord record, long base, boolean caseInsensitive) {
        long dataOffset() {
            return base + record.extentLba * BLOCK;
        }
    }

    private final BlockDevice device;
    private final IsoImage image;
    private final List<TreeRecord> records = new ArrayList<>();
    private final BitSet used = new BitSet();

    /** A patcher that has scanned {@code device}; {@link IsoRebuilder} asks it the same questions. */
    static IsoPatcher scanned(BlockDevice device) throws IOException {
        return new IsoPatcher(device);
    }

    IsoImage image() {
        return image;
    }

    /** Every directory record of every tree, with its path and tree base. */
    List<TreeRecord> records() {
        return records;
    }

    /** Blocks some structure or file uses (see {@link #scan()}). */
    BitSet usedBlocks() {
        return used;
    }

    private IsoPatcher(BlockDevice device) throws IOException {
        this.device = device;
        this.image = IsoImage.open(device);
        scan();
    }

    /** Where a replacement will go, computed before anything is written. */
    private record Plan(IsoEntry target, List<TreeRecord> records, Placement placement, long newOffset,
            long volumeBlocks) {
    }

    /**
     * Replaces the content of the regular file at {@code path} with {@code content}.
     *
     * @throws IsoFormatException when the image is corrupt
     * @throws IOException        when the file is missing, multi-extent, a boot image that would
     *                            have to move, or there is no room for the new content; nothing
     *                            has been written then
     */
    public static Result replace(BlockDevice device, String path, byte[] content) throws IOException {
        IsoPatcher patcher = new IsoPatcher(device);
        Plan plan = patcher.plan(path, content.length);
        return patcher.apply(plan, content);
    }

    /**
     * Works out where {@code newLength} bytes for {@code path} would go, writing nothing: a job
     * checks with this that a patch fits before it writes anything.
     */
    public static Result plan(BlockDevice device, String path, long newLength) throws IOException {
        IsoPatcher patcher = new IsoPatcher(device);
        Plan plan = patcher.plan(path, newLength);
        return new Result(plan.target().path(), plan.placement(), new IsoExtent(Math.max(plan.newOffset(), 0),
                newLength), plan.records().size(), plan.volumeBlocks());
    }

    private Plan plan(String path, long newLength) throws IOException {
        IsoEntry target = image.find(path).orElseThrow(() -> new IOException(device.name() + ": no file " + path));
        if (!target.isFile()) {
            throw new IOException(path + " is not a regular file");
        }
        if (target.extents().size() > 1) {
            throw new IOException(path + " is a multi-extent file; only single-extent files are replaced");
        }
        if (newLength < 0 || newLength > MAX_FILE) {
            throw new IOException("new content of " + path + " (" + newLength
                    + " bytes) does not fit a single extent of at most 4 GiB - 1 bytes");
        }
        List<TreeRecord> naming = recordsNaming(target);
        if (naming.isEmpty()) {
            throw new IOException(path + ": no directory record found for it in any tree");
        }
        long oldBlocks = blocks(target.size());
        long newBlocks = blocks(newLength);
        long oldOffset = target.size() > 0 ? target.firstDataOffset() : -1;
        long volumeBlocks = image.volume().volumeSpaceBlocks();
        if (newBlocks <= oldBlocks) {
            // Includes empty content: the records keep their block and only the size changes.
            return new Plan(target, naming, Placement.IN_PLACE, oldOffset, volumeBlocks);
        }
        if (isBootImage(oldOffset)) {
            throw new IOException(path + " is an El Torito boot image: it can grow only within its blocks");
        }
        long lowest = 0;
        long highest = Math.min(volumeBlocks, device.size() / BLOCK);
        for (TreeRecord r : naming) {
            lowest = Math.max(lowest, r.base() / BLOCK);
            highest = Math.min(highest, treeEndBlock(r.base()));
        }
        long free = findFreeRun(newBlocks, lowest, highest);
        if (free >= 0) {
            return checked(new Plan(target, naming, Placement.RELOCATED, free * BLOCK, volumeBlocks));
        }
        long end = volumeBlocks * BLOCK;
        for (TreeRecord r : naming) {
            if (treeEndBlock(r.base()) != volumeBlocks) {
                throw new IOException(device.name() + ": " + path + " needs " + newBlocks + " free blocks inside the "
                        + "tree at byte " + r.base() + " (its volume ends at byte " + treeEndBlock(r.base()) * BLOCK
                        + ", where other data follows, e.g. an appended partition) and there are none; "
                        + "moving it anywhere else would put it outside the partition that tree describes");
            }
        }
        long newEnd = end + newBlocks * BLOCK;
        if (newEnd > device.size()) {
            throw new IOException(device.name() + ": " + path + " needs " + newBlocks
                    + " blocks after the volume's end at byte " + end + " but the device ends at " + device.size());
        }
        if (!isZero(end, newBlocks * BLOCK)) {
            throw new IOException(device.name() + ": the bytes after the volume's end (" + end
                    + ") are in use; refusing to append " + path + " there");
        }
        return checked(new Plan(target, naming, Placement.APPENDED, end, volumeBlocks + newBlocks));
    }

    private static Plan checked(Plan plan) throws IOException {
        for (TreeRecord r : plan.records()) {
            if (plan.newOffset() < r.base()) {
                throw new IOException("new extent at byte " + plan.newOffset() + " lies before the tree at "
                        + r.base());
            }
        }
        return plan;
    }

    private Result apply(Plan plan, byte[] content) throws IOException {
        if (plan.placement() == Placement.IN_PLACE) {
            if (content.length > 0) {
                writeChanged(plan.newOffset(), content);
            }
        } else {
            device.write(ByteBuffer.wrap(content), plan.newOffset());
            if (plan.placement() == Placement.APPENDED) {
                growVolumeSpace(plan.volumeBlocks());
            }
        }
        for (TreeRecord r : plan.records()) {
            long lba = plan.newOffset() < 0 ? r.record().extentLba : (plan.newOffset() - r.base()) / BLOCK;
            byte[] fields = new byte[16];
            Bytes.putBoth32(fields, 0, lba);
            Bytes.putBoth32(fields, 8, content.length);
            device.write(ByteBuffer.wrap(fields), r.record().position + 2);
        }
        return new Result(plan.target().path(), plan.placement(), new IsoExtent(Math.max(plan.newOffset(), 0),
                content.length), plan.records().size(), plan.volumeBlocks());
    }

    private static long blocks(long bytes) {
        return (bytes + BLOCK - 1) / BLOCK;
    }

    /** Records in any tree that name {@code target}: same extent and size, or same path for empty files. */
    List<TreeRecord> recordsNaming(IsoEntry target) {
        List<TreeRecord> result = new ArrayList<>();
        for (TreeRecord r : records) {
            if (r.record().isDirectory()) {
                continue;
            }
            boolean match;
            if (target.size() > 0) {
                match = r.dataOffset() == target.firstDataOffset() && r.record().dataLength == target.size();
            } else {
                match = r.record().dataLength == 0 && (r.caseInsensitive()
                        ? r.path().equalsIgnoreCase(target.path()) : r.path().equals(target.path()));
            }
            if (match) {
                result.add(r);
            }
        }
        return result;
    }

    /** Rewrites only the 512-byte sectors whose bytes differ. */
    private void writeChanged(long offset, byte[] content) throws IOException {
        byte[] old = device.readBytes(offset, content.length);
        int sector = 512;
        for (int at = 0; at < content.length; at += sector) {
            int n = Math.min(sector, content.length - at);
            if (!java.util.Arrays.equals(old, at, at + n, content, at, at + n)) {
                device.write(ByteBuffer.wrap(content, at, n), offset + at);
            }
        }
    }

    boolean isBootImage(long offset) {
        return offset >= 0 && image.elTorito().map(c -> c.entries().stream()
                .anyMatch(e -> e.loadRba() * BLOCK == offset)).orElse(false);
    }

    private void growVolumeSpace(long blocksOfFirstSet) throws IOException {
        for (IsoImage.TreeRoot root : image.treeRoots()) {
            long blocks = blocksOfFirstSet - root.base() / BLOCK;
            byte[] field = new byte[8];
            Bytes.putBoth32(field, 0, blocks);
            device.write(ByteBuffer.wrap(field), root.descriptorOffset() + 80);
        }
    }

    /** The absolute block where the volume of the tree(s) at {@code base} ends (the smallest, if several). */
    private long treeEndBlock(long base) {
        long end = Long.MAX_VALUE;
        for (IsoImage.TreeRoot root : image.treeRoots()) {
            if (root.base() == base) {
                end = Math.min(end, base / BLOCK + root.volumeSpaceBlocks());
            }
        }
        return end;
    }

    /** First block of a run of {@code count} unused, all-zero blocks in [lowest, volumeBlocks), or -1. */
    private long findFreeRun(long count, long lowest, long volumeBlocks) throws IOException {
        long start = used.nextClearBit((int) lowest);
        while (start + count <= volumeBlocks) {
            int nextUsed = used.nextSetBit((int) start);
            long runEnd = nextUsed < 0 ? volumeBlocks : Math.min(nextUsed, volumeBlocks);
            if (runEnd - start >= count) {
                long nonZero = firstNonZeroBlock(start, count);
                if (nonZero < 0) {
                    return start;
                }
                start = used.nextClearBit((int) nonZero + 1);
            } else {
                if (nextUsed < 0) {
                    return -1;
                }
                start = used.nextClearBit(nextUsed);
            }
        }
        return -1;
    }

    private long firstNonZeroBlock(long start, long count) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64 * BLOCK);
        long block = start;
        long end = start + count;
        while (block < end) {
            int n = (int) Math.min(64, end - block);
            buffer.clear().limit(n * BLOCK);
            device.read(buffer, block * BLOCK);
            byte[] bytes = buffer.array();
            for (int i = 0; i < n * BLOCK; i++) {
                if (bytes[i] != 0) {
                    return block + i / BLOCK;
                }
            }
            block += n;
        }
        return -1;
    }

    private boolean isZero(long offset, long length) throws IOException {
        return firstNonZeroBlock(offset / BLOCK, length / BLOCK) < 0;
    }

    // ---- scanning every tree for records and used blocks ----

    private void scan() throws IOException {
        long limit = device.size() / BLOCK;
        for (IsoImage.TreeRoot root : image.treeRoots()) {
            long base = root.base() / BLOCK;
            markUsed(0, IsoImage.FIRST_DESCRIPTOR_BLOCK, limit);
            // Descriptors of this set, up to and including the terminator.
            long vd = base + IsoImage.FIRST_DESCRIPTOR_BLOCK;
            for (int i = 0; i < IsoImage.MAX_DESCRIPTORS; i++) {
                byte[] b = device.readBytes((vd + i) * BLOCK, 8);
                markUsed(vd + i, 1, limit);
                if ((b[0] & 0xff) == 255) {
                    break;
                }
            }
            byte[] descriptor = device.readBytes(root.descriptorOffset(), BLOCK);
            long tableBlocks = blocks(Bytes.le32(descriptor, 132));
            for (long table : new long[] {Bytes.le32(descriptor, 140), Bytes.le32(descriptor, 144),
                Bytes.be32(descriptor, 148), Bytes.be32(descriptor, 152)}) {
                if (table != 0) {
                    markUsed(base + table, tableBlocks, limit);
                }
            }
            walkTree(root, limit);
        }
        Set<Long> fileStarts = new HashSet<>();
        for (TreeRecord r : records) {
            if (!r.record().isDirectory() && r.record().dataLength > 0) {
                fileStarts.add(r.dataOffset() / BLOCK);
            }
        }
        if (image.elTorito().isPresent()) {
            ElToritoCatalog catalog = image.elTorito().get();
            markUsed(catalog.catalogLba(), 1, limit);
            for (ElToritoCatalog.BootEntry e : catalog.entries()) {
                markUsed(e.loadRba(), Math.max(1, blocks(e.sectorCount() * 512L)), limit);
                if (!fileStarts.contains(e.loadRba())) {
                    // A hidden boot image's size is unknown (EFI entries often say 1 sector):
                    // it may reach up to the next structure we know of.
                    int next = used.nextSetBit((int) Math.min(e.loadRba() + 1, Integer.MAX_VALUE - 1));
                    markUsed(e.loadRba(), (next < 0 ? limit : next) - e.loadRba(), limit);
                }
            }
        }
        // MBR partitions inside the volume (isohybrid's 0xEF entry for the EFI image) stay
        // untouched; the partitions that hold the whole ISO start at 0 or at a descriptor set.
        Set<Long> setStarts = new HashSet<>(image.partitionSetOffsets());
        for (HybridLayout.MbrPartition p : image.hybrid().partitions()) {
            long start = p.startSector() * 512;
            if (start > 0 && !setStarts.contains(start) && p.startSector() > 1) {
                markUsed(start / BLOCK, blocks(p.sectorCount() * 512 + start % BLOCK), limit);
            }
        }
    }

    private void walkTree(IsoImage.TreeRoot root, long limit) throws IOException {
        IsoImage.Naming naming;
        int skip = 0;
        if (root.joliet()) {
            naming = IsoImage.Naming.JOLIET;
        } else {
            long rootOffset = root.base() + root.rootLba() * BLOCK;
            byte[] first = device.readBytes(rootOffset, BLOCK);
            DirectoryRecord self = DirectoryRecord.parse(first, 0, BLOCK, rootOffset);
            SystemUseArea area = SystemUseArea.parse(first, self.systemUseOffset, self.systemUseLength,
                    rootOffset + self.systemUseOffset, 0, IsoImage.continuations(device, root.base()));
            naming = area.sharingProtocol ? IsoImage.Naming.ROCK_RIDGE : IsoImage.Naming.ISO9660;
            skip = area.sharingProtocol ? area.skipBytes : 0;
            markContinuations(area, root.base(), limit);
        }
        boolean caseInsensitive = naming == IsoImage.Naming.ISO9660;
        Set<Long> visited = new HashSet<>();
        Deque<Object[]> pending = new ArrayDeque<>();
        pending.push(new Object[] {"", root.rootLba(), root.rootLength()});
        while (!pending.isEmpty()) {
            Object[] dir = pending.pop();
            String path = (String) dir[0];
            long lba = (Long) dir[1];
            long length = (Long) dir[2];
            long offset = root.base() + lba * BLOCK;
            if (!visited.add(offset)) {
                throw new IsoFormatException("directory extent", offset,
                        "directory " + (path.isEmpty() ? "/" : path) + " is reached twice (a cycle)");
            }
            if (visited.size() > 1_000_000) {
                throw new IsoFormatException("directory extent", offset, "more than a million directories");
            }
            markUsed(offset / BLOCK, blocks(length), limit);
            for (IsoImage.NamedRecord named : image.readRecords(offset, length, root.base(), naming, skip)) {
                DirectoryRecord r = named.record();
                SystemUseArea rr = named.rockRidge();
                if (rr != null) {
                    markContinuations(rr, root.base(), limit);
                    if (rr.childLink >= 0) {
                        continue; // a pointer to a relocated directory, walked where it lives
                    }
                }
                String childPath = path + "/" + (root.joliet() || rr == null || rr.name == null
                        ? named.name() : rr.name);
                records.add(new TreeRecord(childPath, r, root.base(), caseInsensitive));
                if (r.isDirectory()) {
                    pending.push(new Object[] {childPath, r.extentLba, r.dataLength});
                } else if (r.dataLength > 0) {
                    markUsed((root.base() + r.extentLba * BLOCK) / BLOCK, blocks(r.dataLength), limit);
                }
            }
        }
    }

    private void markContinuations(SystemUseArea area, long base, long limit) {
        for (long block : area.continuationBlocks) {
            markUsed(base / BLOCK + block, 1, limit);
        }
    }

    /** Marks blocks as used; anything at or past {@code limit} (the device's end) is ignored. */
    private void markUsed(long first, long count, long limit) {
        long end = Math.min(first + count, limit);
        if (first < 0 || first >= end) {
            return;
        }
        used.set((int) first, (int) end);
    }

    @Override
    public String toString() {
        return "IsoPatcher[" + device.name() + ", " + records.size() + " directory records]";
    }
}
