import SeededRandom

extension Xoshiro256 {
    /// A static per-device error for a datasheet maximum: Gaussian with σ = maximum / 3, clipped to
    /// ±maximum (the datasheet limit is read as a 3σ bound).
    mutating func staticError(maximum: Double) -> Double {
        guard maximum > 0 else { return 0 }
        return min(max(nextGaussian() * maximum / 3, -maximum), maximum)
    }

    /// A tolerance draw, uniform within ±`tolerance`.
    mutating func uniform(tolerance: Double) -> Double {
        guard tolerance > 0 else { return 0 }
        return (nextUnit() * 2 - 1) * tolerance
    }
}

/// `7` → `"007"` (DBC signal names number cells with three digits).
func threeDigits(_ value: Int) -> String {
    let text = String(value)
    return text.count >= 3 ? text : String(repeating: "0", count: 3 - text.count) + text
}

/// Milliseconds (configuration) → nanoseconds, rounded.
@inline(__always)
func nanoseconds(milliseconds: Double) -> Int64 {
    Int64(clamping: (milliseconds * 1e6).rounded())
}

/// Seconds → nanoseconds, rounded.
@inline(__always)
func nanoseconds(seconds: Double) -> Int64 {
    Int64(clamping: (seconds * 1e9).rounded())
}

/// Nanoseconds → seconds.
@inline(__always)
func seconds(_ nanoseconds: Int64) -> Double {
    Double(nanoseconds) * 1e-9
}
