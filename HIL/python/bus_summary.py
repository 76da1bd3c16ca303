#!/usr/bin/env python3
"""Summarise a candump -L capture of the bmsemu bus (Firmware/bms.dbc) as JSON.

    python3 HIL/python/bus_summary.py capture.log [--dbc Firmware/bms.dbc] [--limits FILE] [--out summary.json]

Decodes every frame with cantools, checks E2E (CRC and alive counter) of the protected messages, and
reports, in seconds after the first pack-side frame: the VCU's mode requests, the BMS state sequence,
contactor close/open commands, alarms (first time, highest level), the first and last reported SOC, and
every cell-voltage fault episode (first frame above the MSL) with the time to the contactor-open command,
plus p50/p90/p99/max of those latencies (nearest rank). Timestamps are the capture's (kernel receive
times with candump -L on a SocketCAN interface; simulated times in a `bmsemu scenario run` log).
"""

import argparse
import json
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
import bmsbus  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("capture", help="candump -L log")
    parser.add_argument("--dbc", default=bmsbus.DEFAULT_DBC, help="CAN database (default: Firmware/bms.dbc)")
    parser.add_argument("--limits", default=bmsbus.DEFAULT_LIMITS, help="limit table with cell_voltage.maximum.msl_mv")
    parser.add_argument("--until", type=float, help="ignore frames later than this many seconds after time 0 (the scenario's end)")
    parser.add_argument("--out", help="write the JSON here instead of standard output")
    args = parser.parse_args(argv)

    observer = bmsbus.BusObserver(bmsbus.load_database(args.dbc), bmsbus.cell_voltage_msl_mv(args.limits), args.until)
    for frame in bmsbus.read_candump(args.capture):
        observer.feed(*frame)
    summary = observer.summary()
    summary["source"] = args.capture
    if summary["t0_unix"] is None:
        print(f"bus_summary.py: {args.capture}: no frame from a pack-side node", file=sys.stderr)
    text = json.dumps(summary, indent=1)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    else:
        print(text)
    return 0 if summary["t0_unix"] is not None else 1


if __name__ == "__main__":
    sys.exit(main())
