package org.stickwright.engine.job;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.Compression;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.ImageSource;
import org.stickwright.engine.io.Progress;

/**
 * Writes an image to a target byte for byte (raw mode), then proves it by reading it back.
 *
 * <p>Writing runs as a pipeline: a reader thread fills aligned 4 MiB buffers from the image
 * (decompressing on the fly), hasher threads take each chunk's SHA-256 where verification
 * will need it (compressed images), and the calling thread writes it. With a bmap only the
 * mapped ranges travel, each checked against the bmap's checksum. On an image-file target,
 * runs of zeros are not written at all and stay holes.
 *
 * <p>{@link #write} and {@link #verify} are separate steps so a caller can see exactly what
 * was written; both leave the target wiped (first and last MiB zeroed where written) when they
 * fail, so a half-written stick is never mistaken for a good one. The source is only read.
 */
public final class WriteJob {
    static final int CHUNK = 4 << 20;
    static final int BUFFERS = 8;
    /** Hashing and comparing are per chunk and CPU-bound: two threads use both cores of a small machine. */
    static final int HASHERS = 2;
    /** Sync this often so the final sync does not stall at "100 %" for minutes. */
    static final long SYNC_EVERY = 256L << 20;
    /** Granularity at which zeros become holes on image-file targets. */
    static final int HOLE_GRANULE = 64 << 10;
    static final long WIPE = 1 << 20;

    /** What to write where. {@code bmap} may be null (write everything). */
    public record Request(ImageSource source, Bmap bmap, BlockDevice target) {
    }

    /** One written chunk and the SHA-256 of what was written (null when verify compares with the image itself). */
    record WrittenChunk(long offset, int length, byte[] sha256) {
    }

    /** What {@link #write} did; {@link #verify} reads it back. */
    public static final class Written {
        private final List<WrittenChunk> chunks;
        private final long imageSize;
        private final long bytesWritten;
        private final long nanos;

        Written(List<WrittenChunk> chunks, long imageSize, long bytesWritten, long nanos) {
            this.chunks = chunks;
            this.imageSize = imageSize;
            this.bytesWritten = bytesWritten;
            this.nanos = nanos;
        }

        public long imageSize() {
            return imageSize;
        }

        /** Bytes carried to the target (holes and unmapped ranges excluded). */
        public long bytesWritten() {
            return bytesWritten;
        }

        /** Bytes the verification reads back: everything the image defines (all of it, or the bmap's ranges). */
        public long bytesCovered() {
            return chunks.stream().mapToLong(WrittenChunk::length).sum();
        }

        public long nanos() {
            return nanos;
        }
    }

    private final Request request;
    private final Progress progress;
    private final Cancellation cancellation;
    private final boolean fileTarget;
    private volatile long writtenLow = Long.MAX_VALUE;
    private volatile long writtenHigh = -1;

    public WriteJob(Request request, Progress progress, Cancellation cancellation) {
        this.request = request;
        this.progress = progress;
        this.cancellation = cancellation;
        this.fileTarget = request.target() instanceof ImageFile;
    }

    /** Checks the image (see {@link ImageCheck}); reads only the image. */
    public static ImageCheck.Checked checkImage(ImageSource source, Bmap bmap, Progress progress,
            Cancellation cancellation) throws JobException {
        try {
            return ImageCheck.check(source, bmap, progress, cancellation);
        } catch (Cancellation.CancelledException e) {
            throw new JobException(Outcome.CANCELLED, "cancelled before anything was written");
        } catch (IOException e) {
            throw new JobException(Outcome.BAD_INPUT, e.getMessage(), e);
        }
    }

    /** Refuses a target smaller than the image, saying how much is missing. */
    public static void checkFits(ImageCheck.Checked checked, String targetName, long targetSize, int sectorSize)
            throws JobException {
        long needed = roundUp(checked.size(), sectorSize);
        if (needed > targetSize) {
            throw new JobException(Outcome.BAD_INPUT, String.format(
                    "the target %s is too small: the image needs %d bytes (%s), the target has %d (%s): %d bytes (%s) missing",
                    targetName, needed, Sizes.human(needed), targetSize, Sizes.human(targetSize),
                    needed - targetSize, Sizes.human(needed - targetSize)));
        }
    }

