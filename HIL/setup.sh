#!/usr/bin/env bash
# setup.sh — installs what the HIL scripts and the SocketCAN tests need, and nothing that is already there.
#
#   bash HIL/setup.sh
#
# Debian packages: libsocketcan-dev (netlink interface control, linked by the SocketCAN module),
# can-utils (candump, cansend, cangen: the independent peer in tests and benchmarks), user-mode-linux
# (a kernel with CAN and vcan for machines whose own kernel has none), iproute2 (ip link) and kmod
# (insmod/modprobe). apt-get runs only when `dpkg -s` reports one of them missing (with sudo when not
# root). Python packages: cantools, python-can, pytest and pyyaml, installed with pip only when they do not import.
# Safe to run again: a second run changes nothing.
set -euo pipefail

packages=(libsocketcan-dev can-utils user-mode-linux iproute2 kmod)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done

if [[ ${#missing[@]} -gt 0 ]]; then
    echo "setup.sh: installing ${missing[*]}"
    sudo_cmd=()
    if [[ $(id -u) != 0 ]]; then
        command -v sudo >/dev/null || { echo "setup.sh: need root or sudo to install ${missing[*]}" >&2; exit 1; }
        sudo_cmd=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    "${sudo_cmd[@]}" apt-get update -q
    "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# pip as such, or (Debian's own python3, PEP 668) with --break-system-packages; without pip, python3-pip first.
pip_install() {
    if ! python3 -m pip --version >/dev/null 2>&1; then
        sudo_cmd=()
        [[ $(id -u) != 0 ]] && sudo_cmd=(sudo)
        DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends python3-pip
    fi
    python3 -m pip install --quiet "$@" || python3 -m pip install --quiet --break-system-packages "$@"
}

if ! python3 -c 'import cantools, can' >/dev/null 2>&1; then
    echo "setup.sh: installing cantools and python-can"
    pip_install cantools python-can
fi

# pytest runs the remote-test-API example in HIL/python (Tests/RemoteAPITests runs it against the built bmsemu).
if ! python3 -c 'import pytest' >/dev/null 2>&1; then
    echo "setup.sh: installing pytest"
    pip_install pytest
fi

# PyYAML: the python-can VCU peer (HIL/python/vcu_peer.py) reads scenario files.
if ! python3 -c 'import yaml' >/dev/null 2>&1; then
    echo "setup.sh: installing pyyaml"
    pip_install pyyaml
fi

echo "setup.sh: ready (${packages[*]}, cantools, python-can, pytest, pyyaml)"
