/// A log timestamp: whole seconds and nanoseconds, plus how it was written so it can be written back exactly.
///
/// candump writes `(%010lu.%06lu)` (10 zero-padded second digits, microseconds); `candump -N` and
/// some tools write 9 fraction digits; python-can writes unpadded seconds. All round-trip unchanged.
public struct CANTimestamp: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Whole seconds (for kernel timestamps: since the Unix epoch).
    public var seconds: UInt64
    /// Nanoseconds within the second, 0...999_999_999.
    public var nanoseconds: UInt32
    /// Digits after the point when written (1...9). candump: 6.
    public var fractionDigits: UInt8
    /// Minimum digits before the point when written (zero padded). candump: 10.
    public var secondsWidth: UInt8

    /// Creates a timestamp; `nanoseconds` above 999,999,999 carry into `seconds` (saturating).
    public init(seconds: UInt64, nanoseconds: UInt32 = 0, fractionDigits: UInt8 = 6, secondsWidth: UInt8 = 10) {
        let carry = UInt64(nanoseconds / 1_000_000_000)
        self.seconds = seconds.addingReportingOverflow(carry).overflow ? .max : seconds + carry
        self.nanoseconds = nanoseconds % 1_000_000_000
        self.fractionDigits = min(max(fractionDigits, 1), 9)
        self.secondsWidth = min(secondsWidth, 20)
    }

    /// Creates a timestamp from nanoseconds since the epoch, written in candump's default form.
    public init(totalNanoseconds: UInt64) {
        self.init(seconds: totalNanoseconds / 1_000_000_000, nanoseconds: UInt32(totalNanoseconds % 1_000_000_000))
    }

    /// Nanoseconds since the epoch, saturating at `UInt64.max`.
    public var totalNanoseconds: UInt64 {
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        let (sum, overflow2) = scaled.addingReportingOverflow(UInt64(nanoseconds))
        return overflow2 ? .max : sum
    }

    public static func < (lhs: CANTimestamp, rhs: CANTimestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// Equality and hashing compare the instant and its written form, so a round trip is exact.
    /// Use ``isSameInstant(as:)`` to compare instants only.
    public func isSameInstant(as other: CANTimestamp) -> Bool {
        seconds == other.seconds && nanoseconds == other.nanoseconds
    }

    /// The timestamp as written in a log, without parentheses, e.g. `1699999999.123456`.
    ///
    /// Fractions that need more digits than ``fractionDigits`` are truncated, as candump does.
    public var description: String {
        var text = String(seconds)
        if text.utf8.count < Int(secondsWidth) {
            text = String(repeating: "0", count: Int(secondsWidth) - text.utf8.count) + text
        }
        var divisor: UInt32 = 1
        for _ in 0..<(9 - Int(fractionDigits)) { divisor *= 10 }
        let fraction = String(nanoseconds / divisor)
        text += "." + String(repeating: "0", count: Int(fractionDigits) - fraction.utf8.count) + fraction
        return text
    }
}
