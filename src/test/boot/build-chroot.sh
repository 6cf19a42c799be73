#!/usr/bin/env bash
# Builds the Debian 12 chroot that the fixture builder works in and packs it as a tarball.
#
# Why a chroot: dracut and live-boot rewrite how a machine boots, so they must never be
# installed on the host. The chroot holds a Debian kernel, the boot loaders (GRUB for BIOS and
# EFI, isolinux), the image tools, initramfs-tools + live-boot (Debian live initrd), and the
# downloaded (not yet installed) dracut + dracut-live packages: dracut conflicts with
# initramfs-tools, so build-fixtures.sh installs it offline after the Debian initrd is made.
#
# Usage: build-chroot.sh OUTPUT.tar   (needs root, debootstrap and Debian's apt mirror)
set -euo pipefail
out=${1:?usage: build-chroot.sh OUTPUT.tar}
mirror=${STICKWRIGHT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=$(mktemp -d /var/tmp/stickwright-chroot.XXXXXX)
root=$work/root

cleanup() {
    for m in dev/pts dev proc sys; do
        mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
    done
    rm -rf "$work"
}
trap cleanup EXIT

debootstrap --variant=minbase bookworm "$root" "$mirror"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"

in_chroot() {
    chroot "$root" env DEBIAN_FRONTEND=noninteractive INITRD=No LC_ALL=C.UTF-8 "$@"
}
apt_install() {
    in_chroot apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}
in_chroot apt-get update -q
# The kernel first, with INITRD=No: its initramfs-tools hook would otherwise spend a minute
# on a "most modules" initrd nobody uses.
apt_install linux-image-amd64
apt_install systemd udev kmod busybox-static zstd \
    grub-pc-bin grub-efi-amd64-bin isolinux syslinux-common \
    xorriso mtools dosfstools squashfs-tools e2fsprogs \
    live-boot live-boot-initramfs-tools
in_chroot apt-get install -y -q --no-install-recommends --download-only dracut dracut-live
for m in dev/pts dev proc sys; do umount -l "$root/$m"; done
tar -C "$root" -cf "$out.part" .
mv "$out.part" "$out"
