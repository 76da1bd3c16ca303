#!/usr/bin/env bash
# vcan-run.sh — run a command on a machine where the SocketCAN interfaces vcan0 and vcan1 exist.
#
#   bash HIL/vcan-run.sh [--fd] [--timeout SECONDS] [--mem SIZE] [--native|--uml] -- COMMAND [ARGS...]
#
# vcan0 is a CAN FD interface (MTU 72) with --fd and a classic one (MTU 16) without; vcan1 is always
# classic (MTU 16), so tests can check how FD frames are refused. Both have txqueuelen 1000.
#
# Where the running kernel has CAN (a laptop or bench PC), the interfaces are created natively
# (modprobe vcan, ip link add; needs root) and COMMAND runs directly. Where it does not (these CI
# machines: socket(AF_CAN) fails with errno 97), the script boots Debian's User-Mode Linux kernel
# (/usr/bin/linux.uml) with the host's filesystem as its root (hostfs), loads the CAN modules in the
# guest, creates the interfaces there and runs COMMAND inside the guest in the same working directory,
# with PATH, HOME and every BMSEMU_* variable carried over; BMSEMU_SCRATCH_DIR names a guest-private
# tmpfs for scratch files. The guest's stdout and stderr arrive on this
# script's stdout and stderr as they are written (two UML consoles); kernel messages go to a log file
# that is printed only when something went wrong. COMMAND's exit status is written by the guest to a
# status file (UML's own exit status is not the guest's) and becomes this script's exit status.
# A hung guest is killed after --timeout seconds (default 1200) and the script exits 124.
#
# Environment: BMSEMU_VCAN_MODE=native|uml forces a mode (same as --native/--uml).
set -euo pipefail

usage() {
    sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

fd=0
timeout_seconds=1200
memory=1536M
mode=${BMSEMU_VCAN_MODE:-auto}
while [[ $# -gt 0 ]]; do
    case "$1" in
        --fd) fd=1; shift ;;
        --timeout) timeout_seconds=${2:?--timeout needs seconds}; shift 2 ;;
        --mem) memory=${2:?--mem needs a size such as 1536M}; shift 2 ;;
        --native) mode=native; shift ;;
        --uml) mode=uml; shift ;;
        --) shift; break ;;
        -h|--help) usage ;;
        *) echo "vcan-run.sh: unknown option '$1' (did you forget '--' before the command?)" >&2; usage ;;
    esac
