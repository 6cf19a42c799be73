/*
 * Makes a FAT volume boot SYSLINUX on BIOS, as SYSLINUX's own installer (libinstaller) does,
 * without running it:
 *
 *   1. ldlinux.sys is stored as a file: the loader image, then two 512-byte ADV sectors (the
 *      "auxiliary data vector", where `syslinux --once` keeps settings). An empty ADV sector is
 *      A5 2F 2D 5A (magic 1) | checksum | 496 zero bytes | 64 BF 28 DD (magic 3), the checksum
 *      being 0xA3041767 minus the sum of the dwords from byte 8 to 507: for an empty one, A3041767.
 *   2. The loader learns where it lies. Its patch area begins with LDLINUX_MAGIC (FE 02 B2 3E)
 *      in the first sector: magic, instance, data_sectors (u16, loader sectors without the
 *      boot sector's one and the ADVs), adv_sectors (u16, 2), dwords (u32, loader bytes / 4),
 *      checksum (u32), maxtransfer (u16), epaoffset (u16) → the extended patch area:
 *      advptroffset, diroffset, dirlen, subvoloffset, subvollen, secptroffset, secptrcnt,
 *      sect1ptr0, sect1ptr1, raidpatch (all u16). The boot sector loads the loader's first
 *      sector from the 64-bit LBA stored at its own offsets sect1ptr0/sect1ptr1 (relative to the
 *      volume; it adds the partition's hidden sectors); that sector then loads the others from
 *      the extent list at secptroffset: {u64 lba, u16 sectors} records of consecutive sectors,
 *      each below 64 KiB (at most 127 sectors: one BIOS read each). The ADV pointers (two u64) name the ADV sectors. Finally the checksum makes the
 *      32-bit sum of all loader dwords equal LDLINUX_MAGIC.
 *   3. The volume's boot sector gets SYSLINUX's jump and OEM name (bytes 0-10) and its code
 *      (bytes 90-509); the BPB in between stays the volume's own. We write the same sector to
 *      the FAT32 backup boot sector too, so fsck sees no difference between the two.
 *   4. ldlinux.c32 (the second stage) lies beside ldlinux.sys; syslinux.cfg is searched in
 *      /boot/syslinux, /syslinux and / .
 */
package org.stickwright.engine.boot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.stickwright.engine.fat.FileExtent;
import org.stickwright.engine.io.BlockDevice;

/** Patches ldlinux.sys and a FAT boot sector so that the volume boots SYSLINUX. */
public final class SyslinuxInstaller {
    public static final int SECTOR = 512;
    static final int ADV_MAGIC1 = 0x5A2D2FA5;
    static final int ADV_MAGIC2 = 0xA3041767;
    static final int ADV_MAGIC3 = 0xDD28BF64;
    private static final int HEAD_LENGTH = 11;
    private static final int CODE_OFFSET = 90;
    private static final int CODE_END = 510;

    private SyslinuxInstaller() {
    }

    /** What to store as /ldlinux.sys before its sectors are known: loader + two empty ADV sectors. */
    public static byte[] ldlinuxFile(SyslinuxFiles files) {
        byte[] loader = files.ldlinuxSys();
        int padded = (loader.length + SECTOR - 1) / SECTOR * SECTOR;
        byte[] out = new byte[padded + 2 * SECTOR];
        System.arraycopy(loader, 0, out, 0, loader.length);
        byte[] adv = emptyAdv();
        System.arraycopy(adv, 0, out, padded, SECTOR);
        System.arraycopy(adv, 0, out, padded + SECTOR, SECTOR);
        return out;
    }

