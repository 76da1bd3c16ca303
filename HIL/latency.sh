#!/usr/bin/env bash
# latency.sh — fault-to-reaction latency of the BMS on vcan, from kernel timestamps.
#
#   bash HIL/latency.sh [--runs N] [--bmsemu PATH]
#
# Runs HIL/scenarios/hil/ov-latency.yaml (22 cell-voltage readings above the MSL, each cleared, reset and
# reclosed) as separate processes on vcan0 (HIL/multiprocess.sh inside HIL/vcan-run.sh: natively where the
# kernel has vcan, else in a User-Mode Linux guest), N times (default 1), and the same scenario in
# lock-step on simulated time as the reference. A sample is the time from the first cell-voltage frame on
# the bus carrying a value above the MSL to the first BMS_ContactorCommand commanding every contactor open,
# both from candump -L's kernel timestamps. Prints p50/p90/p99/max (nearest rank) of both and the allowance
# the configuration sets (Firmware/diagnosis.yaml debounce + reaction delay, two evaluation periods, one
# status period; the same rule as `bmsemu replay --into-firmware`). Exit status 1 when the vcan p99 exceeds
# the allowance. Output: HIL/out/latency/ (captures, summaries).
set -euo pipefail

export PYTHONDONTWRITEBYTECODE=1
script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
cd "$repo_root"

runs=1
bmsemu=${BMSEMU:-$repo_root/.build/debug/bmsemu}
while [[ $# -gt 0 ]]; do
    case "$1" in
        --runs) runs=${2:?--runs needs a count}; shift 2 ;;
        --bmsemu) bmsemu=${2:?--bmsemu needs a path}; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "latency.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[[ -x $bmsemu ]] || { echo "latency.sh: no bmsemu at $bmsemu (run: swift build)" >&2; exit 2; }
scenario=HIL/scenarios/hil/ov-latency.yaml
out=HIL/out/latency
rm -rf "$out"
mkdir -p "$out"
duration=$(sed -n 's/^duration_s:[[:space:]]*\([0-9.]*\).*/\1/p' "$scenario")

# Reference: the same scenario in lock-step (simulated time, deterministic).
"$bmsemu" scenario run "$scenario" --log-dir "$out/lockstep" --junit "$out/lockstep/junit.xml" --quiet
python3 HIL/python/bus_summary.py "$out/lockstep/hil-ov-latency.log" --until "$duration" --out "$out/lockstep/summary.json"

summaries=()
for ((run = 1; run <= runs; run++)); do
    bash HIL/vcan-run.sh --fd --timeout 600 -- bash HIL/multiprocess.sh --bmsemu "$bmsemu" --out "$out/vcan-$run" "$scenario"
    summaries+=("$out/vcan-$run/summary.json")
done

python3 - "$out/lockstep/summary.json" "${summaries[@]}" <<'EOF'
import json
import sys

sys.path.insert(0, "HIL/python")
import bmsbus

def stats(summaries):
    samples = sorted(f["latency_ms"] for s in summaries for f in s["faults"] if f["latency_ms"] is not None)
    missing = sum(1 for s in summaries for f in s["faults"] if f["contactors_closed_at_fault"] and f["latency_ms"] is None)
    return samples, missing

def line(name, samples, missing):
    if not samples:
        return f"  {name:<26} no samples"
    p = lambda q: bmsbus.percentile(samples, q)
    return (f"  {name:<26} n={len(samples):<3} p50 {p(0.5):7.1f}  p90 {p(0.9):7.1f}  p99 {p(0.99):7.1f}  "
            f"max {samples[-1]:7.1f}  min {samples[0]:7.1f} ms" + (f"  ({missing} faults without a reaction)" if missing else ""))

lockstep = json.load(open(sys.argv[1]))
vcan = [json.load(open(path)) for path in sys.argv[2:]]
allowance, parts = bmsbus.reaction_allowance_ms()
print("fault-to-open latency: first cell-voltage frame above the MSL -> BMS_ContactorCommand all open")
ls_samples, ls_missing = stats([lockstep])
vc_samples, vc_missing = stats(vcan)
print(line("lock-step (simulated time)", ls_samples, ls_missing))
print(line("vcan, separate processes", vc_samples, vc_missing))
print(f"  allowance {allowance} ms = " + " + ".join(f"{k[:-3].replace('_', ' ')} {v}" for k, v in parts.items()))
lost = sum(sum(s["e2e"]["frames_lost"].values()) for s in vcan)
frames = sum(s["frames"] for s in vcan)
print(f"  capture: {frames} frames, {lost} lost (alive-counter gaps)")
ok = vc_samples and vc_missing == 0 and bmsbus.percentile(vc_samples, 0.99) <= allowance
sys.exit(0 if ok else 1)
EOF
