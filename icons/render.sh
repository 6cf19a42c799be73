#!/usr/bin/env bash
# Renders icons/stickwright.svg into everything the window and the installers use, and is run by
# hand whenever the SVG changes; its output is committed so that building needs no SVG tools.
#
#   hicolor/<N>x<N>/apps/stickwright.png   freedesktop icon theme sizes (Linux packages)
#   stickwright-256.png                    the window icon (GUI) and jpackage's --icon on Linux
#   stickwright.ico                        Windows: the .exe launchers and the MSI (16..256 px)
#
# Each size is rendered from the vector, not scaled down from a big bitmap, so the small sizes
# stay sharp. Debian packages: librsvg2-bin (rsvg-convert), icoutils (icotool).
#
#   icons/render.sh [OUTDIR]   (default: icons/ itself; the tests render into a temporary directory
#                               and compare, so a changed SVG cannot go out with stale bitmaps)
set -euo pipefail
svg=$(cd "$(dirname "$0")" && pwd)/stickwright.svg
mkdir -p "${1:-$(dirname "$0")}"
cd "${1:-$(dirname "$0")}"

for tool in rsvg-convert icotool; do
    command -v "$tool" >/dev/null || { echo "render.sh: $tool is missing (apt-get install librsvg2-bin icoutils)" >&2; exit 2; }
done

sizes=(16 22 24 32 48 64 128 256 512)
for size in "${sizes[@]}"; do
    mkdir -p "hicolor/${size}x${size}/apps"
    rsvg-convert --width "$size" --height "$size" --format png \
        --output "hicolor/${size}x${size}/apps/stickwright.png" "$svg"
done
cp hicolor/256x256/apps/stickwright.png stickwright-256.png

# Windows Explorer picks the entry nearest the size it needs; 256 px is stored as PNG (Vista+),
# the small ones as plain bitmaps, which is what every Windows version reads.
ico_sizes=(16 24 32 48 64 128)
ico_args=()
for size in "${ico_sizes[@]}"; do
    ico_args+=("hicolor/${size}x${size}/apps/stickwright.png")
done
icotool --create --output stickwright.ico "${ico_args[@]}" --raw=hicolor/256x256/apps/stickwright.png
echo "rendered ${#sizes[@]} PNG sizes, stickwright-256.png and stickwright.ico"
