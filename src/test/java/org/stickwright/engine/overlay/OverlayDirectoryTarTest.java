package org.stickwright.engine.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.stickwright.engine.ext.Ext4Entry;
import org.stickwright.engine.ext.Ext4Formatter;
import org.stickwright.engine.ext.Ext4Options;
import org.stickwright.engine.ext.Ext4Reader;
import org.stickwright.engine.io.MemoryBlockDevice;
import org.stickwright.testing.Capabilities;
import org.stickwright.testing.Tags;
import org.stickwright.testing.Tool;

/** GNU tar reads what {@link OverlayDirectoryTar} writes: names past 100 bytes, types, devices, contents. */
@Tag(Tags.ORACLE)
class OverlayDirectoryTarTest {
    @TempDir
    Path dir;

    @Test
    void gnuTarListsAndExtractsTheStore() throws IOException {
        Capabilities.requireTools("tar");
        byte[] content = new byte[70_001];
        new Random(5).nextBytes(content);
        String deep = "/upper/" + "long-directory-name-".repeat(4) + "/" + "and-a-long-file-name-".repeat(3) + ".txt";
        List<Ext4Entry> entries = List.of(
                Ext4Entry.directory("/upper", 0755),
                Ext4Entry.directory("/upper/etc", 0700).xattr("trusted.overlay.opaque", "y"),
                Ext4Entry.file("/upper/etc/blob", 0640, content).owner(1000, 100).xattr("user.note", "kept"),
                Ext4Entry.symlink("/upper/etc/link", "blob"),
                Ext4Entry.whiteout("/upper/gone"),
                Ext4Entry.directory(deep.substring(0, deep.lastIndexOf('/')), 0755),
                Ext4Entry.file(deep, 0644, "deep"),
                Ext4Entry.file("/elsewhere", 0644, "not in the store"));
        MemoryBlockDevice device = new MemoryBlockDevice(32 << 20);
        Ext4Formatter.format(device, Ext4Options.labelled("persistence").withEntries(entries));
        Path tar = dir.resolve("store.tar");
        OverlayDirectoryTar.Summary summary;
        try (OutputStream out = Files.newOutputStream(tar)) {
            summary = OverlayDirectoryTar.write(Ext4Reader.open(device), "/upper", out);
        }
        assertThat(summary.entries()).isEqualTo(7); // ".", etc, blob, link, gone, the long directory, its file
        assertThat(summary.contentBytes()).isEqualTo(content.length + 4);
        assertThat(Files.size(tar) % 512).isZero();

        String listing = Tool.run("tar", "--numeric-owner", "-tvf", tar.toString()).ok().stdout();
        assertThat(listing).doesNotContain("elsewhere").contains(
                "-rw-r----- 1000/100 ", " 70001 ", " ./etc/blob\n",
                "drwx------ 0/0 ", " ./etc\n",
                " ./etc/link -> blob\n",
                "c--------- 0/0 ", "0,0 ", " ./gone\n",
                " ." + deep.substring("/upper".length()) + "\n");
        Path out = Files.createDirectories(dir.resolve("out"));
        Tool.run("tar", "-xf", tar.toString(), "-C", out.toString(), "./etc/blob", "." + deep.substring(6)).ok();
        assertThat(Files.readAllBytes(out.resolve("etc/blob"))).isEqualTo(content);
        assertThat(Files.readString(out.resolve(deep.substring(7)))).isEqualTo("deep");
        // the pax records carry the xattrs under the names tar --xattrs restores
        String raw = new String(Files.readAllBytes(tar), java.nio.charset.StandardCharsets.ISO_8859_1);
        assertThat(raw).contains(" SCHILY.xattr.trusted.overlay.opaque=y\n", " SCHILY.xattr.user.note=kept\n");
    }
}
