/*
 * Reads an ISO 9660 image from a BlockDevice. The layout it walks:
 *
 *   block 0-15    System Area (isohybrid MBR/GPT live here; see HybridLayout)
 *   block 16..    volume descriptors, 2048 bytes each: byte 0 type (0 boot record, 1 primary,
 *                 2 supplementary/Joliet, 255 terminator), bytes 1-5 "CD001", byte 6 version 1
 *   PVD/SVD       8 system id (32), 40 volume id (32), 80 volume space size (both-endian),
 *                 88 escape sequences (Joliet: "%/@", "%/C", "%/E"), 128 logical block size,
 *                 140 L path table LBA, 156 root directory record (34 bytes), 318 publisher,
 *                 446 data preparer, 574 application, 813 creation date (17 bytes)
 *
 * Names come from Rock Ridge when the root's "." record starts with a SUSP SP entry, else
 * from the Joliet tree, else from the ISO 9660 identifiers without their ";1" version.
 * Directory trees are walked with every visited extent remembered, so a corrupt image whose
 * directories point back at an ancestor raises IsoFormatException instead of recursing forever.
 */
package org.stickwright.engine.iso;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.stickwright.engine.io.BlockDevice;

/** An opened ISO 9660 image: volume facts, boot facts, and its file tree. */
public final class IsoImage {
    public static final int BLOCK_SIZE = 2048;
    /** Volume descriptors start here (byte 32768). */
    public static final int FIRST_DESCRIPTOR_BLOCK = 16;
    /** A directory larger than this is taken as corrupt rather than read into memory. */
    static final long MAX_DIRECTORY_BYTES = 64L << 20;
    /** Descriptors we read before insisting on a terminator. */
    static final int MAX_DESCRIPTORS = 64;
    /** Nesting deeper than this is corrupt (Rock Ridge allows 255 path components at most). */
    static final int MAX_DEPTH = 255;

    /** Which names the tree shows. */
    public enum Naming { AUTO, ROCK_RIDGE, JOLIET, ISO9660 }

    /** A volume descriptor whose root starts a directory tree (primary or supplementary). */
    record TreeRoot(int type, long descriptorOffset, long base, boolean joliet, long rootLba, long rootLength,
            long volumeSpaceBlocks) {
    }

    private final BlockDevice device;
    private final IsoVolume volume;
    private final List<TreeRoot> roots;
    private final ElToritoCatalog elTorito;
    private final HybridLayout hybrid;
    private final Naming naming;
    private final TreeRoot treeRoot;
    private final int susSkip;
    private final long bootRecordOffset;

    private IsoImage(BlockDevice device, IsoVolume volume, List<TreeRoot> roots, ElToritoCatalog elTorito,
            HybridLayout hybrid, Naming naming, TreeRoot treeRoot, int susSkip, long bootRecordOffset) {
        this.device = device;
        this.volume = volume;
        this.roots = roots;
        this.elTorito = elTorito;
        this.hybrid = hybrid;
        this.naming = naming;
        this.treeRoot = treeRoot;
        this.susSkip = susSkip;
        this.bootRecordOffset = bootRecordOffset;
    }

    /** True when block 16 holds a volume descriptor ("CD001" at byte 32769): cheap format sniffing. */
    public static boolean looksLikeIso9660(BlockDevice device) throws IOException {
        long at = FIRST_DESCRIPTOR_BLOCK * (long) BLOCK_SIZE;
        if (device.size() < at + BLOCK_SIZE) {
            return false;
        }
        return "CD001".equals(new String(device.readBytes(at + 1, 5), StandardCharsets.ISO_8859_1));
    }

    /** Opens the image, choosing Rock Ridge names, else Joliet, else ISO 9660. */
    public static IsoImage open(BlockDevice device) throws IOException {
        return open(device, Naming.AUTO);
    }

