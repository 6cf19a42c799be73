/*
 * Puts a persistence recipe into every boot configuration a dd'ed hybrid ISO boots through,
 * editing the ISO's own bytes (design §1):
 *
 *   ISO 9660 tree   GRUB grub.cfg and syslinux *.cfg files that carry kernel lines, replaced with
 *                   IsoPatcher (in the file's last-block slack, or relocated to free zero blocks;
 *                   every directory record naming the file follows: primary, Joliet and the
 *                   partition_offset trees)
 *   EFI FAT image   the same configuration inside the El Torito EFI image (Fedora's
 *                   EFI/BOOT/grub.cfg, archiso's loader/entries/*.conf + loader/loader.conf),
 *                   edited with FatFileSystem; also every other copy of that FAT image the ISO
 *                   tree holds (lorax keeps images/efiboot.img in the tree beside the appended
 *                   partition that firmware boots), since which one a firmware starts differs
 *
 * Example (the Debian fixture): /isolinux/live.cfg grows from 254 to 583 bytes (with --home) and stays in its
 * one 2048-byte block; /boot/grub/grub.cfg likewise; isolinux.cfg (no kernel lines, only
 * `default live`) is not touched but gives live.cfg's default label as the hint.
 */
package org.stickwright.engine.job;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.stickwright.engine.boot.BootConfigException;
import org.stickwright.engine.boot.GrubConfig;
import org.stickwright.engine.boot.PersistenceRecipe;
import org.stickwright.engine.boot.SyslinuxConfig;
import org.stickwright.engine.boot.SystemdBootConfig;
import org.stickwright.engine.family.BootConfig;
import org.stickwright.engine.family.LiveFamily;
import org.stickwright.engine.fat.FatEntry;
import org.stickwright.engine.fat.FatFileSystem;
import org.stickwright.engine.fat.FileTimes;
import org.stickwright.engine.io.BlockDevice;
import org.stickwright.engine.iso.IsoEntry;
import org.stickwright.engine.iso.IsoImage;
import org.stickwright.engine.iso.IsoPatcher;

/** Applies a {@link PersistenceRecipe} to the boot configurations of an ISO written on {@code device}. */
final class HybridBootPatcher {
    /** ISO 9660 paths where live ISOs keep a copy of their EFI FAT image. */
    static final List<String> EFI_IMAGE_COPIES = List.of("/images/efiboot.img", "/boot/grub/efi.img",
            "/EFI/archiso/efiboot.img", "/efi.img");

    /** One edited file: "/isolinux/live.cfg (in place)", "EFI image @29304832: /EFI/BOOT/grub.cfg". */
    record Patched(String where, byte[] before, byte[] after) {
    }

    private HybridBootPatcher() {
    }

    /**
     * Edits every configuration of {@code family} on {@code device} (the ISO as written, e.g. a
     * {@link org.stickwright.engine.io.CopyOnWriteDevice}); returns what changed.
     *
     * @throws BootConfigException when a configuration cannot be understood
     * @throws IOException         when the ISO or a FAT image is damaged, or a grown file has no room
     */
    static List<Patched> apply(BlockDevice device, LiveFamily family, PersistenceRecipe recipe, Instant time)
            throws IOException {
        List<Patched> patched = new ArrayList<>();
        IsoImage iso = IsoImage.open(device);
        Optional<String> syslinuxDefault = syslinuxDefaultHint(iso, family);
        List<BootConfig> efiConfigs = new ArrayList<>();
        for (BootConfig config : family.bootConfigs()) {
            if (config.insideEfiImage()) {
                efiConfigs.add(config);
            }
        }
        for (BootConfig config : family.bootConfigs()) {
            if (config.insideEfiImage() || config.kernelLines().isEmpty()
                    || config.loader() == BootConfig.Loader.SYSTEMD_BOOT) {
                continue;
            }
            IsoEntry entry = iso.find(config.path())
                    .orElseThrow(() -> new IOException("boot configuration " + config.path() + " vanished from the ISO"));
            byte[] before = iso.readAll(entry);
            byte[] after = edit(config.loader(), config.path(), before, recipe, syslinuxDefault);
            if (!java.util.Arrays.equals(before, after)) {
                IsoPatcher.Result result = IsoPatcher.replace(device, config.path(), after);
                patched.add(new Patched(config.path() + " (" + result.placement().name().toLowerCase(java.util.Locale.ROOT)
                        + ")", before, after));
                // The patcher may have moved data: later reads must see the new tree.
                iso = IsoImage.open(device);
            }
        }
        if (!efiConfigs.isEmpty()) {
            for (long offset : fatImageOffsets(iso, family)) {
                long length = fatImageLength(iso, family, offset);
                try (FatFileSystem fat = FatFileSystem.open(device.slice(offset, length))) {
                    for (BootConfig config : efiConfigs) {
                        patched.addAll(editInFat(fat, offset, config, recipe, syslinuxDefault, time));
                    }
                }
            }
        }
        return patched;
    }

