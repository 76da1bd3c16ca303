import CANCore
import CANDatabase
import SeededRandom

/// Draws valid signal values for a message: every multiplexer variant, and raw values inside both the
/// bit width and the DBC's `[min|max]`, so cantools' strict encoder accepts them too.
enum FrameGenerator {
    /// One way to set a message's multiplexers: multiplexer name → raw value.
    typealias Variant = [(name: String, value: Int64)]

    /// Every combination of multiplexer values down the tree (at most `limit` values per multiplexer,
    /// always including the ends of each range). A message without multiplexers has one empty variant.
    static func variants(_ message: DBCMessage, limit: Int = 12) -> [Variant] {
        var result: [Variant] = []
        func expand(_ pending: [Int], _ chosen: Variant) {
            guard let index = pending.first else {
                result.append(chosen)
                return
            }
            let rest = Array(pending.dropFirst())
            let name = message.signals[index].name
            for value in sampleValues(message.multiplexerValues(of: index), limit: limit) {
                // Multiplexers selected by this value join the pending list.
                let children = message.signals.indices.filter {
                    message.signals[$0].isMultiplexer
                        && message.signals[$0].multiplexCondition?.multiplexerName == name
                        && message.signals[$0].multiplexCondition?.contains(value) == true
                }
                expand(rest + children, chosen + [(name, value)])
            }
        }
        expand(message.topLevelMultiplexerIndices.filter { !message.multiplexerValues(of: $0).isEmpty }, [])
        return result
    }

    static func sampleValues(_ ranges: [ClosedRange<Int64>], limit: Int) -> [Int64] {
        var values: [Int64] = []
        for range in ranges {
            var value = range.lowerBound
            while values.count < limit {
                values.append(value)
                if value == range.upperBound { break }
                value += 1
            }
            if values.last != range.upperBound && values.count < limit + ranges.count { values.append(range.upperBound) }
        }
        return values
    }

    /// The signals present under `variant`.
    static func presentSignals(_ message: DBCMessage, _ variant: Variant) -> [DBCSignal] {
        func present(_ signal: DBCSignal) -> Bool {
            guard let condition = signal.multiplexCondition else { return true }
            guard let value = variant.first(where: { $0.name == condition.multiplexerName })?.value,
                condition.contains(value),
                let multiplexer = message.signal(named: condition.multiplexerName)
            else { return false }
            return present(multiplexer)
        }
        return message.signals.filter(present)
    }

    /// The raw integer interval a signal may carry: its bit width, narrowed to `[min|max]` if given.
    static func rawRange(_ signal: DBCSignal) -> ClosedRange<Int64> {
        let length = signal.length
        var low: Int64 = signal.isSigned ? (length == 64 ? .min : -(Int64(1) << Int64(length - 1))) : 0
        var high: Int64 = signal.isSigned
            ? (length == 64 ? .max : (Int64(1) << Int64(length - 1)) - 1)
            : (length >= 63 ? .max : (Int64(1) << Int64(length)) - 1)
        if signal.hasPhysicalRange, signal.factor != 0 {
            let a = (signal.minimum - signal.offset) / signal.factor
            let b = (signal.maximum - signal.offset) / signal.factor
            let rawMin = min(a, b).rounded(.up)
            let rawMax = max(a, b).rounded(.down)
            if rawMin > Double(low) && rawMin < 9e18 { low = Int64(rawMin) }
            if rawMax < Double(high) && rawMax > -9e18 { high = Int64(rawMax) }
        }
        return low <= high ? low...high : low...low
    }

    /// A random raw value in ``rawRange(_:)``, biased towards the ends.
    static func randomRaw(_ signal: DBCSignal, _ rng: inout Xoshiro256) -> Int64 {
        let range = rawRange(signal)
        switch rng.next() % 8 {
        case 0: return range.lowerBound
        case 1: return range.upperBound
        default:
            let span = UInt64(bitPattern: range.upperBound &- range.lowerBound)
            let offset = span == .max ? rng.next() : rng.next() % (span + 1)
            return range.lowerBound &+ Int64(bitPattern: offset)
        }
    }

    /// A random physical value for a float signal (exactly representable as its raw type).
    static func randomFloat(_ signal: DBCSignal, _ rng: inout Xoshiro256) -> Double {
        let low = signal.hasPhysicalRange ? signal.minimum : -1e6
        let high = signal.hasPhysicalRange ? signal.maximum : 1e6
        let raw = (low + (high - low) * rng.nextUnit() - signal.offset) / signal.factor
        let representable = signal.valueType == .float32 ? Double(Float(raw)) : raw
        return representable * signal.factor + signal.offset
    }

    /// One set of values for a variant: name → raw integer, or name → physical for float signals.
    struct Values {
        var raw: [(name: String, value: Int64)] = []
        var floats: [(name: String, physical: Double)] = []
    }

    static func randomValues(_ message: DBCMessage, _ variant: Variant, _ rng: inout Xoshiro256) -> Values {
        var values = Values()
        for signal in presentSignals(message, variant) {
            if let fixed = variant.first(where: { $0.name == signal.name }) {
                values.raw.append((signal.name, fixed.value))
            } else if signal.valueType != .integer {
                values.floats.append((signal.name, randomFloat(signal, &rng)))
            } else {
                values.raw.append((signal.name, randomRaw(signal, &rng)))
            }
        }
        return values
    }

    /// Encodes `values` with `codec`, setting integer signals by physical value raw × factor + offset
    /// (the path the sensor nodes use); raw values beyond 2^40 are set raw, since a Double physical
    /// value cannot carry them exactly.
    static func encode(_ codec: MessageCodec, _ values: Values) throws -> CANFrame {
        var encoder = codec.encoder()
        for (name, raw) in values.raw {
            let signal = codec.message.signal(named: name)!
            let physical = Double(raw) * signal.factor + signal.offset
            if raw.magnitude < 1 << 40 {
                try encoder.set(name, physical)
            } else {
                try encoder.set(name, raw: raw)
            }
        }
        for (name, physical) in values.floats { try encoder.set(name, physical) }
        return try encoder.frame()
    }
}
