package org.stickwright.platform.windows;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.jna.Memory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Sizes and offsets of the winioctl.h structures as the x64 Windows SDK lays them out. JNA
 * computes layouts from the platform's alignment rules; on x86_64 Linux they are the same
 * natural alignment MSVC uses for these types, so a check here holds on Windows.
 */
class WindowsStructuresTest {
    /** JNA keeps fieldOffset protected; the layout it computed is what we check. */
    static int offset(com.sun.jna.Structure structure, String field) {
        try {
            java.lang.reflect.Method method = com.sun.jna.Structure.class.getDeclaredMethod("fieldOffset", String.class);
            method.setAccessible(true);
            return (Integer) method.invoke(structure, field);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void storagePropertyQueryLayout() {
        WindowsStructures.STORAGE_PROPERTY_QUERY q = new WindowsStructures.STORAGE_PROPERTY_QUERY();
        assertThat(q.size()).isEqualTo(12);
        assertThat(offset(q, "QueryType")).isEqualTo(4);
        assertThat(offset(q, "AdditionalParameters")).isEqualTo(8);
    }

    @Test
    void storageDeviceDescriptorLayout() {
        WindowsStructures.STORAGE_DEVICE_DESCRIPTOR d = new WindowsStructures.STORAGE_DEVICE_DESCRIPTOR();
        assertThat(d.size()).isEqualTo(40);
        assertThat(offset(d, "DeviceType")).isEqualTo(8);
        assertThat(offset(d, "RemovableMedia")).isEqualTo(10);
        assertThat(offset(d, "VendorIdOffset")).isEqualTo(12);
        assertThat(offset(d, "SerialNumberOffset")).isEqualTo(24);
        assertThat(offset(d, "BusType")).isEqualTo(28);
        assertThat(offset(d, "RawPropertiesLength")).isEqualTo(32);
        assertThat(offset(d, "RawDeviceProperties")).isEqualTo(36);
    }

    @Test
    void volumeDiskExtentsLayout() {
        assertThat(new WindowsStructures.DISK_EXTENT().size()).isEqualTo(24);
        assertThat(offset(new WindowsStructures.DISK_EXTENT(), "StartingOffset")).isEqualTo(8);
        WindowsStructures.VOLUME_DISK_EXTENTS one = new WindowsStructures.VOLUME_DISK_EXTENTS(1);
        assertThat(one.size()).isEqualTo(32);
        assertThat(offset(one, "Extents")).isEqualTo(8);
        assertThat(new WindowsStructures.VOLUME_DISK_EXTENTS(4).size()).isEqualTo(8 + 4 * 24);
    }

    @Test
    void diskGeometryExAndLengthLayout() {
        WindowsStructures.DISK_GEOMETRY_EX g = new WindowsStructures.DISK_GEOMETRY_EX();
        assertThat(new WindowsStructures.DISK_GEOMETRY().size()).isEqualTo(24);
        assertThat(offset(new WindowsStructures.DISK_GEOMETRY(), "BytesPerSector")).isEqualTo(20);
        assertThat(offset(g, "DiskSize")).isEqualTo(24);
        assertThat(offset(g, "Data")).isEqualTo(32);
        assertThat(g.size()).isEqualTo(40);
        assertThat(new WindowsStructures.GET_LENGTH_INFORMATION().size()).isEqualTo(8);
    }

    /** A descriptor as a USB stick's driver returns it: header, then the strings it points at. */
    static byte[] usbStickDescriptor() {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 40).putInt(4, 0x6A);
        b.put(8, (byte) 0).put(10, (byte) 1);
        b.putInt(12, 40).putInt(16, 49).putInt(20, 66).putInt(24, 71);
        b.putInt(28, StorageInfo.BUS_TYPE_USB);
        b.put(40, "SanDisk\0".getBytes(StandardCharsets.US_ASCII));
        b.put(49, "Cruzer Blade    \0".getBytes(StandardCharsets.US_ASCII));
        b.put(66, "1.00\0".getBytes(StandardCharsets.US_ASCII));
        b.put(71, "4C530001230101117034\0".getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    @Test
    void descriptorReadFromMemoryGivesBusTypeRemovableAndStrings() {
        byte[] bytes = usbStickDescriptor();
        Memory memory = new Memory(bytes.length);
        memory.write(0, bytes, 0, bytes.length);
        WindowsStructures.STORAGE_DEVICE_DESCRIPTOR d = new WindowsStructures.STORAGE_DEVICE_DESCRIPTOR(memory);
        StorageInfo info = new StorageInfo(d.BusType, d.RemovableMedia != 0);
        assertThat(info.bus()).isEqualTo(org.stickwright.platform.Bus.USB);
        assertThat(info.removableMedia()).isTrue();
        assertThat(WindowsStructures.descriptorString(memory, 0x6A, d.VendorIdOffset)).isEqualTo("SanDisk");
        assertThat(WindowsStructures.descriptorString(memory, 0x6A, d.ProductIdOffset)).isEqualTo("Cruzer Blade");
        assertThat(WindowsStructures.descriptorString(memory, 0x6A, d.SerialNumberOffset)).isEqualTo("4C530001230101117034");
    }

    @Test
    void descriptorStringsOutsideTheReturnedBytesAreAbsent() {
        byte[] bytes = usbStickDescriptor();
        assertThat(WindowsStructures.descriptorString(bytes, 0)).isEmpty();
        assertThat(WindowsStructures.descriptorString(bytes, -5)).isEmpty();
        assertThat(WindowsStructures.descriptorString(bytes, 4096)).isEmpty();
        byte[] truncated = java.util.Arrays.copyOf(bytes, 75);
        assertThat(WindowsStructures.descriptorString(truncated, 71)).as("unterminated: cut at the end").isEqualTo("4C53");
    }
}
