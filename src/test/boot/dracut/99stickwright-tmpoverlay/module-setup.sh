#!/bin/bash
# dracut module of the test fixtures: gives a flat-squashfs live boot its temporary overlay.
# dracut 059's dmsquash-live mounts the root as overlayfs with upper /run/overlayfs and work
# /run/ovlwork, but without a persistent overlay nothing creates those directories and the
# boot ends in an emergency shell. Fedora's dracut and dracut-ng create them in a pre-mount
# hook; this module does the same so the fixture boots the way a Fedora ISO does.
check() {
    return 255 # only when asked for with --add
}

depends() {
    echo dmsquash-live
}

install() {
    inst_hook pre-mount 30 "$moddir/make-temporary-overlay.sh"
}