    private static List<Long> fatImageOffsets(IsoImage iso, LiveFamily family) throws IOException {
        Set<Long> offsets = new LinkedHashSet<>();
        family.efi().ifPresent(e -> offsets.add(e.offset()));
        for (String path : EFI_IMAGE_COPIES) {
            Optional<IsoEntry> copy = iso.find(path);
            if (copy.isPresent() && copy.get().isFile() && copy.get().extents().size() == 1
                    && copy.get().size() >= 64 * 1024) {
                offsets.add(copy.get().firstDataOffset());
            }
        }
        return List.copyOf(offsets);
    }

    private static long fatImageLength(IsoImage iso, LiveFamily family, long offset) throws IOException {
        if (family.efiImage() != null && family.efiImage().offset() == offset) {
            return family.efiImage().length();
        }
        for (String path : EFI_IMAGE_COPIES) {
            Optional<IsoEntry> copy = iso.find(path);
            if (copy.isPresent() && copy.get().isFile() && copy.get().firstDataOffset() == offset) {
                return copy.get().size();
            }
        }
        throw new IOException("no EFI image at byte " + offset);
    }

    private static List<Patched> editInFat(FatFileSystem fat, long offset, BootConfig config, PersistenceRecipe recipe,
            Optional<String> syslinuxDefault, Instant time) throws IOException {
        String where = "EFI image @" + offset + ": ";
        List<Patched> patched = new ArrayList<>();
        if (config.loader() == BootConfig.Loader.SYSTEMD_BOOT) {
            if (fat.stat("/loader/entries").isEmpty()) {
                return patched;
            }
            Map<String, byte[]> entries = new LinkedHashMap<>();
            for (FatEntry e : fat.list("/loader/entries")) {
                if (!e.isDirectory() && e.name().toLowerCase(java.util.Locale.ROOT).endsWith(".conf")) {
                    entries.put(e.name(), fat.readAllBytes("/loader/entries/" + e.name()));
                }
            }
            if (entries.isEmpty()) {
                return patched;
            }
            byte[] loaderBefore = fat.stat("/loader/loader.conf").isPresent()
                    ? fat.readAllBytes("/loader/loader.conf") : new byte[0];
            SystemdBootConfig.Edit edit = SystemdBootConfig.withPersistence(entries, loaderBefore, recipe);
            for (String removed : edit.removedEntries()) {
                fat.delete("/loader/entries/" + removed);
            }
            for (Map.Entry<String, byte[]> changed : edit.changedEntries(entries).entrySet()) {
                String path = "/loader/entries/" + changed.getKey();
                byte[] before = entries.getOrDefault(changed.getKey(), new byte[0]);
                if (entries.containsKey(changed.getKey())) {
                    fat.replaceFile(path, changed.getValue().length, new ByteArrayInputStream(changed.getValue()), time);
                } else {
                    fat.writeFile(path, changed.getValue().length, new ByteArrayInputStream(changed.getValue()),
                            FileTimes.of(time));
                }
                patched.add(new Patched(where + path, before, changed.getValue()));
            }
            if (!java.util.Arrays.equals(loaderBefore, edit.loaderConf())) {
                byte[] conf = edit.loaderConf();
                if (fat.stat("/loader/loader.conf").isPresent()) {
                    fat.replaceFile("/loader/loader.conf", conf.length, new ByteArrayInputStream(conf), time);
                } else {
                    fat.writeFile("/loader/loader.conf", conf.length, new ByteArrayInputStream(conf), FileTimes.of(time));
                }
                patched.add(new Patched(where + "/loader/loader.conf", loaderBefore, conf));
            }
            return patched;
        }
        if (fat.stat(config.path()).isEmpty()) {
            return patched;
        }
        byte[] before = fat.readAllBytes(config.path());
        byte[] after = edit(config.loader(), config.path(), before, recipe, syslinuxDefault);
        if (!java.util.Arrays.equals(before, after)) {
            fat.replaceFile(config.path(), after.length, new ByteArrayInputStream(after), time);
            patched.add(new Patched(where + config.path(), before, after));
        }
        return patched;
    }

    private static byte[] edit(BootConfig.Loader loader, String path, byte[] before, PersistenceRecipe recipe,
            Optional<String> syslinuxDefault) throws BootConfigException {
        try {
            return switch (loader) {
                case GRUB -> GrubConfig.parse(before).withPersistence(recipe);
                case SYSLINUX -> SyslinuxConfig.parse(before).withPersistence(recipe, syslinuxDefault);
                case SYSTEMD_BOOT -> before;
            };
        } catch (BootConfigException e) {
            throw new BootConfigException(path, 0, e.getMessage());
        }
    }

    /** The `default` an including syslinux file sets (isolinux.cfg's `default live` for live.cfg). */
    private static Optional<String> syslinuxDefaultHint(IsoImage iso, LiveFamily family) throws IOException {
        for (BootConfig config : family.bootConfigs()) {
            if (config.loader() == BootConfig.Loader.SYSLINUX && !config.insideEfiImage()) {
                Optional<IsoEntry> entry = iso.find(config.path());
                if (entry.isPresent()) {
                    Optional<String> value = SyslinuxConfig.parse(iso.readAll(entry.get())).defaultCommand();
                    if (value.isPresent() && !value.get().toLowerCase(java.util.Locale.ROOT).endsWith(".c32")) {
                        return value;
                    }
                }
            }
        }
        return Optional.empty();
    }
}
