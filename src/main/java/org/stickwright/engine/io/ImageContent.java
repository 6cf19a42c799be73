package org.stickwright.engine.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the first 64 KiB of an image say it is. Enough to refuse a file that is no disk image
 * before anything is written, and for {@code inspect}'s summary; the full parsers live in the
 * format packages.
 * <pre>
 *   offset 0x1FE      55 AA          boot signature (MBR, or a FAT boot sector)
 *   offset 0x1BE      4 x 16 bytes   MBR partition entries: status, CHS, type, LBA start, count
 *   offset 0x200      "EFI PART"     GPT header (512-byte sectors)
 *   offset 0x8000     01 "CD001" 01  ISO 9660 primary volume descriptor; label at +40 (32 bytes),
 *                                    volume space size at +80 (LE32), block size at +128 (LE16)
 *   offset 0x438      53 EF          ext2/3/4 superblock magic (superblock at 1024, +56)
 *   offset 0          "hsqs"         squashfs
 * </pre>
 */
public record ImageContent(Kind kind, PartitionTable table, List<MbrEntry> mbrEntries, String isoLabel,
        long isoSize, String filesystem) {

    /** What sort of image this is. */
    public enum Kind { ISO9660, DISK, FILESYSTEM, UNKNOWN }

    /** Which partition table sits in the first sectors. */
    public enum PartitionTable { NONE, MBR, GPT }

    /** One used MBR slot: type byte, first sector, sector count, active flag. */
    public record MbrEntry(int slot, int type, long firstSector, long sectors, boolean active) {
    }

    /** The number of leading bytes {@link #probe} wants. */
    public static final int PROBE_BYTES = 64 * 1024;

    /** Classifies an image from its first bytes ({@code length} of them valid). */
    public static ImageContent probe(byte[] head, int length) {
        ByteBuffer b = ByteBuffer.wrap(head, 0, length).order(ByteOrder.LITTLE_ENDIAN);
        boolean bootSignature = length >= 512 && (head[510] & 0xFF) == 0x55 && (head[511] & 0xFF) == 0xAA;
        boolean gpt = length >= 520 && "EFI PART".equals(ascii(head, 512, 8))
                || length >= 4104 && "EFI PART".equals(ascii(head, 4096, 8));
        boolean fatBootSector = bootSignature && (ascii(head, 54, 3).equals("FAT") || ascii(head, 82, 3).equals("FAT"));
        List<MbrEntry> entries = new ArrayList<>();
        if (bootSignature && !fatBootSector) {
            for (int slot = 0; slot < 4; slot++) {
                int at = 446 + 16 * slot;
                int status = head[at] & 0xFF;
                int type = head[at + 4] & 0xFF;
                long first = Integer.toUnsignedLong(b.getInt(at + 8));
                long count = Integer.toUnsignedLong(b.getInt(at + 12));
                if ((status == 0 || status == 0x80) && count > 0) {
                    entries.add(new MbrEntry(slot + 1, type, first, count, status == 0x80));
                }
            }
        }
        PartitionTable table = gpt ? PartitionTable.GPT : entries.isEmpty() ? PartitionTable.NONE : PartitionTable.MBR;

        boolean iso = length >= 0x8000 + 2048 && (head[0x8000] & 0xFF) == 1 && "CD001".equals(ascii(head, 0x8001, 5));
        if (iso) {
            String label = ascii(head, 0x8000 + 40, 32).trim();
            long blocks = Integer.toUnsignedLong(b.getInt(0x8000 + 80));
            int blockSize = Short.toUnsignedInt(b.getShort(0x8000 + 128));
            return new ImageContent(Kind.ISO9660, table, List.copyOf(entries), label, blocks * blockSize, null);
        }
        if (table != PartitionTable.NONE) {
            return new ImageContent(Kind.DISK, table, List.copyOf(entries), null, 0, null);
        }
        String fs = null;
        if (length >= 1084 && Short.toUnsignedInt(b.getShort(1024 + 56)) == 0xEF53) {
            fs = "ext";
        } else if (fatBootSector) {
            fs = "fat";
        } else if (length >= 4 && "hsqs".equals(ascii(head, 0, 4))) {
            fs = "squashfs";
        }
        return new ImageContent(fs == null ? Kind.UNKNOWN : Kind.FILESYSTEM, PartitionTable.NONE, List.of(), null, 0, fs);
    }

    /** An ISO whose first sector also carries an MBR, so it boots from a USB stick. */
    public boolean isHybridIso() {
        return kind == Kind.ISO9660 && table != PartitionTable.NONE;
    }

    private static String ascii(byte[] bytes, int offset, int length) {
        if (offset + length > bytes.length) {
            return "";
        }
        return new String(bytes, offset, length, StandardCharsets.ISO_8859_1);
    }
}
