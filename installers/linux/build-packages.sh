#!/usr/bin/env bash
# Builds Stickwright's Linux packages, a .deb and an .rpm, each with its own Java runtime:
#
#   installers/linux/build-packages.sh [--skip-build] [--dest DIR] [--types "deb rpm"]
#
# Output: DIR (default target/installers)/stickwright_VERSION-1_amd64.deb and
# stickwright-VERSION-1.x86_64.rpm. Needs a JDK 17+ with jmods, Maven, fakeroot (jpackage runs
# dpkg-deb under it) and, for the .rpm, rpmbuild (Debian: apt-get install fakeroot rpm).
#
# What the packages install:
#   /opt/stickwright/bin/stickwright         the application: no arguments opens the wizard,
#                                            arguments run the command line (jpackage launcher)
#   /opt/stickwright/bin/stickwright-helper  the privileged helper, run by pkexec
#   /opt/stickwright/lib/{app,runtime}       the jars and the jlinked runtime (common/stage.sh)
#   /usr/bin/stickwright                     -> /opt/stickwright/bin/stickwright
#   /usr/share/applications/org.stickwright.Stickwright.desktop
#   /usr/share/metainfo/org.stickwright.Stickwright.metainfo.xml
#   /usr/share/icons/hicolor/NxN/apps/stickwright.png
#   /usr/share/polkit-1/actions/org.stickwright.helper.policy
#
# jpackage makes the launcher, the package metadata and (for the .deb) the library
# dependencies; it only ever installs under /opt/stickwright, so the files under /usr are added
# here: into the .deb by unpacking jpackage's package, adding them and packing it again, into
# the .rpm by a spec file of our own (stickwright.spec) that jpackage uses instead of its own.
# No maintainer scripts: Debian's and Fedora's triggers refresh the desktop database and the
# icon cache when files land in those directories.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
dest=$root/target/installers
types="deb rpm"
stage_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --skip-build) stage_args+=(--skip-build); shift ;;
        --dest) dest=$2; shift 2 ;;
        --types) types=$2; shift 2 ;;
        *) echo "usage: build-packages.sh [--skip-build] [--dest DIR] [--types \"deb rpm\"]" >&2; exit 2 ;;
    esac
done
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
work=$dest/work
rm -rf "$work"
mkdir -p "$work"

for tool in fakeroot dpkg-deb; do
    command -v "$tool" >/dev/null || { echo "build-packages.sh: $tool is missing" >&2; exit 2; }
done
if [[ $types == *rpm* ]]; then
    command -v rpmbuild >/dev/null || { echo "build-packages.sh: rpmbuild is missing (apt-get install rpm)" >&2; exit 2; }
fi

"$root/installers/common/stage.sh" "$work/stage" "${stage_args[@]}"
version=$(cat "$work/stage/version")
summary="Make persistent live USB sticks from Linux live images"
jpackage=${JAVA_HOME:+$JAVA_HOME/bin/}jpackage

# The application image: launcher, jars, runtime; then the helper launcher beside the launcher.
"$jpackage" --type app-image --dest "$work/image" --name stickwright --app-version "$version" \
    --input "$work/stage/input" --main-jar "stickwright-$version.jar" --main-class org.stickwright.Main \
    --runtime-image "$work/stage/runtime" --icon "$root/icons/stickwright-256.png" \
    --description "$summary" --vendor "Stickwright developers" --copyright "The Stickwright developers, GPL-3.0-or-later"
install -m 755 "$here/stickwright-helper" "$work/image/stickwright/bin/stickwright-helper"