    /** Opens the image showing the names of {@code naming} (fails if the image lacks that tree). */
    public static IsoImage open(BlockDevice device, Naming naming) throws IOException {
        List<TreeRoot> roots = new ArrayList<>();
        long[] bootRecord = {-1};
        byte[] pvd = readDescriptors(device, 0, roots, bootRecord);
        if (pvd == null) {
            throw new IsoFormatException("primary volume descriptor", FIRST_DESCRIPTOR_BLOCK * (long) BLOCK_SIZE,
                    "no primary volume descriptor before the terminator");
        }
        TreeRoot primary = roots.stream().filter(r -> r.type() == 1).findFirst().orElseThrow();
        TreeRoot joliet = roots.stream().filter(TreeRoot::joliet).findFirst().orElse(null);
        String jolietLabel = null;
        if (joliet != null) {
            byte[] svd = device.readBytes(joliet.descriptorOffset(), BLOCK_SIZE);
            jolietLabel = new String(svd, 40, 32, StandardCharsets.UTF_16BE).strip();
        }
        IsoVolume volume = new IsoVolume(Bytes.ascii(pvd, 40, 32), jolietLabel, Bytes.ascii(pvd, 8, 32),
                Bytes.ascii(pvd, 318, 128), Bytes.ascii(pvd, 446, 128), Bytes.ascii(pvd, 574, 128),
                DirectoryRecord.longDate(pvd, 813), Bytes.le32(pvd, 80), Bytes.le16(pvd, 128));
        ElToritoCatalog catalog = null;
        if (bootRecord[0] >= 0) {
            byte[] br = device.readBytes(bootRecord[0], BLOCK_SIZE);
            long catalogLba = Bytes.le32(br, 0x47);
            long catalogOffset = catalogLba * BLOCK_SIZE;
            if (catalogLba < FIRST_DESCRIPTOR_BLOCK || catalogOffset + BLOCK_SIZE > device.size()) {
                throw new IsoFormatException("El Torito boot record", bootRecord[0],
                        "boot catalog LBA " + catalogLba + " lies outside the image");
            }
            catalog = ElToritoCatalog.parse(device.readBytes(catalogOffset, BLOCK_SIZE), catalogLba, catalogOffset);
        }
        HybridLayout hybrid = HybridLayout.parse(device.readBytes(0, 1024), catalog);
        addPartitionSets(device, hybrid, roots);

        int skip = -1;
        DirectoryRecord rootSelf = firstRecord(device, primary);
        SystemUseArea rootArea = SystemUseArea.parse(device.readBytes(rootSelf.position, rootSelf.length),
                rootSelf.systemUseOffset, rootSelf.systemUseLength, rootSelf.position, 0, continuations(device, 0));
        if (rootArea.sharingProtocol) {
            skip = rootArea.skipBytes;
        }
        Naming chosen = naming;
        if (naming == Naming.AUTO) {
            chosen = skip >= 0 ? Naming.ROCK_RIDGE : joliet != null ? Naming.JOLIET : Naming.ISO9660;
        }
        if (chosen == Naming.ROCK_RIDGE && skip < 0) {
            throw new IsoFormatException("root directory record", rootSelf.position, "no Rock Ridge (SUSP SP) entry");
        }
        if (chosen == Naming.JOLIET && joliet == null) {
            throw new IsoFormatException("volume descriptor set", FIRST_DESCRIPTOR_BLOCK * (long) BLOCK_SIZE,
                    "no Joliet supplementary volume descriptor");
        }
        TreeRoot tree = chosen == Naming.JOLIET ? joliet : primary;
        return new IsoImage(device, volume, List.copyOf(roots), catalog, hybrid, chosen, tree, Math.max(skip, 0),
                bootRecord[0]);
    }

