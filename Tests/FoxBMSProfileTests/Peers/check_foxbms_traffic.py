#!/usr/bin/env python3
"""Independent check of bmsemu's foxBMS-profile traffic with cantools (DBC loaded in strict mode) and python-can.

Usage: check_foxbms_traffic.py <foxbms-compat.dbc> <traffic candump -L log> <random candump -L log> <expectations.json>

The Swift test writes two logs and a JSON file:
- traffic: what the foxBMS profile sent on a real virtual pack (AFE 0x270/0x280, IVT-S, 0x210), with the
  pack's truth beside every AFE frame and bmsemu's own decode of every frame;
- random: random payloads for every page of every message of the DBC, with bmsemu's own decode.

Checks, each an independent reading of the DBC and the logs:
- cantools decodes every frame, and every signal equals bmsemu's CANDatabase decode (raw exactly, physical to 1e-9);
- every cell block and sensor of the topology appears valid, within the stated tolerance of the truth, except the
  faulted ones, which carry the cleared validity bit (foxBMS: 1 = valid) and 0 once the faults settled (an open
  wire is flagged by the board's next open-wire check);
- 0x270/0x280 frames come one per AFE frame period (DBC cycle / page count) with pages in turn;
- each IVT-S result comes at its DBC cycle time with its 4-bit counter +1 modulo 16;
- every 0x210 interval lies in 95...105 ms (foxBMS can.c CAN_TIMING_LOWER/UPPER_LIMIT_COUNTS);
- every IVT command in the log got its response (command | 0x80, 0xFF for a wrong code).
Prints a JSON report; exits 1 if any check fails.
"""
import json
import sys

import can
import cantools


def read_log(path):
    """(time in ns, rounded to the log's microseconds; identifier; payload) per frame."""
    return [(round(record.timestamp * 1e6) * 1000, record.arbitration_id, bytes(record.data))
            for record in can.CanutilsLogReader(path)]


def compare(db, frames, expected, problems, label):
    """cantools against bmsemu's decode, frame by frame."""
    decoded_frames = []
    for index, ((_, identifier, data), ours) in enumerate(zip(frames, expected)):
        if ours["id"] != identifier or ours["data"] != data.hex().upper():
            problems.append("%s frame %d: log has %03X#%s, bmsemu wrote %03X#%s" % (
                label, index, identifier, data.hex().upper(), ours["id"], ours["data"]))
            decoded_frames.append(None)
            continue
        message = db.get_message_by_frame_id(identifier)
        try:
            raw = message.decode(data, decode_choices=False, scaling=False)
            physical = message.decode(data, decode_choices=False, scaling=True)
        except Exception as error:  # noqa: BLE001 - any decode failure is a finding unless bmsemu refused it too
            if ours["signals"] is not None:
                problems.append("%s frame %d (%s %s): cantools cannot decode: %s" % (label, index, message.name, data.hex(), error))
            decoded_frames.append(None)
            continue
        if ours["signals"] is None:
            problems.append("%s frame %d (%s %s): bmsemu refused it, cantools decodes it" % (label, index, message.name, data.hex()))
            decoded_frames.append(None)
            continue
        if set(raw) != set(ours["signals"]):
            problems.append("%s frame %d (%s): signals present in only one decode: %s" % (
                label, index, message.name, sorted(set(raw) ^ set(ours["signals"]))))
        for name, (our_raw, our_physical) in ours["signals"].items():
            if name not in raw:
                continue
            if int(raw[name]) != our_raw or abs(physical[name] - our_physical) > 1e-9 * max(1.0, abs(our_physical)):
                problems.append("%s frame %d %s.%s: cantools %r/%r, bmsemu %r/%r" % (
                    label, index, message.name, name, raw[name], physical[name], our_raw, our_physical))
        decoded_frames.append((message, raw, physical))
    return decoded_frames