done
[[ $# -gt 0 ]] || { echo "vcan-run.sh: no command given" >&2; usage; }

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)
vcan0_mtu=16
[[ $fd == 1 ]] && vcan0_mtu=72

as_root() {
    if [[ $(id -u) == 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi
}

# Creates (or reconfigures) one vcan interface with the given MTU; returns non-zero when not permitted.
ensure_vcan() {
    local name=$1 mtu=$2
    if ! ip link show "$name" >/dev/null 2>&1; then
        as_root ip link add dev "$name" type vcan || return 1
    fi
    if [[ $(cat "/sys/class/net/$name/mtu") != "$mtu" ]]; then
        as_root ip link set "$name" down && as_root ip link set "$name" mtu "$mtu" || return 1
    fi
    as_root ip link set "$name" txqueuelen 1000 || true
    as_root ip link set up "$name" || return 1
}

kernel_has_can() {
    # socket(AF_CAN, SOCK_RAW, CAN_RAW) works (python3 is only a probe here).
    python3 -c 'import socket; socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW).close()' 2>/dev/null
}

run_native() {
    as_root modprobe vcan 2>/dev/null || true
    as_root modprobe can-raw 2>/dev/null || true
    kernel_has_can || return 1
    ensure_vcan vcan0 "$vcan0_mtu" || return 1
    ensure_vcan vcan1 16 || return 1
    return 0
}

if [[ $mode == native || $mode == auto ]]; then
    if run_native; then
        set +e
        timeout --kill-after=10 "$timeout_seconds" "$@"
        exit $?
    fi
    if [[ $mode == native ]]; then
        echo "vcan-run.sh: this kernel has no usable SocketCAN/vcan (or creating vcan0 was not permitted)" >&2
        exit 1
    fi
fi

# ---- User-Mode Linux --------------------------------------------------------------------------
uml_kernel=/usr/bin/linux.uml
[[ -x $uml_kernel ]] || { echo "vcan-run.sh: $uml_kernel missing; run: bash HIL/setup.sh" >&2; exit 1; }
module_dirs=(/usr/lib/uml/modules/*/)
[[ ${#module_dirs[@]} == 1 && -d ${module_dirs[0]} ]] || {
    echo "vcan-run.sh: expected exactly one kernel version under /usr/lib/uml/modules, found: ${module_dirs[*]}" >&2
    exit 1
}
modules=${module_dirs[0]%/}/kernel

mkdir -p "$repo_root/HIL/out"
run_dir=$(mktemp -d "$repo_root/HIL/out/uml.XXXXXX")
umid="bmsemu-$$-$(basename "$run_dir")"
cleanup() {
    rm -rf "$run_dir"
    rm -rf "${HOME:-/root}/.uml/$umid" 2>/dev/null || true
}
trap cleanup EXIT

# PATH for the guest: the host's, plus Swift and the real python bin dir (pyenv shims need pyenv's
# own environment, so the interpreter's directory goes first).
python_bin=$(python3 -c 'import os, sys; print(os.path.dirname(os.path.realpath(sys.executable)))' 2>/dev/null || true)
guest_path="${python_bin:+$python_bin:}$PATH:/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

{
    echo '#!/bin/sh'
    echo '# Generated by HIL/vcan-run.sh: init (PID 1) of the User-Mode Linux guest.'
    echo 'export PATH=/usr/sbin:/usr/bin:/sbin:/bin'
    echo 'mount -t proc proc /proc; mount -t sysfs sysfs /sys'
    echo 'dmesg -n 1 2>/dev/null || true'
    printf 'run_dir=%q\n' "$run_dir"
    echo 'fail() { echo "vcan-run.sh (guest): $*" >&2; echo 125 > "$run_dir/status"; sync; halt -f > /dev/null 2>&1; }'
    printf 'M=%q\n' "$modules"
    echo 'for m in net/can/can.ko net/can/can-raw.ko net/can/can-bcm.ko drivers/net/can/dev/can-dev.ko drivers/net/can/vcan.ko; do'
    echo '    insmod "$M/$m" || fail "insmod $m failed"'
    echo 'done'
    echo 'ip link set lo up'
    printf 'ip link add dev vcan0 type vcan && ip link set vcan0 mtu %s && ip link set vcan0 txqueuelen 1000 && ip link set up vcan0 || fail "creating vcan0 failed"\n' "$vcan0_mtu"
    echo 'ip link add dev vcan1 type vcan && ip link set vcan1 mtu 16 && ip link set vcan1 txqueuelen 1000 && ip link set up vcan1 || fail "creating vcan1 failed"'
    # Consoles 1 and 2 carry the command's stdout and stderr to the host, byte for byte.
    echo 'stty -F /dev/tty1 raw -echo 2>/dev/null; stty -F /dev/tty2 raw -echo 2>/dev/null'
    printf 'export PATH=%q\n' "$guest_path"
    printf 'export HOME=%q\n' "${HOME:-/root}"
    printf 'export LANG=%q\n' "${LANG:-C.UTF-8}"
    [[ -n ${TERM:-} ]] && printf 'export TERM=%q\n' "$TERM"
    [[ -n ${CI:-} ]] && printf 'export CI=%q\n' "$CI"
    while IFS= read -r name; do
        printf 'export %s=%q\n' "$name" "${!name}"
    done < <(compgen -e | grep '^BMSEMU_' || true)
    echo 'export BMSEMU_VCAN_GUEST=uml'
    # A guest-private tmpfs for scratch files (the guest sees the host's disk, not its /dev/shm).
    echo 'mkdir -p "$run_dir/scratch" && mount -t tmpfs -o size=256M tmpfs "$run_dir/scratch" && export BMSEMU_SCRATCH_DIR="$run_dir/scratch"'
    printf 'cd %q || fail "cannot enter the working directory"\n' "$PWD"
    printf '%q ' "$@"
    echo '< /dev/null > /dev/tty1 2> /dev/tty2'
    echo 'echo $? > "$run_dir/status"'
    # Let the consoles drain before the halt: a large burst of output at the end (a test run's results) was cut off.
    echo 'sync; sleep 2'
    echo 'halt -f > /dev/null 2>&1'
} > "$run_dir/init.sh"
chmod +x "$run_dir/init.sh"

set +e
timeout --kill-after=10 "$timeout_seconds" "$uml_kernel" \
    "umid=$umid" "mem=$memory" root=/dev/root rootfstype=hostfs rootflags=/ rw \
    "init=$run_dir/init.sh" quiet con=null con0=null,fd:5 con1=null,fd:3 con2=null,fd:4 \
    < /dev/null 3>&1 4>&2 5>"$run_dir/kernel.log"
uml_status=$?
set -e

if [[ $uml_status == 124 || $uml_status == 137 ]]; then
    echo "vcan-run.sh: the UML guest did not finish within $timeout_seconds s; killed. Kernel log:" >&2
    tail -n 40 "$run_dir/kernel.log" >&2
    exit 124
fi
if [[ ! -s $run_dir/status ]]; then
    echo "vcan-run.sh: the UML guest ended (exit $uml_status) without writing a status. Kernel log:" >&2
    tail -n 40 "$run_dir/kernel.log" >&2
    exit 125
fi
status=$(cat "$run_dir/status")
if [[ $status == 125 ]]; then
    tail -n 40 "$run_dir/kernel.log" >&2
fi
exit "$status"
