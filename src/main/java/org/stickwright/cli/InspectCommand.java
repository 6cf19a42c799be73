package org.stickwright.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.stickwright.engine.io.BadImageException;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.ImageContent;
import org.stickwright.engine.io.ImageSource;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.job.ImageCheck;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;
import org.stickwright.engine.job.Sizes;
import org.stickwright.engine.job.WriteJob;
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
        List<Map<String, Object>> partitions = new ArrayList<>();
        for (ImageContent.MbrEntry entry : content.mbrEntries()) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("number", entry.slot());
            p.put("type", String.format("0x%02x", entry.type()));
            p.put("start", entry.firstSector() * 512);
            p.put("size", entry.sectors() * 512);
            p.put("active", entry.active());
            partitions.add(p);
        }
        result.put("partitions", partitions);
        result.put("label", content.isoLabel());
        result.put("isoSize", content.kind() == ImageContent.Kind.ISO9660 ? content.isoSize() : null);
        result.put("filesystem", content.filesystem());
        result.put("modes", content.kind() == ImageContent.Kind.UNKNOWN ? List.of() : List.of("raw"));
        return result;
    }

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
        for (ImageContent.MbrEntry e : content.mbrEntries()) {
            output.say(String.format("  %d  type 0x%02x  start %-12d size %-10s%s", e.slot(), e.type(), e.firstSector() * 512,
                    Sizes.human(e.sectors() * 512), e.active() ? "  active" : ""));
        }
        output.say("Modes:        raw (stickwright write)");
    }
}
