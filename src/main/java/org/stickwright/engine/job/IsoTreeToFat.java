package org.stickwright.engine.job;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.stickwright.engine.fat.FatWriter;
import org.stickwright.engine.fat.FileTimes;
import org.stickwright.engine.iso.IsoEntry;
import org.stickwright.engine.iso.IsoTreeSink;

/**
 * Copies an ISO 9660 tree onto a FAT volume as {@link org.stickwright.engine.iso.IsoImage#extract}
 * streams it: directories first, then files in the order their data lies on the ISO, so the
 * source is read front to back and the FAT writer allocates front to back. FAT has no symbolic
 * links; they are left out and listed (live ISOs' boot paths use none).
 */
public final class IsoTreeToFat implements IsoTreeSink {
    private final FatWriter writer;
    private final List<String> skippedSymlinks = new ArrayList<>();
    private long files;
    private long bytes;

    public IsoTreeToFat(FatWriter writer) {
        this.writer = writer;
    }

    @Override
    public void directory(IsoEntry directory) throws IOException {
        if (!directory.path().equals("/")) {
            writer.mkdirs(directory.path(), times(directory));
        }
    }

    @Override
    public void file(IsoEntry file, InputStream content) throws IOException {
        writer.writeFile(file.path(), file.size(), content, times(file));
        files++;
        bytes += file.size();
    }

    @Override
    public void symlink(IsoEntry link, String target) {
        skippedSymlinks.add(link.path() + " -> " + target);
    }

    /** Symbolic links of the ISO that FAT could not hold, as "path -> target". */
    public List<String> skippedSymlinks() {
        return List.copyOf(skippedSymlinks);
    }

    public long files() {
        return files;
    }

    public long bytes() {
        return bytes;
    }

    private static FileTimes times(IsoEntry entry) {
        Instant modified = entry.modified() == null ? Instant.EPOCH : entry.modified();
        return new FileTimes(modified, modified, entry.accessed() == null ? modified : entry.accessed());
    }
}
