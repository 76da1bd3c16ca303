/// One signal (`SG_`) of a message: where its bits are, how raw maps to physical, and when it is present.
///
/// The fields mirror the DBC line `SG_ name [M|m<n>|m<n>M] : start|length@order± (factor,offset)
/// [min|max] "unit" receivers`, plus what other statements add (comment, value names, float type,
/// extended multiplexing, attributes).
public struct DBCSignal: Hashable, Sendable {
    /// Bit order of a signal in the payload.
    public enum ByteOrder: Hashable, Sendable {
        /// `@1`: Intel, little endian. The start bit is the least significant bit, counted 0...7 in
        /// byte 0, 8...15 in byte 1 and so on.
        case littleEndian
        /// `@0`: Motorola, big endian. The start bit is the most significant bit in the same
        /// "sawtooth" numbering (bit 7 of byte 0 is 7, bit 0 of byte 1 is 8); the signal continues
        /// towards less significant bits and then into the next byte.
        case bigEndian
    }

    /// How the raw bits are interpreted (`SIG_VALTYPE_`).
    public enum ValueType: Hashable, Sendable {
        /// An integer, signed (two's complement) or unsigned.
        case integer
        /// `SIG_VALTYPE_ ... 1`: an IEEE 754 single (the signal must be 32 bits long).
        case float32
        /// `SIG_VALTYPE_ ... 2`: an IEEE 754 double (the signal must be 64 bits long).
        case float64
    }

    /// The role a signal plays in end-to-end protection, from the `SigType` attribute.
    public enum E2ERole: Hashable, Sendable {
        /// `SigType` = `MessageCounter`: the 4-bit alive counter.
        case counter
        /// `SigType` = `MessageChecksum`: the CRC-8 byte.
        case checksum
    }

    /// The condition under which a multiplexed signal is present.
    public struct MultiplexCondition: Hashable, Sendable {
        /// Name of the multiplexer signal (marked `M` or `m<n>M`) in the same message.
        public var multiplexerName: String
        /// Multiplexer raw values for which this signal is present: `m<n>` gives `n...n`;
        /// `SG_MUL_VAL_` adds ranges. Sorted, non-overlapping, merged.
        public var values: [ClosedRange<Int64>]

        public init(multiplexerName: String, values: [ClosedRange<Int64>]) {
            self.multiplexerName = multiplexerName
            self.values = MultiplexCondition.normalized(values)
        }

        /// `true` when the multiplexer value `raw` selects this signal.
        public func contains(_ raw: Int64) -> Bool {
            values.contains { $0.contains(raw) }
        }

        static func normalized(_ ranges: [ClosedRange<Int64>]) -> [ClosedRange<Int64>] {
            let sorted = ranges.sorted { $0.lowerBound < $1.lowerBound }
            var merged: [ClosedRange<Int64>] = []
            for range in sorted {
                if let last = merged.last, range.lowerBound <= last.upperBound
                    || (last.upperBound < Int64.max && range.lowerBound == last.upperBound + 1)
                {
                    merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
                } else {
                    merged.append(range)
                }
            }
            return merged
        }
    }

    /// Signal name (unique within its message in a consistent database).
    public var name: String
    /// Start bit as written in the file (see ``ByteOrder`` for the numbering).
    public var startBit: Int
    /// Length in bits, 1...64.
    public var length: Int
    /// `@1` Intel or `@0` Motorola.
    public var byteOrder: ByteOrder
    /// `-` in the file: two's complement.
    public var isSigned: Bool
    /// Integer, or IEEE float from `SIG_VALTYPE_`.
    public var valueType: ValueType
    /// physical = raw × factor + offset.
    public var factor: Double
    /// Added after scaling (see ``factor``).
    public var offset: Double
    /// Physical range `[min|max]` as written. When both are 0 the range is unspecified (Vector and
    /// cantools convention) and only the bit width limits the value.
    public var minimum: Double
    /// Upper end of `[min|max]` (see ``minimum``).
    public var maximum: Double
    /// Physical unit as written (non-UTF-8 bytes read as Windows-1252).
    public var unit: String
    /// Receiving nodes; `Vector__XXX` (no receiver) is dropped.
    public var receivers: [String]
    /// The multiplexer indicator as written (`M`, `m3`, `m3M`), or `nil` for a plain signal.
    public var multiplexerIndicator: String?
    /// `true` if this signal selects other signals (`M` or `m<n>M`).
    public var isMultiplexer: Bool
    /// When this signal is present, resolved as cantools does: `m<n>` belongs to the message's only
    /// `M` signal; with several multiplexers (nested, extended multiplexing) `SG_MUL_VAL_` decides.
    /// `nil` means always present. A signal with an `m<n>` indicator whose multiplexer cannot be
    /// resolved is also `nil` here and reported by ``CANDatabase/consistencyIssues()``.
    public var multiplexCondition: MultiplexCondition?
    /// `CM_ SG_` comment.
    public var comment: String?
    /// Value names from `VAL_`, or `nil`.
    public var valueTable: DBCValueTable?
    /// End-to-end role from the `SigType` attribute, if any.
    public var e2eRole: E2ERole?
    /// Raw start value (`GenSigStartValue`), if given.
    public var initialRawValue: Int64?
    /// `BA_ ... SG_` assignments as written.
    public var attributes: [DBCAttributeAssignment]
    /// 1-based line of the `SG_` statement (0 for signals built in code).
    public var line: Int

    public init(
        name: String, startBit: Int, length: Int, byteOrder: ByteOrder, isSigned: Bool = false,
        valueType: ValueType = .integer, factor: Double = 1, offset: Double = 0, minimum: Double = 0,
        maximum: Double = 0, unit: String = "", receivers: [String] = [], multiplexerIndicator: String? = nil,
        isMultiplexer: Bool = false, multiplexCondition: MultiplexCondition? = nil, comment: String? = nil,
        valueTable: DBCValueTable? = nil, e2eRole: E2ERole? = nil, initialRawValue: Int64? = nil,
        attributes: [DBCAttributeAssignment] = [], line: Int = 0
    ) {
        self.name = name
        self.startBit = startBit
        self.length = length
        self.byteOrder = byteOrder
        self.isSigned = isSigned
        self.valueType = valueType
        self.factor = factor
        self.offset = offset
        self.minimum = minimum
        self.maximum = maximum
        self.unit = unit
        self.receivers = receivers
        self.multiplexerIndicator = multiplexerIndicator
        self.isMultiplexer = isMultiplexer
        self.multiplexCondition = multiplexCondition
        self.comment = comment
        self.valueTable = valueTable
        self.e2eRole = e2eRole
        self.initialRawValue = initialRawValue
        self.attributes = attributes
        self.line = line
    }

    /// `true` when `[min|max]` limits the physical value (not both zero).
    public var hasPhysicalRange: Bool { !(minimum == 0 && maximum == 0) }

    /// The value `raw` in `m<raw>` of the indicator, if it has one.
    var indicatorMultiplexValue: Int64? {
        guard let indicator = multiplexerIndicator, indicator.first == "m" else { return nil }
        var digits = indicator.dropFirst()
        if digits.last == "M" { digits = digits.dropLast() }
        return Int64(digits)
    }
}
