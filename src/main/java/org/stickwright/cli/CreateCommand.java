package org.stickwright.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import org.stickwright.engine.io.Cancellation;
import org.stickwright.engine.io.Progress;
import org.stickwright.engine.job.CreateJob;
import org.stickwright.engine.job.CreatePlan;
import org.stickwright.engine.job.CreateRequest;
import org.stickwright.engine.job.JobException;
import org.stickwright.engine.job.Outcome;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code stickwright create IMAGE TARGET}: a persistent live stick (design §1, hybrid or extract mode). */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Make a persistent live stick from a live ISO: hybrid (the ISO as shipped plus persistence partitions) or extract (a FAT32 stick with the ISO's files and persistence image files).")
final class CreateCommand extends TargetWritingCommand {
    @Option(names = "--mode", paramLabel = "MODE", defaultValue = "hybrid", description = "hybrid (default) or extract.")
    String mode;

    @Option(names = "--persistence", paramLabel = "SIZE", description = "Size of the default persistence store (e.g. 4G).")
    String persistence;

    @Option(names = "--home", paramLabel = "SIZE", description = "A separate home store of this size, where the family has one.")
    String home;

    @Option(names = "--profile", paramLabel = "NAME=SIZE", description = "A further named persistence store with its own boot entry (repeatable).")
    List<String> profiles = new ArrayList<>();

    @Option(names = "--label", paramLabel = "LABEL", description = "Volume label of the stick's FAT32 partition (extract mode).")
    String label;

    @Option(names = "--data-fs", paramLabel = "FS", defaultValue = "fat32", description = "fat32 (default), exfat or none: what fills the rest of a hybrid stick. Extract mode: its FAT32 live partition is the data partition, so only fat32 is accepted.")
    String dataFs;

    @Option(names = "--gpt", description = "Extract mode: a GPT instead of an MBR.")
    boolean gpt;

    @Option(names = "--keep-persistence", description = "Extract mode: replace the live system on a stick made by Stickwright and keep its persistence files.")
    boolean keepPersistence;

    @Option(names = "--syslinux-dir", paramLabel = "DIR", description = "Extract mode: where syslinux's BIOS files are (default: the host's).")
    Path syslinuxDir;

    @Option(names = "--seed", hidden = true, paramLabel = "N", description = "Reproducible identifiers and timestamps (tests, reproducible builds).")
    Long seed;

    /** Turns the options into a request; every mistake here is exit 2 with the option named. */
    CreateRequest request() throws JobException {
        CreateRequest.Mode parsedMode = parseEnum(CreateRequest.Mode.class, "--mode", mode);
        CreateRequest.DataFs parsedDataFs = parseEnum(CreateRequest.DataFs.class, "--data-fs", dataFs);
        List<CreateRequest.Profile> parsedProfiles = new ArrayList<>();
        for (String profile : profiles) {
            int eq = profile.indexOf('=');
            if (eq <= 0) {
                throw new JobException(Outcome.BAD_INPUT, "--profile " + profile + ": expected NAME=SIZE, e.g. work=2G");
            }
            parsedProfiles.add(new CreateRequest.Profile(profile.substring(0, eq),
                    parseSize("--profile " + profile.substring(0, eq), profile.substring(eq + 1))));
        }
        return new CreateRequest(image, parsedMode, persistence == null ? 0 : parseSize("--persistence", persistence),
                home == null ? 0 : parseSize("--home", home), parsedProfiles, label, parsedDataFs, gpt, keepPersistence,
                syslinuxDir, !noVerify, seed == null ? OptionalLong.empty() : OptionalLong.of(seed));
    }

    @Override
    int run(Output output, Cancellation cancellation) throws JobException {
        CreateRequest request = request();
        TargetOpener opener = new TargetOpener(target, createSize(), allowFixedDisk, unmount);
        opener.vet(image);
        Progress progress = new Progress();
        try (ProgressTicker ticker = new ProgressTicker(progress, output)) {
            CreateJob job = CreateJob.of(request, progress, cancellation);
            CreatePlan plan = job.plan(opener.targetSize(), opener.sectorSize());
            output.endProgress();
            if (!output.json()) {
                output.say(PlanText.describe(plan));
            }
            Written<CreateJob.Created> written = confirmWriteVerify(opener, output, device -> job.write(plan, device),
                    job::verify);
            CreateJob.Created created = written.result();
            if (!output.json()) {
                // What only writing could find out (e.g. --keep-persistence's warnings about kept stores)
                created.plan().notes().stream().filter(note -> !plan.notes().contains(note))
                        .forEach(note -> output.say("note: " + note));
            }
            report(output, created, written.verified());
            return 0;
        }
    }

    private void report(Output output, CreateJob.Created created, boolean verified) {
        CreatePlan plan = created.plan();
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("outcome", "done");
        result.put("image", image.toString());
        result.put("target", target.toString());
        result.put("mode", plan.request().mode().cliName());
        result.put("family", plan.family().family().name().toLowerCase(Locale.ROOT));
        result.put("partitions", plan.partitions().stream().map(p -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("number", p.number());
            m.put("offset", p.offset());
            m.put("length", p.length());
            m.put("role", p.role());
            m.put("filesystem", p.filesystem());
            m.put("label", p.label());
            return m;
        }).toList());
        result.put("files", plan.files().stream().map(f -> Map.of("partition", f.partition(), "path", f.path(),
                "length", f.length(), "role", f.role())).toList());
        result.put("bootEntries", plan.bootEntries());
        result.put("notes", plan.notes());
        result.put("bytesWritten", created.bytesWritten());
        result.put("seconds", Math.round(created.nanos() / 1e6) / 1000.0);
        result.put("verified", verified);
        if (output.json()) {
            output.event("result", result);
        } else {
            output.say(String.format("Made a persistent %s stick on %s in %.1f s%s.", plan.request().mode().cliName(),
                    target, created.nanos() / 1e9, verified ? "; verified" : "; not verified"));
        }
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String option, String text) throws JobException {
        for (E value : type.getEnumConstants()) {
            if (value.name().equalsIgnoreCase(text)) {
                return value;
            }
        }
        List<String> names = new ArrayList<>();
        for (E value : type.getEnumConstants()) {
            names.add(value.name().toLowerCase(Locale.ROOT));
        }
        throw new JobException(Outcome.BAD_INPUT, option + " " + text + ": expected one of " + String.join(", ", names));
    }
}
