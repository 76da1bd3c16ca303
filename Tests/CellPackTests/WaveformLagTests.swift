@testable import CellPack
import RealModule
import SeededRandom
import Testing

/// The exact in-step integration of first-order lags over two-level waveforms (RC branches, hysteresis, tip
/// depletion, dendrite-risk index) against a brute-force reference that walks the waveform segment by segment.
@Suite("Waveform lag integration")
struct WaveformLagTests {
    /// Reference: cut the step at every level change and integrate each piece exactly.
    func reference(_ waveform: CurrentWaveform, phase: Double, duration: Double, x0: Double, tau: (Double, Double), u: (Double, Double))
        -> (end: Double, integral: (Double, Double), seconds: (Double, Double))
    {
        var x = x0
        var integral = (0.0, 0.0)
        var seconds = (0.0, 0.0)
        var t = 0.0
        let period = waveform.firstSeconds + waveform.secondSeconds
        var position = phase
        while t < duration - 1e-15 {
            let level = position < waveform.firstSeconds ? 0 : 1
            let boundary = level == 0 ? waveform.firstSeconds : period
            let piece = min(boundary - position, duration - t)
            let time = level == 0 ? tau.0 : tau.1
            let target = level == 0 ? u.0 : u.1
            let decay = time.isFinite ? (-piece / time).exp : 1
            let memory = time.isFinite ? time * (1 - decay) : piece
            let area = target * piece + (x - target) * memory
            if level == 0 {
                integral.0 += area
                seconds.0 += piece
            } else {
                integral.1 += area
                seconds.1 += piece
            }
            x = target + (x - target) * decay
            t += piece
            position += piece
            if position >= period - 1e-15 { position = 0 }
        }
        return (x, integral, seconds)
    }

    @Test func matchesSegmentBySegmentReferenceForRandomWaveforms() {
        var random = Xoshiro256(seed: 2024)
        for _ in 0..<400 {
            let first = decade(random.nextUnit() * 4 - 3)  // 1 ms … 10 s
            let second = decade(random.nextUnit() * 4 - 3)
            let waveform = CurrentWaveform(firstAmps: -3, firstSeconds: first, secondAmps: 1, secondSeconds: second)
            let phase = random.nextUnit() * (first + second)
            let duration = decade(random.nextUnit() * 4 - 2)  // 10 ms … 100 s
            let tau = (decade(random.nextUnit() * 6 - 3), random.nextUnit() < 0.2 ? Double.infinity : decade(random.nextUnit() * 6 - 3))
            let u = (random.nextUnit() * 2 - 1, random.nextUnit() * 2 - 1)
            let x0 = random.nextUnit() * 2 - 1
            let schedule = WaveformSchedule(waveform, phase: phase, duration: duration)
            let exact = Lag.respond(schedule, from: x0, tau: tau, target: u)
            let expected = reference(waveform, phase: phase, duration: duration, x0: x0, tau: tau, u: u)
            #expect(abs(exact.end - expected.end) < 1e-9 * max(1, abs(expected.end)))
            #expect(abs(exact.integral.0 - expected.integral.0) < 1e-8 * max(1, duration))
            #expect(abs(exact.integral.1 - expected.integral.1) < 1e-8 * max(1, duration))
            #expect(abs(schedule.levelSeconds.0 - expected.seconds.0) < 1e-9 * max(1, duration))
            #expect(abs(schedule.levelSeconds.1 - expected.seconds.1) < 1e-9 * max(1, duration))
        }
    }

    @Test func constantWaveformIsTheZeroOrderHoldSolution() {
        let schedule = WaveformSchedule(.constant(2), phase: 0, duration: 3)
        let response = Lag.respond(schedule, from: 0.5, tau: (10, 10), target: (1, 1))
        let decay = (-0.3).exp
        #expect(abs(response.end - (1 + (0.5 - 1) * decay)) < 1e-15)
        #expect(abs(response.integral.0 - (3 + (0.5 - 1) * 10 * (1 - decay))) < 1e-12)
    }

    @Test func invalidWaveformsAreSanitised() {
        #expect(CurrentWaveform(firstAmps: .nan, firstSeconds: 1, secondAmps: 2, secondSeconds: 1).sanitized.firstAmps == 0)
        #expect(CurrentWaveform(firstAmps: 3, firstSeconds: -1, secondAmps: 2, secondSeconds: 1).sanitized == .constant(2))
        #expect(CurrentWaveform(firstAmps: 3, firstSeconds: .infinity, secondAmps: 2, secondSeconds: .nan).sanitized == .rest)
        #expect(CurrentWaveform.pulses(amps: -5, onSeconds: 0.001, offSeconds: 0.003).averageAmps == -1.25)
    }
}

/// 10^exponent.
private func decade(_ exponent: Double) -> Double { Double.pow(10, exponent) }

extension Double {
    fileprivate var exp: Double { Double.exp(self) }
}
