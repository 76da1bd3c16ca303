/// Elementary functions for the per-cell hot loop, written as straight-line arithmetic so the compiler can
/// vectorise the loops over a tile's cells (a call to the C library's `exp` stops it). Pure IEEE-754 arithmetic:
/// the same input gives the same bits on every platform, in every lane.
enum FastMath {
    /// e^x for −700 ≤ x ≤ 700, relative error below 4 ulp (`FastMathTests` checks 10⁶ points against
    /// `Double.exp`); x below −700 gives e^−700 (≈ 1e−304), above 700 gives e^700. NaN gives NaN.
    ///
    /// Cody–Waite reduction x = k·ln 2 + r with |r| ≤ ln 2 / 2, e^r by its Taylor series to degree 13
    /// (truncation error < r¹⁴/14! ≈ 4e−18) evaluated by Estrin's scheme, 2^k added to the exponent bits.
    @inline(__always)
    static func exp(_ x: Double) -> Double {
        let clamped = min(max(x, -700), 700)
        // 1.5·2^52: adding it rounds x·log₂e to an integer held in the low mantissa bits.
        let shifter = 6_755_399_441_055_744.0
        let shifted = clamped * 1.442_695_040_888_963_4 + shifter
        let k = shifted - shifter
        // ln 2 split so that k·ln2High is exact for |k| < 2²⁰ (fdlibm's constants).
        let r = (clamped - k * 6.931_471_803_691_238_164_90e-01) - k * 1.908_214_929_270_587_700_02e-10
        // Estrin's scheme: the same polynomial as Horner's with a dependency chain of 6 operations instead of 26
        // (the step's passes are latency-bound).
        let r2 = r * r
        let r4 = r2 * r2
        let r8 = r4 * r4
        let q0 = 1 + r
        let q1 = 0.5 + r * (1.0 / 6)
        let q2 = 1.0 / 24 + r * (1.0 / 120)
        let q3 = 1.0 / 720 + r * (1.0 / 5_040)
        let q4 = 1.0 / 40_320 + r * (1.0 / 362_880)
        let q5 = 1.0 / 3_628_800 + r * (1.0 / 39_916_800)
        let q6 = 1.0 / 479_001_600 + r * (1.0 / 6_227_020_800)
        let s0 = q0 + r2 * q1
        let s1 = q2 + r2 * q3
        let s2 = q4 + r2 * q5
        let p = (s0 + r4 * s1) + r8 * (s2 + r4 * q6)
        // k sits in the low bits of `shifted` (two's complement for k < 0): shift it into the exponent field.
        return Double(bitPattern: p.bitPattern &+ (shifted.bitPattern &<< 52))
    }
}

/// `a && b` without the short-circuit branch (both operands already computed): the short-circuit form can stop
/// a loop over cells from vectorising.
@inline(__always)
func allOf(_ a: Bool, _ b: Bool) -> Bool { ((a ? 1 : 0) & (b ? 1 : 0)) != 0 }

/// `a || b` without the short-circuit branch (see ``allOf(_:_:)``).
@inline(__always)
func anyOf(_ a: Bool, _ b: Bool) -> Bool { ((a ? 1 : 0) | (b ? 1 : 0)) != 0 }

/// exp(−x) for x ≥ 0 (``FastMath/exp(_:)``).
@inline(__always)
func decayFactor(_ x: Double) -> Double {
    FastMath.exp(-x)
}

/// 1 − exp(−x) for x ≥ 0: below x = 0.01 the third-order series (relative error < 5e-9), which keeps the
/// precision 1 − e^(−x) loses for small x; above it 1 − ``FastMath/exp(_:)``. Both are evaluated and one is
/// selected, so a loop over cells stays vectorisable.
@inline(__always)
func growthFactor(_ x: Double) -> Double {
    let series = x * (1 - x * (0.5 - x * (1.0 / 6)))
    let exponential = 1 - FastMath.exp(-x)
    return x < 0.01 ? series : exponential
}

extension Lag {
    /// e^(−ratio) for ratio = t/τ ≥ 0 (``FastMath/exp(_:)``).
    @inline(__always)
    static func decay(ratio: Double) -> Double {
        FastMath.exp(-ratio)
    }

    /// (e^(−ratio), 1 − e^(−ratio)) for ratio = t/τ ≥ 0, the one-minus form from the series below 0.01 so it keeps
    /// its precision for slow lags (as ``memory(_:_:)``). Branch-free.
    @inline(__always)
    static func decayAndGrowth(ratio: Double) -> (decay: Double, growth: Double) {
        let seriesGrowth = ratio * (1 - ratio * (0.5 - ratio * (1.0 / 6 - ratio * (1.0 / 24))))
        let exponential = FastMath.exp(-ratio)
        let small = ratio < 0.01
        return (small ? 1 - seriesGrowth : exponential, small ? seriesGrowth : 1 - exponential)
    }
}
