import RealModule

/// One step of a two-level waveform laid out as at most two leading partial segments, a number of whole
/// periods, and at most two trailing partial segments. Built once per step and shared by every cell.
struct WaveformSchedule: Sendable {
    /// A run of one level: level 0 is the waveform's first segment, level 1 its second.
    struct Segment: Sendable {
        var level: Int
        var seconds: Double
    }

    /// Step duration, s.
    var duration: Double
    /// Durations of level 0 and level 1 inside one whole period, s.
    var periodLevelSeconds: (Double, Double)
    /// Leading partial segments (count in `headCount`).
    var head: (Segment, Segment)
    var headCount: Int
    /// Whole periods between head and tail.
    var periods: Int
    /// Trailing partial segments (count in `tailCount`).
    var tail: (Segment, Segment)
    var tailCount: Int
    /// Total time spent at level 0 and level 1 during the step, s.
    var levelSeconds: (Double, Double)
    /// Level in force at the end of the step.
    var endLevel: Int
    /// The step is a single constant segment (fast path).
    var isConstant: Bool

    /// Lays out `duration` seconds of `waveform` starting `phase` seconds into its period.
    init(_ waveform: CurrentWaveform, phase: Double, duration: Double) {
        self.duration = duration
        let empty = Segment(level: 0, seconds: 0)
        head = (empty, empty)
        tail = (empty, empty)
        headCount = 0
        tailCount = 0
        periods = 0
        if waveform.isConstant {
            isConstant = true
            periodLevelSeconds = (duration, 0)
            head = (Segment(level: 0, seconds: duration), empty)
            headCount = 1
            levelSeconds = (duration, 0)
            endLevel = 0
            return
        }
        isConstant = false
        let first = waveform.firstSeconds
        let period = waveform.firstSeconds + waveform.secondSeconds
        periodLevelSeconds = (first, waveform.secondSeconds)
        var spent = (0.0, 0.0)
        var left = duration
        var position = min(max(phase, 0), period)
        // Head: finish the current period.
        var headSegments = (empty, empty)
        var headUsed = 0
        func addHead(_ segment: Segment) {
            if headUsed == 0 { headSegments.0 = segment } else { headSegments.1 = segment }
            headUsed += 1
        }
        // Finish the period the phase is in: the rest of level 0 (if inside it), then the rest of level 1.
        // Boundaries are set exactly, never reached by accumulation, so rounding cannot add sliver segments.
        if position < first {
            let seconds = min(first - position, left)
            addHead(Segment(level: 0, seconds: seconds))
            spent.0 += seconds
            left -= seconds
            position = seconds == first - position ? first : position + seconds
        }
        if left > 0, position < period {
            let seconds = min(period - position, left)
            addHead(Segment(level: 1, seconds: seconds))
            spent.1 += seconds
            left -= seconds
        }
        head = headSegments
        headCount = headUsed
        var lastLevel = headUsed > 0 ? (headUsed == 1 ? headSegments.0.level : headSegments.1.level) : 0
        if left > 0 {
            let whole = (left / period).rounded(.down)
            periods = Int(whole)
            left -= whole * period
            spent.0 += whole * first
            spent.1 += whole * waveform.secondSeconds
            if periods > 0 { lastLevel = 1 }
            // Tail: a partial period starting at level 0.
            if left > 1e-15 * duration {
                let onFirst = min(first, left)
                tail.0 = Segment(level: 0, seconds: onFirst)
                tailCount = 1
                spent.0 += onFirst
                left -= onFirst
                lastLevel = 0
                if left > 1e-15 * duration {
                    tail.1 = Segment(level: 1, seconds: left)
                    tailCount = 2
                    spent.1 += left
                    lastLevel = 1
                }
            }
        }
        levelSeconds = spent
        endLevel = lastLevel
    }
}

/// Exact response of a first-order lag `dx/dt = (u − x)/τ` to a piecewise-constant input that takes the value
/// `u.0` at level 0 and `u.1` at level 1 (time constants may differ per level; `.infinity` freezes x).
struct LagResponse: Sendable {
    /// Value at the end of the step.
    var end: Double
    /// ∫x dt over the time spent at level 0 and at level 1.
    var integral: (Double, Double)
}

/// The response of a lag whose time constants are the same for every cell, over one step: the exact solution is
/// linear in the start value and the two targets, so its coefficients are found once per step (three
/// evaluations of ``Lag/respond(_:from:tau:target:constantDecay:)``) and each cell's response is a few
/// multiply-adds instead of one exponential per segment.
struct LagMap: Sendable {
    /// end = a·x₀ + b₀·u₀ + b₁·u₁; ∫ over level 0 and level 1 likewise.
    var end: (a: Double, b0: Double, b1: Double)
    var integral0: (a: Double, b0: Double, b1: Double)
    var integral1: (a: Double, b0: Double, b1: Double)

    init(_ schedule: WaveformSchedule, tau: Double) {
        let start = Lag.respond(schedule, from: 1, tau: (tau, tau), target: (0, 0))
        let first = Lag.respond(schedule, from: 0, tau: (tau, tau), target: (1, 0))
        let second = Lag.respond(schedule, from: 0, tau: (tau, tau), target: (0, 1))
        end = (start.end, first.end, second.end)
        integral0 = (start.integral.0, first.integral.0, second.integral.0)
        integral1 = (start.integral.1, first.integral.1, second.integral.1)
    }

