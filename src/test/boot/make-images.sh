#!/usr/bin/env bash
# Runs INSIDE the fixture chroot (see build-fixtures.sh): makes the three live ISOs in /out.
#
#   fedora-flat.iso    lorax layout, LiveOS/squashfs.img holds the root tree itself
#   fedora-nested.iso  lorax layout, LiveOS/squashfs.img holds LiveOS/rootfs.img (ext4)
#   debian-live.iso    live-build layout, live/filesystem.squashfs, initramfs-tools + live-boot
#
# Fedora layout (as lorax writes it since Fedora 37):
#   images/pxeboot/{vmlinuz,initrd.img}  kernel, dracut initramfs with dmsquash-live
#   images/eltorito.img                  GRUB i386-pc El Torito image, reads /boot/grub2/grub.cfg
#   images/efiboot.img                   FAT image with EFI/BOOT/{BOOTX64.EFI,grub.cfg}; GRUB's
#                                        prefix is /EFI/BOOT, so on a dd'ed stick it reads the
#                                        grub.cfg inside this image (appended as GPT partition 2)
#   kernel line: root=live:CDLABEL=<label> rd.live.image
# Debian layout (as live-build writes it):
#   isolinux/{isolinux.bin,ldlinux.c32,isolinux.cfg,live.cfg}  BIOS
#   boot/grub/efi.img  FAT with EFI/boot/bootx64.efi whose built-in config finds the data file
#                      system by /.disk/info and reads /boot/grub/grub.cfg from it
#   kernel line: boot=live components quiet splash
#
# Every kernel line ends in console=ttyS0 so the QEMU runner sees the boot on the serial port;
# menus wait 1 s. Each fixture has a second menu entry that only adds stickwright.entry=second,
# so tests can prove the runner picks a non-default entry (GRUB hotkey 2, isolinux label).
set -euo pipefail
B=/build
O=/out
W=/work
kver=$(ls /lib/modules | head -n 1)
mkdir -p "$O" "$W"

log() { echo "== $*" >&2; }

# --- the root tree: busybox + the test init -------------------------------------------------
make_root_tree() {
    local dir=$1 applet
    mkdir -p "$dir"/{bin,sbin,etc,proc,sys,dev,run,tmp,home,mnt,root,var,usr/lib}
    cp /bin/busybox "$dir/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
    done
    install -m 0755 "$B/test-init.sh" "$dir/sbin/init"
    # systemd's switch-root refuses a new root without os-release.
    printf 'NAME="Stickwright test live"\nID=stickwright-test\nVERSION_ID=1\n' > "$dir/usr/lib/os-release"
    ln -s ../usr/lib/os-release "$dir/etc/os-release"
    : > "$dir/etc/fstab"
}
log "root tree"
make_root_tree "$W/rootfs"

# nls_ascii: Debian kernels mount FAT with iocharset=ascii unless told otherwise, and extract-mode
# sticks boot from FAT32 (without it: "FAT-fs: IO charset ascii not found").
USB_DRIVERS="xhci_pci xhci_hcd usb_storage uas sd_mod squashfs overlay ext4 vfat loop dm_snapshot isofs nls_cp437 nls_iso8859_1 nls_ascii nls_utf8"

# --- Debian initrd (initramfs-tools + live-boot are installed in the chroot at this point) -----
log "Debian live-boot initrd"
printf 'MODULES=list\nCOMPRESS=zstd\nBUSYBOX=y\n' > /etc/initramfs-tools/conf.d/stickwright.conf
printf '%s\n' $USB_DRIVERS > /etc/initramfs-tools/modules
mkinitramfs -o "$W/debian-initrd.img" "$kver"

# --- dracut (replaces initramfs-tools; the packages were downloaded with the chroot) -----------
log "dracut initrd"
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-download --no-install-recommends \
    dracut dracut-live >&2
cp -r "$B/dracut/99stickwright-tmpoverlay" /usr/lib/dracut/modules.d/
dracut --force --no-hostonly --no-hostonly-cmdline --no-early-microcode \
    --add "dmsquash-live stickwright-tmpoverlay" \
    --omit "plymouth i18n resume network network-legacy nfs iscsi nbd lvm mdraid crypt multipath" \
    --drivers "$USB_DRIVERS" --compress zstd \
    "$W/fedora-initrd.img" "$kver"

GRUB_COMMON="normal configfile search search_label search_fs_file search_fs_uuid linux boot echo
    test serial terminal iso9660 fat ext2 part_msdos part_gpt"

grub_serial_header() {
    cat <<CFG
serial --unit=0 --speed=115200
terminal_input serial console
terminal_output serial
set timeout=1
set default=0
CFG
}

# --- Fedora-style ISOs ---------------------------------------------------------------------
fedora_grub_cfg() {
    local label=$1
    grub_serial_header
    cat <<CFG
search --no-floppy --set=root -l '$label'
menuentry 'Start Stickwright Test Live' --hotkey=1 {
	linux /images/pxeboot/vmlinuz root=live:CDLABEL=$label rd.live.image console=ttyS0
	initrd /images/pxeboot/initrd.img
}
menuentry 'Second entry (menu selection test)' --hotkey=2 {
	linux /images/pxeboot/vmlinuz root=live:CDLABEL=$label rd.live.image stickwright.entry=second console=ttyS0
	initrd /images/pxeboot/initrd.img
}
CFG
}

