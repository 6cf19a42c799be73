package org.stickwright.boot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.stickwright.engine.fat.Fat32FormatOptions;
import org.stickwright.engine.fat.Fat32Formatter;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.fat.FileExtent;
import org.stickwright.engine.fat.FileTimes;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.testing.Tool;

/**
 * A Fedora nested fixture stick with a dm-snapshot overlay, laid out as extract mode keeps
 * stores: the ISO dd'ed, a FAT32 partition {@code SWOVL} (GPT partition 4, our formatter)
 * holding {@code LiveOS/overlay.img} with a zero header, and both GRUB entries of the EFI
 * partition's grub.cfg (mtools) pointed at it with {@code rd.live.overlay=LABEL=SWOVL:/LiveOS/overlay.img}:
 * the default entry adds {@code stickwright.overlaytest=write} (the guest changes known files),
 * the second {@code stickwright.overlaytest=check} (it only reports). Boot with OVMF. An image
 * that {@code overlay merge} made from such a stick already has these entries and keeps them.
 */
final class OverlayStick {
    static final String LABEL = "SWOVL";
    static final String STORE = "LiveOS/overlay.img";
    static final long STICK_SIZE = 2048L * 1024 * 1024;
    private static final long MIB = 1024 * 1024;
    private static final Pattern FILE_LINE = Pattern.compile("STICKWRIGHT-FILE (\\S+) (\\S+)");
    private static final Pattern STATUS_LINE = Pattern.compile("STICKWRIGHT-DMSTATUS (.*\\S)");

    private OverlayStick() {
    }

    /** Makes the stick; returns the byte offset of the FAT partition. */
    static long make(Path iso, Path stick, long storeBytes) throws IOException {
        return make(iso, stick, storeBytes, "write");
    }

    /** As {@link #make(Path, Path, long)}, the default entry running test step {@code firstStep}. */
    static long make(Path iso, Path stick, long storeBytes, String firstStep) throws IOException {
        StickWriter.blankStick(stick, STICK_SIZE);
        Tool.run("dd", "if=" + iso, "of=" + stick, "bs=4M", "conv=notrunc,sparse,fsync", "status=none").ok();
        long start = (Files.size(iso) + MIB - 1) / MIB * MIB;
        Tool.run("sgdisk", "-e", stick.toString()).ok();
        Tool.run("sgdisk", "-n", "4:" + start / 512 + ":0", "-t", "4:0700", "-c", "4:overlay", stick.toString()).ok();
        Tool.run("sgdisk", "-v", stick.toString()).ok();
        try (ImageFile disk = ImageFile.openReadWrite(stick);
                BlockDevice volume = disk.slice(start, STICK_SIZE - start - MIB)) {
            Fat32Formatter.format(volume, Fat32FormatOptions.defaults().withLabel(LABEL).withSerial(0x5a17e001)
                    .withHiddenSectors(start / 512));
            try (FatFileSystem fs = FatFileSystem.open(volume)) {
                fs.mkdirs("LiveOS");
                FileExtent store = fs.allocateContiguous(STORE, storeBytes, FileTimes.of(Instant.EPOCH));
                volume.writeBytes(store.deviceOffset(), new byte[64 * 1024]);
            }
            disk.flush();
        }
        String esp = stick + "@@" + HandMadeStick.partitionStart(stick, 2);
        String cfg = Tool.run("mtype", "-i", esp, "::/EFI/BOOT/grub.cfg").ok().stdout();
        String overlay = "rd.live.overlay=LABEL=" + LABEL + ":/" + STORE;
        if (cfg.contains(overlay + " stickwright.overlaytest=check")) {
            return start; // an image merged from such a stick: its ESP already names the store
        }
        String edited = cfg.replace("rd.live.image console=ttyS0",
                        "rd.live.image " + overlay + " stickwright.overlaytest=" + firstStep + " console=ttyS0")
                .replace("rd.live.image stickwright.entry=second console=ttyS0",
                        "rd.live.image " + overlay + " stickwright.overlaytest=check console=ttyS0");
        if (!edited.contains("overlaytest=" + firstStep) || !edited.contains("overlaytest=check")) {
            throw new IOException("unexpected EFI/BOOT/grub.cfg:\n" + cfg);
        }
        Path file = Files.createTempFile("grub", ".cfg");
        try {
            Files.writeString(file, edited);
            Tool.run("mcopy", "-o", "-i", esp, file.toString(), "::/EFI/BOOT/grub.cfg").ok();
        } finally {
            Files.delete(file);
        }
        return start;
    }

    /** The FAT partition of the stick: from its start to 1 MiB before the stick's end. */
    static BlockDevice volume(ImageFile disk, long start) throws IOException {
        return disk.slice(start, STICK_SIZE - start - MIB);
    }

    /** The guest's checksums of the known files: path -> md5 or MISSING. */
    static Map<String, String> files(BootResult boot) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        for (String line : lines(boot)) {
            Matcher m = FILE_LINE.matcher(line);
            if (m.find()) {
                files.put(m.group(2), m.group(1));
            }
        }
        return files;
    }

    /** The guest's {@code dmsetup status live-rw}, e.g. {@code 0 131072 snapshot 1928/524288 16}. */
    static String dmStatus(BootResult boot) throws IOException {
        for (String line : lines(boot)) {
            Matcher m = STATUS_LINE.matcher(line);
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }

    private static List<String> lines(BootResult boot) throws IOException {
        return BootResult.plainLines(Files.readString(boot.log(), java.nio.charset.StandardCharsets.ISO_8859_1));
    }
}
