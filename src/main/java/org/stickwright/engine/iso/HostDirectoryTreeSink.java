/*
 * Writes an extracted ISO tree into a directory of the host filesystem, keeping Rock Ridge
 * permissions and modification times where the host supports them. Directory permissions and
 * times are applied last, so a read-only directory does not block writing its contents.
 */
package org.stickwright.engine.iso;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** An {@link IsoTreeSink} that recreates the tree below a host directory. */
public final class HostDirectoryTreeSink implements IsoTreeSink {
    private final Path target;
    private final List<IsoEntry> directories = new ArrayList<>();

    public HostDirectoryTreeSink(Path target) {
        this.target = target;
    }

    private Path resolve(IsoEntry entry) throws IOException {
        Path path = target.resolve(entry.path().substring(1)).normalize();
        if (!path.startsWith(target.normalize())) {
            throw new IOException("entry " + entry.path() + " escapes the target directory");
        }
        return path;
    }

    @Override
    public void directory(IsoEntry directory) throws IOException {
        Files.createDirectories(resolve(directory));
        directories.add(directory);
    }

    @Override
    public void file(IsoEntry file, InputStream content) throws IOException {
        Path path = resolve(file);
        Files.createDirectories(path.getParent());
        Files.copy(content, path);
        applyAttributes(path, file);
    }

    @Override
    public void symlink(IsoEntry link, String target) throws IOException {
        Path path = resolve(link);
        Files.createDirectories(path.getParent());
        Files.createSymbolicLink(path, Path.of(target));
    }

    @Override
    public void finish() throws IOException {
        for (int i = directories.size() - 1; i >= 0; i--) {
            applyAttributes(resolve(directories.get(i)), directories.get(i));
        }
    }

    private static void applyAttributes(Path path, IsoEntry entry) throws IOException {
        if (entry.modified() != null) {
            Files.setLastModifiedTime(path, FileTime.from(entry.modified()));
        }
        // Non-POSIX hosts (Windows) keep their default permissions.
        if (entry.permissions() >= 0
                && Files.getFileStore(path).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Files.setPosixFilePermissions(path, toPermissions(entry.permissions()));
        }
    }

    static Set<PosixFilePermission> toPermissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(order[bit]);
            }
        }
        return set;
    }
}
