@testable import BMSFirmware
import SeededRandom
import Testing

/// The divergence regression's allocation-free solver: both right-hand sides solve their systems, a
/// regressor that never varied is refused, and the fit recovers a known drift.
@Suite("Normal equations of the divergence trend")
struct NormalEquationsTests {
    /// Σ over samples of x·xᵀ and x·y for regressors (1, u, w, i), as DivergenceTrend accumulates them.
    static func sums(_ samples: [(u: Double, w: Double, i: Double, y: Double)]) -> DivergenceTrend.Sums {
        var s = DivergenceTrend.Sums()
        for sample in samples {
            let x = [1, sample.u, sample.w, sample.i]
            s.m00 += x[0] * x[0]; s.m01 += x[0] * x[1]; s.m02 += x[0] * x[2]; s.m03 += x[0] * x[3]
            s.m11 += x[1] * x[1]; s.m12 += x[1] * x[2]; s.m13 += x[1] * x[3]
            s.m22 += x[2] * x[2]; s.m23 += x[2] * x[3]
            s.m33 += x[3] * x[3]
            s.t0 += x[0] * sample.y; s.t1 += x[1] * sample.y; s.t2 += x[2] * sample.y; s.t3 += x[3] * sample.y
            s.yy += sample.y * sample.y
        }
        return s
    }

    @Test func bothRightHandSidesSolveTheirSystems() throws {
        var random = Xoshiro256(seed: 77)
        for trial in 0..<200 {
            let samples = (0..<20).map { k in
                (u: -Double(k) * 30, w: random.nextGaussian(), i: 10 + random.nextGaussian(), y: random.nextGaussian() * 1e-3)
            }
            let s = Self.sums(samples)
            for (regressors, count) in [((0, 1, 3), 3), ((0, 1, 0), 2)] {
                let equations = NormalEquations(s, regressors: regressors, count: count)
                let solved = try #require(equations.solve(), "trial \(trial)")
                let inverse = try #require(solved.inverseColumn)
                for row in 0..<count {
                    var fit = 0.0
                    var unit = 0.0
                    for column in 0..<count {
                        let a = s.m(equations.regressor(row), equations.regressor(column))
                        fit += a * NormalEquations.component(solved.solution, column)
                        unit += a * NormalEquations.component(inverse, column)
                    }
                    let b = equations.rightHandSide(equations.regressor(row))
                    #expect(abs(fit - b) <= 1e-9 * max(abs(b), 1e-6), "trial \(trial) row \(row)")
                    #expect(abs(unit - (row == 1 ? 1 : 0)) <= 1e-9, "trial \(trial) row \(row)")
                }
            }
        }
    }

    @Test func aRegressorThatNeverVariedIsRefused() {
        // Constant current: the current column is a multiple of the intercept column.
        let samples = (0..<20).map { k in (u: -Double(k) * 30, w: 0.0, i: 10.0, y: 1e-4 * Double(k)) }
        let s = Self.sums(samples)
        #expect(NormalEquations(s, regressors: (0, 1, 3), count: 3).solve().map { _ in true } == nil)
        #expect(NormalEquations(s, regressors: (0, 1, 0), count: 2).solve().map { _ in true } == true)
    }

    @Test func theTrendRecoversAKnownDrift() throws {
        // One block loses 2e-6 of relative SOC per second against the pack; samples every 30 s.
        var trend = DivergenceTrend(cells: 2, timeConstantMilliseconds: 3_600_000)
        for k in 0...240 {
            let drift = -2e-6 * Double(k) * 30
            trend.add(
                relativeSOC: [drift, -drift], valid: [true, true], chargeAmpereHours: Double(k) * 0.08,
                amperes: 10 + (k % 2 == 0 ? 0.5 : -0.5), now: Int64(k) * 30_000)
        }
        let rate = try #require(trend.socRateWithError(cell: 0))
        #expect(abs(rate.rate - -2e-6) < 1e-9)
        #expect(rate.error < 1e-8)
    }
}
