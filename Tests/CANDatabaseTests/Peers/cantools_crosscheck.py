#!/usr/bin/env python3
"""cantools side of the CANDatabase cross-check (run by CantoolsCrossCheckTests.swift).

Usage: cantools_crosscheck.py REQUEST.json RESPONSE.json

REQUEST:  {"decode": [{"dbc": path, "message": name, "data": hex}],
           "generate": [{"dbc": path, "samples": n, "seed": s}]}
RESPONSE: {"cantools": version,
           "decoded": [{signal: physical-as-string} or {"error": text}],
           "generated": [{"dbc": path, "message": name, "data": hex,
                          "values": {signal: physical-as-string}, "raw": {signal: raw-as-string}}]}

Numbers travel as strings (Python repr) so 64-bit integers and doubles arrive exactly.
"""
import json
import math
import random
import struct
import sys

import cantools

MUX_LIMIT = 12


def load(cache, path):
    if path not in cache:
        cache[path] = cantools.database.load_file(path, strict=True)
    return cache[path]


def number_text(value):
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return repr(float(value))


def decode(cache, case):
    message = load(cache, case["dbc"]).get_message_by_name(case["message"])
    try:
        values = message.decode(bytes.fromhex(case["data"]), decode_choices=False, scaling=True)
    except Exception as error:  # noqa: BLE001 - the Swift side reports the text
        return {"error": str(error)}
    return {name: number_text(value) for name, value in values.items()}


def sample_values(ids):
    """Up to MUX_LIMIT values of a sorted id list, always including the ends of each run."""
    ids = sorted(ids)
    if len(ids) <= MUX_LIMIT:
        return ids
    return sorted(set(ids[:MUX_LIMIT - 1] + [ids[-1]]))


def variants(nodes):
    """All multiplexer assignments below a signal-tree node list: a list of dicts name -> value."""
    result = [{}]
    for node in nodes:
        if isinstance(node, str):
            continue
        for multiplexer, branches in node.items():
            expanded = []
            for value in sample_values(list(branches.keys())):
                for below in variants(branches[value]):
                    for chosen in result:
                        combined = dict(chosen)
                        combined[multiplexer] = value
                        combined.update(below)
                        expanded.append(combined)
            result = expanded
    return result


def present_signals(message, variant):
    def walk(nodes):
        names = []
        for node in nodes:
            if isinstance(node, str):
                names.append(node)
                continue
            for multiplexer, branches in node.items():
                names.append(multiplexer)
                value = variant.get(multiplexer)
                if value in branches:
                    names.extend(walk(branches[value]))
        return names
    return walk(message.signal_tree)


def raw_range(signal):
    if signal.is_signed:
        low, high = -(1 << (signal.length - 1)), (1 << (signal.length - 1)) - 1
    else:
        low, high = 0, (1 << signal.length) - 1
    scale, offset = signal.conversion.scale, signal.conversion.offset
    if signal.minimum is not None and signal.maximum is not None and scale != 0:
        a = (signal.minimum - offset) / scale
        b = (signal.maximum - offset) / scale
        raw_min, raw_max = math.ceil(min(a, b)), math.floor(max(a, b))
        low, high = max(low, raw_min), min(high, raw_max)
    return low, max(low, high)


def random_raw(signal, rng):
    low, high = raw_range(signal)
    pick = rng.randrange(8)
    if pick == 0:
        return low
    if pick == 1:
        return high
    return rng.randint(low, high)


def random_float(signal, rng):
    low = signal.minimum if signal.minimum is not None else -1e6
    high = signal.maximum if signal.maximum is not None else 1e6
    raw = (low + (high - low) * rng.random() - signal.conversion.offset) / signal.conversion.scale
    if signal.length == 32:
        raw = struct.unpack("<f", struct.pack("<f", raw))[0]
    return raw * signal.conversion.scale + signal.conversion.offset


def generate(cache, request):
    database = load(cache, request["dbc"])
    rng = random.Random(request["seed"])
    cases = []
    for message in database.messages:
        for variant in variants(message.signal_tree):
            names = present_signals(message, variant)
            for _ in range(request["samples"]):
                values = {}
                for name in names:
                    signal = message.get_signal_by_name(name)
                    if name in variant:
                        raw = variant[name]
                        values[name] = raw * signal.conversion.scale + signal.conversion.offset
                    elif signal.is_float:
                        values[name] = random_float(signal, rng)
                    else:
                        raw = random_raw(signal, rng)
                        values[name] = raw * signal.conversion.scale + signal.conversion.offset
                data = message.encode(values, scaling=True, strict=True)
                raw_values = message.decode(data, decode_choices=False, scaling=False)
                decoded = message.decode(data, decode_choices=False, scaling=True)
                cases.append({
                    "dbc": request["dbc"],
                    "message": message.name,
                    "data": data.hex(),
                    "values": {name: number_text(value) for name, value in decoded.items()},
                    "raw": {name: (number_text(value) if signal_is_integer(message, name) else
                                   format(float_bits(message, name, value), "d"))
                            for name, value in raw_values.items()},
                })
    return cases


def signal_is_integer(message, name):
    return not message.get_signal_by_name(name).is_float


def float_bits(message, name, value):
    signal = message.get_signal_by_name(name)
    if signal.length == 32:
        return struct.unpack("<I", struct.pack("<f", value))[0]
    return struct.unpack("<Q", struct.pack("<d", value))[0]


def main():
    with open(sys.argv[1], encoding="utf-8") as handle:
        request = json.load(handle)
    cache = {}
    response = {
        "cantools": cantools.__version__,
        "decoded": [decode(cache, case) for case in request.get("decode", [])],
        "generated": [case for item in request.get("generate", []) for case in generate(cache, item)],
    }
    with open(sys.argv[2], "w", encoding="utf-8") as handle:
        json.dump(response, handle)


if __name__ == "__main__":
    main()
