/// Time arithmetic that never traps on values from outside (ticks and deadlines are `Int64` milliseconds).
enum Time {
    /// Milliseconds from `earlier` to `later`, saturated to the `Int64` range.
    @inline(__always)
    static func elapsed(from earlier: Int64, to later: Int64) -> Int64 {
        let (value, overflow) = later.subtractingReportingOverflow(earlier)
        if overflow { return later >= earlier ? .max : .min }
        return value
    }

    /// `instant + duration`, saturated.
    @inline(__always)
    static func adding(_ duration: Int64, to instant: Int64) -> Int64 {
        let (value, overflow) = instant.addingReportingOverflow(duration)
        if overflow { return duration > 0 ? .max : .min }
        return value
    }

    /// Marks "never received".
    static let never = Int64.min

    /// Marks "received since the last tick": the next tick replaces it with its own time.
    static let pending = Int64.max
}

extension Int32 {
    /// Rounds and clamps a `Double` into `Int32` (NaN becomes 0).
    @inline(__always)
    init(clamping value: Double) {
        if !value.isFinite {
            self = value.isNaN ? 0 : (value > 0 ? .max : .min)
        } else if value >= Double(Int32.max) {
            self = .max
        } else if value <= Double(Int32.min) {
            self = .min
        } else {
            self = Int32(value.rounded())
        }
    }
}
