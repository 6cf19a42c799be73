package org.stickwright.platform.windows;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.stickwright.platform.Drive;
import org.stickwright.platform.oshi.DiskFacts;
import org.stickwright.platform.oshi.DriveMerger;

/**
 * Classifies the disks OSHI found on Windows. OSHI names them {@code \\.\PHYSICALDRIVE1}; the
 * number is the key into what we asked Windows ourselves: the bus type and removable-media
 * flag per disk ({@link StorageInfo}), and the volumes with their disk extents
 * ({@link VolumeInfo}). The system disk is every disk holding an extent of the system volume
 * (the one mounted at %SystemDrive%, normally {@code C:\}) or of the volume holding the running
 * JVM.
 */
public final class WindowsDriveClassifier {
    private WindowsDriveClassifier() {
    }

    /** Asks Windows (through {@link WindowsDiskProbe}) and classifies. */
    public static List<Drive> classify(List<DiskFacts> facts) throws java.io.IOException {
        Map<Integer, StorageInfo> storage = new LinkedHashMap<>();
        for (DiskFacts disk : facts) {
            OptionalInt number = WindowsPaths.physicalDriveNumber(disk.name());
            if (number.isPresent()) {
                WindowsDiskProbe.storageInfo(number.getAsInt()).ifPresent(info -> storage.put(number.getAsInt(), info));
            }
        }
        return classify(facts, storage, WindowsDiskProbe.volumes(), System.getenv("SystemDrive"),
                System.getProperty("java.home"));
    }

    /** Pure logic: the drives, given what Windows said. */
    public static List<Drive> classify(List<DiskFacts> facts, Map<Integer, StorageInfo> storage,
            List<VolumeInfo> volumes, String systemDrive, String javaHome) {
        Map<Integer, String> reasons = systemDisks(volumes, systemDrive, javaHome);
        List<Drive> drives = new ArrayList<>();
        for (DiskFacts disk : facts) {
            OptionalInt number = WindowsPaths.physicalDriveNumber(disk.name());
            if (number.isEmpty()) {
                continue;
            }
            StorageInfo info = storage.get(number.getAsInt());
            boolean removable = (info != null && info.removableMedia())
                    || "removable".equalsIgnoreCase(String.valueOf(disk.diskType()));
            drives.add(DriveMerger.fromFacts(
                    new DiskFacts(WindowsPaths.physicalDrive(number.getAsInt()), disk.model(), disk.serial(),
                            disk.size(), disk.diskType(), disk.partitions()),
                    info == null ? org.stickwright.platform.Bus.OTHER : info.bus(), removable,
                    Optional.ofNullable(reasons.get(number.getAsInt()))));
        }
        return drives;
    }

    /** Disk number → why it is a system disk. */
    static Map<Integer, String> systemDisks(List<VolumeInfo> volumes, String systemDrive, String javaHome) {
        Map<Integer, String> reasons = new LinkedHashMap<>();
        String systemLetter = systemDrive == null ? "C" : WindowsPaths.volumeLetter(systemDrive);
        if (systemLetter == null) {
            systemLetter = "C";
        }
        mark(reasons, volumes, systemLetter, "holds the Windows system volume " + systemLetter + ":");
        if (javaHome != null && javaHome.length() >= 2 && javaHome.charAt(1) == ':') {
            String jvmLetter = javaHome.substring(0, 1).toUpperCase(Locale.ROOT);
            mark(reasons, volumes, jvmLetter, "holds the running Java runtime (" + javaHome + ")");
        }
        return reasons;
    }

    private static void mark(Map<Integer, String> reasons, List<VolumeInfo> volumes, String letter, String reason) {
        for (VolumeInfo volume : volumes) {
            boolean holds = volume.mountPoints().stream()
                    .anyMatch(mp -> letter.equals(WindowsPaths.volumeLetter(mp)));
            if (holds) {
                volume.disks().forEach(disk -> reasons.putIfAbsent(disk, reason));
            }
        }
    }

    /** The volumes with an extent on {@code disk}: all must be locked and dismounted before writing it. */
    public static List<VolumeInfo> volumesOn(List<VolumeInfo> volumes, int disk) {
        return volumes.stream().filter(v -> v.disks().contains(disk)).toList();
    }
}
