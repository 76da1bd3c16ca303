#!/usr/bin/env python3
"""Independent check of the emulated sensor nodes' traffic with cantools (and python-can's log reader).

Usage: check_node_frames.py <candump -L log> <bms.dbc>

Reads the log with python-can's CanutilsLogReader, decodes every frame with cantools from the DBC, and checks
every signal of every message that a node sends (senders CMU1..CMU8, IVT, GAS, PRESS, SMOKE, IMD, CHARGER,
CONTACTORS): that it appears in the log, and that every value lies within the signal's DBC [min, max] or is a
raw value the DBC names in a VAL_ table (invalid markers such as OpenWire or SensorOpen). Prints a JSON report
and exits 1 if any signal is missing or out of range.
"""
import json
import sys

import can
import cantools

NODES = {"CMU%d" % n for n in range(1, 9)} | {"IVT", "GAS", "PRESS", "SMOKE", "IMD", "CHARGER", "CONTACTORS"}


def main(log_path, dbc_path):
    db = cantools.database.load_file(dbc_path)
    node_messages = {m.frame_id: m for m in db.messages if any(s in NODES for s in m.senders)}
    seen = {m.name: set() for m in node_messages.values()}
    out_of_range = []
    problems = []
    frames = 0
    for record in can.CanutilsLogReader(log_path):
        frames += 1
        message = node_messages.get(record.arbitration_id)
        if message is None:
            problems.append("frame 0x%X is not sent by a node in the DBC" % record.arbitration_id)
            continue
        data = bytes(record.data)
        try:
            physical = message.decode(data, decode_choices=False, scaling=True)
            raw = message.decode(data, decode_choices=False, scaling=False)
        except Exception as error:  # noqa: BLE001 - any decode failure is a finding
            problems.append("%s %s: %s" % (message.name, data.hex(), error))
            continue
        for name, value in physical.items():
            seen[message.name].add(name)
            signal = message.get_signal_by_name(name)
            named = signal.choices is not None and int(raw[name]) in signal.choices
            low = signal.minimum if signal.minimum is not None else float("-inf")
            high = signal.maximum if signal.maximum is not None else float("inf")
            tolerance = abs(signal.scale) * 1e-6
            if not named and not (low - tolerance <= value <= high + tolerance):
                if len(out_of_range) < 50:
                    out_of_range.append("%s.%s = %r outside [%r, %r]" % (message.name, name, value, low, high))
    missing = []
    for message in node_messages.values():
        for signal in message.signals:
            if signal.name not in seen[message.name]:
                missing.append("%s.%s" % (message.name, signal.name))
    report = {
        "frames": frames,
        "messages": len(node_messages),
        "signals": sum(len(m.signals) for m in node_messages.values()),
        "missing": sorted(missing),
        "out_of_range": out_of_range,
        "problems": problems[:50],
    }
    print(json.dumps(report, indent=1))
    return 1 if missing or out_of_range or problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
