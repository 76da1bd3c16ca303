#!/usr/bin/env bash
# bench-socketcan.sh — SocketCAN send+receive throughput against can-utils, on real vcan.
#
#   bash HIL/bench-socketcan.sh [frames per run, default 50000]
#
# Builds bmsbench in release mode, then boots ONE User-Mode Linux guest (or uses native vcan where the
# kernel has it) through HIL/vcan-run.sh and runs `bmsbench socketcan` there. In that one run it
# measures (a) cangen vcan0 -g 0 -n N → candump -n N (the reference) and (b) SocketCANBus → SocketCANBus
# with the same frame count, 8-byte frames and 16 MiB receive buffers, both counting received frames and
# drops, and prints both rates and their ratio (target ≥ 0.8). UML system calls are slower than native
# ones, so compare the ratio, not the absolute rates, with other machines.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$script_dir/.."

bash HIL/setup.sh >/dev/null
swift build -c release --product bmsbench -j "${BMSEMU_BUILD_JOBS:-2}"
export BMSEMU_BENCH_FRAMES=${1:-${BMSEMU_BENCH_FRAMES:-50000}}
bash HIL/vcan-run.sh --timeout 900 -- .build/release/bmsbench socketcan
