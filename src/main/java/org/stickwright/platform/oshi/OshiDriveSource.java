package org.stickwright.platform.oshi;

import com.sun.jna.Platform;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.stickwright.platform.Drive;
import org.stickwright.platform.DriveSource;
import org.stickwright.platform.linux.LinuxDriveScanner;
import org.stickwright.platform.windows.WindowsDriveClassifier;
import oshi.SystemInfo;
import oshi.hardware.HWDiskStore;
import oshi.hardware.HWPartition;
import oshi.util.GlobalConfig;

/**
 * Drive enumeration through OSHI plus our own classification (see {@link DriveMerger}).
 *
 * <p>Two OSHI settings are made before its first use: a WMI timeout (OSHI's default waits
 * forever, and WMI is known to hang on some Windows machines — oshi#371, #472), and Windows
 * disk performance counters off (I/O statistics we never read, slow to set up).
 */
public final class OshiDriveSource implements DriveSource {
    /** Milliseconds a WMI query may take before OSHI gives up on it. */
    static final int WMI_TIMEOUT_MS = 5000;

    private OshiDriveSource() {
    }

    public static OshiDriveSource create() {
        GlobalConfig.set(GlobalConfig.OSHI_UTIL_WMI_TIMEOUT, WMI_TIMEOUT_MS);
        GlobalConfig.set(GlobalConfig.OSHI_OS_WINDOWS_PERFDISK_DISABLED, true);
        return new OshiDriveSource();
    }

    @Override
    public List<Drive> drives() throws IOException {
        if (Platform.isLinux()) {
            List<Drive> scanned = LinuxDriveScanner.forThisMachine().drives();
            List<DiskFacts> facts;
            try {
                facts = oshiFacts();
            } catch (RuntimeException | LinkageError e) {
                // OSHI only fills gaps on Linux (through libudev); without it sysfs still answers.
                facts = List.of();
            }
            return DriveMerger.fillFromOshi(scanned, facts);
        }
        List<DiskFacts> facts = oshiFacts();
        if (Platform.isWindows()) {
            return WindowsDriveClassifier.classify(facts);
        }
        List<Drive> drives = new ArrayList<>();
        facts.forEach(disk -> drives.add(DriveMerger.classifyGeneric(disk)));
        return drives;
    }

    /** OSHI's disk stores, copied into plain records. */
    public static List<DiskFacts> oshiFacts() {
        List<DiskFacts> facts = new ArrayList<>();
        for (HWDiskStore store : new SystemInfo().getHardware().getDiskStores()) {
            List<DiskFacts.PartitionFacts> partitions = new ArrayList<>();
            for (HWPartition partition : store.getPartitions()) {
                partitions.add(new DiskFacts.PartitionFacts(partition.getIdentification(), partition.getLabel(),
                        partition.getType(), partition.getSize(), partition.getMountPoint()));
            }
            facts.add(new DiskFacts(store.getName(), store.getModel(), store.getSerial(), store.getSize(),
                    store.getDiskType(), partitions));
        }
        return facts;
    }
}
