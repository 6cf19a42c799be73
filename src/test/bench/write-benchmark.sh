#!/usr/bin/env bash
# Measures `stickwright write` against dd and bmaptool in one run, on a file-backed loop device,
# and prints ratios (the issue's targets: write >= 0.95x dd, verify >= 0.95x dd's direct read,
# sparse <= 1.1x bmaptool's time, peak RSS <= 200 MB). Timing differences between machines
# cancel out in the ratios; the absolute figures are printed too.
#
#   sudo src/test/bench/write-benchmark.sh [WORKDIR] [RUNS]
#
# Needs root (losetup, drop_caches), dd, bmaptool, GNU time, python3; builds the jar if missing.
set -euo pipefail
cd "$(dirname "$0")/../../.."
work=${1:-/var/tmp/stickwright-bench}
runs=${2:-3}
jar=target/stickwright.jar
[ -f "$jar" ] || mvn -B -q -DskipTests package
mkdir -p "$work"
dense=$work/dense.img
sparse=$work/sparse.img
stick=$work/stick.backing

if [ ! -f "$dense" ]; then
  echo "making a 2 GiB dense image"
  head -c 2G /dev/urandom > "$dense"
  echo 'start=2048, type=83' | sfdisk -q "$dense"   # an image must look like one
fi
if [ ! -f "$sparse" ]; then
  echo "making a 4 GiB image with about 10 % data, and its bmap"
  truncate -s 4G "$sparse"
  for i in $(seq 0 101); do
    dd if=/dev/urandom of="$sparse" bs=4M count=1 seek=$(( (i * 9973) % 1024 )) conv=notrunc status=none
  done
  echo 'start=2048, type=83' | sfdisk -q "$sparse"
  bmaptool create -o "$sparse.bmap" "$sparse"
fi
truncate -s 0 "$stick"; truncate -s 5G "$stick"
loop=$(losetup --find --show "$stick")
trap 'losetup -d "$loop"' EXIT

drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
seconds() { local t0 t1; t0=$(date +%s.%N); "$@" > /dev/null 2>&1; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

dd_w=(); sw_w=(); dd_r=(); sw_r=(); bm=(); sw_s=(); rss=()
for run in $(seq 1 "$runs"); do
  drop; dd_w+=("$(seconds dd if="$dense" of="$loop" bs=4M oflag=direct conv=fsync)")
  drop; out=$(/usr/bin/time -f 'RSS %M' java -jar "$jar" write "$dense" "$loop" --yes --json 2>&1)
  sw_w+=("$(echo "$out" | python3 -c 'import sys,json
for l in sys.stdin:
  if l.startswith("{") and "\"result\"" in l: print(json.loads(l)["writeSeconds"])')")
  sw_r+=("$(echo "$out" | python3 -c 'import sys,json
for l in sys.stdin:
  if l.startswith("{") and "\"result\"" in l: print(json.loads(l)["verifySeconds"])')")
  rss+=("$(echo "$out" | sed -n 's/^RSS //p')")
  drop; dd_r+=("$(seconds dd if="$loop" of=/dev/null bs=4M iflag=direct count=512)")
  drop; bm+=("$(seconds bmaptool copy --bmap "$sparse.bmap" "$sparse" "$loop")")
  drop; sw_s+=("$(seconds java -jar "$jar" write "$sparse" "$loop" --bmap "$sparse.bmap" --yes --no-verify)")
done

w_dd=$(median "${dd_w[@]}"); w_sw=$(median "${sw_w[@]}")
r_dd=$(median "${dd_r[@]}"); r_sw=$(median "${sw_r[@]}")
s_bm=$(median "${bm[@]}"); s_sw=$(median "${sw_s[@]}")
peak=$(median "${rss[@]}")
printf 'dense 2 GiB write:  dd %.2f s, stickwright %.2f s  -> throughput ratio %.2f (target >= 0.95)\n' "$w_dd" "$w_sw" "$(echo "$w_dd / $w_sw" | bc -l)"
printf 'verify read 2 GiB:  dd %.2f s, stickwright %.2f s  -> throughput ratio %.2f (target >= 0.95)\n' "$r_dd" "$r_sw" "$(echo "$r_dd / $r_sw" | bc -l)"
printf 'sparse 4 GiB/10%%:   bmaptool %.2f s, stickwright %.2f s -> time ratio %.2f (target <= 1.1)\n' "$s_bm" "$s_sw" "$(echo "$s_sw / $s_bm" | bc -l)"
printf 'peak RSS of write:  %d MB (target <= 200)\n' "$(( peak / 1024 ))"
