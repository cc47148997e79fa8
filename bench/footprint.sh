#!/usr/bin/env bash
# The daemon's footprint against its goals: binary size and type, `plan --days 365` time,
# start to ready, then the idle daemon (release build) on a private D-Bus bus with a real
# notification server (dunst under Xvfb): after it settles, RSS, PSS, private dirty memory, CPU
# seconds and context switches (all threads) over an idle window with nothing due (while other
# programs open /dev/null, which must not wake it), from /proc.
# Every figure is printed next to its goal with PASS or FAIL; the exit status is 1 if any fails.
#
#   bash bench/footprint.sh [SETTLE_SECONDS] [WINDOW_SECONDS]     (defaults 30 and 120)
#
# Needs dbus-daemon, dunst, Xvfb, hyperfine, python3 and readelf (binutils).
# POSTURED_BIN=path measures that binary instead of building the release one; DETAIL=1 adds
# the resident size of each mapped file.
# STANDINS=1 also runs a private system bus with the tests' logind stand-in, and their Mutter
# IdleMonitor, GNOME SessionManager and portal Settings stand-ins on the session bus, and
# points the camera watch at a folder with a video0 in it, so lock, sleep, idle, every busy
# source and GNOME's do-not-disturb are followed live (as on GNOME); without it the daemon sees
# the machine's own system bus, if any.
# SWAY=1 also runs a headless sway 1.7 (as nobody, from the tests' helper) with a window, and
# gives the daemon its WAYLAND_DISPLAY and SWAYSOCK, so idle comes from the compositor and full
# screen from sway's IPC (dunst stays on Xvfb). Needs sway and weston.
set -euo pipefail
settle=${1:-30}
window=${2:-120}
cd "$(dirname "$0")/.."
if [ -z "${POSTURED_BIN:-}" ]; then
    nice -n 10 cargo build --release --locked --quiet
fi
bin=${POSTURED_BIN:-$PWD/target/release/postured}
# Until a freshly built binary is written back, its page-cache pages count as dirty in smaps.
sync "$bin"

# The goals (issue 13). Sizes in KiB unless said otherwise.
goal_rss=6144 goal_pss=3584 goal_dirty=1024 goal_switches=0
goal_binary=4194304 goal_plan_ms=30 goal_ready_ms=10
failed=0
check() { # NAME VALUE GOAL UNIT: one line with the figure, its goal and PASS/FAIL
    local verdict=PASS
    awk -v v="$2" -v g="$3" 'BEGIN {exit !(v <= g)}' || { verdict=FAIL; failed=1; }
    printf '  %-28s %12s %-6s goal <= %-10s %s\n' "$1:" "$2" "$4" "$3" "$verdict"
}

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "postured footprint ($bin)"
strip -o "$work/stripped" "$bin"
check "stripped binary" "$(stat -c %s "$work/stripped")" "$goal_binary" bytes
elf_type=$(readelf -h "$bin" | awk '/Type:/ {print $2}')
[ "$elf_type" = DYN ] || failed=1
printf '  %-28s %12s %-6s goal    %-10s %s\n' "ELF type:" "$elf_type" "" DYN "$([ "$elf_type" = DYN ] && echo PASS || echo FAIL)"

# `plan` with the built-in defaults (an empty config folder; plan never creates the store),
# before anything else is started here.
mkdir -p "$work/plan-config"
XDG_CONFIG_HOME="$work/plan-config" XDG_STATE_HOME="$work/plan-state" \
    hyperfine -N --warmup 3 --runs 30 --style none --export-json "$work/plan.json" \
    "$bin plan --days 365 --json --from 2026-01-05" >/dev/null
check "plan --days 365 (median)" "$(python3 -c 'import json, sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"] * 1000))' "$work/plan.json")" "$goal_plan_ms" ms

# A headless display, a private session bus and dunst: nothing of the machine's own desktop.
Xvfb -displayfd 3 -screen 0 640x480x24 -nolisten tcp 3>"$work/display" 2>/dev/null &
pids+=($!)
for _ in $(seq 500); do [ -s "$work/display" ] && break; sleep 0.01; done
export DISPLAY=":$(cat "$work/display")"
cat >"$work/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig><type>session</type><listen>unix:path=$work/bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/>
<allow own="*"/></policy></busconfig>
CONF
dbus-daemon --config-file="$work/bus.conf" --nofork --print-address=1 >"$work/address" &
pids+=($!)
for _ in $(seq 500); do [ -s "$work/address" ] && break; sleep 0.01; done
export DBUS_SESSION_BUS_ADDRESS=$(head -1 "$work/address")
printf '[global]\nidle_threshold = 0\n' >"$work/dunstrc"

if [ -n "${STANDINS:-}" ]; then
    sed 's/<type>session</<type>system</; s|/bus<|/system_bus<|' "$work/bus.conf" >"$work/system.conf"
    dbus-daemon --config-file="$work/system.conf" --nofork --print-address=1 >"$work/system_address" &
    pids+=($!)
    for _ in $(seq 500); do [ -s "$work/system_address" ] && break; sleep 0.01; done
    export DBUS_SYSTEM_BUS_ADDRESS=$(head -1 "$work/system_address")
    tests=$(cargo test --locked --test it --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\)).*/\1/p')
    STANDINS_SYSTEM_BUS=$DBUS_SYSTEM_BUS_ADDRESS STANDINS_SESSION_BUS=$DBUS_SESSION_BUS_ADDRESS \
        STANDINS_READY="$work/standins.ready" \
        "$tests" --ignored --exact standins::serve_standins_for_footprint >/dev/null 2>&1 &
    pids+=($!)
    for _ in $(seq 1000); do [ -e "$work/standins.ready" ] && break; sleep 0.01; done
    [ -e "$work/standins.ready" ] || { echo "the stand-ins did not start" >&2; exit 1; }
    export XDG_SESSION_ID=c7
    mkdir "$work/video" && : >"$work/video/video0" && : >"$work/video/other"
    export POSTURED_VIDEO_DIR="$work/video"