    /**
     * Reads the descriptors of the set at {@code base}; adds tree roots; returns the PVD bytes.
     * {@code bootRecord[0]} receives the boot record's offset (first set only).
     */
    private static byte[] readDescriptors(BlockDevice device, long base, List<TreeRoot> roots, long[] bootRecord)
            throws IOException {
        byte[] pvd = null;
        for (int i = 0; i < MAX_DESCRIPTORS; i++) {
            long offset = base + (FIRST_DESCRIPTOR_BLOCK + i) * (long) BLOCK_SIZE;
            if (offset + BLOCK_SIZE > device.size()) {
                throw new IsoFormatException("volume descriptor", offset, "the device ends before the terminator");
            }
            byte[] vd = device.readBytes(offset, BLOCK_SIZE);
            if (!"CD001".equals(new String(vd, 1, 5, StandardCharsets.ISO_8859_1))) {
                throw new IsoFormatException("volume descriptor", offset, "standard identifier CD001 missing");
            }
            int type = vd[0] & 0xff;
            if (type == 255) {
                return pvd;
            }
            if (type == 0 && bootRecord != null
                    && new String(vd, 7, 23, StandardCharsets.ISO_8859_1).equals("EL TORITO SPECIFICATION")) {
                bootRecord[0] = offset;
            }
            if (type == 1 || type == 2) {
                boolean joliet = type == 2 && vd[88] == '%' && vd[89] == '/'
                        && (vd[90] == '@' || vd[90] == 'C' || vd[90] == 'E');
                if (type == 1 && pvd == null) {
                    pvd = vd;
                }
                if (type == 1 || joliet) {
                    DirectoryRecord root = DirectoryRecord.parse(vd, 156, 34, offset + 156);
                    roots.add(new TreeRoot(type, offset, base, joliet, root.extentLba, root.dataLength,
                            Bytes.le32(vd, 80)));
                }
            }
        }
        throw new IsoFormatException("volume descriptor set", base + FIRST_DESCRIPTOR_BLOCK * (long) BLOCK_SIZE,
                "no terminator within " + MAX_DESCRIPTORS + " descriptors");
    }

    /**
     * Finds the second descriptor sets xorriso writes at a partition's start
     * (-partition_offset): an MBR partition starting on a 2048-byte boundary past 0 whose
     * block 16 is a primary volume descriptor.
     */
    private static void addPartitionSets(BlockDevice device, HybridLayout hybrid, List<TreeRoot> roots)
            throws IOException {
        Set<Long> starts = new HashSet<>();
        for (HybridLayout.MbrPartition p : hybrid.partitions()) {
            starts.add(p.startSector() * 512);
        }
        if (hybrid.gptHeader()) {
            byte[] header = device.readBytes(512, 512);
            long entriesLba = le64(header, 72);
            long count = Bytes.le32(header, 80);
            long entrySize = Bytes.le32(header, 84);
            if (entrySize >= 128 && entrySize <= 4096 && count <= 1024 && entriesLba * 512 + count * entrySize
                    <= device.size()) {
                byte[] entries = device.readBytes(entriesLba * 512, (int) (count * entrySize));
                for (int i = 0; i < count; i++) {
                    starts.add(le64(entries, (int) (i * entrySize) + 32) * 512);
                }
            }
        }
        for (long start : starts.stream().sorted().toList()) {
            long pvdOffset = start + FIRST_DESCRIPTOR_BLOCK * (long) BLOCK_SIZE;
            if (start <= 0 || start % BLOCK_SIZE != 0 || pvdOffset + BLOCK_SIZE > device.size()) {
                continue;
            }
            byte[] head = device.readBytes(pvdOffset, 8);
            if (head[0] == 1 && "CD001".equals(new String(head, 1, 5, StandardCharsets.ISO_8859_1))) {
                readDescriptors(device, start, roots, null);
            }
        }
    }

    private static long le64(byte[] b, int at) {
        return Bytes.le32(b, at) | Bytes.le32(b, at + 4) << 32;
    }

    private static DirectoryRecord firstRecord(BlockDevice device, TreeRoot root) throws IOException {
        long offset = root.base() + root.rootLba() * BLOCK_SIZE;
        if (offset + BLOCK_SIZE > device.size()) {
            throw new IsoFormatException("root directory", root.descriptorOffset() + 156,
                    "extent LBA " + root.rootLba() + " lies outside the device");
        }
        byte[] block = device.readBytes(offset, BLOCK_SIZE);
        return DirectoryRecord.parse(block, 0, BLOCK_SIZE, offset);
    }

