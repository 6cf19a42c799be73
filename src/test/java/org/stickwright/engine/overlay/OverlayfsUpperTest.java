package org.stickwright.engine.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.stickwright.engine.ext.Ext4Entry;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.io.MemoryBlockDevice;

class OverlayfsUpperTest {

    /** A live-boot persistence volume as overlayfs leaves it after a session. */
    static List<Ext4Entry> persistenceVolume() {
        return List.of(
                Ext4Entry.file("/persistence.conf", 0644, "/ union\n"),
                Ext4Entry.directory("/rw", 0755),
                Ext4Entry.directory("/rw/etc", 0755),
                Ext4Entry.file("/rw/etc/hostname", 0644, "technician\n"),
                Ext4Entry.directory("/rw/var", 0755),
                Ext4Entry.file("/rw/var/big.log", 0644, new byte[150_000]),
                Ext4Entry.symlink("/rw/etc/localtime", "/usr/share/zoneinfo/UTC"),
                Ext4Entry.directory("/rw/home", 0755),
                Ext4Entry.whiteout("/rw/home/removed.txt"),
                Ext4Entry.whiteout("/rw/etc/motd"),
                Ext4Entry.directory("/rw/opt", 0755).xattr(OverlayfsUpper.OPAQUE_XATTR, "y"),
                Ext4Entry.directory("/rw/srv", 0755).xattr(OverlayfsUpper.OPAQUE_XATTR, "n"),
                Ext4Entry.directory("/work", 0755));
    }

    @Test
    void countsChangesWhiteoutsAndOpaqueDirectories() throws IOException {
        MemoryBlockDevice volume = new MemoryBlockDevice(32L * 1024 * 1024);
        Ext4Formatter.format(volume, Ext4Options.labelled("persistence").withEntries(persistenceVolume()));
        OverlayfsUpper.Inspection upper = OverlayfsUpper.inspect(Ext4Reader.open(volume), "/rw", 1);
        assertThat(upper.files()).isEqualTo(2);
        assertThat(upper.symlinks()).isEqualTo(1);
        assertThat(upper.whiteouts()).isEqualTo(2);
        assertThat(upper.deleted()).containsExactlyInAnyOrder("/home/removed.txt", "/etc/motd");
        assertThat(upper.opaqueDirectories()).isEqualTo(1); // "n" is not opaque
        assertThat(upper.directories()).isEqualTo(5);
        assertThat(upper.fileBytes()).isEqualTo(150_000 + 11);
        assertThat(upper.largest()).containsExactly(new OverlayfsUpper.Change("/var/big.log", 150_000));
    }
}
