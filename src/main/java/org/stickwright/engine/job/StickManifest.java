/*
 * What an extract-mode stick remembers about itself, so that a later `create --keep-persistence`
 * can replace the live system and keep the persistence: the file /.stickwright/stick.txt on the
 * FAT32 partition, plain UTF-8 lines of key=value:
 *
 *   stickwright-extract=1
 *   family=FEDORA_DRACUT
 *   root=/LiveOS/squashfs.img|33554432|<SHA-256 of the size, first MiB and last MiB>
 *   store=persistence|EXT4_FILE|/LiveOS/overlay-FEDORA-SWFL-1A2B-3C4D|268435456|persistence|<uuid>
 *   store=persistence|EXT4_PARTITION|-|536870912|persistence|<uuid>
 *   profile=persistent|rd.live.overlay=UUID=1A2B-3C4D rd.live.overlay.overlayfs|
 *   remove=rd.live.check
 *
 * The root line tells whether a dm-snapshot store, which records changed blocks of one exact
 * root image, can survive a new live system (it cannot if the image differs). The profile lines
 * are the persistence recipe the boot configurations were generated with: arguments to add,
 * then keys to remove, separated by '|'.
 */
package org.stickwright.engine.job;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.stickwright.engine.boot.PersistenceRecipe;
import org.stickwright.engine.family.Family;
import org.stickwright.engine.io.BlockDevice;

/** The manifest an extract-mode stick carries. */
public record StickManifest(Family family, String rootImage, String rootFingerprint, List<ExtractStores.Store> stores,
        PersistenceRecipe recipe) {
    public static final String PATH = "/.stickwright/stick.txt";
    private static final String HEADER = "stickwright-extract=1";
    private static final int MAX_BYTES = 64 * 1024;

    public StickManifest {
        stores = List.copyOf(stores);
    }

    public byte[] toBytes() {
        StringBuilder out = new StringBuilder(HEADER).append('\n');
        out.append("family=").append(family.name()).append('\n');
        out.append("root=").append(rootImage == null ? "-" : rootImage).append('|').append(rootFingerprint).append('\n');
        for (ExtractStores.Store s : stores) {
            out.append("store=").append(s.role()).append('|').append(s.kind().name()).append('|')
                    .append(s.path() == null ? "-" : s.path()).append('|').append(s.size()).append('|')
                    .append(s.fsLabel() == null ? "-" : s.fsLabel()).append('|')
                    .append(s.fsUuid() == null ? "-" : s.fsUuid().toString()).append('\n');
        }
        for (PersistenceRecipe.Profile p : recipe.profiles()) {
            out.append("profile=").append(p.titleSuffix()).append('|').append(String.join(" ", p.add())).append('|')
                    .append(String.join(" ", p.remove())).append('\n');
        }
        out.append("remove=").append(String.join(" ", recipe.removeFromAllEntries())).append('\n');
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Parses a manifest; a malformed one raises a {@link JobException} naming the line. */
    public static StickManifest parse(byte[] bytes) throws JobException {
        if (bytes.length > MAX_BYTES) {
            throw bad("it has " + bytes.length + " bytes, more than a manifest holds");
        }
        List<String> lines = List.of(new String(bytes, StandardCharsets.UTF_8).split("\n"));
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw bad("line 1 is not '" + HEADER + "'");
        }
        Family family = null;
        String root = null;
        String fingerprint = null;
        List<ExtractStores.Store> stores = new ArrayList<>();
        List<PersistenceRecipe.Profile> profiles = new ArrayList<>();
        List<String> remove = List.of();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            int eq = line.indexOf('=');
            if (line.isBlank()) {
                continue;
            }
            if (eq < 0) {
                throw bad("line " + (i + 1) + " has no '='");
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            String[] f = value.split("\\|", -1);
            try {
                switch (key) {
                    case "family" -> family = Family.valueOf(value);
                    case "root" -> {
                        root = f[0].equals("-") ? null : f[0];
                        fingerprint = f[1];
                    }
                    case "store" -> stores.add(new ExtractStores.Store(f[0], ExtractStores.Kind.valueOf(f[1]),
                            Long.parseLong(f[3]), f[2].equals("-") ? null : f[2], f[4].equals("-") ? null : f[4],
                            f[5].equals("-") ? null : UUID.fromString(f[5]), List.of()));
                    case "profile" -> profiles.add(new PersistenceRecipe.Profile(f[0], words(f[1]), words(f[2])));
                    case "remove" -> remove = words(value);
                    default -> throw bad("line " + (i + 1) + " has the unknown key '" + key + "'");
                }
            } catch (ArrayIndexOutOfBoundsException | IllegalArgumentException e) {
                throw bad("line " + (i + 1) + " ('" + line + "') is malformed: " + e.getMessage());
            }
        }
        if (family == null || fingerprint == null) {
            throw bad("the family or root line is missing");
        }
        return new StickManifest(family, root, fingerprint, stores, new PersistenceRecipe(family.name().toLowerCase(),
                profiles, remove));
    }

    private static List<String> words(String text) {
        return text.isBlank() ? List.of() : List.of(text.trim().split(" +"));
    }

    private static JobException bad(String why) {
        return new JobException(Outcome.BAD_INPUT, "the stick's manifest " + PATH + " cannot be read: " + why);
    }

    /**
     * SHA-256 over the size, the first MiB and the last MiB of a root image, read from the
     * {offset, length} extents holding it on {@code device}: cheap, and differs between builds.
     */
    public static String fingerprint(BlockDevice device, List<long[]> extents, long size) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        digest.update(Long.toString(size).getBytes(StandardCharsets.US_ASCII));
        long mib = 1 << 20;
        long headEnd = Math.min(size, mib);
        digest.update(read(device, extents, 0, (int) headEnd));
        long tailStart = Math.max(headEnd, size - mib);
        digest.update(read(device, extents, tailStart, (int) (size - tailStart)));
        return HexFormat.of().formatHex(digest.digest());
    }

    /** {@code length} bytes from file position {@code from} of a file stored in {@code extents}. */
    private static byte[] read(BlockDevice device, List<long[]> extents, long from, int length) throws IOException {
        byte[] out = new byte[length];
        int done = 0;
        long fileAt = 0;
        for (long[] e : extents) {
            long start = Math.max(from + done, fileAt);
            long end = Math.min(from + length, fileAt + e[1]);
            if (start < end) {
                byte[] part = device.readBytes(e[0] + (start - fileAt), (int) (end - start));
                System.arraycopy(part, 0, out, (int) (start - from), part.length);
                done = (int) (end - from);
            }
            fileAt += e[1];
        }
        if (done != length) {
            throw new IOException("the root image's extents hold fewer than " + (from + length) + " bytes");
        }
        return out;
    }
}