    /// The response from `x0` to the targets `u`.
    @inline(__always)
    func respond(from x0: Double, target u: (Double, Double)) -> LagResponse {
        LagResponse(
            end: end.a * x0 + end.b0 * u.0 + end.b1 * u.1,
            integral: (integral0.a * x0 + integral0.b0 * u.0 + integral0.b1 * u.1, integral1.a * x0 + integral1.b0 * u.0 + integral1.b1 * u.1))
    }
}

enum Lag {
    /// τ·(1 − e^(−t/τ)), the time-weighted memory of a segment; tends to t as τ → ∞.
    @inline(__always)
    static func memory(_ seconds: Double, _ tau: Double) -> Double {
        let ratio = seconds / tau
        // Series below 0.01 (relative error < 1e-10) avoids the exponential for slow lags.
        if ratio < 0.01 { return seconds * (1 - ratio * (0.5 - ratio * (1.0 / 6 - ratio * (1.0 / 24)))) }
        return (1 - Double.exp(-ratio)) * tau
    }

    /// Response of the lag over `schedule` from `x0`.
    @inline(__always)
    static func respond(
        _ schedule: WaveformSchedule, from x0: Double, tau: (Double, Double), target u: (Double, Double), constantDecay: Double? = nil
    ) -> LagResponse {
        if schedule.isConstant {
            let seconds = schedule.duration
            if let decay = constantDecay, tau.0.isFinite {
                // exp(−dt/τ) supplied by the caller (shared by every cell): no transcendental call here.
                let g = tau.0 * (1 - decay)
                return LagResponse(end: u.0 + (x0 - u.0) * decay, integral: (u.0 * seconds + (x0 - u.0) * g, 0))
            }
            let g = memory(seconds, tau.0)
            let decay = 1 - g / tau.0
            let end = u.0 + (x0 - u.0) * (tau.0.isFinite ? decay : 1)
            return LagResponse(end: end, integral: (u.0 * seconds + (x0 - u.0) * g, 0))
        }
        return respondPeriodic(schedule, from: x0, tau: tau, target: u)
    }

    /// The general case: head segments, whole periods in closed form, tail segments.
    @inline(never)
    static func respondPeriodic(_ schedule: WaveformSchedule, from x0: Double, tau: (Double, Double), target u: (Double, Double)) -> LagResponse {
        var x = x0
        var integral = (0.0, 0.0)
        @inline(__always)
        func run(_ segment: WaveformSchedule.Segment) {
            let t = segment.level == 0 ? tau.0 : tau.1
            let target = segment.level == 0 ? u.0 : u.1
            let g = memory(segment.seconds, t)
            let piece = target * segment.seconds + (x - target) * g
            if segment.level == 0 { integral.0 += piece } else { integral.1 += piece }
            x = t.isFinite ? target + (x - target) * (1 - g / t) : x
        }
        if schedule.headCount > 0 { run(schedule.head.0) }
        if schedule.headCount > 1 { run(schedule.head.1) }
        if schedule.periods > 0 {
            let (t0, t1) = schedule.periodLevelSeconds
            let n = Double(schedule.periods)
            let r0 = tau.0.isFinite ? t0 / tau.0 : 0
            let r1 = tau.1.isFinite ? t1 / tau.1 : 0
            let g0 = memory(t0, tau.0)
            let g1 = memory(t1, tau.1)
            let e0 = Double.exp(-r0)
            let e1 = Double.exp(-r1)
            let rate = r0 + r1
            // One period maps x → a·x + b; one-minus forms via expm1 keep precision when τ ≫ period.
            let oneMinusA = -Double.expMinusOne(-rate)
            let oneMinusE0 = -Double.expMinusOne(-r0)
            let oneMinusE1 = -Double.expMinusOne(-r1)
            let b = u.1 * oneMinusE1 + u.0 * oneMinusE0 * e1
            let sumOfStarts: Double
            let xEnd: Double
            if oneMinusA < 1e-300 {
                sumOfStarts = n * x
                xEnd = x
            } else {
                let fixed = b / oneMinusA
                let aN = Double.exp(-n * rate)
                let series = rate * n < 1e-12 ? n : -Double.expMinusOne(-n * rate) / oneMinusA
                sumOfStarts = n * fixed + (x - fixed) * series
                xEnd = fixed + (x - fixed) * aN
            }
            // Per period from start x: ∫₀ = u₀(t₀ − g₀) + g₀·x ; ∫₁ = u₁t₁ + (u₀(1 − e₀) − u₁)g₁ + e₀g₁·x.
            integral.0 += n * u.0 * (t0 - g0) + g0 * sumOfStarts
            integral.1 += n * (u.1 * t1 + (u.0 * oneMinusE0 - u.1) * g1) + e0 * g1 * sumOfStarts
            x = xEnd
        }
        if schedule.tailCount > 0 { run(schedule.tail.0) }
        if schedule.tailCount > 1 { run(schedule.tail.1) }
        return LagResponse(end: x, integral: integral)
    }
}
