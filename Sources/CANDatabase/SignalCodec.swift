import CANCore

/// One compiled signal: bit layout, raw ↔ physical conversion, and the multiplexer conditions under
/// which it is present.
struct SignalCodec: Sendable {
    /// "Present when multiplexer `multiplexer` has one of these raw values."
    struct Condition: Sendable {
        let multiplexer: Int
        let ranges: [ClosedRange<Int64>]
        /// The single value for the common `m<n>` case (fast path).
        let single: Int64?

        init(multiplexer: Int, ranges: [ClosedRange<Int64>]) {
            self.multiplexer = multiplexer
            self.ranges = ranges
            self.single = ranges.count == 1 && ranges[0].lowerBound == ranges[0].upperBound ? ranges[0].lowerBound : nil
        }

        @inline(__always)
        func contains(_ value: Int64) -> Bool {
            if let single { return value == single }
            for range in ranges where range.contains(value) { return true }
            return false
        }
    }

    let name: String
    let layout: SignalLayout
    let isSigned: Bool
    let valueType: DBCSignal.ValueType
    let factor: Double
    let offset: Double
    let minimum: Double
    let maximum: Double
    let hasRange: Bool
    let valueTable: DBCValueTable?
    let unit: String
    /// Every condition up the multiplexer tree (nearest multiplexer first); all must hold.
    let conditions: [Condition]

    init(_ signal: DBCSignal, conditions: [Condition]) {
        name = signal.name
        layout = SignalLayout(startBit: signal.startBit, length: signal.length, byteOrder: signal.byteOrder)
        isSigned = signal.isSigned
        valueType = signal.valueType
        factor = signal.factor
        offset = signal.offset
        minimum = signal.minimum
        maximum = signal.maximum
        hasRange = signal.hasPhysicalRange
        valueTable = signal.valueTable
        unit = signal.unit
        self.conditions = conditions
    }

    /// The raw integer: sign-extended for signed signals; `nil` for float signals and for unsigned
    /// 64-bit values above `Int64.max`.
    @inline(__always)
    func rawInteger(bits: UInt64) -> Int64? {
        guard valueType == .integer else { return nil }
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
        switch valueType {
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
    /// half to even for integer signals; `[min|max]` checked (unless both are 0, or the raw value has
    /// a name in the value table) with a tolerance of |factor|·1e-6; then the raw value must fit the bits.
    func bits(forPhysical value: Double) throws(CANEncodeError) -> UInt64 {
        guard value.isFinite else { throw .notFinite(signal: name) }
        let scaled = (value - offset) / factor
        switch valueType {
        case .float32:
            try checkRange(value, raw: nil)
            let single = Float(scaled)
            guard single.isFinite else { throw .rawOutOfRange(signal: name, raw: scaled, bits: 32, signed: true) }
            return UInt64(single.bitPattern)
        case .float64:
            try checkRange(value, raw: nil)
            guard scaled.isFinite else { throw .rawOutOfRange(signal: name, raw: scaled, bits: 64, signed: true) }
            return scaled.bitPattern
        case .integer:
            let rounded = scaled.rounded(.toNearestOrEven)
            guard rounded.isFinite else { throw .rawOutOfRange(signal: name, raw: rounded, bits: layout.length, signed: isSigned) }
            let named = rounded.magnitude < 9.2e18 && valueTable?.contains(Int64(rounded)) == true
            if !named { try checkRange(value, raw: rounded) }
            return try bits(forRounded: rounded)
        }
    }

    private func checkRange(_ value: Double, raw: Double?) throws(CANEncodeError) {
        guard hasRange else { return }
        let tolerance = abs(factor) * 1e-6
        if value < minimum - tolerance || value > maximum + tolerance {
            throw .outOfRange(signal: name, value: value, minimum: minimum, maximum: maximum)
        }
    }

    /// Bits for an integral raw value held in a Double, checked against the bit width.
    private func bits(forRounded raw: Double) throws(CANEncodeError) -> UInt64 {
        let length = layout.length
        if isSigned {
            let limit = Double(sign: .plus, exponent: length - 1, significand: 1)
            guard raw >= -limit, raw < limit else {
                throw .rawOutOfRange(signal: name, raw: raw, bits: length, signed: true)
            }
            return UInt64(bitPattern: Int64(raw)) & layout.mask
        }
        let limit = Double(sign: .plus, exponent: length, significand: 1)
        guard raw >= 0, raw < limit else { throw .rawOutOfRange(signal: name, raw: raw, bits: length, signed: false) }
        return UInt64(raw)
    }

    /// Bits for a raw integer (no physical range check; the bit width is checked).
    func bits(forRaw raw: Int64) throws(CANEncodeError) -> UInt64 {
        let length = layout.length
        switch valueType {
        case .float32: return UInt64(Float(raw).bitPattern)
        case .float64: return Double(raw).bitPattern
        case .integer: break
        }
        if isSigned {
            if length < 64 {
                let limit = Int64(1) << Int64(length - 1)
                guard raw >= -limit, raw < limit else {
                    throw .rawOutOfRange(signal: name, raw: Double(raw), bits: length, signed: true)
                }
            }
            return UInt64(bitPattern: raw) & layout.mask
        }
        guard raw >= 0, length >= 63 || raw < Int64(1) << Int64(length) else {
            throw .rawOutOfRange(signal: name, raw: Double(raw), bits: length, signed: false)
        }
        return UInt64(raw)
    }
}
