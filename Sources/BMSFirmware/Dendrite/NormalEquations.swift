/// The normal equations of a ``DivergenceTrend`` fit restricted to two or three of its regressors, solved
/// for two right-hand sides at once: the fit's Σ w·x·y and the unit vector of the time coefficient (whose
/// solution is that coefficient's column of (XᵀWX)⁻¹).
///
/// Gaussian elimination with partial pivoting on a stack buffer: no heap allocation. Both right-hand sides
/// see exactly the operations a separate solve would apply to them (the pivots and factors depend on the
/// matrix alone), so each solution is bit for bit what solving for it alone gives.
struct NormalEquations {
    let sums: DivergenceTrend.Sums
    /// Regressor indices (0 = 1, 1 = u, 2 = w, 3 = i); the first `count` are used.
    let regressors: (Int, Int, Int)
    /// 2 or 3.
    let count: Int

    /// A solution vector (the first `count` entries are meaningful).
    typealias Vector = (Double, Double, Double)

    init(_ sums: DivergenceTrend.Sums, regressors: (Int, Int, Int), count: Int) {
        self.sums = sums
        self.regressors = regressors
        self.count = min(max(count, 1), 3)
    }

    @inline(__always)
    func regressor(_ k: Int) -> Int {
        switch k {
        case 0: regressors.0
        case 1: regressors.1
        default: regressors.2
        }
    }

    /// Σ w·x_r·y of regressor `r`.
    @inline(__always)
    func rightHandSide(_ r: Int) -> Double {
        switch r {
        case 0: sums.t0
        case 1: sums.t1
        case 2: sums.t2
        default: sums.t3
        }
    }

    /// Σ_k solution_k · (Σ w·x_k·y), summed in regressor order from zero (the fitted part of Σ w·y²).
    func dotRightHandSide(_ solution: Vector) -> Double {
        var fitted = 0.0
        for k in 0..<count { fitted += Self.component(solution, k) * rightHandSide(regressor(k)) }
        return fitted
    }

    @inline(__always)
    static func component(_ vector: Vector, _ k: Int) -> Double {
        switch k {
        case 0: vector.0
        case 1: vector.1
        default: vector.2
        }
    }

    /// The fit's coefficients and the time coefficient's column of the inverse; nil when a pivot is
    /// negligible against its diagonal (a regressor did not vary) or the fit's coefficients are not finite.
    /// The inverse column is nil when it alone is not finite.
    func solve() -> (solution: Vector, inverseColumn: Vector?)? {
        let n = count
        let stride = n + 2
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: 15) { a -> (solution: Vector, inverseColumn: Vector?)? in
            var diagonal: Vector = (0, 0, 0)
            for row in 0..<n {
                for column in 0..<n { a[row * stride + column] = sums.m(regressor(row), regressor(column)) }
                a[row * stride + n] = rightHandSide(regressor(row))
                a[row * stride + n + 1] = regressor(row) == 1 ? 1.0 : 0.0
            }
            for k in 0..<n {
                let value = a[k * stride + k]
                switch k {
                case 0: diagonal.0 = value
                case 1: diagonal.1 = value
                default: diagonal.2 = value
                }
            }
            for column in 0..<n {
                var pivot = column
                for row in (column + 1)..<n where abs(a[row * stride + column]) > abs(a[pivot * stride + column]) { pivot = row }
                if pivot != column {
                    for k in 0..<stride { a.swapAt(column * stride + k, pivot * stride + k) }
                }
                let value = a[column * stride + column]
                guard abs(value) > 1e-9 * max(Self.component(diagonal, column), 1e-300), value.isFinite else { return nil }
                for row in 0..<n where row != column {
                    let factor = a[row * stride + column] / value
                    if factor == 0 { continue }
                    for k in column..<stride { a[row * stride + k] -= factor * a[column * stride + k] }
                }
            }
            func solution(rightHandSide offset: Int) -> Vector? {
                var x: Vector = (0, 0, 0)
                for row in 0..<n {
                    let value = a[row * stride + offset] / a[row * stride + row]
                    guard value.isFinite else { return nil }
                    switch row {
                    case 0: x.0 = value
                    case 1: x.1 = value
                    default: x.2 = value
                    }
                }
                return x
            }
            guard let fit = solution(rightHandSide: n) else { return nil }
            return (fit, solution(rightHandSide: n + 1))
        }
    }
}
