#!/usr/bin/env bash
# demo.sh — the README's main job on a fresh Debian machine with Swift: installs what bmsemu needs
# (HIL/setup.sh, idempotent), builds bmsemu in release mode and runs `bmsemu demo`: the default 96s2p
# Li-metal|NCM811 pack, its sensor nodes and the BMS firmware on the embedded virtual bus, a charge with an
# asymmetric-bidirectional healing run, a drive and a rest, as fast as the CPU allows. It prints a live
# summary (BMS view next to the model's truth), every notable event and the scenario's checks, and writes
# the bus traffic to bmsemu-demo.log (candump -L).
#
#   bash HIL/demo.sh [bmsemu demo options, e.g. --seed 7 --report demo.html]
#
# Exit status: 0 when every expectation of HIL/scenarios/demo.yaml holds, non-zero otherwise.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
cd "$repo_root"

bash HIL/setup.sh
swift build -c release --product bmsemu -j "${BMSEMU_BUILD_JOBS:-2}"
exec "$(swift build -c release --show-bin-path)/bmsemu" demo "$@"
