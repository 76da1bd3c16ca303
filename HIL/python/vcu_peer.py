#!/usr/bin/env python3
"""A vehicle control unit on the bmsemu bus, written with python-can and cantools only.

Sends VCU_StateRequest every 100 ms (encoded from Firmware/bms.dbc, with the alive counter and the
CRC-8/SAE-J1850 the DBC requires; the firmware rejects frames whose counter repeats or whose CRC is wrong),
reads the BMS's frames, and prints a JSON summary when it stops: the BMS state sequence with times, when
the contactors were commanded closed and open, the alarms seen (first time, highest level), the first and
last reported SOC, and (with --watch-cells) cell-voltage readings above the MSL with the time to the
contactor-open command. Times are seconds after the first frame from a pack-side node (kernel receive
timestamps). Kernel filters keep everything else out of the process: python decoding every frame of a
busy bus costs more CPU than the firmware does.

What to request, and when, comes from a scenario file (its `vehicle:` block and the `request`,
`charger_connected` and `reset_faults` entries of its `timeline:`; needs PyYAML) and/or the command line:

    # the VCU part of a scenario, against `bmsemu pack --no-vcu --scenario F` and `bmsemu firmware`:
    python3 HIL/python/vcu_peer.py --channel vcan0 --scenario HIL/scenarios/hil/cell-ov-sensor.yaml
    # by hand: discharge, standby at 20 s, a fault reset at 21 s, discharge again at 22 s, stop at 30 s
    python3 HIL/python/vcu_peer.py --channel vcan0 --request discharge \\
        --at 20:standby --at 21:reset --at 22:discharge --duration 30

The clock starts at the first pack-side frame (so start this before `bmsemu pack`); --no-wait starts at
once. Ctrl-C stops early and still prints the summary.
"""

import argparse
import json
import signal
import sys
import time

import can

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
import bmsbus  # noqa: E402

MODES = {"standby": "Standby", "discharge": "Discharge", "normal": "Discharge", "charge": "Charge",
         "balance": "Balance", "heal": "Heal"}
PROTOCOLS = {"automatic": "Automatic", "pulse_charging": "PulseCharging",
             "self_heating_pulse_train": "SelfHeatingPulseTrain",
             "asymmetric_bidirectional": "AsymmetricBidirectional", "rest_stcr": "RestSTCR"}
REQUEST_PERIOD_S = 0.1


class Program:
    """What the VCU asks for over time: an initial request and time-ordered changes."""

    def __init__(self):
        self.mode = "Standby"
        self.protocol = "Automatic"
        self.charger_connected = False
        self.healing_allowed = False
        self.balancing_allowed = False
        self.balancing_threshold_mv = 10
        self.duration_s = None
        self.changes = []  # (seconds, kind, value)

    def add(self, seconds, kind, value=None):
        self.changes.append((float(seconds), kind, value))

    def sorted_changes(self):
        return sorted(self.changes, key=lambda change: change[0])


def parse_request(value, where):
    """A scenario `request:` value: `discharge` or `{mode: heal, protocol: asymmetric_bidirectional}`."""
    if isinstance(value, dict):
        mode, protocol = value.get("mode"), value.get("protocol", "automatic")
    else:
        mode, protocol = value, "automatic"
    if str(mode) not in MODES:
        raise ValueError(f"{where}: unknown request '{mode}' (one of {', '.join(sorted(MODES))})")
    if str(protocol) not in PROTOCOLS:
        raise ValueError(f"{where}: unknown healing protocol '{protocol}'")
    return MODES[str(mode)], PROTOCOLS[str(protocol)]


def load_scenario(path, program):
    """Reads the VCU's part of a bmsemu scenario file (HIL/scenarios/README.md)."""
    try:
        import yaml
    except ImportError as error:
        raise SystemExit("vcu_peer.py: --scenario needs PyYAML (pip install pyyaml); use --request/--at instead") from error
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle) or {}
    vehicle = document.get("vehicle") or {}
    if vehicle.get("send_state_requests") is False:
        print(f"vcu_peer.py: note: {path} sets send_state_requests: false; this peer sends them anyway", file=sys.stderr)
    if "request" in vehicle:
        program.mode, program.protocol = parse_request(vehicle["request"], f"{path}: vehicle.request")
    program.charger_connected = bool(vehicle.get("charger_connected", program.charger_connected))
    program.healing_allowed = bool(vehicle.get("healing_allowed", program.healing_allowed))
    program.balancing_allowed = bool(vehicle.get("balancing_allowed", program.balancing_allowed))
    if "duration_s" in document:
        program.duration_s = float(document["duration_s"])
    for index, entry in enumerate(document.get("timeline") or []):
        where = f"{path}: timeline[{index}]"
        seconds = entry["at"] if "at" in entry else entry.get("at_ms", 0) / 1000.0
        if "request" in entry:
            program.add(seconds, "request", parse_request(entry["request"], where))
        if "charger_connected" in entry:
            program.add(seconds, "charger", bool(entry["charger_connected"]))
        if entry.get("reset_faults"):
            program.add(seconds, "reset")


