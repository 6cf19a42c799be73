#!/bin/sh
# /sbin/init of every fixture's root tree (busybox). It reports what the live system looks like
# and whether a change made in an earlier boot survived:
#   STICKWRIGHT-CMDLINE <kernel command line>
#   STICKWRIGHT-MOUNT <line of /proc/mounts>          (one per mount)
#   FIRSTBOOT <token> | PERSIST-OK <token>             (marker on /)
#   HOME-FIRSTBOOT <token> | HOME-PERSIST-OK <token>   (marker on /home, if /home is its own mount)
#   STICKWRIGHT-POWEROFF
# It writes the marker, then syncs before powering off, so a real stick would keep the marker
# exactly when this prints PERSIST-OK on the next boot: a test cannot pass by a lost write.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

[ -r /proc/cmdline ] || mount -t proc proc /proc
[ -d /sys/kernel ] || mount -t sysfs sysfs /sys
[ -e /dev/null ] || mount -t devtmpfs devtmpfs /dev
mkdir -p /run /tmp

cmdline=$(cat /proc/cmdline)
echo "STICKWRIGHT-CMDLINE $cmdline"

arg() { # value of NAME= on the kernel command line, empty if absent
    for word in $cmdline; do
        case "$word" in "$1="*) echo "${word#*=}"; return ;; esac
    done
}
has_arg() {
    for word in $cmdline; do [ "$word" = "$1" ] && return 0; done
    return 1
}
is_mounted() { # busybox-static in Debian has no mountpoint applet
    awk -v dir="$1" '$2 == dir { found = 1 } END { exit !found }' /proc/mounts
}

# Fedora's livesys service mounts the home image (dracut itself never does); do the same so
# home tests mean something on dmsquash-live fixtures.
if has_arg rd.live.image && ! has_arg nopersistenthome; then
    livedir=$(arg rd.live.dir); livedir=${livedir:-LiveOS}
    home=$(arg persistenthome)
    case "$home" in
        LABEL=*|UUID=*) home=$(findfs "$home") ;;
        "") [ -f "/run/initramfs/live/$livedir/home.img" ] && home="/run/initramfs/live/$livedir/home.img" ;;
    esac
    if [ -n "$home" ]; then
        case "$home" in /run/initramfs/live/*) mount -o remount,rw /run/initramfs/live ;; esac
        if [ -f "$home" ]; then
            mount -o loop "$home" /home || echo "STICKWRIGHT-ERROR cannot mount home image $home"
        else
            mount "$home" /home || echo "STICKWRIGHT-ERROR cannot mount home device $home"
        fi
        [ -d /home/home ] && mount --bind /home/home /home
    fi
fi

while read -r line; do echo "STICKWRIGHT-MOUNT $line"; done < /proc/mounts

# check_marker FILE PREFIX: PERSIST-OK if an earlier boot left FILE, else create it durably.
check_marker() {
    if [ -s "$1" ]; then
        echo "${2}PERSIST-OK $(cat "$1")"
    else
        token=$(cat /proc/sys/kernel/random/uuid)
        if echo "$token" > "$1.new" && sync "$1.new" && mv "$1.new" "$1" && sync; then
            echo "${2}FIRSTBOOT $token"
        else
            echo "${2}MARKER-FAILED cannot write $1"
        fi
    fi
}
check_marker /stickwright-marker ""
if is_mounted /home; then
    check_marker /home/.stickwright-marker HOME-
else
    echo "HOME-NOT-SEPARATE"
fi

# Overlay tests (only with stickwright.overlaytest=STEP on the kernel line; other tests never
# see this): STEP "write" creates, overwrites and deletes known files on / and replaces the
# empty /mnt by a new one holding stickwright-opaque.txt; "fill" writes until the overlay is
# full. Every overlay test prints the known files' checksums and what /mnt holds
#   STICKWRIGHT-FILE <md5|MISSING> <path>   STICKWRIGHT-MNT <names in /mnt>
# and, after / is read-only and synced (so no chunk is still in flight), the guest kernel's own
#   STICKWRIGHT-DMSTATUS <dmsetup status live-rw>   STICKWRIGHT-DMTABLE <dmsetup table live-rw>
#   STICKWRIGHT-DF <df -P -k / line: on overlayfs roots the upper's file system, i.e. the store>
overlaytest=$(arg stickwright.overlaytest)
known="/usr/share/stickwright/keep.txt /usr/share/stickwright/overwrite.txt /usr/share/stickwright/delete.txt /stickwright-ovl/new.txt"
case "$overlaytest" in
    write)
        mkdir -p /stickwright-ovl
        seq 1000000 1040000 > /stickwright-ovl/new.txt
        seq 5000000 5002000 | dd of=/usr/share/stickwright/overwrite.txt bs=4096 seek=3 conv=notrunc 2>/dev/null
        rm -f /usr/share/stickwright/delete.txt
        # an empty lower directory removed and made again: overlayfs marks the new one opaque
        rmdir /mnt && mkdir /mnt && echo opaque > /mnt/stickwright-opaque.txt
        sync
        ;;
    fill)
        mkdir -p /stickwright-ovl
        dd if=/dev/urandom of=/stickwright-ovl/fill.bin bs=1M 2>/dev/null
        sync
        ;;
esac
if [ -n "$overlaytest" ]; then
    for file in $known; do
        if [ -f "$file" ]; then sum=$(md5sum < "$file" | cut -d' ' -f1); else sum=MISSING; fi
        echo "STICKWRIGHT-FILE $sum $file"
    done
    echo "STICKWRIGHT-MNT $(ls -A /mnt | tr '\n' ' ')"
fi

sync
is_mounted /home && umount /home
mount -o remount,ro / 2>/dev/null
# as a shutdown does: the file systems holding overlay uppers (live-boot's persistence
# partition, dracut's embedded overlay image) read-only too, so their journals are flushed
awk '$3 == "ext4" && $2 != "/" { print $2 }' /proc/mounts | while read -r dir; do
    mount -o remount,ro "$dir" || echo "STICKWRIGHT-ERROR cannot remount $dir read-only"
done
sync
if [ -n "$overlaytest" ]; then
    echo "STICKWRIGHT-DMSTATUS $(dmsetup status live-rw 2>&1)"
    echo "STICKWRIGHT-DMTABLE $(dmsetup table live-rw 2>&1)"
    echo "STICKWRIGHT-DF $(df -P -k / 2>&1 | tail -n 1)"
fi
echo "STICKWRIGHT-POWEROFF"
poweroff -f
