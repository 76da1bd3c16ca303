import CANCore
import CANTransport
import CellPack
import Emulator
import Foundation
import Yams

extension ScenarioReader {
    /// `off`, a number of amps, `{amps}`, `{pulses: {amps, on_ms, off_ms}}`,
    /// `{bidirectional: {forward_a, forward_ms, reverse_a, reverse_ms}}` or `{profile: file, scale, repeat}`.
    func readLoad(_ node: ConfigNode) -> LoadSetting? {
        if let scalar = node.node.scalar {
            if scalar.string.lowercased() == "off" { return .off }
            guard let amps = attempt({ try node.double(in: -2000...2000) }) else { return nil }
            return .constant(amps: amps)
        }
        guard let keys = attempt({ try node.keys() }), keys.count == 1 || keys.contains("profile") else {
            problems.append(node.error("a load is 'off', a current in A, or one of {amps}, {pulses}, {bidirectional}, {profile}"))
            return nil
        }
        if keys == ["amps"] {
            return attempt { try node.required("amps").double(in: -2000...2000) }.map { .constant(amps: $0) }
        }
        if keys == ["pulses"] {
            guard let body = attempt({ try node.required("pulses") }) else { return nil }
            attempt { try body.rejectUnknownKeys(["amps", "on_ms", "off_ms"]) }
            guard let amps = attempt({ try body.required("amps").double(in: -2000...2000) }),
                let on = attempt({ try body.required("on_ms").double(in: 0.01...3_600_000) }),
                let off = attempt({ try body.required("off_ms").double(in: 0...3_600_000) })
            else { return nil }
            return .waveform(.pulses(amps: amps, onSeconds: on / 1000, offSeconds: off / 1000))
        }
        if keys == ["bidirectional"] {
            guard let body = attempt({ try node.required("bidirectional") }) else { return nil }
            attempt { try body.rejectUnknownKeys(["forward_a", "forward_ms", "reverse_a", "reverse_ms"]) }
            guard let forward = attempt({ try body.required("forward_a").double(in: -2000...2000) }),
                let forwardTime = attempt({ try body.required("forward_ms").double(in: 0.01...3_600_000) }),
                let reverse = attempt({ try body.required("reverse_a").double(in: -2000...2000) }),
                let reverseTime = attempt({ try body.required("reverse_ms").double(in: 0.01...3_600_000) })
            else { return nil }
            return .waveform(.bidirectional(forwardAmps: forward, forwardSeconds: forwardTime / 1000, reverseAmps: reverse, reverseSeconds: reverseTime / 1000))
        }
        if keys.contains("profile") {
            attempt { try node.rejectUnknownKeys(["profile", "scale", "repeat"]) }
            guard let fileNode = attempt({ try node.required("profile") }), let file = attempt({ try fileNode.string() }) else { return nil }
            let scale = attempt { try node.optional("scale")?.double(in: -100...100) } ?? nil
            let repeats = attempt { try node.optional("repeat")?.bool() } ?? nil
            guard let points = readProfile(file, at: fileNode) else { return nil }
            return .profile(name: file, points: points, scale: scale ?? 1, repeats: repeats ?? false)
        }
        problems.append(node.error("unknown load form '\(keys.joined(separator: ", "))'; expected amps, pulses, bidirectional or profile"))
        return nil
    }