fi
if [ -n "${SWAY:-}" ]; then
    tests=${tests:-$(cargo test --locked --test it --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\)).*/\1/p')}
    SWAY_READY="$work/sway.ready" "$tests" --ignored --exact sway::serve_sway_for_footprint >/dev/null 2>&1 &
    pids+=($!)
    for _ in $(seq 1500); do [ -s "$work/sway.ready" ] && break; sleep 0.01; done
    [ -s "$work/sway.ready" ] || { echo "sway did not start" >&2; exit 1; }
    { read -r wayland_display; read -r swaysock; read -r -a sway_pids; } <"$work/sway.ready"
    pids+=("${sway_pids[@]}")
    export WAYLAND_DISPLAY=$wayland_display SWAYSOCK=$swaysock
fi
dunst -config "$work/dunstrc" >/dev/null 2>&1 &
pids+=($!)

# Working all day every day, so the daemon is active, with nothing due for half an hour.
mkdir -p "$work/config/postured"
cat >"$work/config/postured/config.toml" <<CONF
[hours]
mon = ["00:00-24:00"]
tue = ["00:00-24:00"]
wed = ["00:00-24:00"]
thu = ["00:00-24:00"]
fri = ["00:00-24:00"]
sat = ["00:00-24:00"]
sun = ["00:00-24:00"]
[limits]
quiet_hours = []
# Xvfb gets no input: past the idle threshold the X11 idle alarm would fire inside the window.
[session]
idle_threshold = "1h"
CONF

# Start to ready: from exec to the READY=1 that systemd's Type=notify waits for, median of 10.
ready_ms=$(XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/ready-state" python3 - "$bin" "$work/notify.sock" <<'PY'
import os, socket, statistics, subprocess, sys, time
binary, path = sys.argv[1], sys.argv[2]
times = []
for _ in range(10):
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(10)
    started = time.perf_counter()
    daemon = subprocess.Popen([binary, "run"], env=dict(os.environ, NOTIFY_SOCKET=path), stderr=subprocess.DEVNULL)
    while b"READY=1" not in sock.recv(4096):
        pass
    times.append((time.perf_counter() - started) * 1000)
    daemon.terminate()
    daemon.wait()
    sock.close()
print(f"{statistics.median(times):.1f}")
PY
)
check "start to ready (median)" "$ready_ms" "$goal_ready_ms" ms

XDG_CONFIG_HOME="$work/config" XDG_STATE_HOME="$work/state" "$bin" run 2>"$work/daemon.log" &
daemon=$!
pids+=($daemon)

sample() { # prints: utime+stime ticks, voluntary+involuntary switches over all threads
    local ticks switches=0
    ticks=$(awk '{print $14 + $15}' "/proc/$daemon/stat")
    for t in /proc/$daemon/task/*/status; do
        switches=$((switches + $(awk '/ctxt_switches/ {s += $2} END {print s}' "$t")))
    done
    echo "$ticks $switches"
}

sleep "$settle"
read -r ticks0 sw0 < <(sample)
# Other programs' everyday activity that must not wake the daemon: opening /dev/null (in the
# folder whose cameras it watches) and, with the stand-ins, a file beside the test camera.
for _ in $(seq 500); do
    : >/dev/null
    if [ -n "${STANDINS:-}" ]; then : <"$work/video/other"; fi
done
sleep "$window"
read -r ticks1 sw1 < <(sample)
hz=$(getconf CLK_TCK)
rollup() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$daemon/smaps_rollup"; }
status() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$daemon/status"; }
echo "  idle daemon (settle ${settle}s, window ${window}s, $(ls "/proc/$daemon/task" | wc -l) thread(s)):"
check "RSS" "$(status VmRSS)" "$goal_rss" KiB
echo "      (anonymous $(status RssAnon) KiB, file $(status RssFile) KiB)"
check "PSS" "$(rollup Pss)" "$goal_pss" KiB
check "Private_Dirty" "$(rollup Private_Dirty)" "$goal_dirty" KiB
check "context switches in window" "$((sw1 - sw0))" "$goal_switches" ""
echo "      CPU since start $(awk -v hz="$hz" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$daemon/stat") s, in window $(awk -v a="$ticks0" -v b="$ticks1" -v hz="$hz" 'BEGIN {printf "%.2f", (b - a) / hz}') s"
grep -E "lock and sleep:|idle:|busy:|do-not-disturb" "$work/daemon.log" | sed 's/^/  /' || true
if [ -n "${DETAIL:-}" ]; then
    echo "  resident and private dirty KiB per mapped file:"
    awk '/^[0-9a-f]+-[0-9a-f]+ / {file = $6 == "" ? "[anonymous]" : $6}
         /^Rss:/ {rss[file] += $2} /^Private_Dirty:/ {dirty[file] += $2}
         END {for (f in rss) if (rss[f] > 0) printf "    %6d %6d  %s\n", rss[f], dirty[f], f}' "/proc/$daemon/smaps" | sort -rn
fi
exit "$failed"
