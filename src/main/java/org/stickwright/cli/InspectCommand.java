package org.stickwright.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.stickwright.engine.io.BadImageException;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.Compression;
import org.stickwright.engine.io.ImageFile;
import org.stickwright.engine.io.ImageContent;
import org.stickwright.engine.io.ImageSource;
import org.stickwright.engine.io.Progress;
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
            if (json) {
                output.event("result", result);
            } else {
                printHuman(output, result, checked.content());
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
    private static void printHuman(Output output, Map<String, Object> r, ImageContent content) {
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
        output.say("Modes:        raw (stickwright write)");
    }
}
