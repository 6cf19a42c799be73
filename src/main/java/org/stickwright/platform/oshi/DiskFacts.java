package org.stickwright.platform.oshi;

import java.util.List;

/**
 * What OSHI tells about one disk, copied out of its {@code HWDiskStore} so that the
 * classification that follows is pure logic, testable with recorded values. Strings are raw
 * (not yet sanitised). {@code diskType} is OSHI's "Removable", "SSD", "HDD", "Virtual" or
 * "Unknown".
 */
public record DiskFacts(String name, String model, String serial, long size, String diskType,
        List<PartitionFacts> partitions) {
    public DiskFacts {
        partitions = List.copyOf(partitions);
    }

    /**
     * One OSHI {@code HWPartition}: {@code identification} is the device node on Linux and
     * macOS ("/dev/sdb1"), "Disk #1, Partition #0" on Windows; {@code mountPoint} is "" when
     * not mounted ("E:\" style on Windows).
     */
    public record PartitionFacts(String identification, String label, String type, long size, String mountPoint) {
    }
}
