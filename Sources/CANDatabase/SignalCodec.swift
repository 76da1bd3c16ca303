import CANCore

/// The hot part of one compiled signal: bit layout, raw ↔ physical conversion and where its
/// multiplexer conditions are. Trivially copyable (no references), so reading it in a decode loop
/// costs no reference counting; names, units and value tables live in ``MessageCodec/Storage``.
struct SignalCodec: Sendable {
    enum ValueKind: UInt8, Sendable {
        case integer, float32, float64
    }

    let layout: SignalLayout
    let isSigned: Bool
    let kind: ValueKind
    let factor: Double
    let offset: Double
    let minimum: Double
    let maximum: Double
    let hasRange: Bool
    let hasValueTable: Bool
    /// Index of this signal's own multiplexer condition in `conditions`, or -1 when always present.
    /// The multiplexer's own condition is found the same way, up the tree.
    let conditionIndex: Int

    init(_ signal: DBCSignal, conditionIndex: Int) {
        layout = SignalLayout(startBit: signal.startBit, length: signal.length, byteOrder: signal.byteOrder)
        isSigned = signal.isSigned
        kind = switch signal.valueType {
        case .integer: .integer
        case .float32: .float32
        case .float64: .float64
        }
        factor = signal.factor
        offset = signal.offset
        minimum = signal.minimum
        maximum = signal.maximum
        hasRange = signal.hasPhysicalRange
        hasValueTable = signal.valueTable != nil
        self.conditionIndex = conditionIndex
    }

    /// The raw integer: sign-extended for signed signals; `nil` for float signals and for unsigned
    /// 64-bit values above `Int64.max`.
    @inline(__always)
    func rawInteger(bits: UInt64) -> Int64? {
        guard kind == .integer else { return nil }
        if isSigned {
            let unused = UInt64(64 - layout.length)
            return Int64(bitPattern: bits << unused) >> Int64(unused)
        }
        return bits <= UInt64(Int64.max) ? Int64(bits) : nil
    }

    /// physical = raw × factor + offset.
    @inline(__always)
    func physical(bits: UInt64) -> Double {
        let raw: Double
        switch kind {
        case .integer:
            if isSigned {
                let unused = UInt64(64 - layout.length)
                raw = Double(Int64(bitPattern: bits << unused) >> Int64(unused))
            } else {
                raw = Double(bits)
            }
        case .float32: raw = Double(Float(bitPattern: UInt32(truncatingIfNeeded: bits)))
        case .float64: raw = Double(bitPattern: bits)
        }
        return raw * factor + offset
    }

    /// The bits for a physical value, with cantools' semantics: raw = (value − offset) / factor, rounded
    /// half to even for integer signals; `[min|max]` checked (unless both are 0, or the raw value has a
    /// name in the value table) with a tolerance of |factor|·1e-6; then the raw value must fit the bits.
    /// `isNamed` answers whether a raw value has a value-table name (only asked when the signal has a table).
    @inline(__always)
    func bits(
        forPhysical value: Double, name: @autoclosure () -> String, isNamed: (Int64) -> Bool
    ) throws(CANEncodeError) -> UInt64 {
        guard value.isFinite else { throw .notFinite(signal: name()) }
        let scaled = (value - offset) / factor
        switch kind {
        case .float32:
            try checkRange(value, name: name())
            let single = Float(scaled)
            guard single.isFinite else { throw .rawOutOfRange(signal: name(), raw: scaled, bits: 32, signed: true) }
            return UInt64(single.bitPattern)
        case .float64:
            try checkRange(value, name: name())
            guard scaled.isFinite else { throw .rawOutOfRange(signal: name(), raw: scaled, bits: 64, signed: true) }
            return scaled.bitPattern
        case .integer:
            let rounded = scaled.rounded(.toNearestOrEven)
            guard rounded.isFinite else {
                throw .rawOutOfRange(signal: name(), raw: rounded, bits: layout.length, signed: isSigned)
            }
            if hasRange {
                let named = hasValueTable && rounded.magnitude < 9.2e18 && isNamed(Int64(rounded))
                if !named { try checkRange(value, name: name()) }
            }
            return try bits(forRounded: rounded, name: name())
        }
    }

    @inline(__always)
    private func checkRange(_ value: Double, name: @autoclosure () -> String) throws(CANEncodeError) {
        guard hasRange else { return }
        let tolerance = abs(factor) * 1e-6
        if value < minimum - tolerance || value > maximum + tolerance {
            throw .outOfRange(signal: name(), value: value, minimum: minimum, maximum: maximum)
        }
    }

    /// Bits for an integral raw value held in a Double, checked against the bit width.
    @inline(__always)
    private func bits(forRounded raw: Double, name: @autoclosure () -> String) throws(CANEncodeError) -> UInt64 {
        let length = layout.length
        if isSigned {
            let limit = Double(sign: .plus, exponent: length - 1, significand: 1)
            guard raw >= -limit, raw < limit else { throw .rawOutOfRange(signal: name(), raw: raw, bits: length, signed: true) }
            return UInt64(bitPattern: Int64(raw)) & layout.mask
        }
        let limit = Double(sign: .plus, exponent: length, significand: 1)
        guard raw >= 0, raw < limit else { throw .rawOutOfRange(signal: name(), raw: raw, bits: length, signed: false) }
        return UInt64(raw)
    }

    /// Bits for a raw integer (no physical range check; the bit width is checked).
    @inline(__always)
    func bits(forRaw raw: Int64, name: @autoclosure () -> String) throws(CANEncodeError) -> UInt64 {
        let length = layout.length
        switch kind {
        case .float32: return UInt64(Float(raw).bitPattern)
        case .float64: return Double(raw).bitPattern
        case .integer: break
        }
        if isSigned {
            if length < 64 {
                let limit = Int64(1) << Int64(length - 1)
                guard raw >= -limit, raw < limit else {
                    throw .rawOutOfRange(signal: name(), raw: Double(raw), bits: length, signed: true)
                }
            }
            return UInt64(bitPattern: raw) & layout.mask
        }
        guard raw >= 0, length >= 63 || raw < Int64(1) << Int64(length) else {
            throw .rawOutOfRange(signal: name(), raw: Double(raw), bits: length, signed: false)
        }
        return UInt64(raw)
    }
}

/// "Present when multiplexer `multiplexer` has one of the values in `ranges[rangeStart ..< rangeStart + rangeCount]`."
/// Trivially copyable; `single` short-cuts the common `m<n>` case.
struct MultiplexerCondition: Sendable {
    let multiplexer: Int
    let single: Int64
    let isSingle: Bool
    let rangeStart: Int
    let rangeCount: Int
}
