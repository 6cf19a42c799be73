package org.stickwright.engine.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.stickwright.engine.boot.BootConfigFixtures.read;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SystemdBootConfigTest {
    private static final String PROFILE = "01-archiso-linux-stickwright-persistent.conf";

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    @Test
    void archisoEntriesMatchTheGoldenFiles() throws Exception {
        SystemdBootConfig.Edit edit = SystemdBootConfig.withPersistence(BootConfigFixtures.archisoEntries(),
                read("archiso/loader.conf"), BootConfigFixtures.ARCHISO);
        assertThat(edit.entries().keySet()).containsExactly("01-archiso-linux-stickwright-persistent.conf", "01-archiso-linux.conf",
                "02-archiso-speech-linux.conf");
        for (Map.Entry<String, byte[]> e : edit.entries().entrySet()) {
            assertThat(text(e.getValue())).as(e.getKey()).isEqualTo(text(read("archiso/persistent/" + e.getKey())));
        }
        assertThat(text(edit.loaderConf())).isEqualTo(text(read("archiso/persistent/loader.conf")));
        assertThat(edit.changedEntries(BootConfigFixtures.archisoEntries())).containsOnlyKeys(PROFILE, "01-archiso-linux.conf");
        assertThat(edit.removedEntries()).isEmpty();
        assertThat(SystemdBootConfig.defaultEntryName(edit.entries(), edit.loaderConf())).isEqualTo(PROFILE);
    }

    @Test
    void secondRunChangesNothingAndPlainRecipeRestoresTheOriginal() throws Exception {
        Map<String, byte[]> original = BootConfigFixtures.archisoEntries();
        byte[] loader = read("archiso/loader.conf");
        SystemdBootConfig.Edit once = SystemdBootConfig.withPersistence(original, loader, BootConfigFixtures.ARCHISO);
        SystemdBootConfig.Edit twice = SystemdBootConfig.withPersistence(once.entries(), once.loaderConf(), BootConfigFixtures.ARCHISO);
        assertThat(twice.changedEntries(once.entries())).isEmpty();
        assertThat(twice.entries().keySet()).isEqualTo(once.entries().keySet());
        assertThat(twice.loaderConf()).isEqualTo(once.loaderConf());

        SystemdBootConfig.Edit undone = SystemdBootConfig.withPersistence(once.entries(), once.loaderConf(), PersistenceRecipe.plain());
        assertThat(undone.removedEntries()).containsExactly(PROFILE);
        assertThat(undone.entries().keySet()).isEqualTo(original.keySet());
        assertThat(undone.changedEntries(original)).isEmpty();
        assertThat(text(undone.loaderConf())).isEqualTo(text(loader));
    }

    @Test
    void aNewRecipeReplacesTheOldProfileFiles() throws Exception {
        PersistenceRecipe two = PersistenceRecipe.archiso("ARCHDATA", "persistent_arch/x86_64",
                List.of(new PersistenceRecipe.NamedLocation("lab", "persistent_lab")));
        SystemdBootConfig.Edit first = SystemdBootConfig.withPersistence(BootConfigFixtures.archisoEntries(), read("archiso/loader.conf"), two);
        assertThat(text(first.entries().get("01-archiso-linux-stickwright-persistent-lab.conf")))
                .contains("title    Arch Linux install medium (x86_64, UEFI) (persistent: lab)\n")
                .contains("cow_label=ARCHDATA cow_directory=persistent_lab\n");
        SystemdBootConfig.Edit back = SystemdBootConfig.withPersistence(first.entries(), first.loaderConf(), BootConfigFixtures.ARCHISO);
        assertThat(back.removedEntries()).containsExactly("01-archiso-linux-stickwright-persistent-lab.conf");
        assertThat(back.entries()).doesNotContainKey("01-archiso-linux-stickwright-persistent-lab.conf");
    }

    @Test
    void loaderConfWithoutDefaultGetsOneAndGlobsSelectTheSource() throws Exception {
        SortedMap<String, byte[]> entries = new TreeMap<>(BootConfigFixtures.archisoEntries());
        SystemdBootConfig.Edit edit = SystemdBootConfig.withPersistence(entries, "timeout 3".getBytes(StandardCharsets.US_ASCII),
                BootConfigFixtures.ARCHISO);
        assertThat(text(edit.loaderConf())).isEqualTo("timeout 3\ndefault " + PROFILE + "\n");
        byte[] globbed = "default 02-*\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(SystemdBootConfig.defaultEntryName(entries, globbed)).isEqualTo("02-archiso-speech-linux.conf");
        SystemdBootConfig.Edit speech = SystemdBootConfig.withPersistence(entries, globbed, BootConfigFixtures.ARCHISO);
        assertThat(text(speech.loaderConf())).isEqualTo("default 02-archiso-speech-linux-stickwright-persistent\r\n");
    }

    @Test
    void entryWithoutOptionsOrTitleGetsThem() throws Exception {
        Map<String, byte[]> entries = Map.of("a.conf", "linux /vmlinuz\r\ninitrd /initrd.img".getBytes(StandardCharsets.US_ASCII));
        SystemdBootConfig.Edit edit = SystemdBootConfig.withPersistence(entries, new byte[0], BootConfigFixtures.ARCHISO);
        assertThat(text(edit.entries().get("a-stickwright-persistent.conf"))).isEqualTo(
                "title a (persistent)\r\nlinux /vmlinuz\r\ninitrd /initrd.img\r\noptions cow_label=ARCHDATA cow_directory=persistent_arch/x86_64\r\n");
        assertThat(text(edit.entries().get("a.conf"))).isEqualTo("title a (no persistence)\r\nlinux /vmlinuz\r\ninitrd /initrd.img");
    }

    @Test
    void orphanedProfileFileIsReported() {
        Map<String, byte[]> entries = Map.of("gone-stickwright-persistent.conf", new byte[0], "other.conf", new byte[0]);
        assertThatThrownBy(() -> SystemdBootConfig.withPersistence(entries, new byte[0], BootConfigFixtures.ARCHISO))
                .isInstanceOf(BootConfigException.class).hasMessageContaining("gone.conf");
    }
}
