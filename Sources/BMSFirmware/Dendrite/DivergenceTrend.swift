import RealModule

/// Exponentially weighted regression of every block's voltage-derived SOC, relative to the pack mean
/// and corrected for the blocks' estimated capacities, on time (self-discharge through a short) and on
/// the string current (a different resistance):
///
///     Δz_i(t) = a + b·age + d·current,   −b = dΔz/dt, leak_i = −dΔz/dt · Q_i
///
/// A charge regressor (capacity mismatch) is kept in the sums for diagnostics but not fitted: during a
/// long discharge charge and time are nearly collinear, so the two cannot be told apart from the data;
/// the caller removes the expected capacity effect with the SOH estimates instead and accounts for
/// their uncertainty. Regressors are relative to the newest sample (age u in s, charge w in Ah since
/// the sample) so the sums stay small; every sample shifts and decays them by λ = exp(−Δt/τ). Each block
/// keeps its own sums, so invalid samples are simply left out.
struct DivergenceTrend: Sendable {
    /// Normal-equation sums over regressors (1, u, w, i) and target y. Plain stored values (no arrays), so
    /// copying and resetting a block's sums never allocates.
    struct Sums: Sendable {
        // Upper triangle of the 4×4 matrix Σ w·x_r·x_c, regressors 0 = 1, 1 = u, 2 = w, 3 = i.
        var m00 = 0.0, m01 = 0.0, m02 = 0.0, m03 = 0.0
        var m11 = 0.0, m12 = 0.0, m13 = 0.0
        var m22 = 0.0, m23 = 0.0
        var m33 = 0.0
        // Right-hand side Σ w·x_r·y.
        var t0 = 0.0, t1 = 0.0, t2 = 0.0, t3 = 0.0
        /// Σ w·y² (for the residual and the slope's standard error).
        var yy = 0.0
        var coveredSeconds = 0.0
        var samples = 0

        /// The matrix entry of regressors `row` and `column` (symmetric).
        @inline(__always)
        func m(_ row: Int, _ column: Int) -> Double {
            switch row <= column ? (row, column) : (column, row) {
            case (0, 0): m00
            case (0, 1): m01
            case (0, 2): m02
            case (0, 3): m03
            case (1, 1): m11
            case (1, 2): m12
            case (1, 3): m13
            case (2, 2): m22
            case (2, 3): m23
            default: m33
            }
        }
    }

    private var sums: [Sums]
    private var lastValue: [Double]
    private var lastSampleAt = Time.never
    /// A block whose relative SOC jumps by more than this between two samples restarts its window: a
    /// leak is gradual, a jump is a measurement event (sense-line drop, balancing switched, sensor change).
    static let jumpLimit = 0.02
    private var chargeAtLastSample = 0.0
    let timeConstantSeconds: Double

    init(cells: Int, timeConstantMilliseconds: Int64) {
        sums = Array(repeating: Sums(), count: cells)
        lastValue = Array(repeating: .nan, count: cells)
        timeConstantSeconds = Double(timeConstantMilliseconds) / 1000
    }

    /// Adds one sample. `relativeSOC[i]` = block i − pack mean; `chargeAmpereHours` is the running net
    /// charge drawn from the string; `amperes` the string current now.
    mutating func add(relativeSOC: [Double], valid: [Bool], chargeAmpereHours: Double, amperes: Double, now: Int64) {
        let first = lastSampleAt == Time.never
        let dt = first ? 0 : Double(max(0, Time.elapsed(from: lastSampleAt, to: now))) / 1000
        let dq = first ? 0 : chargeAmpereHours - chargeAtLastSample
        lastSampleAt = now
        chargeAtLastSample = chargeAmpereHours
        let lambda = Double.exp(-dt / timeConstantSeconds)
        let current = amperes.isFinite ? amperes : 0
        for cell in sums.indices {
            var s = sums[cell]
            // Shift u by dt and w by dq for all earlier samples: x' = x + shift for the u and w regressors.
            let s0 = s.m00, su = s.m01, sw = s.m02, si = s.m03
            let suu = s.m11, suw = s.m12, sui = s.m13
            let sww = s.m22, swi = s.m23, sii = s.m33
            let sy = s.t0, suy = s.t1, swy = s.t2, siy = s.t3
            s.m00 = lambda * s0
            s.m01 = lambda * (su + dt * s0)
            s.m02 = lambda * (sw + dq * s0)
            s.m03 = lambda * si
            s.m11 = lambda * (suu + 2 * dt * su + dt * dt * s0)
            s.m12 = lambda * (suw + dt * sw + dq * su + dt * dq * s0)
            s.m13 = lambda * (sui + dt * si)
            s.m22 = lambda * (sww + 2 * dq * sw + dq * dq * s0)
            s.m23 = lambda * (swi + dq * si)
            s.m33 = lambda * sii
            s.t0 = lambda * sy
            s.t1 = lambda * (suy + dt * sy)
            s.t2 = lambda * (swy + dq * sy)
            s.t3 = lambda * siy
            s.yy = lambda * s.yy
            if valid[cell], relativeSOC[cell].isFinite, !lastValue[cell].isNaN, abs(relativeSOC[cell] - lastValue[cell]) > Self.jumpLimit {
                s = Sums()
            }
            lastValue[cell] = valid[cell] ? relativeSOC[cell] : .nan
            if valid[cell], relativeSOC[cell].isFinite {
                let y = relativeSOC[cell]
                // The new sample has u = 0, w = 0, i = current.
                s.m00 += 1
                s.m03 += current
                s.m33 += current * current
                s.t0 += y
                s.t3 += current * y
                s.yy += y * y
                if s.samples > 0 { s.coveredSeconds += dt }
                s.samples += 1
            } else {
                s = Sums()
            }
            sums[cell] = s
        }
    }

    /// d(relative value)/dt per second for a block (negative: falling behind the pack), once its window
    /// spans at least half a time constant.
    func socRate(cell: Int) -> Double? { socRateWithError(cell: cell)?.rate }

    /// The rate with its standard error: σ²·(XᵀWX)⁻¹ of the time coefficient, σ² from the weighted
    /// residual (conservative for exponential weights, whose effective sample count is about half of Σw).
    /// Tries regressors (1, u, i) first and falls back to (1, u) when the current did not vary.
    func socRateWithError(cell: Int) -> (rate: Double, error: Double)? {
        let s = sums[cell]
        guard s.coveredSeconds >= timeConstantSeconds / 2 else { return nil }
        if let result = rateWithError(s, regressors: (0, 1, 3), count: 3) { return result }
        return rateWithError(s, regressors: (0, 1, 0), count: 2)
    }

    /// The fit on the first `count` of `regressors` (index 1 must be the time regressor); nil when its
    /// normal equations are singular.
    @inline(__always)
    private func rateWithError(_ s: Sums, regressors: (Int, Int, Int), count n: Int) -> (rate: Double, error: Double)? {
        let rows = NormalEquations(s, regressors: regressors, count: n)
        guard let solved = rows.solve() else { return nil }
        let solution = solved.solution
        let fitted = rows.dotRightHandSide(solution)
        let weight = s.m00
        let variance = max(0, s.yy - fitted) / max(weight - Double(n), 1)
        let inverse = solved.inverseColumn?.1 ?? .infinity
        let error = (variance * max(inverse, 0)).squareRoot()
        return (-solution.1, error.isFinite ? error : .infinity)
    }
}