    static SystemUseArea.ContinuationSource continuations(BlockDevice device, long base) {
        return new SystemUseArea.ContinuationSource() {
            @Override
            public byte[] read(long block, int offset, int length) throws IOException {
                long at = position(block) + offset;
                if (at < 0 || at + length > device.size()) {
                    throw new IsoFormatException("SUSP continuation area", at, "lies outside the device");
                }
                return device.readBytes(at, length);
            }

            @Override
            public long position(long block) {
                return base + block * BLOCK_SIZE;
            }
        };
    }

    public BlockDevice device() {
        return device;
    }

    public IsoVolume volume() {
        return volume;
    }

    /** Names the tree shows (never AUTO). */
    public Naming naming() {
        return naming;
    }

    public boolean hasJoliet() {
        return roots.stream().anyMatch(r -> r.joliet() && r.base() == 0);
    }

    /** The El Torito boot catalog, if the image has one. */
    public Optional<ElToritoCatalog> elTorito() {
        return Optional.ofNullable(elTorito);
    }

    /** MBR/GPT facts of the System Area. */
    public HybridLayout hybrid() {
        return hybrid;
    }

    /**
     * Byte offsets of the partitions holding a second descriptor set (xorriso
     * -partition_offset); empty for ordinary images.
     */
    public List<Long> partitionSetOffsets() {
        return roots.stream().map(TreeRoot::base).filter(b -> b > 0).distinct().sorted().toList();
    }

    List<TreeRoot> treeRoots() {
        return roots;
    }

    long bootRecordOffset() {
        return bootRecordOffset;
    }

    /** The root directory. */
    public IsoEntry root() throws IOException {
        DirectoryRecord self = firstRecord(device, treeRoot);
        if (!self.isDirectory()) {
            throw new IsoFormatException("root directory record", self.position, "is not flagged as a directory");
        }
        SystemUseArea rr = naming == Naming.ROCK_RIDGE ? rockRidge(self, treeRoot.base()) : null;
        int typeBits = rr == null || rr.mode == null ? 0 : rr.mode & 0170000;
        if (rr != null && (rr.symlinkTarget != null || (typeBits != 0 && typeBits != 0040000))) {
            throw new IsoFormatException("root directory record", self.position,
                    "Rock Ridge describes the root as something other than a directory");
        }
        return entryFor("/", "", List.of(self), treeRoot.base(), rr, treeRoot.rootLba(), self.dataLength);
    }

    private SystemUseArea rockRidge(DirectoryRecord self, long base) throws IOException {
        byte[] bytes = device.readBytes(self.position, self.length);
        return SystemUseArea.parse(bytes, self.systemUseOffset, self.systemUseLength,
                self.position + self.systemUseOffset, 0, continuations(device, base));
    }

    /** The entries of {@code directory}, in on-disk order, without "." and "..". */
    public List<IsoEntry> list(IsoEntry directory) throws IOException {
        if (!directory.isDirectory()) {
            throw new IllegalArgumentException(directory.path() + " is not a directory");
        }
        return readDirectory(directory.path(), directory.extents().get(0).offset(), directory.size(),
                treeRoot.base(), naming, susSkip);
    }

