#!/bin/sh
# pre-mount hook: a persistent overlay (set up earlier by dmsquash-live-root) leaves
# /run/overlayfs as a symlink into the stick; only when it is absent is a RAM upper needed.
[ -e /run/overlayfs ] || mkdir -m 0755 -p /run/overlayfs
[ -e /run/ovlwork ] || mkdir -m 0755 -p /run/ovlwork
