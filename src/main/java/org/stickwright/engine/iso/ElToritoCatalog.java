/*
 * El Torito (Phoenix/IBM, 1995): a Boot Record volume descriptor (type 0, "EL TORITO
 * SPECIFICATION" at byte 7) holds at byte 0x47 the LBA of the boot catalog, a 2048-byte block
 * of 32-byte entries:
 *
 *   validation entry   00 header id 01, 01 platform, 04..1B id string, 1C checksum (16-bit
 *                      words of the whole entry sum to 0), 1E 55 AA
 *   initial/default    00 boot indicator 88 (bootable) / 00, 01 media type (0 = no emulation),
 *                      02 load segment, 04 system type, 06 sector count (512-byte virtual
 *                      sectors), 08 load RBA (2048-byte block of the image)
 *   section header     00 0x90 (more headers follow) / 0x91 (last), 01 platform
 *                      (0 x86 BIOS, 1 PowerPC, 2 Mac, 0xEF EFI), 02 number of entries, 04 id
 *   section entry      laid out like the default entry; 0x44 extension entries follow it
 *
 * A typical dual-boot catalog: validation(platform 0), default entry -> BIOS loader (4
 * sectors), header 0x91 platform 0xEF with one entry -> the EFI FAT image (efiboot.img).
 */
package org.stickwright.engine.iso;

import java.util.ArrayList;
import java.util.List;

/** The boot entries of an El Torito boot catalog. */
public record ElToritoCatalog(long catalogLba, int validationPlatform, List<BootEntry> entries) {
    public static final int PLATFORM_X86 = 0x00;
    public static final int PLATFORM_EFI = 0xEF;

    /** Boot entries chained through more than this many catalog blocks are refused. */
    static final int MAX_ENTRIES = 1024;

    /**
     * One bootable image.
     *
     * @param platform    0 x86 BIOS, 0xEF EFI (from the validation entry for the default entry)
     * @param bootable    boot indicator 0x88
     * @param mediaType   0 no emulation, 1-3 floppy emulation, 4 hard disk emulation
     * @param loadSegment real-mode load segment (0 means the BIOS default 0x7C0)
     * @param sectorCount 512-byte sectors the firmware loads (EFI images often say 0 or 1 when big)
     * @param loadRba     2048-byte block where the image starts
     */
    public record BootEntry(int platform, boolean bootable, int mediaType, int loadSegment, int systemType,
            int sectorCount, long loadRba) {
        public boolean isEfi() {
            return platform == PLATFORM_EFI;
        }
    }

    public ElToritoCatalog {
        entries = List.copyOf(entries);
    }

    /** Parses the catalog block {@code catalog} (2048 bytes) found at device byte {@code position}. */
    static ElToritoCatalog parse(byte[] catalog, long catalogLba, long position) throws IsoFormatException {
        if (catalog.length < 64) {
            throw new IsoFormatException("El Torito boot catalog", position, "shorter than two entries");
        }
        if ((catalog[0] & 0xff) != 0x01 || (catalog[30] & 0xff) != 0x55 || (catalog[31] & 0xff) != 0xAA) {
            throw new IsoFormatException("El Torito validation entry", position,
                    "header id or key bytes 55 AA missing");
        }
        int sum = 0;
        for (int i = 0; i < 32; i += 2) {
            sum += Bytes.le16(catalog, i);
        }
        if ((sum & 0xffff) != 0) {
            throw new IsoFormatException("El Torito validation entry", position,
                    String.format("checksum words sum to 0x%04x, not 0", sum & 0xffff));
        }
        int platform = catalog[1] & 0xff;
        List<BootEntry> entries = new ArrayList<>();
        entries.add(entry(catalog, 32, platform));
        int at = 64;
        while (at + 32 <= catalog.length) {
            int header = catalog[at] & 0xff;
            if (header != 0x90 && header != 0x91) {
                break;
            }
            int sectionPlatform = catalog[at + 1] & 0xff;
            int count = Bytes.le16(catalog, at + 2);
            at += 32;
            for (int i = 0; i < count; i++) {
                if (at + 32 > catalog.length) {
                    throw new IsoFormatException("El Torito section entry", position + at,
                            "section announces " + count + " entries but the catalog ends");
                }
                if (entries.size() >= MAX_ENTRIES) {
                    throw new IsoFormatException("El Torito section entry", position + at, "too many entries");
                }
                entries.add(entry(catalog, at, sectionPlatform));
                at += 32;
                // Extension entries (0x44) continue the selection criteria of the entry before.
                while (at + 32 <= catalog.length && (catalog[at] & 0xff) == 0x44) {
                    at += 32;
                }
            }
            if (header == 0x91) {
                break;
            }
        }
        return new ElToritoCatalog(catalogLba, platform, entries);
    }

    private static BootEntry entry(byte[] b, int at, int platform) {
        return new BootEntry(platform, (b[at] & 0xff) == 0x88, b[at + 1] & 0x0f, Bytes.le16(b, at + 2),
                b[at + 4] & 0xff,
                Bytes.le16(b, at + 6), Bytes.le32(b, at + 8));
    }

    /** The default (initial) entry: the one BIOS firmware boots. */
    public BootEntry defaultEntry() {
        return entries.get(0);
    }

    /** The first EFI entry, or null. */
    public BootEntry efiEntry() {
        return entries.stream().filter(BootEntry::isEfi).findFirst().orElse(null);
    }

    /** The first x86 BIOS entry, or null. */
    public BootEntry biosEntry() {
        return entries.stream().filter(e -> e.platform() == PLATFORM_X86).findFirst().orElse(null);
    }
}