    /** Writes the checked image. On failure the target is wiped and the exception says so. */
    public Written write(ImageCheck.Checked checked) throws JobException {
        long size = checked.size();
        try {
            checkFits(checked, request.target().name(), request.target().size(), request.target().logicalSectorSize());
        } catch (IOException e) {
            throw new JobException(Outcome.IO_ERROR, request.target().name() + ": cannot read its size: " + describe(e), e);
        }
        List<long[]> regions = regions(size);
        long total = regions.stream().mapToLong(r -> r[1]).sum();
        List<WrittenChunk> chunks = Collections.synchronizedList(new ArrayList<>());
        long[] carried = {0};
        long start = System.nanoTime();
        progress.startPhase("writing", total);
        try {
            if (fileTarget) {
                // A fresh run of holes: zeros we skip must read back as zeros, not as old data.
                ImageFile file = (ImageFile) request.target();
                long keep = file.size();
                file.setSize(0);
                file.setSize(keep);
            }
            try (ImageReader reader = new ImageReader(request.source(), regions)) {
                BmapChecker bmapChecker = request.bmap() == null ? null : new BmapChecker(request.bmap());
                boolean hashChunks = !comparesWithSource();
                long[] sinceSync = {0};
                List<ChunkPipeline.Stage> stages = new ArrayList<>();
                if (bmapChecker != null) {
                    stages.add(ChunkPipeline.parallel(HASHERS, chunk -> {
                        if (hashChunks) {
                            chunk.digest = sha256(chunk.data());
                        }
                        bmapChecker.accept(chunk);
                    }));
                } else if (hashChunks) {
                    stages.add(ChunkPipeline.parallel(HASHERS, chunk -> chunk.digest = sha256(chunk.data())));
                }
                stages.add(chunk -> {
                            carried[0] += writeChunk(chunk);
                            chunks.add(new WrittenChunk(chunk.offset, chunk.length, chunk.digest));
                            progress.add(chunk.length);
                            sinceSync[0] += chunk.length;
                            if (sinceSync[0] >= SYNC_EVERY) {
                                request.target().flush();
                                sinceSync[0] = 0;
                            }
                        });
                ChunkPipeline.run("stickwright-write", BUFFERS, CHUNK, reader::fill, stages, cancellation);
            }
            progress.startPhase("syncing", 0);
            request.target().flush();
        } catch (Cancellation.CancelledException e) {
            throw failed(Outcome.CANCELLED, "cancelled while writing", e);
        } catch (SourceMismatchException e) {
            throw failed(Outcome.IO_ERROR, e.getMessage(), e);
        } catch (IOException e) {
            throw failed(Outcome.IO_ERROR, "writing to " + request.target().name() + " failed: " + describe(e), e);
        }
        chunks.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        return new Written(List.copyOf(chunks), size, carried[0], System.nanoTime() - start);
    }

    /**
     * Whether verification compares the read-back bytes with the image's own bytes rather than
     * with SHA-256 digests taken while writing. An uncompressed image can be read again for
     * the price of a page-cache copy, and a byte-for-byte comparison is exact, where SHA-256
     * costs a core per 350 MB/s on a CPU without SHA extensions (this project's CI host): more
     * than a fast disk takes to write. A compressed image would have to be decompressed again,
     * so its chunks are hashed while writing instead.
     */
    private boolean comparesWithSource() {
        return request.source().compression() == Compression.NONE;
    }

