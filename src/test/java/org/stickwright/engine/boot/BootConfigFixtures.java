/*
 * The realistic configs under src/test/resources/org/stickwright/engine/boot, modelled on what the
 * real ISOs ship (reference/persistence-mechanisms.md §8), and the recipe each golden case applies.
 */
package org.stickwright.engine.boot;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.stickwright.engine.boot.PersistenceRecipe.NamedLocation;

final class BootConfigFixtures {
    enum Format { GRUB, SYSLINUX }

    /** One config file, the recipe applied to it, and the golden file holding the exact result. */
    record Case(String input, Format format, PersistenceRecipe recipe, Optional<String> defaultHint) {
        String expected() {
            return input + ".persistent";
        }

        byte[] apply(byte[] config) throws BootConfigException {
            return format == Format.GRUB
                    ? GrubConfig.parse(config).withPersistence(recipe)
                    : SyslinuxConfig.parse(config).withPersistence(recipe, defaultHint);
        }
    }

    static final PersistenceRecipe FEDORA = PersistenceRecipe.fedora("LABEL=STICKDATA", true,
            List.of(new NamedLocation("work", "/LiveOS/overlay-work")));
    static final PersistenceRecipe FEDORA_DM = PersistenceRecipe.fedora("LABEL=STICKDATA", false, List.of());
    static final PersistenceRecipe DEBIAN = PersistenceRecipe.debian(List.of("work"));
    static final PersistenceRecipe UBUNTU = PersistenceRecipe.ubuntu(List.of());
    static final PersistenceRecipe ARCHISO = PersistenceRecipe.archiso("ARCHDATA", "persistent_arch/x86_64", List.of());
    static final PersistenceRecipe SYSTEMRESCUE = PersistenceRecipe.systemRescue("RESCUEDATA", "persistent",
            List.of(new NamedLocation("lab", "persistent-lab")));

    static final List<Case> CASES = List.of(
            new Case("fedora41/grub.cfg", Format.GRUB, FEDORA, Optional.empty()),
            new Case("fedora41/efi-grub.cfg", Format.GRUB, FEDORA_DM, Optional.empty()),
            new Case("fedora36/isolinux.cfg", Format.SYSLINUX, FEDORA_DM, Optional.empty()),
            new Case("debian12/live.cfg", Format.SYSLINUX, DEBIAN, Optional.empty()),
            new Case("debian12/grub.cfg", Format.GRUB, DEBIAN, Optional.empty()),
            new Case("ubuntu2404/grub.cfg", Format.GRUB, UBUNTU, Optional.empty()),
            new Case("archiso/archiso_sys-linux.cfg", Format.SYSLINUX, ARCHISO, Optional.of("arch64")),
            new Case("systemrescue/grubsrcd.cfg", Format.GRUB, SYSTEMRESCUE, Optional.empty()));

    static final List<String> ARCHISO_ENTRIES = List.of("01-archiso-linux.conf", "02-archiso-speech-linux.conf");

    private BootConfigFixtures() {
    }

    static byte[] read(String name) {
        try (InputStream in = BootConfigFixtures.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, byte[]> archisoEntries() {
        Map<String, byte[]> entries = new TreeMap<>();
        for (String name : ARCHISO_ENTRIES) {
            entries.put(name, read("archiso/" + name));
        }
        return entries;
    }

    /** The same text with every line ending CRLF. */
    static byte[] toCrlf(byte[] lf) {
        return new String(lf, java.nio.charset.StandardCharsets.ISO_8859_1).replace("\r\n", "\n").replace("\n", "\r\n")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
