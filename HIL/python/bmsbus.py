"""What a test bench needs to talk to bmsemu's bus from Python: Firmware/bms.dbc through cantools, its
E2E protection (alive counter + CRC-8/SAE-J1850), and an observer that turns BMS frames into a summary.

Used by vcu_peer.py (live, on a python-can bus) and bus_summary.py (offline, on a candump -L capture), so
both report the same quantities the same way. Independent of the Swift code: only the DBC is shared.

E2E, as the DBC's comment defines it: signals with SigType MessageCounter (4 bit, +1 per frame, wraps) and
MessageChecksum; the CRC is CRC-8/SAE-J1850 (poly 0x1D, init 0xFF, xorout 0xFF) over the two low bytes of
the CAN identifier (low byte first), then every payload byte except the CRC byte.
"""

import math
import os
import re

import cantools

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_DBC = os.path.join(REPO_ROOT, "Firmware", "bms.dbc")
DEFAULT_LIMITS = os.path.join(REPO_ROOT, "Firmware", "limits", "li-metal-ncm811.yaml")

SIGTYPE_COUNTER = 11
SIGTYPE_CHECKSUM = 12


def _crc8_table():
    table = []
    for index in range(256):
        crc = index
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1D) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
        table.append(crc)
    return table


_CRC8_TABLE = _crc8_table()


def crc8_sae_j1850(data, crc=0xFF):
    """CRC-8/SAE-J1850 (poly 0x1D) register update over `data`, without the final XOR: the check value
    of b"123456789" is 0x4B after `^ 0xFF`."""
    for byte in data:
        crc = _CRC8_TABLE[crc ^ byte]
    return crc


def load_database(path=DEFAULT_DBC):
    """Firmware/bms.dbc as a cantools database (strict: overlapping signals are an error)."""
    return cantools.database.load_file(path)


def cell_voltage_msl_mv(path=DEFAULT_LIMITS):
    """The cell-voltage maximum safety limit (mV) from the firmware's limit table.

    Reads `cell_voltage: maximum: msl_mv:` with a line scan, so PyYAML is not needed."""
    section = None
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            stripped = line.split("#", 1)[0].rstrip()
            if not stripped:
                continue
            indent = len(stripped) - len(stripped.lstrip())
            key = stripped.strip()
            if indent == 0:
                section = [key.rstrip(":")]
            elif indent == 2 and section:
                section = section[:1] + [key.rstrip(":")]
            elif indent == 4 and section == ["cell_voltage", "maximum"] and key.startswith("msl_mv:"):
                return int(key.split(":", 1)[1])
    raise ValueError(f"{path}: no cell_voltage.maximum.msl_mv")


def reaction_allowance_ms(firmware_dir=os.path.join(REPO_ROOT, "Firmware"), row="cell_overvoltage_msl"):
    """The longest fault-to-open time that still meets the firmware's configuration, as the labelled log
    replay computes it (Sources/Emulator/LabelledReplay.swift): the row's debounce (threshold x
    evaluation_period_ms of diagnosis.yaml) + its reaction_delay_ms + two evaluation periods of sampling
    slack + one status-report period (controller.yaml reporting.status_ms). Returns (total, parts)."""
    with open(os.path.join(firmware_dir, "diagnosis.yaml"), encoding="utf-8") as handle:
        diagnosis = handle.read()
    with open(os.path.join(firmware_dir, "controller.yaml"), encoding="utf-8") as handle:
        controller = handle.read()
    period = re.search(r"^evaluation_period_ms:\s*(\d+)", diagnosis, re.M)
    rule = re.search(r"\{\s*id:\s*" + re.escape(row) + r"\s*,([^}]*)\}", diagnosis)
    status = re.search(r"^reporting:\s*\n(?:[ \t]+.*\n)*?[ \t]+status_ms:\s*(\d+)", controller, re.M)
    if not (period and rule and status):
        raise ValueError(f"{firmware_dir}: cannot find evaluation_period_ms, the {row} row or reporting.status_ms")
    fields = dict(re.findall(r"(\w+):\s*([\w.]+)", rule.group(1)))
    parts = {
        "debounce_ms": int(fields["threshold"]) * int(period.group(1)),
        "reaction_delay_ms": int(fields["reaction_delay_ms"]),
        "sampling_slack_ms": 2 * int(period.group(1)),
        "status_period_ms": int(status.group(1)),
    }
    return sum(parts.values()), parts