make_fedora() {
    local variant=$1 label=$2 iso=$W/fedora-$1/iso
    log "Fedora $variant ISO ($label)"
    mkdir -p "$iso"/{LiveOS,images/pxeboot,boot/grub2,EFI/BOOT}
    cp "/boot/vmlinuz-$kver" "$iso/images/pxeboot/vmlinuz"
    cp "$W/fedora-initrd.img" "$iso/images/pxeboot/initrd.img"
    if [ "$variant" = flat ]; then
        mksquashfs "$W/rootfs" "$iso/LiveOS/squashfs.img" -comp xz -noappend -quiet >&2
    else
        mkdir -p "$W/fedora-$variant/squash/LiveOS"
        truncate -s 64M "$W/fedora-$variant/squash/LiveOS/rootfs.img"
        mkfs.ext4 -q -L Anaconda -d "$W/rootfs" "$W/fedora-$variant/squash/LiveOS/rootfs.img"
        mksquashfs "$W/fedora-$variant/squash" "$iso/LiveOS/squashfs.img" -comp xz -noappend -quiet >&2
    fi
    fedora_grub_cfg "$label" > "$iso/boot/grub2/grub.cfg"
    cp "$iso/boot/grub2/grub.cfg" "$iso/EFI/BOOT/grub.cfg"
    # shellcheck disable=SC2086
    grub-mkimage -O i386-pc-eltorito -p /boot/grub2 -o "$iso/images/eltorito.img" biosdisk $GRUB_COMMON
    # shellcheck disable=SC2086
    grub-mkimage -O x86_64-efi -p /EFI/BOOT -o "$iso/EFI/BOOT/BOOTX64.EFI" $GRUB_COMMON efi_gop
    local efi=$iso/images/efiboot.img
    mkfs.fat -C -n ANACONDA "$efi" 4096 >&2
    mmd -i "$efi" ::/EFI ::/EFI/BOOT
    mcopy -i "$efi" "$iso/EFI/BOOT/BOOTX64.EFI" "$iso/EFI/BOOT/grub.cfg" ::/EFI/BOOT/
    xorriso -as mkisofs -o "$O/fedora-$variant.iso" -R -J -V "$label" \
        --grub2-mbr /usr/lib/grub/i386-pc/boot_hybrid.img -partition_offset 16 \
        -appended_part_as_gpt \
        -append_partition 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B "$efi" \
        -iso_mbr_part_type EBD0A0A2-B9E5-4433-87C0-68B6B72699C7 \
        -c boot.cat --boot-catalog-hide \
        -b images/eltorito.img -no-emul-boot -boot-load-size 4 -boot-info-table --grub2-boot-info \
        -eltorito-alt-boot -e '--interval:appended_partition_2:all::' -no-emul-boot \
        "$iso" 2>&1 | tail -n 3 >&2
}
make_fedora flat Fedora-SWFlat-Live-1
make_fedora nested Fedora-SWNested-Live-1

# --- Debian live-build-style ISO -----------------------------------------------------------
log "Debian live ISO"
iso=$W/debian/iso
label="d-live 12 sw amd64"
mkdir -p "$iso"/{live,isolinux,boot/grub,.disk}
cp "/boot/vmlinuz-$kver" "$iso/live/vmlinuz"
cp "$W/debian-initrd.img" "$iso/live/initrd.img"
mksquashfs "$W/rootfs" "$iso/live/filesystem.squashfs" -comp xz -noappend -quiet >&2
echo "Debian GNU/Linux 12 \"Bookworm\" - Stickwright test live amd64" > "$iso/.disk/info"
cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$iso/isolinux/"
cat > "$iso/isolinux/isolinux.cfg" <<'CFG'
serial 0 115200
prompt 1
timeout 10
default live
include live.cfg
CFG
cat > "$iso/isolinux/live.cfg" <<'CFG'
label live
	kernel /live/vmlinuz
	append initrd=/live/initrd.img boot=live components quiet splash console=ttyS0

label second
	kernel /live/vmlinuz
	append initrd=/live/initrd.img boot=live components quiet splash stickwright.entry=second console=ttyS0
CFG
{
    grub_serial_header
    cat <<'CFG'
menuentry 'Live system (amd64)' --hotkey=1 {
	linux /live/vmlinuz boot=live components quiet splash console=ttyS0
	initrd /live/initrd.img
}
menuentry 'Second entry (menu selection test)' --hotkey=2 {
	linux /live/vmlinuz boot=live components quiet splash stickwright.entry=second console=ttyS0
	initrd /live/initrd.img
}
CFG
} > "$iso/boot/grub/grub.cfg"
# The EFI GRUB's built-in config does what Debian's signed GRUB does: find the data file
# system by /.disk/info and read /boot/grub/grub.cfg there.
cat > "$W/debian-early.cfg" <<'CFG'
search --no-floppy --set=root --file /.disk/info
set prefix=($root)/boot/grub
CFG
# shellcheck disable=SC2086
grub-mkimage -O x86_64-efi -c "$W/debian-early.cfg" -p /boot/grub -o "$W/bootx64.efi" $GRUB_COMMON efi_gop
efi=$iso/boot/grub/efi.img
mkfs.fat -C "$efi" 4096 >&2
mmd -i "$efi" ::/EFI ::/EFI/boot
mcopy -i "$efi" "$W/bootx64.efi" ::/EFI/boot/bootx64.efi
xorriso -as mkisofs -o "$O/debian-live.iso" -R -r -J -joliet-long -l -iso-level 3 -V "$label" \
    -isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin -partition_offset 16 \
    -c isolinux/boot.cat -b isolinux/isolinux.bin -no-emul-boot -boot-load-size 4 -boot-info-table \
    -eltorito-alt-boot -e boot/grub/efi.img -no-emul-boot -isohybrid-gpt-basdat \
    "$iso" 2>&1 | tail -n 3 >&2
ls -l "$O" >&2