# Everything installed outside /opt/stickwright, laid out as it lands on the system.
share=$work/root/usr/share
install -D -m 644 "$here/org.stickwright.Stickwright.desktop" "$share/applications/org.stickwright.Stickwright.desktop"
install -D -m 644 "$here/org.stickwright.Stickwright.metainfo.xml" "$share/metainfo/org.stickwright.Stickwright.metainfo.xml"
install -D -m 644 "$here/org.stickwright.helper.policy" "$share/polkit-1/actions/org.stickwright.helper.policy"
for icon in "$root"/icons/hicolor/*/apps/stickwright.png; do
    size=$(basename "$(dirname "$(dirname "$icon")")")
    install -D -m 644 "$icon" "$share/icons/hicolor/$size/apps/stickwright.png"
done
mkdir -p "$work/root/usr/bin"
ln -s /opt/stickwright/bin/stickwright "$work/root/usr/bin/stickwright"

common=(--app-image "$work/image/stickwright" --name stickwright --app-version "$version"
    --description "$summary" --vendor "Stickwright developers" --license-file "$root/LICENSE")

if [[ $types == *deb* ]]; then
    # jpackage's own .deb is unpacked again at once: no point compressing it.
    DPKG_DEB_COMPRESSOR_TYPE=none "$jpackage" --type deb --dest "$work/deb" "${common[@]}" \
        --linux-package-name stickwright --linux-app-category admin \
        --linux-deb-maintainer "packaging@stickwright.invalid"
    deb_root=$work/deb/root
    dpkg-deb --raw-extract "$work/deb/stickwright_${version}-1_amd64.deb" "$deb_root"
    cp -a "$work/root/." "$deb_root/"
    # jpackage's maintainer scripts only do desktop integration, which we do not ask of it: here they are empty.
    rm -f "$deb_root"/DEBIAN/{preinst,postinst,prerm,postrm}
    # The licence where Debian keeps it, instead of jpackage's /opt/stickwright/share/doc (the .rpm
    # has it under /usr/share/licenses): both packages then hold the same /opt/stickwright.
    rm -rf "$deb_root/opt/stickwright/share"
    install -D -m 644 "$root/LICENSE" "$deb_root/usr/share/doc/stickwright/copyright"
    control=$deb_root/DEBIAN/control
    installed_kib=$(du -sk --exclude=DEBIAN "$deb_root" | cut -f1)
    sed -i -e "s/^Installed-Size:.*/Installed-Size: $installed_kib/" \
        -e "s/^Maintainer:.*/Maintainer: Stickwright developers <packaging@stickwright.invalid>/" "$control"
    # The wizard elevates its helper through pkexec; the command line run as root does not need it.
    sed -i -e '/^[[:space:]]*$/d' -e '/^Depends:/a Recommends: pkexec | policykit-1' "$control"
    (cd "$deb_root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) \
        > "$deb_root/DEBIAN/md5sums"
    dpkg-deb --root-owner-group -Zxz --build "$deb_root" "$dest/stickwright_${version}-1_amd64.deb" >/dev/null
    echo "build-packages.sh: $dest/stickwright_${version}-1_amd64.deb ($(du -h "$dest/stickwright_${version}-1_amd64.deb" | cut -f1))"
fi

if [[ $types == *rpm* ]]; then
    # rpmbuild derives the requirements from the ELF files (libgtk-3.so.0 and so on); the
    # libraries the package carries itself are no requirement.
    bundled=$(find "$work/image/stickwright" -name '*.so*' -printf '%f\n' | sort -u | sed 's/\./\\\\./g' | paste -sd'|' -)
    mkdir -p "$work/rpm-resources"
    sed -e "s|@VERSION@|$version|g" -e "s|@SUMMARY@|$summary|g" -e "s|@ROOT@|$work/root|g" \
        -e "s|@LICENSE@|$root/LICENSE|g" -e "s#@BUNDLED@#$bundled#g" \
        "$here/stickwright.spec" > "$work/rpm-resources/stickwright.spec"
    "$jpackage" --type rpm --dest "$dest" "${common[@]}" --resource-dir "$work/rpm-resources" \
        --linux-package-name stickwright --linux-rpm-license-type GPL-3.0-or-later
    echo "build-packages.sh: $dest/stickwright-${version}-1.x86_64.rpm ($(du -h "$dest/stickwright-${version}-1.x86_64.rpm" | cut -f1))"
fi