def _sigtype(signal):
    attributes = signal.dbc.attributes if signal.dbc else {}
    attribute = attributes.get("SigType")
    return attribute.value if attribute is not None else None


class E2EProfile:
    """Where a message's alive counter and CRC are (either may be absent)."""

    def __init__(self, message):
        self.message = message
        self.counter = next((s for s in message.signals if _sigtype(s) == SIGTYPE_COUNTER), None)
        self.checksum = next((s for s in message.signals if _sigtype(s) == SIGTYPE_CHECKSUM), None)
        if self.checksum is not None and (self.checksum.start % 8 != 0 or self.checksum.length != 8):
            raise ValueError(f"{message.name}: checksum signal {self.checksum.name} is not one aligned byte")

    @property
    def protected(self):
        return self.counter is not None

    def crc(self, payload):
        skip = self.checksum.start // 8
        frame_id = self.message.frame_id
        crc = crc8_sae_j1850(bytes([frame_id & 0xFF, (frame_id >> 8) & 0xFF]))
        crc = crc8_sae_j1850(bytes(b for i, b in enumerate(payload) if i != skip), crc)
        return crc ^ 0xFF

    def counter_value(self, payload):
        """The raw alive counter: bit arithmetic for Intel signals, cantools for Motorola ones (IVT-S)."""
        if self.counter.byte_order == "little_endian":
            raw = int.from_bytes(payload, "little")
            return (raw >> self.counter.start) & ((1 << self.counter.length) - 1)
        return int(self.message.decode(payload, decode_choices=False, scaling=False)[self.counter.name])

    def crc_ok(self, payload):
        if self.checksum is None:
            return True
        index = self.checksum.start // 8
        return index < len(payload) and payload[index] == self.crc(payload)


