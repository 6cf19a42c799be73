#!/usr/bin/env bash
# Builds (or finds in the cache) the live ISO fixtures of the boot tests and prints the
# directory that holds them: fedora-flat.iso, fedora-nested.iso, debian-live.iso.
#
#   sudo src/test/boot/build-fixtures.sh [CACHE_DIR]   (default /var/cache/stickwright-fixtures)
#
# The cache lives outside the repository and is keyed by content hashes:
#   CACHE_DIR/chroot-<hash of build-chroot.sh>.tar      the Debian 12 build chroot
#   CACHE_DIR/fixtures-<hash of every builder file>/   the ISOs (+ a "complete" stamp)
# so CI rebuilds the ISOs only when a builder file changes, and re-runs debootstrap only when
# the chroot recipe changes. Nothing is installed on the host besides what .ci/apt-packages
# lists; dracut and live-boot only ever run inside the chroot.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${1:-${STICKWRIGHT_FIXTURE_CACHE:-/var/cache/stickwright-fixtures}}
mkdir -p "$cache"
exec 9> "$cache/.lock"
flock 9

chroot_key=$(sha256sum < "$here/build-chroot.sh" | cut -c1-16)
fixture_key=$(cd "$here" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
out=$cache/fixtures-$fixture_key
if [ -f "$out/complete" ]; then
    echo "$out"
    exit 0
fi

base=$cache/chroot-$chroot_key.tar
if [ ! -f "$base" ]; then
    echo "== building the chroot $base" >&2
    "$here/build-chroot.sh" "$base" >&2
fi

work=$(mktemp -d /var/tmp/stickwright-fixtures.XXXXXX)
root=$work/root
unmount_all() {
    for m in dev/pts dev proc sys; do
        if mountpoint -q "$root/$m" 2>/dev/null; then umount -l "$root/$m"; fi
    done
}
cleanup() {
    unmount_all
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$root"
tar -C "$root" -xf "$base"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mkdir -p "$root/build" "$root/out"
cp -r "$here"/. "$root/build/"
chroot "$root" env LC_ALL=C.UTF-8 PATH=/usr/sbin:/usr/bin:/sbin:/bin /build/make-images.sh >&2
unmount_all

rm -rf "$out.part"
mkdir -p "$out.part"
cp "$root"/out/*.iso "$out.part/"
for iso in "$out.part"/*.iso; do
    size=$(stat -c %s "$iso")
    if [ "$size" -ge $((100 * 1024 * 1024)) ]; then
        echo "fixture $iso is $size bytes, over the 100 MB budget" >&2
        exit 1
    fi
done
date -u +%FT%TZ > "$out.part/complete"
rm -rf "$out"
mv "$out.part" "$out"
echo "$out"
