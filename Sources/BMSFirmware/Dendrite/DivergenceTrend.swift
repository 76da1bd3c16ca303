public import RealModule

/// Exponentially weighted regression of every block's SOC relative to the pack mean on two regressors:
/// time (self-discharge) and the charge moved through the string (capacity mismatch). Separating the
/// two lets a soft or hard internal short show up under load, where a merely smaller block would
/// otherwise look like it was leaking.
///
/// Regressors are expressed relative to the newest sample (age u in s, charge w in Ah since the
/// sample), so the sums stay small; every new sample shifts and decays them by λ = exp(−Δt/τ).
/// Each block keeps its own sums, so a block's invalid samples are simply left out.
struct DivergenceTrend: Sendable {
    struct Sums: Sendable {
        var s0 = 0.0, su = 0.0, sw = 0.0, suu = 0.0, suw = 0.0, sww = 0.0
        var sy = 0.0, suy = 0.0, swy = 0.0
        var coveredSeconds = 0.0
    }

    private var sums: [Sums]
    private var lastSampleAt = Time.never
    private var chargeAtLastSample = 0.0
    let timeConstantSeconds: Double

    init(cells: Int, timeConstantMilliseconds: Int64) {
        sums = Array(repeating: Sums(), count: cells)
        timeConstantSeconds = Double(timeConstantMilliseconds) / 1000
    }

    /// Adds one sample. `relativeSOC[i]` = block i − pack mean; `chargeAmpereHours` is the running
    /// net charge drawn from the string.
    mutating func add(relativeSOC: [Double], valid: [Bool], chargeAmpereHours: Double, now: Int64) {
        let first = lastSampleAt == Time.never
        let dt = first ? 0 : Double(max(0, Time.elapsed(from: lastSampleAt, to: now))) / 1000
        let dq = first ? 0 : chargeAmpereHours - chargeAtLastSample
        lastSampleAt = now
        chargeAtLastSample = chargeAmpereHours
        let lambda = Double.exp(-dt / timeConstantSeconds)
        for cell in sums.indices {
            var s = sums[cell]
            s.suu = lambda * (s.suu + 2 * dt * s.su + dt * dt * s.s0)
            s.sww = lambda * (s.sww + 2 * dq * s.sw + dq * dq * s.s0)
            s.suw = lambda * (s.suw + dt * s.sw + dq * s.su + dt * dq * s.s0)
            s.su = lambda * (s.su + dt * s.s0)
            s.sw = lambda * (s.sw + dq * s.s0)
            s.suy = lambda * (s.suy + dt * s.sy)
            s.swy = lambda * (s.swy + dq * s.sy)
            s.sy = lambda * s.sy
            s.s0 = lambda * s.s0
            if valid[cell], relativeSOC[cell].isFinite {
                s.s0 += 1
                s.sy += relativeSOC[cell]
                if s.s0 > 1 { s.coveredSeconds += dt }
            } else {
                s = Sums()
            }
            sums[cell] = s
        }
    }

    /// d(relative SOC)/dt in 1/s for a block (negative: draining faster than the pack), once its window
    /// spans at least half a time constant.
    func socRate(cell: Int) -> Double? {
        let s = sums[cell]
        guard s.coveredSeconds >= timeConstantSeconds / 2 else { return nil }
        // Solve [s0 su sw; su suu suw; sw suw sww] · [a b c] = [sy suy swy] for b (per second of age).
        let determinant3 = s.s0 * (s.suu * s.sww - s.suw * s.suw) - s.su * (s.su * s.sww - s.suw * s.sw)
            + s.sw * (s.su * s.suw - s.suu * s.sw)
        let scale = s.s0 * s.suu * s.sww
        if s.sww > 1e-10, scale > 0, abs(determinant3) > 1e-6 * scale {
            let determinantB = s.s0 * (s.suy * s.sww - s.suw * s.swy) - s.sy * (s.su * s.sww - s.suw * s.sw)
                + s.sw * (s.su * s.swy - s.suy * s.sw)
            return -(determinantB / determinant3)
        }
        // No charge moved in the window: time is the only regressor.
        let determinant2 = s.s0 * s.suu - s.su * s.su
        guard determinant2 > 1e-9 * max(s.s0 * s.suu, 1e-12) else { return nil }
        return -((s.s0 * s.suy - s.su * s.sy) / determinant2)
    }
}