    /**
     * Reads back everything {@link #write} covered through {@code readBack} (opened so that it
     * bypasses the page cache) and compares it with the image's bytes, or with the SHA-256 of
     * each chunk taken while writing when the image is compressed.
     */
    public long verify(Written written, BlockDevice readBack) throws JobException {
        long start = System.nanoTime();
        progress.startPhase("verifying", written.bytesCovered());
        Iterator<WrittenChunk> next = written.chunks.iterator();
        // Chunks are compared on two threads; the lowest mismatching offset is the one reported.
        AtomicLong firstBad = new AtomicLong(Long.MAX_VALUE);
        try (FileChannel image = comparesWithSource() ? FileChannel.open(request.source().path()) : null) {
            ThreadLocal<ByteBuffer> expectedBytes = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(CHUNK));
            ChunkPipeline.Stage compare = chunk -> {
                long mismatch;
                if (image != null) {
                    ByteBuffer expected = expectedBytes.get().clear().limit(chunk.length);
                    while (expected.hasRemaining()) {
                        if (image.read(expected, chunk.offset + expected.position()) < 0) {
                            throw new java.io.EOFException("the image shrank while it was being verified");
                        }
                    }
                    int at = chunk.data().mismatch(expected.flip());
                    mismatch = at < 0 ? -1 : chunk.offset + at;
                } else {
                    mismatch = Arrays.equals(chunk.digest, sha256(chunk.data())) ? -1 : chunk.offset + firstDifference(chunk);
                }
                if (mismatch >= 0) {
                    firstBad.accumulateAndGet(mismatch, Math::min);
                }
            };
            ChunkPipeline.run("stickwright-verify", BUFFERS, CHUNK, chunk -> {
                if (!next.hasNext() || firstBad.get() != Long.MAX_VALUE) {
                    return false;
                }
                WrittenChunk expected = next.next();
                chunk.offset = expected.offset();
                chunk.length = expected.length();
                chunk.digest = expected.sha256();
                readAligned(readBack, chunk);
                return true;
            }, List.of(ChunkPipeline.parallel(HASHERS, compare), chunk -> progress.add(chunk.length)), cancellation);
            if (firstBad.get() != Long.MAX_VALUE) {
                throw new VerifyMismatch(firstBad.get());
            }
        } catch (VerifyMismatch e) {
            throw failed(Outcome.VERIFY_MISMATCH, String.format(
                    "verification failed: %s differs from the image at byte %d (0x%x); the stick cannot be trusted",
                    request.target().name(), e.offset, e.offset), e);
        } catch (Cancellation.CancelledException e) {
            throw failed(Outcome.CANCELLED, "cancelled while verifying", e);
        } catch (IOException e) {
            throw failed(Outcome.IO_ERROR, "reading back " + request.target().name() + " failed: " + describe(e), e);
        }
        return System.nanoTime() - start;
    }

    /** [offset, length] pairs of the image to carry: all of it, or the bmap's ranges. */
    private List<long[]> regions(long size) {
        List<long[]> regions = new ArrayList<>();
        if (request.bmap() == null) {
            regions.add(new long[] {0, size});
        } else {
            for (Bmap.Range range : request.bmap().ranges()) {
                regions.add(new long[] {request.bmap().start(range), request.bmap().length(range)});
            }
        }
        return regions;
    }

    /** Writes one chunk; returns the bytes that reached the target. */
    private long writeChunk(ChunkPipeline.Chunk chunk) throws IOException {
        BlockDevice target = request.target();
        if (!fileTarget) {
            // Direct I/O wants whole sectors: the image's last sector is padded with zeros.
            int length = (int) roundUp(chunk.length, target.logicalSectorSize());
            ByteBuffer data = chunk.buffer.duplicate().position(0).limit(length);
            for (int i = chunk.length; i < length; i++) {
                data.put(i, (byte) 0);
            }
            noteWritten(chunk.offset, length);
            target.write(data, chunk.offset);
            return length;
        }
        long carried = 0;
        int runStart = -1;
        int at = 0;
        while (true) {
            boolean end = at >= chunk.length;
            boolean zero = end || isZero(chunk.buffer, at, Math.min(HOLE_GRANULE, chunk.length - at));
            if (!zero && runStart < 0) {
                runStart = at;
            } else if (zero && runStart >= 0) {
                noteWritten(chunk.offset + runStart, at - runStart);
                target.write(chunk.buffer.duplicate().position(runStart).limit(at), chunk.offset + runStart);
                carried += at - runStart;
                runStart = -1;
            }
            if (end) {
                break;
            }
            at = Math.min(at + HOLE_GRANULE, chunk.length);
        }
        return carried;
    }

    private void noteWritten(long offset, long length) {
        writtenLow = Math.min(writtenLow, offset);
        writtenHigh = Math.max(writtenHigh, offset + length);
    }

    private static boolean isZero(ByteBuffer buffer, int from, int length) {
        int at = from;
        int end = from + length;
        for (; at + 8 <= end; at += 8) {
            if (buffer.getLong(at) != 0) {
                return false;
            }
        }
        for (; at < end; at++) {
            if (buffer.get(at) != 0) {
                return false;
            }
        }
        return true;
    }

    /** Reads a chunk from the target in whole sectors, as direct I/O requires. */
    private static void readAligned(BlockDevice device, ChunkPipeline.Chunk chunk) throws IOException {
        int sector = device.logicalSectorSize();
        int length = (int) roundUp(chunk.length, sector);
        long available = device.size() - chunk.offset;
        if (length > available) {
            length = (int) available;
        }
        device.read(chunk.buffer.duplicate().position(0).limit(length), chunk.offset);
    }

    /** Locates the first differing byte of a chunk whose hash did not match, by re-reading the image. */
    private long firstDifference(ChunkPipeline.Chunk chunk) throws IOException {
        byte[] expected = new byte[chunk.length];
        try (InputStream in = request.source().open()) {
            in.skipNBytes(chunk.offset);
            in.readNBytes(expected, 0, expected.length);
        }
        ByteBuffer actual = chunk.data();
        for (int i = 0; i < expected.length; i++) {
            if (expected[i] != actual.get(i)) {
                return i;
            }
        }
        return 0;
    }

    /** Wipes the target's partition tables and wraps the cause with the state the target is left in. */
    private JobException failed(Outcome outcome, String message, Throwable cause) {
        return new JobException(outcome, message + "; " + wipe(), cause);
    }

    /**
     * Zeros the first and last MiB of the target: MBR, primary GPT and ISO 9660 descriptors at
     * the start, the backup GPT at the end. On an image file only where this job wrote:
     * elsewhere the file is a hole already, and writing zeros into a hole would need the space a
     * full disk may not have. Says in words what state the target is left in.
     */
    private String wipe() {
        if (writtenHigh < 0) {
            return "nothing was written to the target";
        }
        BlockDevice target = request.target();
        String headFailure;
        String tailFailure;
        try {
            long size = target.size();
            long tail = Math.max(WIPE, roundDown(size - WIPE, target.logicalSectorSize()));
            headFailure = fileTarget ? zeroOrSay(target, writtenLow, Math.min(WIPE, writtenHigh))
                    : zeroOrSay(target, 0, Math.min(WIPE, size));
            tailFailure = fileTarget ? zeroOrSay(target, Math.max(tail, writtenLow), Math.min(size, writtenHigh))
                    : zeroOrSay(target, tail, size);
            target.flush();
        } catch (IOException e) {
            return "wiping the target's partition tables failed too (" + describe(e) + "): its state is unknown";
        }
        if (headFailure != null) {
            return "wiping the target's partition tables failed too (" + headFailure + "): its state is unknown";
        }
        if (tailFailure != null) {
            return "the target's first MiB (MBR, GPT, ISO 9660 descriptors) was wiped so it is not mistaken for a good "
                    + "stick; wiping its last MiB (backup GPT) failed (" + tailFailure + ")";
        }
        return "the target's partition tables were wiped so it is not mistaken for a good stick";
    }

    private static String zeroOrSay(BlockDevice target, long from, long to) {
        try {
            zero(target, from, to);
            return null;
        } catch (IOException e) {
            return describe(e);
        }
    }

    private static void zero(BlockDevice target, long from, long to) throws IOException {
        if (to <= from) {
            return;
        }
        ByteBuffer zeros = org.stickwright.engine.io.AlignedBuffers.allocate((int) WIPE);
        long at = roundDown(from, target.logicalSectorSize());
        long end = roundUp(to, target.logicalSectorSize());
        while (at < end) {
            int n = (int) Math.min(WIPE, end - at);
            target.write(zeros.duplicate().position(0).limit(n), at);
            at += n;
        }
    }

    static long roundUp(long value, long unit) {
        return (value + unit - 1) / unit * unit;
    }

    static long roundDown(long value, long unit) {
        return value / unit * unit;
    }

    static String describe(IOException e) {
        String message = e.getMessage();
        return message == null ? e.getClass().getSimpleName() : message;
    }

    static byte[] sha256(ByteBuffer data) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(data);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Reads the regions of the image in order into chunks of at most {@link #CHUNK} bytes. */
    private static final class ImageReader implements AutoCloseable {
        private final Iterator<long[]> regions;
        private final FileChannel channel;
        private final InputStream stream;
        private final byte[] staging;
        private long streamPosition;
        private long regionOffset;
        private long regionLeft;
        private int region = -1;
        private int sequence;

        ImageReader(ImageSource source, List<long[]> regions) throws IOException {
            this.regions = regions.iterator();
            if (source.compression() == Compression.NONE) {
                channel = FileChannel.open(source.path(), StandardOpenOption.READ);
                stream = null;
                staging = null;
            } else {
                channel = null;
                stream = source.open();
                staging = new byte[CHUNK];
            }
        }

        boolean fill(ChunkPipeline.Chunk chunk) throws IOException {
            while (regionLeft == 0) {
                if (!regions.hasNext()) {
                    return false;
                }
                long[] next = regions.next();
                regionOffset = next[0];
                regionLeft = next[1];
                region++;
                sequence = 0;
            }
            int length = (int) Math.min(CHUNK, regionLeft);
            ByteBuffer target = chunk.buffer.duplicate().position(0).limit(length);
            if (channel != null) {
                long at = regionOffset;
                while (target.hasRemaining()) {
                    if (channel.read(target, at) < 0) {
                        throw new java.io.EOFException("the image ended early at byte " + at + ": was it truncated while writing?");
                    }
                    at = regionOffset + target.position();
                }
            } else {
                stream.skipNBytes(regionOffset - streamPosition);
                int n = stream.readNBytes(staging, 0, length);
                if (n < length) {
                    throw new java.io.EOFException("the image ended early at byte " + (regionOffset + n));
                }
                target.put(staging, 0, length);
                streamPosition = regionOffset + length;
            }
            chunk.offset = regionOffset;
            chunk.length = length;
            chunk.region = region;
            chunk.sequence = sequence++;
            regionOffset += length;
            regionLeft -= length;
            return true;
        }

        @Override
        public void close() throws IOException {
            if (channel != null) {
                channel.close();
            }
            if (stream != null) {
                stream.close();
            }
        }
    }

    /**
     * Compares each bmap range's checksum with the bytes that came from the image, on several
     * threads at once: different ranges hash side by side, while the chunks of one range are
     * fed to its digest strictly in order (a thread holding chunk k+1 waits for the thread that
     * took chunk k, which the FIFO queue handed out first, so it is already at work).
     */
    private static final class BmapChecker {
        private final Bmap bmap;
        private final Map<Integer, RangeDigest> open = new HashMap<>();
        private volatile boolean aborted;

        /** The digest of one range in progress. */
        private static final class RangeDigest {
            final MessageDigest digest;
            long left;
            int next;

            RangeDigest(MessageDigest digest, long left) {
                this.digest = digest;
                this.left = left;
            }
        }

        BmapChecker(Bmap bmap) {
            this.bmap = bmap;
        }

        void accept(ChunkPipeline.Chunk chunk) throws IOException {
            Bmap.Range range = bmap.ranges().get(chunk.region);
            RangeDigest state;
            synchronized (this) {
                state = open.computeIfAbsent(chunk.region, r -> new RangeDigest(bmap.newDigest(), bmap.length(range)));
                while (state.next != chunk.sequence) {
                    if (aborted) {
                        throw new java.io.InterruptedIOException("another hasher failed");
                    }
                    try {
                        wait(50);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted");
                    }
                }
            }
            state.digest.update(chunk.data()); // only this thread holds the range now
            boolean complete;
            synchronized (this) {
                state.next++;
                state.left -= chunk.length;
                complete = state.left == 0;
                if (complete) {
                    open.remove(chunk.region);
                }
                notifyAll();
            }
            if (complete && !range.checksum().isEmpty()) {
                String actual = HexFormat.of().formatHex(state.digest.digest());
                if (!actual.equals(range.checksum())) {
                    aborted = true;
                    throw new SourceMismatchException(String.format(
                            "the image does not match its bmap: blocks %d-%d have checksum %s, the bmap says %s (image damaged?)",
                            range.firstBlock(), range.lastBlock(), actual, range.checksum()));
                }
            }
        }
    }

    /** The image's bytes disagree with its bmap's checksums. */
    static final class SourceMismatchException extends IOException {
        private static final long serialVersionUID = 1L;

        SourceMismatchException(String message) {
            super(message);
        }
    }

    /** Read-back differs from what was written, at {@code offset}. */
    private static final class VerifyMismatch extends IOException {
        private static final long serialVersionUID = 1L;
        final long offset;

        VerifyMismatch(long offset) {
            super("verify mismatch at " + offset);
            this.offset = offset;
        }
    }
}