class E2ESender:
    """Encodes a message with cantools and fills in its alive counter and CRC."""

    def __init__(self, message):
        self.profile = E2EProfile(message)
        self.message = message
        self.next_counter = 0

    def encode(self, signals):
        values = dict(signals)
        if self.profile.counter is not None:
            values[self.profile.counter.name] = self.next_counter
            self.next_counter = (self.next_counter + 1) % (1 << self.profile.counter.length)
        if self.profile.checksum is not None:
            values[self.profile.checksum.name] = 0
        payload = bytearray(self.message.encode(values, strict=True))
        if self.profile.checksum is not None:
            payload[self.profile.checksum.start // 8] = self.profile.crc(payload)
        return bytes(payload)


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an ascending list (the smallest value with at least `fraction` at or below it)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


class BusObserver:
    """Reads frames of the bms.dbc bus one by one and records what a VCU and a test bench care about.

    Times in the summary are seconds after `t0`: the first frame sent by a pack-side node (any DBC sender
    other than BMS and VCU), which is time 0 of the pack's scenario in a lock-step run as well as in a
    `bmsemu pack` process. Frames before it (the firmware starting up) get negative times.

    Fault episodes: a cell-voltage frame carrying a value above the MSL while no channel was above it
    starts one; it ends when every channel is back at or below the MSL. The reaction is the first
    BMS_ContactorCommand after the start that commands every contactor open, when contactors were commanded
    closed at the start (faults while already open have no reaction to time)."""

    def __init__(self, database, msl_mv, until_s=None):
        self.database = database
        self.msl_mv = msl_mv
        self.until_s = until_s
        self.messages = {m.frame_id: m for m in database.messages if not m.is_extended_frame}
        self.profiles = {i: E2EProfile(m) for i, m in self.messages.items()}
        self.pack_ids = {i for i, m in self.messages.items() if not ({"BMS", "VCU"} & set(m.senders))}
        self.cell_voltage_ids = {i for i, m in self.messages.items() if re.fullmatch(r"CMU\d+_CellVoltages", m.name)}
        self.t0 = None
        self.early = []
        self.frames = 0
        self.unknown_frames = 0
        self.crc_errors = {}
        self.counter_repeats = {}
        self.counters_skipped = {}
        self.last_counter = {}
        self.states = []
        self.contactors_closed = []
        self.contactors_opened = []
        self.commanded = None
        self.closed = False
        self.alarms = {}
        self.alarm_levels = {}
        self.soc_first = None
        self.soc_last = None
        self.soc_last_t = None
        self.soc_series = []
        self.after_window = 0
        self.cell_above = {}
        self.faults = []
        self.open_fault = None
        self.requests = []
        self.last_request_mode = None
        self.last_t = None

    def _time(self, timestamp):
        return round(timestamp - self.t0, 6) if self.t0 is not None else None

    def feed(self, timestamp, frame_id, data, is_extended=False, is_error=False):
        """One frame with its (kernel) timestamp in seconds."""
        if is_error or is_extended or frame_id not in self.messages:
            self.unknown_frames += 1
            return
        self.frames += 1
        if self.t0 is None:
            if frame_id in self.pack_ids:
                self.t0 = timestamp
                early, self.early = self.early, []
                for frame in early:
                    self._handle(*frame)
            else:
                self.early.append((timestamp, frame_id, bytes(data)))
                return
        self._handle(timestamp, frame_id, bytes(data))

    def _handle(self, timestamp, frame_id, data):
        t = self._time(timestamp)
        if self.until_s is not None and t > self.until_s:
            self.after_window += 1
            return
        self.last_t = t
        message = self.messages[frame_id]
        profile = self.profiles[frame_id]
        if len(data) != message.length:
            self.crc_errors[message.name] = self.crc_errors.get(message.name, 0) + 1
            return
        if profile.protected:
            if not profile.crc_ok(data):
                self.crc_errors[message.name] = self.crc_errors.get(message.name, 0) + 1
                return
            try:
                counter = profile.counter_value(data)
            except Exception:  # noqa: BLE001 - counted as a bad frame, never fatal
                self.crc_errors[message.name] = self.crc_errors.get(message.name, 0) + 1
                return
            last = self.last_counter.get(frame_id)
            if last is not None:
                step = (counter - last) % (1 << profile.counter.length)
                if step == 0:
                    self.counter_repeats[message.name] = self.counter_repeats.get(message.name, 0) + 1
                elif step > 1:
                    self.counters_skipped[message.name] = self.counters_skipped.get(message.name, 0) + step - 1
            self.last_counter[frame_id] = counter
        try:
            decoded = message.decode(data, decode_choices=False, scaling=True)
        except Exception:  # noqa: BLE001 - a frame that does not decode is counted, never fatal
            self.crc_errors[message.name] = self.crc_errors.get(message.name, 0) + 1
            return
        name = message.name
        if name == "BMS_State":
            raw = int(decoded["BmsState_State"])
            state = message.get_signal_by_name("BmsState_State").choices.get(raw, raw)
            state = str(state)
            if not self.states or self.states[-1]["state"] != state:
                self.states.append({"t": t, "state": state})
        elif name == "BMS_ContactorCommand":
            plus = decoded["ContactorCmd_MainPlus"] == 1
            minus = decoded["ContactorCmd_MainMinus"] == 1
            precharge = decoded["ContactorCmd_Precharge"] == 1
            was_commanded = self.commanded is not None and any(self.commanded)
            if plus and minus and not self.closed:
                self.closed = True
                self.contactors_closed.append(t)
            elif not (plus or minus or precharge) and (self.closed or was_commanded):
                self.closed = False
                self.contactors_opened.append(t)
                for fault in self.faults:
                    if fault["reaction_t"] is None and fault["contactors_closed_at_fault"]:
                        fault["reaction_t"] = t
                        fault["latency_ms"] = round((t - fault["t"]) * 1000, 3)
            self.commanded = (plus, minus, precharge)
        elif name == "BMS_Alarms":
            for signal in message.signals:
                if not signal.name.startswith("Alarm_"):
                    continue
                alarm = signal.name[len("Alarm_"):]
                level = int(decoded[signal.name])
                previous = self.alarm_levels.get(alarm, 0)
                if level > previous:
                    entry = self.alarms.setdefault(alarm, {"first_t": t, "max_level": level, "raised": 0})
                    entry["max_level"] = max(entry["max_level"], level)
                    entry["raised"] += 1 if previous == 0 else 0
                self.alarm_levels[alarm] = level
        elif name == "BMS_SOC":
            soc = round(float(decoded["SOC_Mean"]), 2)
            if self.soc_first is None:
                self.soc_first = soc
            self.soc_last, self.soc_last_t = soc, t
            self.soc_series.append([t, soc])
        elif name == "VCU_StateRequest":
            mode = int(decoded["StateRequest_Mode"])
            mode_name = str(message.get_signal_by_name("StateRequest_Mode").choices.get(mode, mode))
            if mode_name != self.last_request_mode:
                self.requests.append({"t": t, "mode": mode_name})
                self.last_request_mode = mode_name
        elif frame_id in self.cell_voltage_ids:
            self._cell_voltages(t, message, decoded)

    def _cell_voltages(self, t, message, decoded):
        was_above = any(self.cell_above.values())
        hottest = None
        for key, value in decoded.items():
            if not key.startswith("CellVoltage"):
                continue
            cell = int(key[len("CellVoltage"):])
            above = value > self.msl_mv
            self.cell_above[cell] = above
            if above and (hottest is None or value > hottest[1]):
                hottest = (cell, value)
        now_above = any(self.cell_above.values())
        if now_above and not was_above:
            self.faults.append({
                "t": t, "frame": message.name, "cell": hottest[0], "millivolts": hottest[1],
                "contactors_closed_at_fault": self.closed, "reaction_t": None, "latency_ms": None, "cleared_t": None})
        elif was_above and not now_above and self.faults:
            self.faults[-1]["cleared_t"] = t

    def summary(self):
        """Everything recorded, as plain JSON-ready values (times in s after t0)."""
        latencies = sorted(f["latency_ms"] for f in self.faults if f["latency_ms"] is not None)
        return {
            "t0_unix": self.t0,
            "msl_mv": self.msl_mv,
            "frames": self.frames,
            "until_s": self.until_s,
            "frames_after_window": self.after_window,
            "unknown_frames": self.unknown_frames,
            "last_t": self.last_t,
            "e2e": {
                "crc_errors": dict(sorted(self.crc_errors.items())),
                "counter_repeats": dict(sorted(self.counter_repeats.items())),
                "frames_lost": dict(sorted(self.counters_skipped.items())),
            },
            "requests": self.requests,
            "states": self.states,
            "contactors_closed": self.contactors_closed,
            "contactors_opened": self.contactors_opened,
            "alarms": dict(sorted(self.alarms.items())),
            "soc_percent": {"first": self.soc_first, "final": self.soc_last, "final_t": self.soc_last_t,
                            "series": self.soc_series},
            "faults": self.faults,
            "latency_ms": {
                "samples": len(latencies),
                "p50": percentile(latencies, 0.50),
                "p90": percentile(latencies, 0.90),
                "p99": percentile(latencies, 0.99),
                "max": latencies[-1] if latencies else None,
                "min": latencies[0] if latencies else None,
            },
        }


CANDUMP_LINE = re.compile(r"^\((\d+)\.(\d+)\)\s+(\S+)\s+([0-9A-Fa-f]+)(#+)([0-9A-Fa-f.R]*)\s*$")


def read_candump(path):
    """Yields (timestamp_s, frame_id, data, is_extended, is_error) from a candump -L log; comments, remote
    requests and lines that are not frames are skipped."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            match = CANDUMP_LINE.match(line.strip())
            if not match:
                continue
            seconds, fraction, _interface, ident, separator, payload = match.groups()
            timestamp = int(seconds) + int(fraction) / 10 ** len(fraction)
            frame_id = int(ident, 16)
            is_extended = len(ident) == 8
            is_error = is_extended and bool(frame_id & 0x20000000)
            if separator == "##":
                payload = payload[1:]  # FD flags nibble
            if "R" in payload:
                continue
            try:
                data = bytes.fromhex(payload)
            except ValueError:
                continue
            yield timestamp, frame_id & 0x1FFFFFFF, data, is_extended, is_error
