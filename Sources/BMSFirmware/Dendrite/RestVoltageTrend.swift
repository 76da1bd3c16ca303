/// Least-squares line through every block's voltage relative to the pack mean during one rest
/// (regressor: sample age in seconds; the regressor sums are shared by all blocks).
///
/// A block whose relative voltage falls is self-discharging faster than the pack (a soft short); a block
/// whose residual scatter is well above the pack median is noisy (micro-shorts forming and fusing).
/// Each slope comes with its standard error, so a verdict can demand significance: a slow task samples a
/// rest sparsely, a fast one densely, and the same drift is then judged by the same evidence.
struct RestVoltageTrend: Sendable {
    private var s0 = 0.0
    private var su = 0.0
    private var suu = 0.0
    private var sy: [Double]
    private var suy: [Double]
    private var syy: [Double]
    private var count: [Double]
    private(set) var startedAt = Time.never
    private var lastSampleAt = Time.never

    init(cells: Int) {
        sy = Array(repeating: 0, count: cells)
        suy = Array(repeating: 0, count: cells)
        syy = Array(repeating: 0, count: cells)
        count = Array(repeating: 0, count: cells)
    }

    var isRunning: Bool { startedAt != Time.never }

    mutating func start(at now: Int64) {
        s0 = 0
        su = 0
        suu = 0
        for cell in sy.indices {
            sy[cell] = 0
            suy[cell] = 0
            syy[cell] = 0
            count[cell] = 0
        }
        startedAt = now
        lastSampleAt = now
    }

    mutating func stop() { startedAt = Time.never }

    /// Adds one sample: `relativeMillivolts[i]` = block i − pack mean (only where `valid[i]`).
    mutating func add(relativeMillivolts: [Double], valid: [Bool], now: Int64) {
        guard isRunning else { return }
        let shift = Double(max(0, Time.elapsed(from: lastSampleAt, to: now))) / 1000
        lastSampleAt = now
        // Age every earlier sample by `shift`; the new sample has age 0.
        suu += 2 * shift * su + shift * shift * s0
        su += shift * s0
        s0 += 1
        for cell in sy.indices {
            suy[cell] += shift * sy[cell]
            guard valid[cell] else { continue }
            let y = relativeMillivolts[cell]
            sy[cell] += y
            syy[cell] += y * y
            count[cell] += 1
        }
    }

    /// Seconds covered so far.
    func duration(at now: Int64) -> Int64 { isRunning ? Time.elapsed(from: startedAt, to: now) : 0 }

    /// Slope over time in mV/s (negative = falling behind the pack), its standard error, and the residual
    /// standard deviation in mV for a block (nil without enough data). Blocks with gaps (invalid samples)
    /// give no verdict.
    func fit(cell: Int) -> (slope: Double, slopeError: Double, residual: Double)? {
        guard count[cell] >= 10, count[cell] == s0 else { return nil }
        let determinant = s0 * suu - su * su
        guard determinant > 1e-9 else { return nil }
        let ageSlope = (s0 * suy[cell] - su * sy[cell]) / determinant
        let intercept = (sy[cell] - ageSlope * su) / s0
        let residualSquares = max(0, syy[cell] - intercept * sy[cell] - ageSlope * suy[cell])
        let slopeVariance = residualSquares / max(s0 - 2, 1) * s0 / determinant
        return (-ageSlope, slopeVariance.squareRoot(), (residualSquares / s0).squareRoot())
    }
}