    /** Every entry below the root (root excluded), directories before their contents. */
    public List<IsoEntry> walk() throws IOException {
        List<IsoEntry> all = new ArrayList<>();
        Set<Long> visited = new HashSet<>();
        Deque<IsoEntry> stack = new ArrayDeque<>();
        IsoEntry root = root();
        visited.add(root.firstDataOffset());
        stack.push(root);
        while (!stack.isEmpty()) {
            IsoEntry dir = stack.pop();
            List<IsoEntry> children = list(dir);
            List<IsoEntry> subdirs = new ArrayList<>();
            for (IsoEntry child : children) {
                all.add(child);
                if (child.isDirectory()) {
                    if (!visited.add(child.firstDataOffset())) {
                        throw new IsoFormatException("directory record", child.recordOffset(),
                                "directory " + child.path() + " reuses the extent of another directory (a cycle)");
                    }
                    if (depth(child.path()) > MAX_DEPTH) {
                        throw new IsoFormatException("directory record", child.recordOffset(),
                                "nesting deeper than " + MAX_DEPTH);
                    }
                    subdirs.add(child);
                }
            }
            for (int i = subdirs.size() - 1; i >= 0; i--) {
                stack.push(subdirs.get(i));
            }
        }
        return all;
    }

    private static int depth(String path) {
        return (int) path.chars().filter(c -> c == '/').count();
    }

