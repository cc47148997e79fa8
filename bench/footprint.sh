#!/usr/bin/env bash
# Idle footprint of the daemon: starts it (release build) on a private D-Bus bus with a real
# notification server (dunst under Xvfb), lets it settle, then reads from /proc over an idle
# window with nothing due: RSS, PSS, CPU seconds and context switches (all threads).
#
#   bash bench/footprint.sh [SETTLE_SECONDS] [WINDOW_SECONDS]     (defaults 30 and 120)
#
# POSTURED_BIN=path measures that binary instead of building the release one; DETAIL=1 adds
# the resident size of each mapped file.
# STANDINS=1 also runs a private system bus with the tests' logind stand-in, and their Mutter
# IdleMonitor stand-in on the session bus, so lock, sleep and idle detection are live (as on
# GNOME); without it the daemon sees the machine's own system bus, if any.
#
# Goal: RSS under 6 MiB and no context switches while nothing is due.
set -euo pipefail
settle=${1:-30}
window=${2:-120}
cd "$(dirname "$0")/.."
if [ -z "${POSTURED_BIN:-}" ]; then
    cargo build --release --locked --quiet
fi
bin=${POSTURED_BIN:-$PWD/target/release/postured}

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

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
CONF
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
sleep "$window"
read -r ticks1 sw1 < <(sample)
hz=$(getconf CLK_TCK)
rss=$(awk '/^VmRSS/ {print $2}' "/proc/$daemon/status")
pss=$(awk '/^Pss:/ {print $2}' "/proc/$daemon/smaps_rollup")
threads=$(ls "/proc/$daemon/task" | wc -l)
total_cpu=$(awk -v hz="$hz" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$daemon/stat")
echo "postured idle footprint (settle ${settle}s, window ${window}s, binary $(du -k "$bin" | cut -f1) KiB)"
echo "  RSS:               $rss KiB (anonymous $(awk '/^RssAnon/ {print $2}' "/proc/$daemon/status") KiB, file $(awk '/^RssFile/ {print $2}' "/proc/$daemon/status") KiB)"
echo "  PSS:               $pss KiB"
echo "  threads:           $threads"
echo "  CPU since start:   $total_cpu s"
echo "  CPU in window:     $(awk -v a="$ticks0" -v b="$ticks1" -v hz="$hz" 'BEGIN {printf "%.2f", (b - a) / hz}') s"
echo "  context switches in window: $((sw1 - sw0))"
grep -E "lock and sleep:|idle:" "$work/daemon.log" | sed 's/^/  /' || true
if [ -n "${DETAIL:-}" ]; then
    echo "  resident KiB per mapped file:"
    awk '/^[0-9a-f]+-[0-9a-f]+ / {file = $6 == "" ? "[anonymous]" : $6} /^Rss:/ {rss[file] += $2}
         END {for (f in rss) if (rss[f] > 0) printf "    %6d  %s\n", rss[f], f}' "/proc/$daemon/smaps" | sort -rn
fi