def main(dbc_path, traffic_path, random_path, expectations_path):
    db = cantools.database.load_file(dbc_path, strict=True)
    with open(expectations_path) as handle:
        expected = json.load(handle)
    problems = []
    traffic = read_log(traffic_path)
    random = read_log(random_path)
    if len(traffic) != len(expected["traffic"]) or len(random) != len(expected["random"]):
        problems.append("frame counts differ: logs %d/%d, expectations %d/%d" % (
            len(traffic), len(random), len(expected["traffic"]), len(expected["random"])))
    compare(db, random, expected["random"], problems, "random")
    decoded = compare(db, traffic, expected["traffic"], problems, "traffic")
    random_messages = {identifier for _, identifier, _ in random}

    # Cell values against the truth, validity after the faults.
    seen_voltages, seen_temperatures = set(), set()
    invalid_voltages = set(expected["invalid_voltages"])
    invalid_temperatures = set(expected["invalid_temperatures"])
    faults_at = expected["faults_at_ns"]
    settled = expected["faults_settled_ns"]
    worst = {"mV": 0.0, "degC": 0.0}
    for (time, identifier, _), entry, ours in zip(traffic, decoded, expected["traffic"]):
        if entry is None or identifier not in (0x270, 0x280):
            continue
        message, raw, physical = entry
        voltage = identifier == 0x270
        per_page, prefix = (4, "CellVoltage_") if voltage else (6, "CellTemperature_")
        count = expected["cell_blocks"] if voltage else expected["sensors"]
        page = raw["AFE_CellVoltages_Mux" if voltage else "AFE_CellTemperatures_Mux"]
        for slot in range(per_page):
            index = page * per_page + slot
            name = prefix + "%03d" % index
            valid = raw[name + "_invalidFlag"] == 1
            if index >= count:
                if valid or raw[name] != 0:
                    problems.append("%s beyond the topology is not an invalid 0" % name)
                continue
            faulted = index in (invalid_voltages if voltage else invalid_temperatures)
            if faulted and time >= settled:
                if valid or raw[name] != 0:
                    problems.append("%s at %d ns: faulted but sent valid %r" % (name, time, physical[name]))
                continue
            if not faulted or time < faults_at:
                if not valid:
                    problems.append("%s at %d ns: invalid without a fault" % (name, time))
                    continue
                truth = ours["truth"][name]
                unit = "mV" if voltage else "degC"
                error = abs(physical[name] - truth)
                worst[unit] = max(worst[unit], error)
                tolerance = expected["voltage_tolerance_mv"] if voltage else expected["temperature_tolerance_degc"]
                if error > tolerance:
                    problems.append("%s at %d ns: %r %s vs truth %r" % (name, time, physical[name], unit, truth))
                (seen_voltages if voltage else seen_temperatures).add(index)
    missing_voltages = sorted(set(range(expected["cell_blocks"])) - seen_voltages)
    missing_temperatures = sorted(set(range(expected["sensors"])) - seen_temperatures)

    # AFE periods and page order.
    for identifier, mux in ((0x270, "AFE_CellVoltages_Mux"), (0x280, "AFE_CellTemperatures_Mux")):
        message = db.get_message_by_frame_id(identifier)
        pages = len({s.multiplexer_ids[0] for s in message.signals if s.multiplexer_ids})
        period = message.cycle_time // pages
        used = expected["voltage_pages"] if identifier == 0x270 else expected["temperature_pages"]
        rows = [(time, entry[1][mux]) for (time, i, _), entry in zip(traffic, decoded) if i == identifier and entry]
        for (t0, p0), (t1, p1) in zip(rows, rows[1:]):
            if t1 - t0 != period * 1_000_000 or p1 != (p0 + 1) % used:
                problems.append("0x%X: page %d at %d ns after page %d at %d ns (period %d ms, %d pages)" % (
                    identifier, p1, t1, p0, t0, period, used))
                break

    # IVT-S periods and counters. A result-mode command (0x20 + result id) restarts that result's cycle one cycle
    # after the command, so the interval across it may be shorter.
    for identifier in range(0x521, 0x529):
        message = db.get_message_by_frame_id(identifier)
        counter = [s.name for s in message.signals if s.name.startswith("IVT_MsgCount")][0]
        rows = [(time, entry[1][counter]) for (time, i, _), entry in zip(traffic, decoded) if i == identifier and entry]
        reconfigured = [time for time, i, data in traffic if i == 0x411 and data[0] == 0x20 + identifier - 0x521]
        if len(rows) < 3:
            problems.append("%s: only %d frames" % (message.name, len(rows)))
        for (t0, c0), (t1, c1) in zip(rows, rows[1:]):
            cycle = message.cycle_time * 1_000_000
            restarted = any(t0 <= time < t1 for time in reconfigured) and t1 - t0 <= 2 * cycle
            if (t1 - t0 != cycle and not restarted) or c1 != (c0 + 1) % 16:
                problems.append("%s: counter %d at %d ns after %d at %d ns (cycle %d ms)" % (
                    message.name, c1, t1, c0, t0, message.cycle_time))
                break

    # 0x210 heartbeat.
    requests = [time for time, identifier, _ in traffic if identifier == 0x210]
    intervals = [(b - a) / 1e6 for a, b in zip(requests, requests[1:])]
    bad_intervals = [i for i in intervals if not 95.0 <= i <= 105.0]

    # IVT command / response pairs.
    commands = [data[0] for _, identifier, data in traffic if identifier == 0x411]
    responses = [data[0] for _, identifier, data in traffic if identifier == 0x511]
    wanted = [code | 0x80 if (0x20 <= code <= 0x27 or code in (0x30, 0x34)) else 0xFF for code in commands if code != 0x31]
    if responses != wanted:
        problems.append("IVT responses %s to commands %s (wanted %s)" % ([hex(r) for r in responses], [hex(c) for c in commands],
                                                                         [hex(w) for w in wanted]))

    report = {
        "traffic_frames": len(traffic),
        "random_frames": len(random),
        "random_messages": len(random_messages),
        "dbc_messages": len(db.messages),
        "cell_blocks_seen": len(seen_voltages),
        "sensors_seen": len(seen_temperatures),
        "missing_voltages": missing_voltages,
        "missing_temperatures": missing_temperatures,
        "worst_error": worst,
        "state_requests": len(requests),
        "request_interval_ms": [min(intervals), max(intervals)] if intervals else [],
        "bad_request_intervals": bad_intervals[:20],
        "ivt_responses": len(responses),
        "problems": problems[:50],
    }
    print(json.dumps(report, indent=1))
    return 1 if problems or missing_voltages or missing_temperatures or bad_intervals else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:5]))
