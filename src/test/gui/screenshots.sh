#!/bin/bash
# Renders every wizard step and the technician window to PNG, light and dark, under Xvfb.
#   src/test/gui/screenshots.sh [OUTPUT_DIR] [ISO]
# Needs: xvfb (xvfb-run), a JDK, Maven. ISO defaults to the boot kit's Fedora fixture.
# Writes OUTPUT_DIR/<step>-light.png and <step>-dark.png (default target/screenshots).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=${1:-target/screenshots}
iso=${2:-}
if [ -z "$iso" ]; then
    iso=$(bash src/test/boot/build-fixtures.sh /var/cache/stickwright-fixtures | tail -n 1)/fedora-flat.iso
fi
mvn -B -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/screenshots.classpath >/dev/null
cp="target/classes:target/test-classes:$(cat target/screenshots.classpath)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A raw write of a 768 MiB image (the ISO at its start, a hole after it) lasts long enough to be caught mid-way.
cp "$iso" "$work/big.img"
truncate -s 768M "$work/big.img"
# A persistent stick for the technician window, made by the command line.
java -cp "$cp" org.stickwright.Main create "$iso" "$work/stick.img" --size 512M --persistence 256M --yes >/dev/null 2>&1
for theme in light dark; do
    truncate -s 0 "$work/target.img"
    truncate -s 1G "$work/target.img"
    xvfb-run -a -s "-screen 0 1280x900x24" java -Dstickwright.theme=$theme -Dprism.order=sw -cp "$cp" \
        org.stickwright.ui.WizardScreenshots "$out" "$iso" "$work/big.img" "$work/target.img" "$work/stick.img"
done
ls -1 "$out"