    /// A drive-cycle CSV under the firmware directory: `seconds,amps` per line, `#` comments, times increasing.
    func readProfile(_ relative: String, at node: ConfigNode) -> [ProfilePoint]? {
        let path = firmwareDirectory + "/" + relative
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            problems.append(node.error("cannot read the profile \(path)"))
            return nil
        }
        var points: [ProfilePoint] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.lowercased().hasPrefix("seconds") { continue }
            let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2, let seconds = Double(fields[0]), let amps = Double(fields[1]), seconds.isFinite, amps.isFinite else {
                problems.append(ConfigError(file: path, line: index + 1, column: 1, key: "", reason: "expected 'seconds,amps', found '\(line)'"))
                return nil
            }
            if let last = points.last, seconds <= last.seconds {
                problems.append(ConfigError(file: path, line: index + 1, column: 1, key: "", reason: "time \(seconds) s does not increase (previous \(last.seconds) s)"))
                return nil
            }
            points.append(ProfilePoint(seconds: seconds, amps: amps))
        }
        guard points.count >= 2 else {
            problems.append(node.error("the profile \(path) needs at least two points"))
            return nil
        }
        return points
    }

    static let actionKeys: Set<String> = [
        "pack_fault", "clear_pack_faults", "sensor_fault", "clear_sensor_faults", "bus_fault", "clear_bus_faults",
        "environment", "heater", "request", "load", "charger_connected", "reset_faults",
    ]

    func readTimelineEntry(_ node: ConfigNode) -> TimelineEntry? {
        guard let keys = attempt({ try node.keys() }) else { return nil }
        let actions = keys.filter { $0 != "at" && $0 != "at_ms" }
        guard actions.count == 1, let key = actions.first else {
            problems.append(node.error("each timeline entry has 'at' (seconds) or 'at_ms' and exactly one action: \(Self.actionKeys.sorted().joined(separator: ", "))"))
            return nil
        }
        guard Self.actionKeys.contains(key) else {
            let located = attempt { try node.required(key) } ?? node
            problems.append(located.error("unknown action '\(key)'; expected one of: \(Self.actionKeys.sorted().joined(separator: ", "))"))
            return nil
        }
        var at: Double?
        if keys.contains("at") { at = attempt { try node.required("at").double(in: 0...1e9) } }
        if keys.contains("at_ms") { at = attempt { try node.required("at_ms").double(in: 0...1e12) }.map { $0 / 1000 } }
        guard let time = at else {
            if !keys.contains("at") && !keys.contains("at_ms") { problems.append(node.error("missing 'at' (seconds) or 'at_ms'")) }
            return nil
        }
        guard let body = attempt({ try node.required(key) }) else { return nil }
        let line = body.node.mark?.line ?? 0
        let action: TimelineAction?
        switch key {
        case "pack_fault": action = readPackFault(body).map { .packFault($0) }
        case "clear_pack_faults": action = .clearPackFaults
        case "sensor_fault":
            guard let text = attempt({ try body.string() }) else { return nil }
            if let reason = checkSensorFault(text) { problems.append(body.error(reason)) }
            action = .sensorFault(text)
        case "clear_sensor_faults": action = .clearSensorFaults
        case "bus_fault": action = readBusFault(body).map { .busFault($0) }
        case "clear_bus_faults": action = .clearBusFaults
        case "environment": action = readEnvironment(body).map { .environment($0) }
        case "heater":
            attempt { try body.rejectUnknownKeys(["cell", "watts"]) }
            guard let cell = attempt({ try body.required("cell").int(in: 0...100_000) }),
                let watts = attempt({ try body.required("watts").double(in: 0...100_000) })
            else { return nil }
            action = .heater(cell: cell, watts: watts)
        case "request": action = readRequest(body).map { .request($0.0, healing: $0.1) }
        case "load": action = readLoad(body).map { .load($0) }
        case "charger_connected": action = attempt { try body.bool() }.map { .chargerConnected($0) }
        case "reset_faults": action = .resetFaults
        default: action = nil
        }
        return action.map { TimelineEntry(atSeconds: time, action: $0, line: line) }
    }

    func readPackFault(_ node: ConfigNode) -> PackFault? {
        guard let entries = attempt({ try node.entries() }), entries.count == 1, let (kind, body) = entries.first else {
            problems.append(node.error("a pack fault is one of internal_short, external_short, soft_short, separator_damage, electrolyte_leak, isolation_fault"))
            return nil
        }
        func cell() -> Int? { attempt { try body.required("cell").int(in: 0...100_000) } }
        switch kind {
        case "internal_short":
            attempt { try body.rejectUnknownKeys(["cell", "ohms"]) }
            guard let cell = cell(), let ohms = attempt({ try body.required("ohms").double(in: 1e-6...1e9) }) else { return nil }
            return .internalShort(cell: cell, ohms: ohms)
        case "external_short":
            attempt { try body.rejectUnknownKeys(["ohms"]) }
            return attempt { try body.required("ohms").double(in: 1e-6...1e9) }.map { .externalShort(ohms: $0) }
        case "soft_short":
            attempt { try body.rejectUnknownKeys(["cell", "siemens"]) }
            guard let cell = cell(), let siemens = attempt({ try body.required("siemens").double(in: 1e-9...1e6) }) else { return nil }
            return .softShort(cell: cell, siemens: siemens)
        case "separator_damage":
            attempt { try body.rejectUnknownKeys(["cell", "fraction"]) }
            guard let cell = cell(), let fraction = attempt({ try body.required("fraction").double(in: 0...1) }) else { return nil }
            return .separatorDamage(cell: cell, fraction: fraction)
        case "electrolyte_leak":
            attempt { try body.rejectUnknownKeys(["cell", "grams_per_hour"]) }
            guard let cell = cell(), let rate = attempt({ try body.required("grams_per_hour").double(in: 0...1e6) }) else { return nil }
            return .electrolyteLeak(cell: cell, gramsPerHour: rate)
        case "isolation_fault":
            attempt { try body.rejectUnknownKeys(["ohms"]) }
            return attempt { try body.required("ohms").double(in: 1...1e12) }.map { .isolationFault(ohms: $0) }
        default:
            problems.append(node.error("unknown pack fault '\(kind)'; expected internal_short, external_short, soft_short, separator_damage, electrolyte_leak or isolation_fault"))
            return nil
        }
    }

    func readBusFault(_ node: ConfigNode) -> BusFaultSpec? {
        attempt { try node.rejectUnknownKeys(["action", "id", "mask", "extended", "sender", "probability", "delay_ms", "xor", "duration_s"]) }
        guard let actionNode = attempt({ try node.required("action") }), let actionName = attempt({ try actionNode.string() }) else { return nil }
        var action: VirtualBusFault.Action
        switch actionName {
        case "drop": action = .drop
        case "duplicate": action = .duplicate
        case "delay":
            guard let delay = attempt({ try node.required("delay_ms").double(in: 0...3_600_000) }) else { return nil }
            action = .delay(nanoseconds: Int64(delay * 1_000_000))
        case "corrupt":
            guard let maskNode = attempt({ try node.required("xor") }), let text = attempt({ try maskNode.string() }) else { return nil }
            guard text.count % 2 == 0, text.count <= 128, let bytes = hexBytes(text), let mask = CANPayload(bytes) else {
                problems.append(maskNode.error("'xor' is an even number of hex digits (up to 64 bytes), e.g. \"FF00\""))
                return nil
            }
            action = .corrupt(xorMask: mask)
        default:
            problems.append(actionNode.error("unknown bus fault '\(actionName)'; expected drop, delay, corrupt or duplicate"))
            return nil
        }
        var spec = BusFaultSpec(action: action)
        if let idNode = attempt({ try node.optional("id") }), let idNode {
            let extended = (attempt { try node.optional("extended")?.bool() } ?? nil) ?? false
            guard let value = attempt({ try idNode.int(in: 0...0x1FFF_FFFF) }) else { return nil }
            do {
                let id = try CANID(UInt32(value), extended: extended)
                if let mask = attempt({ try node.optional("mask")?.int(in: 0...0x1FFF_FFFF) }), let mask {
                    spec.filter = .masked(id, mask: UInt32(mask))
                } else {
                    spec.filter = .exact(id)
                }
            } catch {
                problems.append(idNode.error(error.description))
            }
        }
        if let sender = attempt({ try node.optional("sender")?.string() }), let sender {
            guard ["pack", "firmware"].contains(sender) else {
                if let located = attempt({ try node.required("sender") }) { problems.append(located.error("sender is 'pack' or 'firmware'")) }
                return nil
            }
            spec.senderName = sender
        }
        if let probability = attempt({ try node.optional("probability")?.double(in: 0...1) }), let probability { spec.probability = probability }
        if let duration = attempt({ try node.optional("duration_s")?.double(in: 0.001...1e9) }), let duration { spec.durationSeconds = duration }
        return spec
    }

    func readEnvironment(_ node: ConfigNode) -> EnvironmentChange? {
        attempt { try node.rejectUnknownKeys(["ambient_celsius", "coolant_celsius", "cooling"]) }
        var change = EnvironmentChange()
        change.ambientCelsius = attempt { try node.optional("ambient_celsius")?.double(in: -60...200) } ?? nil
        change.coolantCelsius = attempt { try node.optional("coolant_celsius")?.double(in: -60...120) } ?? nil
        if let cooling = attempt({ try node.optional("cooling")?.oneOf(CoolingMode.self) }) { change.cooling = cooling }
        return change
    }

    func readExpectation(_ node: ConfigNode) -> Expectation? {
        guard let entries = attempt({ try node.entries() }), entries.count == 1, let (kind, body) = entries.first else {
            problems.append(node.error("each expectation is one of within, lead_time, never, occurs, metric"))
            return nil
        }
        func selector(_ key: String, in container: ConfigNode) -> EventSelector? {
            guard let located = attempt({ try container.required(key) }), let text = attempt({ try located.string() }) else { return nil }
            guard let parsed = EventSelector(parsing: text) else {
                problems.append(located.error("'\(text)' is not an event selector (kind[subject]@source, e.g. firmware.contactors_opened or pack.cell_vented[*])"))
                return nil
            }
            return parsed
        }
        func duration(_ container: ConfigNode) -> Int64? {
            let keys = (attempt { try container.keys() } ?? []).filter { $0 == "ms" || $0 == "s" }
            guard keys.count == 1 else {
                problems.append(container.error("give the time limit as 'ms' or 's' (exactly one)"))
                return nil
            }
            let value = attempt { try container.required(keys[0]).double(in: 0...1e9) }
            return value.map { Int64(($0 * (keys[0] == "ms" ? 1e6 : 1e9)).rounded()) }
        }
        switch kind {
        case "within":
            attempt { try body.rejectUnknownKeys(["from", "to", "ms", "s"]) }
            guard let from = selector("from", in: body), let to = selector("to", in: body), let limit = duration(body) else { return nil }
            return .within(from: from, to: to, maximumNanoseconds: limit)
        case "lead_time":
            attempt { try body.rejectUnknownKeys(["earlier", "later", "ms", "s"]) }
            guard let earlier = selector("earlier", in: body), let later = selector("later", in: body), let limit = duration(body) else { return nil }
            return .leadTime(earlier: earlier, later: later, minimumNanoseconds: limit)
        case "never", "occurs":
            guard let text = attempt({ try body.string() }) else { return nil }
            guard let parsed = EventSelector(parsing: text) else {
                problems.append(body.error("'\(text)' is not an event selector"))
                return nil
            }
            return kind == "never" ? .never(parsed) : .occurs(parsed)
        case "metric":
            guard let text = attempt({ try body.string() }) else { return nil }
            let parts = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard parts.count == 3, let comparison = Expectation.Comparison(rawValue: parts[1]), let bound = Double(parts[2]), bound.isFinite else {
                problems.append(body.error("a metric expectation reads '<metric> <|<=|>|>= <number>', e.g. 'soh.capacity_rmse_percent < 1'"))
                return nil
            }
            return .metric(name: parts[0], comparison: comparison, bound: bound)
        default:
            problems.append(node.error("unknown expectation '\(kind)'; expected within, lead_time, never, occurs or metric"))
            return nil
        }
    }
}

private func hexBytes(_ text: String) -> [UInt8]? {
    var bytes: [UInt8] = []
    var iterator = text.makeIterator()
    while let high = iterator.next() {
        guard let low = iterator.next(), let value = UInt8(String([high, low]), radix: 16) else { return nil }
        bytes.append(value)
    }
    return bytes
}