    /** The entry at {@code path} ("/boot/grub/grub.cfg"); case-sensitive except on ISO 9660 names. */
    public Optional<IsoEntry> find(String path) throws IOException {
        IsoEntry current = root();
        int hops = 0;
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (!current.isDirectory() || ++hops > MAX_DEPTH) {
                return Optional.empty();
            }
            IsoEntry next = null;
            for (IsoEntry child : list(current)) {
                boolean same = naming == Naming.ISO9660 ? child.name().equalsIgnoreCase(part)
                        : child.name().equals(part);
                if (same) {
                    next = child;
                    break;
                }
            }
            if (next == null) {
                return Optional.empty();
            }
            current = next;
        }
        return Optional.of(current);
    }

    /** The file whose data starts at 2048-byte block {@code lba}, e.g. an El Torito image. */
    public Optional<IsoEntry> findByBlock(long lba) throws IOException {
        long offset = lba * BLOCK_SIZE;
        return walk().stream().filter(e -> e.isFile() && e.firstDataOffset() == offset).findFirst();
    }

    /** The file that the El Torito EFI entry boots (efiboot.img, efi.img, ...), if any. */
    public Optional<IsoEntry> efiBootImage() throws IOException {
        if (elTorito == null || elTorito.efiEntry() == null) {
            return Optional.empty();
        }
        return findByBlock(elTorito.efiEntry().loadRba());
    }

    /** The bytes of a file, read extent after extent. */
    public InputStream openStream(IsoEntry file) throws IOException {
        if (!file.isFile()) {
            throw new IllegalArgumentException(file.path() + " is not a regular file");
        }
        for (IsoExtent extent : file.extents()) {
            if (extent.offset() + extent.length() > device.size()) {
                throw new IsoFormatException("file extent", file.recordOffset(), file.path() + " extends to byte "
                        + (extent.offset() + extent.length()) + " past the device's end " + device.size());
            }
        }
        return new ExtentInputStream(device, file.extents());
    }

    /** Reads a whole (small) file into memory. */
    public byte[] readAll(IsoEntry file) throws IOException {
        if (file.size() > Integer.MAX_VALUE - 16) {
            throw new IOException(file.path() + " is too large to read into memory");
        }
        try (InputStream in = openStream(file)) {
            return in.readAllBytes();
        }
    }

    /**
     * Streams the whole tree to {@code sink}: every directory (parents first), then every
     * regular file in the order its data lies on the device (one sequential pass over the
     * medium), then every symbolic link, then {@link IsoTreeSink#finish()}.
     */
    public void extract(IsoTreeSink sink) throws IOException {
        List<IsoEntry> all = walk();
        for (IsoEntry entry : all) {
            if (entry.isDirectory()) {
                sink.directory(entry);
            }
        }
        List<IsoEntry> files = new ArrayList<>(all.stream().filter(IsoEntry::isFile).toList());
        files.sort(Comparator.comparingLong(IsoEntry::firstDataOffset));
        for (IsoEntry file : files) {
            try (InputStream in = openStream(file)) {
                sink.file(file, in);
            }
        }
        for (IsoEntry entry : all) {
            if (entry.isSymlink()) {
                sink.symlink(entry, entry.symlinkTarget());
            }
        }
        sink.finish();
    }

    // ---- directory parsing, shared with the patcher ----

    /** A raw directory record together with the name it shows in its tree. */
    record NamedRecord(String name, DirectoryRecord record, SystemUseArea rockRidge) {
    }

    /** Reads the records of one directory extent (all of them, "." and ".." skipped). */
    List<NamedRecord> readRecords(long directoryOffset, long length, long base, Naming names, int skip)
            throws IOException {
        if (length > MAX_DIRECTORY_BYTES || length < 0) {
            throw new IsoFormatException("directory extent", directoryOffset,
                    "absurd directory size " + length + " bytes");
        }
        if (directoryOffset < 0 || directoryOffset + length > device.size()) {
            throw new IsoFormatException("directory extent", directoryOffset,
                    "directory of " + length + " bytes extends past the device's end");
        }
        byte[] data = device.readBytes(directoryOffset, (int) length);
        return parseDirectory(data, directoryOffset, names, skip, continuations(device, base));
    }

    /**
     * Parses the records of a directory extent already in memory ({@code data}, found at device
     * byte {@code directoryOffset}); "." and ".." are skipped, Rock Ridge is read when
     * {@code names} is ROCK_RIDGE.
     */
    static List<NamedRecord> parseDirectory(byte[] data, long directoryOffset, Naming names, int skip,
            SystemUseArea.ContinuationSource continuations) throws IOException {
        List<NamedRecord> records = new ArrayList<>();
        int at = 0;
        while (at < data.length) {
            int blockEnd = (at / BLOCK_SIZE + 1) * BLOCK_SIZE;
            blockEnd = Math.min(blockEnd, data.length);
            if ((data[at] & 0xff) == 0) {
                at = blockEnd;
                continue;
            }
            DirectoryRecord record = DirectoryRecord.parse(data, at, blockEnd - at, directoryOffset + at);
            at += record.length;
            if (record.isSelfOrParent()) {
                continue;
            }
            SystemUseArea rr = null;
            if (names == Naming.ROCK_RIDGE && record.systemUseLength > skip) {
                byte[] bytes = new byte[record.length];
                System.arraycopy(data, at - record.length, bytes, 0, record.length);
                rr = SystemUseArea.parse(bytes, record.systemUseOffset, record.systemUseLength, record.position
                        + record.systemUseOffset, skip, continuations);
            }
            records.add(new NamedRecord(nameOf(record, names, rr), record, rr));
        }
        return records;
    }

    private static String nameOf(DirectoryRecord record, Naming names, SystemUseArea rr) {
        if (rr != null && rr.name != null) {
            return rr.name;
        }
        String name = names == Naming.JOLIET ? new String(record.identifier, StandardCharsets.UTF_16BE)
                : new String(record.identifier, StandardCharsets.ISO_8859_1);
        if (!record.isDirectory()) {
            int semicolon = name.lastIndexOf(';');
            if (semicolon >= 0) {
                name = name.substring(0, semicolon);
            }
            if (names != Naming.JOLIET && name.endsWith(".")) {
                name = name.substring(0, name.length() - 1);
            }
        }
        return name;
    }

    private List<IsoEntry> readDirectory(String parentPath, long offset, long length, long base, Naming names,
            int skip) throws IOException {
        List<NamedRecord> records = readRecords(offset, length, base, names, skip);
        List<IsoEntry> entries = new ArrayList<>();
        String prefix = parentPath.endsWith("/") ? parentPath : parentPath + "/";
        int i = 0;
        while (i < records.size()) {
            NamedRecord first = records.get(i);
            List<DirectoryRecord> parts = new ArrayList<>();
            parts.add(first.record());
            // A multi-extent file continues in the following records of the same name.
            while (parts.get(parts.size() - 1).isMultiExtent()) {
                if (++i >= records.size()) {
                    throw new IsoFormatException("directory record", first.record().position,
                            "multi-extent file " + first.name() + " has no final extent record");
                }
                parts.add(records.get(i).record());
            }
            i++;
            SystemUseArea rr = first.rockRidge();
            if (rr != null && rr.relocated) {
                continue; // shown where its CL entry points from
            }
            if (first.name().isEmpty() || first.name().contains("/") || first.name().equals(".")
                    || first.name().equals("..")) {
                throw new IsoFormatException("directory record", first.record().position,
                        "invalid file name '" + first.name() + "'");
            }
            if (rr != null && parentPath.equals("/") && first.record().isDirectory() && isRelocationDirectory(
                    first, base)) {
                continue; // only holds what CL entries show elsewhere
            }
            long lba = first.record().extentLba;
            long size = 0;
            for (DirectoryRecord part : parts) {
                size += part.dataLength;
            }
            if (rr != null && rr.childLink >= 0) {
                DirectoryRecord self = firstRecord(device, new TreeRoot(1, first.record().position, base, false,
                        rr.childLink, BLOCK_SIZE, 0));
                lba = rr.childLink;
                size = self.dataLength;
                parts = List.of(self);
            }
            entries.add(entryFor(prefix + first.name(), first.name(), parts, base, rr, lba, size));
        }
        return entries;
    }

    /**
     * True for the directory Rock Ridge writers move deep directories to (rr_moved, .rr_moved,
     * RR_MOVED, or any -rr_reloc_dir name) when everything in it is marked RE: the relocated
     * directories are shown where their CL entries stand, so listing it would show them twice.
     */
    private boolean isRelocationDirectory(NamedRecord candidate, long base) throws IOException {
        DirectoryRecord r = candidate.record();
        List<NamedRecord> children = readRecords(base + r.extentLba * BLOCK_SIZE, r.dataLength, base,
                Naming.ROCK_RIDGE, susSkip);
        return !children.isEmpty() && children.stream().allMatch(c -> c.rockRidge() != null && c.rockRidge().relocated);
    }

    private IsoEntry entryFor(String path, String name, List<DirectoryRecord> parts, long base, SystemUseArea rr,
            long lba, long size) {
        DirectoryRecord first = parts.get(0);
        boolean directory = first.isDirectory() || (rr != null && rr.childLink >= 0);
        IsoEntry.Kind kind = directory ? IsoEntry.Kind.DIRECTORY : IsoEntry.Kind.FILE;
        if (rr != null && rr.symlinkTarget != null) {
            kind = IsoEntry.Kind.SYMLINK;
        } else if (rr != null && rr.mode != null && (rr.mode & 0170000) == 0120000) {
            kind = IsoEntry.Kind.SYMLINK;
        }
        List<IsoExtent> extents = new ArrayList<>();
        if (kind == IsoEntry.Kind.DIRECTORY) {
            extents.add(new IsoExtent(base + lba * BLOCK_SIZE, size));
        } else if (kind == IsoEntry.Kind.FILE) {
            for (DirectoryRecord part : parts) {
                if (part.dataLength > 0) {
                    extents.add(new IsoExtent(base + part.extentLba * BLOCK_SIZE, part.dataLength));
                }
            }
        }
        java.time.Instant modified = rr != null && rr.modified != null ? rr.modified : first.recorded;
        return new IsoEntry(path, name, kind, kind == IsoEntry.Kind.SYMLINK ? 0 : size, extents,
                rr != null && rr.mode != null ? rr.mode : -1, rr != null ? rr.uid : -1, rr != null ? rr.gid : -1,
                rr != null ? (rr.symlinkTarget == null ? "" : rr.symlinkTarget) : null, modified,
                rr != null ? rr.accessed : null, first.position);
    }

    @Override
    public String toString() {
        return "IsoImage[" + device.name() + ", label=" + volume.label() + ", names=" + naming.name()
                .toLowerCase(Locale.ROOT) + "]";
    }
}
