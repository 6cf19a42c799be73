/**
 * Which live-system family an ISO belongs to, and where its boot chain and root image are:
 * the facts persistence needs before anything is written ({@link org.stickwright.engine.family.FamilyDetector#detect}
 * → {@link org.stickwright.engine.family.LiveFamily}).
 *
 * <h2>How each family is recognised</h2>
 * Persistence is found at boot by the initramfs, so the family is the initramfs code, and we
 * recognise it by the files that code looks for and by the options the boot loader hands it.
 * Checked in this order (most specific first):
 * <table>
 * <caption>markers</caption>
 * <tr><th>family</th><th>files on ISO 9660</th><th>kernel line</th></tr>
 * <tr><td>SYSTEMRESCUE</td><td>{@code /sysresccd/}, {@code /sysrescue.d/}</td>
 *     <td>{@code archisobasedir=sysresccd archisolabel=RESCUE1100}</td></tr>
 * <tr><td>ARCH_ARCHISO</td><td>{@code /<archisobasedir>/<arch>/airootfs.sfs} (or {@code .erofs})</td>
 *     <td>{@code archisobasedir=arch archisolabel=ARCH_202601}</td></tr>
 * <tr><td>FEDORA_DRACUT</td><td>{@code /<rd.live.dir>/<rd.live.squashimg>}, default {@code /LiveOS/squashfs.img}</td>
 *     <td>{@code root=live:CDLABEL=Fedora-WS-Live-40-1-14 rd.live.image}</td></tr>
 * <tr><td>UBUNTU_CASPER</td><td>{@code /casper/*.squashfs}, {@code /.disk/casper-uuid-*}</td>
 *     <td>{@code boot=casper} (Ubuntu's GRUB lines often omit it: {@code linux /casper/vmlinuz --- quiet splash})</td></tr>
 * <tr><td>DEBIAN_LIVE</td><td>{@code /live/*.squashfs}</td><td>{@code boot=live components}</td></tr>
 * </table>
 * SystemRescue is archiso with its own directory names, so it is tested before Arch; a
 * live-build ISO made for dracut ({@code root=live:CDLABEL=... rd.live.dir=live
 * rd.live.squashimg=filesystem.squashfs}) is dracut although it has {@code /live}, so dracut is
 * tested before Debian. Nothing matched: {@link org.stickwright.engine.family.Family#UNKNOWN}
 * (Debian's {@code grub-rescue-cdrom.iso}: label {@code ISOIMAGE}, one {@code /boot/grub/grub.cfg}
 * for BIOS with {@code linux /vmlinuz root=/dev/sda1}), which can only be written raw.
 *
 * <h2>Which configuration each firmware really reads</h2>
 * syslinux: every {@code *.cfg} under an {@code isolinux/} or {@code syslinux/} directory
 * (BIOS; {@code LABEL} blocks pair {@code KERNEL}/{@code LINUX} with {@code APPEND}, COM32 modules
 * such as {@code vesamenu.c32} are not kernels). GRUB for BIOS: {@code /boot/grub/grub.cfg} or
 * {@code /boot/grub2/grub.cfg} next to an {@code i386-pc/} directory, or when the El Torito BIOS
 * image is GRUB's {@code eltorito.img}. GRUB for UEFI: {@code /EFI/BOOT/grub.cfg} (Fedora's
 * {@code gcdx64.efi} reads the one next to itself: on ISO 9660 for optical and isohybrid-MBR
 * boots, <em>inside the EFI image</em> on a GPT stick, so that copy is listed too);
 * {@code /boot/grub/grub.cfg} for Debian and Ubuntu, whose signed GRUB finds the medium by
 * {@code /.disk/info}; {@code /boot/grub/grubsrcd.cfg} for SystemRescue. systemd-boot (archiso):
 * {@code /loader/entries/*.conf} ({@code linux}, {@code options}) — the copies on ISO 9660 serve
 * file-copied sticks only; a dd'ed stick boots the ones inside the EFI image, listed as
 * "inside EFI image /EFI/archiso/efiboot.img: /loader/entries/*.conf". Files inside the FAT
 * image are named, not read: the FAT reader lives in its own package.
 *
 * <h2>Worked example: a Fedora ISO with a nested root image</h2>
 * A 2 MiB ISO built by xorriso like lorax builds Fedora's, volume id
 * {@code Fedora-WS-Live-40-1-14}. {@code xorriso -report_el_torito plain} and our reading agree:
 * <pre>
 * 0x13000  El Torito catalog (block 38): validation entry 01 00 ... 55 AA, BIOS entry 88 .. f7 02 = LBA 759
 * 0x13040  91 ef 01 00      final section header: platform 0xEF (EFI), 1 entry
 * 0x13060  88 00 00 00 00 00 40 0b 27 00 00 00
 *          bootable, no emulation, 0x0b40 = 2880 virtual sectors, load RBA 0x27 = block 39
 * 0x13800  eb 3c 90 "mkfs.fat" ...   block 39 = byte 79872: the FAT boot sector of /images/efiboot.img
 * </pre>
 * so the EFI image is {@code /images/efiboot.img} at byte 79872, 1474560 bytes. The root image
 * {@code /LiveOS/squashfs.img} starts at block 780:
 * <pre>
 * 0x186000  68 73 71 73  03 00 00 00  29 37 02 6b  00 00 02 00
 *           "hsqs" magic   3 inodes     mkfs time    block size 0x20000 = 128 KiB
 * 0x186010  00 00 00 00  01 00  11 00 ...
 *           fragments 0    compressor 1 = gzip, block log 17
 * </pre>
 * It is opened in place as {@code iso.device().slice(780 * 2048, 4096)} and its tree holds
 * {@code /LiveOS/rootfs.img} (the ext4 made by {@code mkfs.ext4 -d}), so the layout is
 * {@link org.stickwright.engine.family.RootImageLayout#NESTED_ROOTFS_IMG} and all three
 * {@link org.stickwright.engine.family.OverlayKind}s are legal; a flat image (the root tree with
 * {@code /etc/os-release} at the squashfs's top) allows only the two overlayfs kinds, because a
 * device-mapper snapshot needs a block device (the ext4 image) under it. The kernel lines:
 * <pre>
 * /isolinux/isolinux.cfg (BIOS, syslinux)  line 3: append initrd=initrd.img root=live:CDLABEL=Fedora-WS-Live-40-1-14 rd.live.image quiet rhgb
 * /EFI/BOOT/grub.cfg     (UEFI, GRUB)      line 3: linuxefi /images/pxeboot/vmlinuz root=live:CDLABEL=Fedora-WS-Live-40-1-14 rd.live.image quiet rhgb
 * inside EFI image /images/efiboot.img: /EFI/BOOT/grub.cfg (UEFI on GPT sticks, not read here)
 * </pre>
 * The referenced label is decoded from {@code CDLABEL=} (udev spells a blank {@code \x20}; in a
 * grub.cfg that is written {@code \\x20}, since GRUB eats one backslash) and compared with the
 * volume id: here they match.
 */
package org.stickwright.engine.family;