def parse_at(text, program):
    """`--at SECONDS:ACTION`, ACTION a mode (standby, discharge, charge, balance, heal), reset,
    charger-on or charger-off."""
    seconds, _, action = text.partition(":")
    try:
        seconds = float(seconds)
    except ValueError as error:
        raise SystemExit(f"vcu_peer.py: --at {text}: '{seconds}' is not a time in seconds") from error
    if action in MODES:
        program.add(seconds, "request", (MODES[action], "Automatic"))
    elif action == "reset":
        program.add(seconds, "reset")
    elif action in ("charger-on", "charger-off"):
        program.add(seconds, "charger", action == "charger-on")
    else:
        raise SystemExit(f"vcu_peer.py: --at {text}: unknown action '{action}'")


class Peer:
    """The VCU loop: sends on an absolute 100 ms grid, observes everything in between."""

    def __init__(self, bus, database, program, observer):
        self.bus = bus
        self.program = program
        self.observer = observer
        self.message = database.get_message_by_name("VCU_StateRequest")
        self.sender = bmsbus.E2ESender(self.message)
        self.changes = program.sorted_changes()
        self.next_change = 0
        self.reset_pending = False
        self.sent = 0
        self.send_errors = 0
        self.lateness_ms = []
        self.stop = False

    def receive_until(self, deadline):
        """Feeds every frame that arrives before `deadline` (wall-clock seconds) to the observer."""
        while not self.stop:
            remaining = deadline - time.time()
            if remaining <= 0:
                return
            message = self.bus.recv(timeout=min(remaining, 0.05))
            if message is not None:
                self.observer.feed(message.timestamp, message.arbitration_id, message.data,
                                   message.is_extended_id, message.is_error_frame)

    def listen_to(self, frame_ids):
        """Kernel receive filters: only these standard identifiers reach this process (python decoding of
        every frame on a busy bus would cost more CPU than the rest of the HIL set-up)."""
        self.bus.set_filters([{"can_id": i, "can_mask": 0x7FF, "extended": False} for i in sorted(frame_ids)])

    def wait_for_pack(self, timeout_s):
        """Blocks until a pack-side frame arrives (the observer's t0); False after `timeout_s`."""
        deadline = time.time() + timeout_s
        print(f"vcu_peer.py: waiting for pack traffic on {self.bus.channel_info}", file=sys.stderr, flush=True)
        while not self.stop and self.observer.t0 is None and time.time() < deadline:
            self.receive_until(min(deadline, time.time() + 0.05))
        return self.observer.t0 is not None

    def apply_changes(self, elapsed_s):
        program = self.program
        while self.next_change < len(self.changes) and self.changes[self.next_change][0] <= elapsed_s + 1e-9:
            _, kind, value = self.changes[self.next_change]
            self.next_change += 1
            if kind == "request":
                program.mode, program.protocol = value
            elif kind == "charger":
                program.charger_connected = value
            elif kind == "reset":
                self.reset_pending = True

    def send_request(self):
        program = self.program
        payload = self.sender.encode({
            "StateRequest_Mode": program.mode,
            "StateRequest_ResetFaults": 1 if self.reset_pending else 0,
            "StateRequest_ChargerConnected": int(program.charger_connected),
            "StateRequest_HealingAllowed": int(program.healing_allowed),
            "StateRequest_BalancingAllowed": int(program.balancing_allowed),
            "StateRequest_BalancingThreshold": program.balancing_threshold_mv,
            "StateRequest_HealingProtocol": program.protocol,
        })
        frame = can.Message(arbitration_id=self.message.frame_id, data=payload, is_extended_id=False)
        try:
            self.bus.send(frame, timeout=0.05)
        except can.CanError as error:
            self.send_errors += 1
            print(f"vcu_peer.py: send failed: {error}", file=sys.stderr)
            return
        self.reset_pending = False
        self.sent += 1
        self.observer.feed(time.time(), frame.arbitration_id, payload)

    def run(self, start, duration_s):
        """Sends at start + k x 100 ms until `duration_s` after start (or forever when None)."""
        tick = 0
        while not self.stop:
            due = start + tick * REQUEST_PERIOD_S
            elapsed = due - start
            if duration_s is not None and elapsed > duration_s + 1e-9:
                break
            self.receive_until(due)
            if self.stop:
                break
            self.lateness_ms.append((time.time() - due) * 1000)
            self.apply_changes(elapsed)
            self.send_request()
            tick += 1
            # After a stall (more than one period late) restart the grid here instead of sending a backlog.
            if time.time() - (start + tick * REQUEST_PERIOD_S) > REQUEST_PERIOD_S:
                tick = int((time.time() - start) / REQUEST_PERIOD_S) + 1
        self.receive_until(time.time() + 0.2)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="VCU peer for bmsemu: sends E2E-protected state requests (python-can + cantools), reads the BMS, prints JSON.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--channel", default="vcan0", help="CAN channel (default vcan0)")
    parser.add_argument("--interface", default="socketcan", help="python-can interface (default socketcan)")
    parser.add_argument("--dbc", default=bmsbus.DEFAULT_DBC, help="CAN database (default Firmware/bms.dbc)")
    parser.add_argument("--limits", default=bmsbus.DEFAULT_LIMITS, help="limit table for the cell-voltage MSL")
    parser.add_argument("--scenario", help="take the vehicle program and timeline from this scenario file")
    parser.add_argument("--request", choices=sorted(MODES), help="initial mode request (default: the scenario's, else standby)")
    parser.add_argument("--charger-connected", action="store_true", default=None, help="report the charger as connected")
    parser.add_argument("--at", action="append", default=[], metavar="SECONDS:ACTION",
                        help="change at a time: a mode, reset, charger-on or charger-off (repeatable)")
    parser.add_argument("--duration", type=float, help="stop this many seconds after the start (default: the scenario's, else Ctrl-C)")
    parser.add_argument("--no-wait", action="store_true", help="start at once instead of at the first pack-side frame")
    parser.add_argument("--wait", type=float, default=60.0, help="seconds to wait for pack traffic (default 60)")
    parser.add_argument("--watch-cells", action="store_true",
                        help="also read the cell-voltage frames (reports faults above the MSL; costs CPU)")
    parser.add_argument("--out", help="write the JSON summary here as well")
    args = parser.parse_args(argv)

    program = Program()
    if args.scenario:
        try:
            load_scenario(args.scenario, program)
        except (ValueError, KeyError, TypeError) as error:
            raise SystemExit(f"vcu_peer.py: {error}") from error
    if args.request:
        program.mode = MODES[args.request]
    if args.charger_connected is not None:
        program.charger_connected = args.charger_connected
    for text in args.at:
        parse_at(text, program)
    duration = args.duration if args.duration is not None else program.duration_s

    database = bmsbus.load_database(args.dbc)
    observer = bmsbus.BusObserver(database, bmsbus.cell_voltage_msl_mv(args.limits), duration)
    status = 0
    with can.Bus(interface=args.interface, channel=args.channel, receive_own_messages=False) as bus:
        peer = Peer(bus, database, program, observer)

        def request_stop(_signal, _frame):
            peer.stop = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        bms_ids = {m.frame_id for m in database.messages if "BMS" in m.senders and not m.is_extended_frame}
        peer.listen_to(observer.pack_ids | bms_ids)
        if args.no_wait:
            start = observer.t0 = time.time()
        elif peer.wait_for_pack(args.wait):
            start = observer.t0
        else:
            print(f"vcu_peer.py: no pack-side frame on {args.channel} within {args.wait:g} s", file=sys.stderr)
            start, status = None, 2
        if start is not None:
            peer.listen_to(bms_ids | (observer.cell_voltage_ids if args.watch_cells else set()))
            peer.run(start, duration)
    summary = observer.summary()
    lateness = sorted(peer.lateness_ms)
    summary["peer"] = {
        "channel": args.channel,
        "watched_cells": args.watch_cells,
        "requests_sent": peer.sent,
        "send_errors": peer.send_errors,
        "send_lateness_ms": {
            "p50": bmsbus.percentile(lateness, 0.5), "p99": bmsbus.percentile(lateness, 0.99),
            "max": lateness[-1] if lateness else None},
        "interrupted": peer.stop,
    }
    text = json.dumps(summary, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())
