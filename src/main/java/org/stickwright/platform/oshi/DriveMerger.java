package org.stickwright.platform.oshi;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.stickwright.platform.Bus;
import org.stickwright.platform.DisplayText;
import org.stickwright.platform.Drive;
import org.stickwright.platform.DrivePartition;

/**
 * Joins OSHI's facts with our own classification. OSHI knows names, models, serials, sizes
 * and partitions on every OS, but not the bus (oshi#2103), not what the running system needs,
 * and on Linux it skips loop devices. So:
 *
 * <ul>
 * <li>Linux: our sysfs scan is the list (it has loops, bus, system disk); OSHI fills what the
 *     scan could not know — a serial, partition labels and filesystem types when the udev
 *     database was unreadable to us but libudev answered OSHI.
 * <li>Other OSes: OSHI's list, with the classification the caller worked out natively.
 * </ul>
 */
public final class DriveMerger {
    private DriveMerger() {
    }

    /** Linux: sysfs drives, gaps filled from OSHI's facts matched by device node. */
    public static List<Drive> fillFromOshi(List<Drive> scanned, List<DiskFacts> oshi) {
        Map<String, DiskFacts> byName = oshi.stream()
                .collect(Collectors.toMap(DiskFacts::name, Function.identity(), (a, b) -> a));
        List<Drive> merged = new ArrayList<>();
        for (Drive drive : scanned) {
            DiskFacts facts = byName.get(drive.path());
            if (facts == null) {
                merged.add(drive);
                continue;
            }
            Map<String, DiskFacts.PartitionFacts> parts = facts.partitions().stream()
                    .collect(Collectors.toMap(DiskFacts.PartitionFacts::identification, Function.identity(), (a, b) -> a));
            List<DrivePartition> partitions = new ArrayList<>();
            for (DrivePartition partition : drive.partitions()) {
                DiskFacts.PartitionFacts part = parts.get(partition.path());
                if (part == null) {
                    partitions.add(partition);
                } else {
                    partitions.add(new DrivePartition(partition.path(),
                            orElse(partition.label(), part.label()), orElse(partition.fsType(), part.type()),
                            partition.size(), partition.mountPoints()));
                }
            }
            merged.add(new Drive(drive.path(), drive.vendor(), orElse(drive.model(), facts.model()),
                    orElse(drive.serial(), facts.serial()), drive.size(), drive.removableFlag(), drive.bus(),
                    drive.loop(), drive.systemReason(), drive.mountPoints(), partitions));
        }
        return merged;
    }

    /**
     * Any OS: a drive from OSHI's facts plus a classification worked out elsewhere. OSHI's
     * "Removable" type is the OS's removable flag.
     */
    public static Drive fromFacts(DiskFacts facts, Bus bus, boolean removableFlag, Optional<String> systemReason) {
        List<DrivePartition> partitions = new ArrayList<>();
        for (DiskFacts.PartitionFacts part : facts.partitions()) {
            String mountPoint = part.mountPoint() == null ? "" : part.mountPoint().trim();
            partitions.add(new DrivePartition(DisplayText.sanitize(part.identification()),
                    known(part.label()), known(part.type()), part.size(),
                    mountPoint.isEmpty() ? List.of() : List.of(mountPoint)));
        }
        return new Drive(facts.name(), "", known(facts.model()), known(facts.serial()),
                facts.size(), removableFlag, bus, false, systemReason, List.of(), partitions);
    }

    /**
     * Where nothing native classifies (macOS, other Unixes): removable when OSHI says so,
     * system disk when a partition is mounted at /.
     */
    public static Drive classifyGeneric(DiskFacts facts) {
        boolean holdsRoot = facts.partitions().stream().anyMatch(p -> "/".equals(p.mountPoint()));
        boolean removable = "removable".equals(String.valueOf(facts.diskType()).toLowerCase(Locale.ROOT));
        return fromFacts(facts, Bus.OTHER, removable,
                holdsRoot ? Optional.of("holds the root filesystem /") : Optional.empty());
    }

    private static String orElse(String value, String fallback) {
        return value != null && !value.isBlank() ? value : known(fallback);
    }

    /** OSHI says "unknown" where it knows nothing; we show nothing rather than a fake name. */
    static String known(String oshiValue) {
        String clean = DisplayText.sanitize(oshiValue);
        return clean.equalsIgnoreCase("unknown") ? "" : clean;
    }
}