    /** One empty ADV sector. */
    static byte[] emptyAdv() {
        ByteBuffer b = ByteBuffer.allocate(SECTOR).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, ADV_MAGIC1);
        int sum = 0;
        for (int i = 8; i < SECTOR - 4; i += 4) {
            sum += b.getInt(i);
        }
        b.putInt(4, ADV_MAGIC2 - sum);
        b.putInt(SECTOR - 4, ADV_MAGIC3);
        return b.array();
    }

    /**
     * Patches the loader for the volume sectors its file occupies and rewrites the file's
     * sectors and the boot sector (and its FAT32 backup) on {@code volume}.
     *
     * @param volume  the FAT volume (a partition), sector 0 = its boot sector
     * @param extents where /ldlinux.sys lies on {@code volume}, as the FAT says
     * @return the patched loader, as written
     */
    public static byte[] install(BlockDevice volume, List<FileExtent> extents, SyslinuxFiles files) throws IOException {
        List<Long> sectors = new ArrayList<>();
        for (FileExtent extent : extents) {
            if (extent.deviceOffset() % SECTOR != 0) {
                throw new IOException("ldlinux.sys extent at byte " + extent.deviceOffset() + " is not sector-aligned");
            }
            for (long s = 0; s < (extent.length() + SECTOR - 1) / SECTOR; s++) {
                sectors.add(extent.deviceOffset() / SECTOR + s);
            }
        }
        byte[] loader = files.ldlinuxSys().clone();
        byte[] syslinuxBoot = files.bootSector().clone();
        patch(loader, syslinuxBoot, sectors);

        // The loader's sectors (the ADVs were written with the file and are unchanged).
        int loaderSectors = (loader.length + SECTOR - 1) / SECTOR;
        byte[] padded = new byte[loaderSectors * SECTOR];
        System.arraycopy(loader, 0, padded, 0, loader.length);
        for (int i = 0; i < loaderSectors; i++) {
            volume.write(ByteBuffer.wrap(padded, i * SECTOR, SECTOR), sectors.get(i) * SECTOR);
        }

        ByteBuffer bootBuffer = ByteBuffer.allocate(SECTOR);
        volume.read(bootBuffer, 0);
        byte[] boot = bootBuffer.array();
        System.arraycopy(syslinuxBoot, 0, boot, 0, HEAD_LENGTH);
        System.arraycopy(syslinuxBoot, CODE_OFFSET, boot, CODE_OFFSET, CODE_END - CODE_OFFSET);
        volume.write(ByteBuffer.wrap(boot), 0);
        int backup = ByteBuffer.wrap(boot).order(ByteOrder.LITTLE_ENDIAN).getShort(0x32) & 0xFFFF;
        boolean fat32 = (ByteBuffer.wrap(boot).order(ByteOrder.LITTLE_ENDIAN).getShort(0x16) & 0xFFFF) == 0;
        if (fat32 && backup != 0 && backup != 0xFFFF) {
            volume.write(ByteBuffer.wrap(boot), (long) backup * SECTOR);
        }
        return loader;
    }

    /** libinstaller's patch: sector pointers, totals, extents, ADV pointers, checksum. */
    static void patch(byte[] loader, byte[] bootSector, List<Long> sectors) throws IOException {
        int nsect = (loader.length + SECTOR - 1) / SECTOR + 2;
        if (sectors.size() < nsect) {
            throw new IOException("ldlinux.sys occupies " + sectors.size() + " sectors; the loader needs " + nsect);
        }
        int pa = SyslinuxFiles.patchArea(loader);
        if (pa < 0) {
            throw new IOException("ldlinux.sys has no patch area (LDLINUX_MAGIC)");
        }
        ByteBuffer img = ByteBuffer.wrap(loader).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer bs = ByteBuffer.wrap(bootSector).order(ByteOrder.LITTLE_ENDIAN);
        int epa = u16(img, pa + 22);
        if (epa + 20 > loader.length) {
            throw new IOException("ldlinux.sys extended patch area at " + epa + " lies past its end");
        }
        long first = sectors.get(0);
        int sect1ptr0 = u16(img, epa + 14);
        int sect1ptr1 = u16(img, epa + 16);
        if (sect1ptr0 + 4 > SECTOR - 2 || sect1ptr1 + 4 > SECTOR - 2) {
            throw new IOException("ldlinux.sys points the boot sector's sector-1 fields outside the sector");
        }
        bs.putInt(sect1ptr0, (int) first);
        bs.putInt(sect1ptr1, (int) (first >>> 32));

        int dwords = loader.length >>> 2;
        img.putShort(pa + 8, (short) (nsect - 2));
        img.putShort(pa + 10, (short) 2);
        img.putInt(pa + 12, dwords);

        int secptr = u16(img, epa + 10);
        int secptrCount = u16(img, epa + 12);
        List<long[]> extents = extents(sectors.subList(1, nsect - 2));
        if (extents.size() > secptrCount) {
            throw new IOException("ldlinux.sys is in " + extents.size() + " pieces; its extent table holds " + secptrCount);
        }
        if (secptr + 10L * secptrCount > loader.length) {
            throw new IOException("ldlinux.sys extent table at " + secptr + " lies past its end");
        }
        for (int i = 0; i < secptrCount; i++) {
            long[] e = i < extents.size() ? extents.get(i) : new long[] {0, 0};
            img.putLong(secptr + 10 * i, e[0]);
            img.putShort(secptr + 10 * i + 8, (short) e[1]);
        }
        int adv = u16(img, epa);
        img.putLong(adv, sectors.get(nsect - 2));
        img.putLong(adv + 8, sectors.get(nsect - 1));

        img.putInt(pa + 16, 0);
        int sum = 0;
        for (int i = 0; i < dwords; i++) {
            sum += img.getInt(4 * i);
        }
        img.putInt(pa + 16, SyslinuxFiles.LDLINUX_MAGIC - sum);
    }

    /** Runs of consecutive sectors, as the loader reads them: each below 64 KiB, i.e. at most 127 sectors. */
    static List<long[]> extents(List<Long> sectors) {
        List<long[]> out = new ArrayList<>();
        long lba = 0;
        long length = 0;
        for (long sector : sectors) {
            if (length > 0 && sector == lba + length && (length + 1) * SECTOR < 65536) {
                length++;
                continue;
            }
            if (length > 0) {
                out.add(new long[] {lba, length});
            }
            lba = sector;
            length = 1;
        }
        if (length > 0) {
            out.add(new long[] {lba, length});
        }
        return out;
    }

    private static int u16(ByteBuffer b, int at) {
        return b.getShort(at) & 0xFFFF;
    }
}
