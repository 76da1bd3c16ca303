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
    /// Normal-equation sums over regressors (1, u, w, i) and target y.
    struct Sums: Sendable {
        var m = [Double](repeating: 0, count: 10)  // upper triangle of the 4×4 matrix, row-major
        var t = [Double](repeating: 0, count: 4)
        /// Σ w·y² (for the residual and the slope's standard error).
        var yy = 0.0
        var coveredSeconds = 0.0
        var samples = 0
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

    @inline(__always)
    private static func index(_ row: Int, _ column: Int) -> Int {
        let (r, c) = row <= column ? (row, column) : (column, row)
        return r * 4 - r * (r - 1) / 2 + (c - r)
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
            let s0 = s.m[Self.index(0, 0)], su = s.m[Self.index(0, 1)], sw = s.m[Self.index(0, 2)], si = s.m[Self.index(0, 3)]
            let suu = s.m[Self.index(1, 1)], suw = s.m[Self.index(1, 2)], sui = s.m[Self.index(1, 3)]
            let sww = s.m[Self.index(2, 2)], swi = s.m[Self.index(2, 3)], sii = s.m[Self.index(3, 3)]
            let sy = s.t[0], suy = s.t[1], swy = s.t[2], siy = s.t[3]
            s.m[Self.index(0, 0)] = lambda * s0
            s.m[Self.index(0, 1)] = lambda * (su + dt * s0)
            s.m[Self.index(0, 2)] = lambda * (sw + dq * s0)
            s.m[Self.index(0, 3)] = lambda * si
            s.m[Self.index(1, 1)] = lambda * (suu + 2 * dt * su + dt * dt * s0)
            s.m[Self.index(1, 2)] = lambda * (suw + dt * sw + dq * su + dt * dq * s0)
            s.m[Self.index(1, 3)] = lambda * (sui + dt * si)
            s.m[Self.index(2, 2)] = lambda * (sww + 2 * dq * sw + dq * dq * s0)
            s.m[Self.index(2, 3)] = lambda * (swi + dq * si)
            s.m[Self.index(3, 3)] = lambda * sii
            s.t[0] = lambda * sy
            s.t[1] = lambda * (suy + dt * sy)
            s.t[2] = lambda * (swy + dq * sy)
            s.t[3] = lambda * siy
            s.yy = lambda * s.yy
            if valid[cell], relativeSOC[cell].isFinite, !lastValue[cell].isNaN, abs(relativeSOC[cell] - lastValue[cell]) > Self.jumpLimit {
                s = Sums()
            }
            lastValue[cell] = valid[cell] ? relativeSOC[cell] : .nan
            if valid[cell], relativeSOC[cell].isFinite {
                let y = relativeSOC[cell]
                // The new sample has u = 0, w = 0, i = current.
                s.m[Self.index(0, 0)] += 1
                s.m[Self.index(0, 3)] += current
                s.m[Self.index(3, 3)] += current * current
                s.t[0] += y
                s.t[3] += current * y
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
    func socRateWithError(cell: Int) -> (rate: Double, error: Double)? {
        let s = sums[cell]
        guard s.coveredSeconds >= timeConstantSeconds / 2 else { return nil }
        for regressors in [[0, 1, 3], [0, 1]] {
            guard let solution = solve(s, regressors, rightHandSide: regressors.map { s.t[$0] }) else { continue }
            var fitted = 0.0
            for (k, regressor) in regressors.enumerated() { fitted += solution[k] * s.t[regressor] }
            let weight = s.m[Self.index(0, 0)]
            let variance = max(0, s.yy - fitted) / max(weight - Double(regressors.count), 1)
            let unit = regressors.map { $0 == 1 ? 1.0 : 0.0 }
            let inverse = solve(s, regressors, rightHandSide: unit)?[1] ?? .infinity
            let error = (variance * max(inverse, 0)).squareRoot()
            return (-solution[1], error.isFinite ? error : .infinity)
        }
        return nil
    }

    /// Solves the normal equations restricted to `regressors` (with the given right-hand side) by Gaussian elimination with partial
    /// pivoting; nil when a pivot is negligible against its diagonal (the regressor did not vary).
    private func solve(_ s: Sums, _ regressors: [Int], rightHandSide: [Double]) -> [Double]? {
        let n = regressors.count
        var a = [Double](repeating: 0, count: n * (n + 1))
        for row in 0..<n {
            for column in 0..<n { a[row * (n + 1) + column] = s.m[Self.index(regressors[row], regressors[column])] }
            a[row * (n + 1) + n] = rightHandSide[row]
        }
        let diagonal = (0..<n).map { a[$0 * (n + 1) + $0] }
        for column in 0..<n {
            var pivot = column
            for row in (column + 1)..<n where abs(a[row * (n + 1) + column]) > abs(a[pivot * (n + 1) + column]) { pivot = row }
            if pivot != column {
                for k in 0...n { a.swapAt(column * (n + 1) + k, pivot * (n + 1) + k) }
            }
            let value = a[column * (n + 1) + column]
            guard abs(value) > 1e-9 * max(diagonal[column], 1e-300), value.isFinite else { return nil }
            for row in 0..<n where row != column {
                let factor = a[row * (n + 1) + column] / value
                if factor == 0 { continue }
                for k in column...n { a[row * (n + 1) + k] -= factor * a[column * (n + 1) + k] }
            }
        }
        var solution = [Double](repeating: 0, count: n)
        for row in 0..<n { solution[row] = a[row * (n + 1) + n] / a[row * (n + 1) + row] }
        guard solution.allSatisfy(\.isFinite) else { return nil }
        return solution
    }
}
