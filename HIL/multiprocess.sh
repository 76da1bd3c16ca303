#!/usr/bin/env bash
# multiprocess.sh — one scenario as a multi-process HIL run on a SocketCAN interface: `bmsemu firmware`,
# `bmsemu pack --no-vcu --scenario S`, the python-can VCU peer (HIL/python/vcu_peer.py) and `candump -L`,
# each its own process, then the capture decoded with cantools (HIL/python/bus_summary.py).
#
#   bash HIL/multiprocess.sh [--interface vcan0] [--out DIR] [--bmsemu PATH] SCENARIO.yaml
#
# Needs the interface (on a machine without CAN: bash HIL/vcan-run.sh -- bash HIL/multiprocess.sh S).
# Writes to DIR (default HIL/out/multiprocess/<scenario file name>): capture.log (candump -L, kernel
# timestamps), summary.json (the capture decoded), peer.json (what the VCU peer saw live), firmware.out,
# pack.out, peer.err. Start order: candump, the peer (waits for the pack's first frame, its time 0),
# the firmware (waits for pack data; its 3 s initialisation timeout bounds the gap), then the pack for the
# scenario's duration. Exit status 0 when every process ended cleanly and the capture shows pack traffic.
set -euo pipefail

export PYTHONDONTWRITEBYTECODE=1
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)

interface=vcan0
out=
bmsemu=${BMSEMU:-}
while [[ $# -gt 0 ]]; do
    case "$1" in
        --interface) interface=${2:?--interface needs a name}; shift 2 ;;
        --out) out=${2:?--out needs a directory}; shift 2 ;;
        --bmsemu) bmsemu=${2:?--bmsemu needs a path}; shift 2 ;;
        -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "multiprocess.sh: unknown option '$1'" >&2; exit 2 ;;
        *) break ;;
    esac
done
[[ $# == 1 ]] || { echo "multiprocess.sh: give one scenario file" >&2; exit 2; }
scenario=$1
[[ -r $scenario ]] || { echo "multiprocess.sh: cannot read $scenario" >&2; exit 2; }
[[ -n $bmsemu ]] || bmsemu=$repo_root/.build/debug/bmsemu
[[ -x $bmsemu ]] || { echo "multiprocess.sh: no bmsemu at $bmsemu (swift build, or --bmsemu PATH)" >&2; exit 2; }
[[ -n $out ]] || out=$repo_root/HIL/out/multiprocess/$(basename "$scenario" .yaml)
mkdir -p "$out"
rm -f "$out"/capture.log "$out"/summary.json "$out"/peer.json "$out"/*.out "$out"/peer.err

# The pack steps as the lock-step run does (the scenario's step_ms, default 10 ms).
step_ms=$(sed -n 's/^step_ms:[[:space:]]*\([0-9.]*\).*/\1/p' "$scenario")
step_ms=${step_ms:-10}
duration=$(sed -n 's/^duration_s:[[:space:]]*\([0-9.]*\).*/\1/p' "$scenario")
[[ -n $duration ]] || { echo "multiprocess.sh: $scenario has no top-level duration_s" >&2; exit 2; }

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

# Waits until FILE contains PATTERN (grep -E), at most SECONDS.
wait_for() {
    local file=$1 pattern=$2 seconds=$3 what=$4
    local deadline=$((SECONDS + seconds))
    until grep -qE "$pattern" "$file" 2>/dev/null; do
        if ((SECONDS >= deadline)); then
            echo "multiprocess.sh: $what did not happen within $seconds s" >&2
            return 1
        fi
        sleep 0.05
    done
}

# The capture must hold only this run's traffic: other suites that put a whole bus profile on the interface
# (FoxBMSVCANTests) take the same exclusive lock, so they never overlap with this run.
lock_file="${BMSEMU_SCRATCH_DIR:-${TMPDIR:-/tmp}}/bmsemu-$interface.lock"
exec 9>"$lock_file"
flock 9

candump -L "$interface" > "$out/capture.log" &
candump_pid=$!
pids+=("$candump_pid")

python3 "$repo_root/HIL/python/vcu_peer.py" --channel "$interface" --scenario "$scenario" --out "$out/peer.json" \
    > /dev/null 2> "$out/peer.err" &
peer_pid=$!
pids+=("$peer_pid")
wait_for "$out/peer.err" 'waiting for pack traffic' 60 "the VCU peer's start"

"$bmsemu" firmware --can "$interface" --quiet --duration "$(awk -v d="$duration" 'BEGIN { print d + 30 }')" > "$out/firmware.out" 2>&1 &
firmware_pid=$!
pids+=("$firmware_pid")
# The firmware's first BMS_State (0x300) in the capture: candump and the firmware both run.
wait_for "$out/capture.log" " 300#" 30 "the firmware's first frame"

status=0
"$bmsemu" pack --can "$interface" --no-vcu --scenario "$scenario" --step-ms "$step_ms" --quiet > "$out/pack.out" 2>&1 || status=$?
wait "$peer_pid" || status=$?
kill -INT "$firmware_pid" 2>/dev/null || true
wait "$firmware_pid" || status=$?
sleep 0.1
kill -INT "$candump_pid" 2>/dev/null || true
wait "$candump_pid" 2>/dev/null || true
pids=()

python3 "$repo_root/HIL/python/bus_summary.py" "$out/capture.log" --until "$duration" --out "$out/summary.json" || status=$?
if [[ $status != 0 ]]; then
    echo "multiprocess.sh: a process failed (exit $status); see $out/*.out and $out/peer.err" >&2
fi
exit "$status"
