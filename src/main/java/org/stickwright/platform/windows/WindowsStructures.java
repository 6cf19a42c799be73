package org.stickwright.platform.windows;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * The winioctl.h structures the Windows leaf exchanges with DeviceIoControl, as JNA
 * structures. Layouts on x64 (offsets in bytes; the unit test checks each):
 *
 * <pre>
 * STORAGE_PROPERTY_QUERY        PropertyId 0, QueryType 4, AdditionalParameters[1] 8; size 12
 * STORAGE_DEVICE_DESCRIPTOR     Version 0, Size 4, DeviceType 8, DeviceTypeModifier 9,
 *                               RemovableMedia 10, CommandQueueing 11, VendorIdOffset 12,
 *                               ProductIdOffset 16, ProductRevisionOffset 20,
 *                               SerialNumberOffset 24, BusType 28, RawPropertiesLength 32,
 *                               RawDeviceProperties[1] 36; size 40, followed by the strings
 * DISK_EXTENT                   DiskNumber 0, StartingOffset 8, ExtentLength 16; size 24
 * VOLUME_DISK_EXTENTS           NumberOfDiskExtents 0, Extents[] 8; size 8 + 24·n
 * DISK_GEOMETRY_EX              Geometry{Cylinders 0, MediaType 8, TracksPerCylinder 12,
 *                               SectorsPerTrack 16, BytesPerSector 20} 0, DiskSize 24, Data[1] 32; size 40
 * GET_LENGTH_INFORMATION        Length 0; size 8
 * </pre>
 *
 * LARGE_INTEGER is declared as {@code long}: same size and 8-byte alignment, no union needed.
 */
public final class WindowsStructures {
    /** STORAGE_PROPERTY_ID.StorageDeviceProperty. */
    public static final int STORAGE_DEVICE_PROPERTY = 0;
    /** STORAGE_QUERY_TYPE.PropertyStandardQuery. */
    public static final int PROPERTY_STANDARD_QUERY = 0;

    private WindowsStructures() {
    }

    @FieldOrder({"PropertyId", "QueryType", "AdditionalParameters"})
    public static class STORAGE_PROPERTY_QUERY extends Structure {
        public int PropertyId;
        public int QueryType;
        public byte[] AdditionalParameters = new byte[1];
    }

    @FieldOrder({"Version", "Size", "DeviceType", "DeviceTypeModifier", "RemovableMedia", "CommandQueueing",
            "VendorIdOffset", "ProductIdOffset", "ProductRevisionOffset", "SerialNumberOffset", "BusType",
            "RawPropertiesLength", "RawDeviceProperties"})
    public static class STORAGE_DEVICE_DESCRIPTOR extends Structure {
        public int Version;
        public int Size;
        public byte DeviceType;
        public byte DeviceTypeModifier;
        public byte RemovableMedia;
        public byte CommandQueueing;
        public int VendorIdOffset;
        public int ProductIdOffset;
        public int ProductRevisionOffset;
        public int SerialNumberOffset;
        public int BusType;
        public int RawPropertiesLength;
        public byte[] RawDeviceProperties = new byte[1];

        public STORAGE_DEVICE_DESCRIPTOR() {
        }

        public STORAGE_DEVICE_DESCRIPTOR(Pointer memory) {
            super(memory);
            read();
        }
    }

    @FieldOrder({"DiskNumber", "StartingOffset", "ExtentLength"})
    public static class DISK_EXTENT extends Structure {
        public int DiskNumber;
        public long StartingOffset;
        public long ExtentLength;
    }

    @FieldOrder({"NumberOfDiskExtents", "Extents"})
    public static class VOLUME_DISK_EXTENTS extends Structure {
        public int NumberOfDiskExtents;
        public DISK_EXTENT[] Extents;

        /** Room for {@code capacity} extents: a volume spanning disks has several. */
        public VOLUME_DISK_EXTENTS(int capacity) {
            Extents = (DISK_EXTENT[]) new DISK_EXTENT().toArray(capacity);
        }
    }

    @FieldOrder({"Cylinders", "MediaType", "TracksPerCylinder", "SectorsPerTrack", "BytesPerSector"})
    public static class DISK_GEOMETRY extends Structure {
        public long Cylinders;
        public int MediaType;
        public int TracksPerCylinder;
        public int SectorsPerTrack;
        public int BytesPerSector;
    }

    @FieldOrder({"Geometry", "DiskSize", "Data"})
    public static class DISK_GEOMETRY_EX extends Structure {
        public DISK_GEOMETRY Geometry;
        public long DiskSize;
        public byte[] Data = new byte[1];
    }

    @FieldOrder({"Length"})
    public static class GET_LENGTH_INFORMATION extends Structure {
        public long Length;
    }

    /**
     * A NUL-terminated ASCII string at {@code offset} inside a STORAGE_DEVICE_DESCRIPTOR of
     * {@code returned} bytes: offset 0 means "absent", and an offset or string running past
     * what the driver returned is treated as absent rather than read beyond the buffer.
     */
    public static String descriptorString(Memory buffer, int returned, int offset) {
        byte[] bytes = new byte[(int) Math.min(returned, buffer.size())];
        buffer.read(0, bytes, 0, bytes.length);
        return descriptorString(bytes, offset);
    }

    /** As above, on a copy of the returned bytes (the form the unit test feeds). */
    public static String descriptorString(byte[] descriptor, int offset) {
        if (offset <= 0 || offset >= descriptor.length) {
            return "";
        }
        int end = offset;
        while (end < descriptor.length && descriptor[end] != 0) {
            end++;
        }
        return new String(descriptor, offset, end - offset, java.nio.charset.StandardCharsets.ISO_8859_1).trim();
    }
}
