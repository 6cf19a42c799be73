#!/bin/sh
# Photographs a GUI program's window on an X display (run it under xvfb-run):
#
#   screenshot.sh OUT.png TITLE TIMEOUT_SECONDS COMMAND [ARG]...
#
# Starts COMMAND, waits until it has mapped a top-level window whose name contains TITLE
# (ignoring case) and that window shows more than a blank fill, saves the window as OUT.png,
# then ends COMMAND. COMMAND's output goes to OUT.png.log, the window's WM_CLASS (what desktops
# match a desktop entry's StartupWMClass with) to OUT.png.wmclass.
# Exit status: 0 saved; 3 COMMAND exited before showing such a window; 4 timed out.
set -u
out=$1 title=$2 timeout=$3
shift 3
"$@" >"$out.log" 2>&1 &
pid=$!
deadline=$(( $(date +%s) + timeout ))
status=4
while [ "$(date +%s)" -lt "$deadline" ]; do
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid"
        echo "screenshot.sh: '$*' exited with $? before showing a window titled '$title'" >&2
        exit 3
    fi
    window=$(xwininfo -root -tree 2>/dev/null | grep -i "\"[^\"]*$title[^\"]*\"" | grep -v '(has no name)' \
        | awk '{ print $1 }' | head -n 1)
    if [ -n "$window" ] && import -window "$window" "$out" 2>/dev/null; then
        # A window that is mapped but not yet painted is one flat colour.
        colours=$(convert "$out" -format '%k' info: 2>/dev/null || echo 0)
        if [ "${colours:-0}" -gt 8 ]; then
            xprop -id "$window" WM_CLASS >"$out.wmclass"
            status=0
            break
        fi
    fi
    sleep 0.2
done
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
[ "$status" -eq 0 ] || echo "screenshot.sh: no painted window titled '$title' within $timeout s" >&2
exit "$status"
