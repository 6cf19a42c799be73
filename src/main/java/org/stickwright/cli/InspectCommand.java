package org.stickwright.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.stickwright.engine.boot.SyslinuxFiles;
import org.stickwright.engine.family.BootConfig;
import org.stickwright.engine.family.FamilyDetector;
import org.stickwright.engine.family.KernelLine;
import org.stickwright.engine.family.LiveFamily;
import org.stickwright.engine.io.BadImageException;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.Compression;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.ImageContent;
import org.stickwright.engine.io.ImageSource;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.job.ImageCheck;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;
import org.stickwright.engine.job.Sizes;
import org.stickwright.engine.job.WriteJob;
import org.stickwright.engine.part.PartitionTables;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code stickwright inspect IMAGE}: what an image is, without writing anything anywhere. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Tell what an image is: compression, ISO 9660 or disk image, hybrid, partitions, label, sizes.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGE")
    Path image;

    @Option(names = "--json", description = "Print one JSON result line.")
    boolean json;

    @Override
    public Integer call() {
        Output output = new Output(json);
        try {
            ImageSource source;
            try {
                source = ImageSource.of(image);
            } catch (BadImageException e) {
                throw new JobException(Outcome.BAD_INPUT, e.getMessage(), e);
            }
            ImageCheck.Checked checked = WriteJob.checkImage(source, null, new Progress(), new Cancellation());
            Map<String, Object> result = describe(source, checked);
            LiveFamily family = null;
            String familyError = null;
            if (checked.content().kind() == ImageContent.Kind.ISO9660 && source.compression() == Compression.NONE) {
                try {
                    family = detectFamily(source.path());
                } catch (IOException e) {
                    familyError = e.getMessage();
                }
            }
            addFamily(result, family, familyError);
            if (json) {
                output.event("result", result);
            } else {
                printHuman(output, result, checked.content(), family);
            }
            return 0;
        } catch (JobException e) {
            return output.error(e);
        }
    }

    private Map<String, Object> describe(ImageSource source, ImageCheck.Checked checked) {
        ImageContent content = checked.content();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("image", image.toString());
        result.put("fileSize", source.fileSize());
        result.put("compression", source.compression().name().toLowerCase());
        result.put("imageSize", checked.size());
        result.put("format", switch (content.kind()) {
            case ISO9660 -> "iso9660";
            case DISK -> "disk";
            case FILESYSTEM -> "filesystem";
            case UNKNOWN -> "unknown";
        });
        result.put("hybrid", content.isHybridIso());
        result.put("partitionTable", content.table().name().toLowerCase());
        result.put("partitions", partitions(source, content));
        result.put("label", content.isoLabel());
        result.put("isoSize", content.kind() == ImageContent.Kind.ISO9660 ? content.isoSize() : null);
        result.put("filesystem", content.filesystem());
        result.put("modes", content.kind() == ImageContent.Kind.UNKNOWN ? List.of() : List.of("raw"));
        return result;
    }

    private static LiveFamily detectFamily(Path iso) throws IOException {
        try (ImageFile file = ImageFile.openReadOnly(iso)) {
            return FamilyDetector.detect(IsoImage.open(file));
        }
    }

    /**
     * The live-system family of an ISO as a {@code family} object (null for other images, and
     * with {@code familyError} when the ISO's structures could not be read); {@code modes} gains
     * hybrid and extract when the family is known.
     */
    private static void addFamily(Map<String, Object> result, LiveFamily family, String familyError) {
        if (familyError != null) {
            result.put("familyError", familyError);
        }
        if (family == null) {
            result.put("family", null);
            return;
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("family", family.family().name());
        f.put("name", family.family().displayName());
        f.put("known", family.isKnown());
        f.put("evidence", family.evidence());
        f.put("volumeLabel", family.volumeLabel());
        f.put("referencedLabels", family.referencedLabels());
        f.put("labelsConsistent", family.labelsConsistent());
        f.put("rootImage", family.rootImage());
        f.put("rootImageLayout", family.rootImageLayout() == null ? null : family.rootImageLayout().name());
        f.put("overlayKinds", family.overlayKinds().stream().map(Enum::name).toList());
        if (family.efiImage() != null) {
            Map<String, Object> efi = new LinkedHashMap<>();
            efi.put("path", family.efiImage().path());
            efi.put("offset", family.efiImage().offset());
            efi.put("length", family.efiImage().length());
            f.put("efiImage", efi);
        } else {
            f.put("efiImage", null);
        }
        List<Map<String, Object>> configs = new ArrayList<>();
        for (BootConfig c : family.bootConfigs()) {
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("path", c.path());
            config.put("insideEfiImage", c.insideEfiImage());
            config.put("location", c.describeLocation(family.efiImage()));
            config.put("loader", c.loader().name());
            config.put("firmware", c.firmware().stream().sorted().map(Enum::name).toList());
            config.put("read", c.read());
            List<Map<String, Object>> lines = new ArrayList<>();
            for (KernelLine k : c.kernelLines()) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("kernel", k.kernel());
                line.put("options", k.optionsText());
                line.put("line", k.line());
                lines.add(line);
            }
            config.put("kernelLines", lines);
            configs.add(config);
        }
        f.put("bootConfigs", configs);
        f.put("hybrid", family.hybrid());
        Map<String, Object> persistence = new LinkedHashMap<>();
        persistence.put("supported", family.isKnown());
        persistence.put("home", family.family().supportsSeparateHome());
        persistence.put("profiles", family.family().supportsProfiles());
        persistence.put("explanation", family.persistenceExplanation());
        f.put("persistence", persistence);
        result.put("family", f);
        if (family.isKnown()) {
            result.put("modes", List.of("raw", "hybrid", "extract"));
            result.put("extractBios", extractBios());
        }
    }

    /** How an extract-mode stick would boot on BIOS here: through the host's SYSLINUX, or not at all. */
    static String extractBios() {
        try {
            return SyslinuxFiles.fromHost().map(f -> "SYSLINUX " + f.version() + " from " + f.source())
                    .orElse("UEFI only: no SYSLINUX found (install syslinux and syslinux-common, or give create "
                            + "--syslinux-dir)");
        } catch (IOException e) {
            return "UEFI only: the host's SYSLINUX cannot be used: " + e.getMessage();
        }
    }

    /**
     * The partitions: read by the full MBR/GPT reader from an uncompressed image; from the
     * MBR summary of the first bytes when the image is compressed (no seeking to a backup GPT).
     */
    private static List<Map<String, Object>> partitions(ImageSource source, ImageContent content) {
        List<Map<String, Object>> partitions = new ArrayList<>();
        if (source.compression() == Compression.NONE) {
            try (ImageFile file = ImageFile.openReadOnly(source.path())) {
                for (PartitionTables.Partition p : PartitionTables.read(file).partitions()) {
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("number", p.number());
                    entry.put("type", p.type());
                    entry.put("start", p.firstLba() * 512);
                    entry.put("size", p.sectorCount() * 512);
                    entry.put("name", p.name());
                    entry.put("bootable", p.bootable());
                    partitions.add(entry);
                }
                return partitions;
            } catch (IOException e) {
                // A damaged table: fall back to what the MBR's first sector says.
            }
        }
        for (ImageContent.MbrEntry e : content.mbrEntries()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("number", e.slot());
            entry.put("type", String.format("0x%02x", e.type()));
            entry.put("start", e.firstSector() * 512);
            entry.put("size", e.sectors() * 512);
            entry.put("name", null);
            entry.put("bootable", e.active());
            partitions.add(entry);
        }
        return partitions;
    }

    @SuppressWarnings("unchecked")
    private static void printHuman(Output output, Map<String, Object> r, ImageContent content, LiveFamily family) {
        output.say("Image:        " + r.get("image"));
        output.say("Compression:  " + r.get("compression") + " (file " + Sizes.human((long) r.get("fileSize")) + ")");
        output.say("Size:         " + Sizes.human((long) r.get("imageSize")) + " (" + r.get("imageSize") + " bytes)");
        String format = switch (content.kind()) {
            case ISO9660 -> content.isHybridIso() ? "ISO 9660, hybrid (boots from a USB stick as written)"
                    : "ISO 9660, not hybrid (a CD image: written raw it will not boot from USB)";
            case DISK -> "disk image with a partition table";
            case FILESYSTEM -> "bare " + content.filesystem() + " filesystem";
            case UNKNOWN -> "unknown";
        };
        output.say("Format:       " + format);
        if (content.isoLabel() != null) {
            output.say("Label:        " + content.isoLabel());
        }
        output.say("Table:        " + r.get("partitionTable"));
        for (Map<String, Object> p : (List<Map<String, Object>>) r.get("partitions")) {
            output.say(String.format("  %-3s type %-38s start %-12d size %-10s %s%s", p.get("number"), p.get("type"),
                    (long) p.get("start"), Sizes.human((long) p.get("size")), p.get("name") == null ? "" : p.get("name"),
                    Boolean.TRUE.equals(p.get("bootable")) ? "  bootable" : ""));
        }
        if (r.get("familyError") != null) {
            output.say("Family:       could not be read: " + r.get("familyError"));
        }
        if (family != null) {
            printFamily(output, family);
        }
        output.say("Modes:        raw (stickwright write)");
    }

    private static void printFamily(Output output, LiveFamily family) {
        output.say("Family:       " + family.family().displayName() + (family.evidence().isEmpty() ? ""
                : " (" + String.join(", ", family.evidence()) + ")"));
        if (!family.referencedLabels().isEmpty()) {
            output.say("Boot label:   " + String.join(", ", family.referencedLabels())
                    + (family.labelsConsistent() ? " (matches the volume label)" : " (differs from the volume label)"));
        }
        if (family.rootImage() != null) {
            output.say("Root image:   " + family.rootImage() + (family.rootImageLayout() == null ? ""
                    : " (" + family.rootImageLayout().describe() + ")"));
        }
        if (!family.overlayKinds().isEmpty()) {
            output.say("Overlays:     " + String.join(", ",
                    family.overlayKinds().stream().map(k -> k.name().toLowerCase().replace('_', ' ')).toList()));
        }
        family.efi().ifPresent(efi -> output.say("EFI image:    " + efi.path() + " (byte " + efi.offset() + ", "
                + Sizes.human(efi.length()) + ")"));
        for (BootConfig c : family.bootConfigs()) {
            String firmware = c.firmware().isEmpty() ? "-"
                    : String.join("+", c.firmware().stream().sorted().map(Enum::name).toList());
            output.say(String.format("  %-9s %-12s %s%s", firmware, c.loader().name().toLowerCase().replace('_', '-'),
                    c.describeLocation(family.efiImage()), c.read() ? "" : " (not read)"));
            for (KernelLine k : c.kernelLines()) {
                output.say(("      " + k.kernel() + " " + k.optionsText()).stripTrailing());
            }
        }
        if (family.isKnown()) {
            output.say("Persistence:  supported by family " + family.family().displayName() + " (hybrid mode)"
                    + (family.family().supportsSeparateHome() ? ", separate /home" : "")
                    + (family.family().supportsProfiles() ? ", profiles" : ""));
        } else {
            output.say("Persistence:  not supported: the live-system family is unknown (use stickwright write)");
        }
        output.say("              " + family.persistenceExplanation());
        if (family.isKnown()) {
            output.say("Extract mode: BIOS boot: " + extractBios());
        }
    }
}
