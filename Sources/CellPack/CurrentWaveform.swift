/// The pack current a charger or load demands: a two-level periodic waveform, sampled exactly inside each step.
///
/// Sign convention (whole module): **positive current discharges** the pack (flows out of the positive
/// terminal into the load), negative current charges it. The waveform alternates `firstAmps` for
/// `firstSeconds` and `secondAmps` for `secondSeconds`; its phase starts when the waveform is first applied and
/// runs on across steps, so a 1 ms / 3 ms pulse train keeps its timing at any step size. Charge, Joule heat, RC
/// voltages, hysteresis and the dendrite laws are integrated exactly over every segment, and the dendrite and
/// healing laws see the on-pulse current density rather than the average.
///
/// ```swift
/// let cc = CurrentWaveform.constant(-5)                                     // 5 A charge
/// let pulses = CurrentWaveform.pulses(amps: -5, onSeconds: 0.001, offSeconds: 0.003)
/// let abc = CurrentWaveform.bidirectional(forwardAmps: -5, forwardSeconds: 10,
///                                         reverseAmps: 1, reverseSeconds: 10)
/// ```
public struct CurrentWaveform: Hashable, Sendable {
    /// Current of the first segment, A (+ discharge).
    public var firstAmps: Double
    /// Duration of the first segment, s.
    public var firstSeconds: Double
    /// Current of the second segment, A (+ discharge).
    public var secondAmps: Double
    /// Duration of the second segment, s.
    public var secondSeconds: Double

    /// A general two-level periodic waveform. Non-finite currents count as 0 A; a segment with a non-finite
    /// or non-positive duration is dropped, so a waveform with one usable segment is constant.
    public init(firstAmps: Double, firstSeconds: Double, secondAmps: Double, secondSeconds: Double) {
        self.firstAmps = firstAmps
        self.firstSeconds = firstSeconds
        self.secondAmps = secondAmps
        self.secondSeconds = secondSeconds
    }

    /// A constant current (CC discharge if positive, CC charge if negative).
    public static func constant(_ amps: Double) -> CurrentWaveform {
        CurrentWaveform(firstAmps: amps, firstSeconds: 1, secondAmps: amps, secondSeconds: 0)
    }

    /// No current (open-circuit rest).
    public static let rest = CurrentWaveform.constant(0)

    /// A pulse train: `amps` for `onSeconds`, then rest for `offSeconds` (pulse charging with negative `amps`,
    /// self-heating healing pulses with a high `amps`, or STCR shelve periods with long rests).
    public static func pulses(amps: Double, onSeconds: Double, offSeconds: Double) -> CurrentWaveform {
        CurrentWaveform(firstAmps: amps, firstSeconds: onSeconds, secondAmps: 0, secondSeconds: offSeconds)
    }

    /// Asymmetric bidirectional current (ABC): `forwardAmps` for `forwardSeconds`, then `reverseAmps` for
    /// `reverseSeconds`. For ABC charging `forwardAmps` is negative (charge) and `reverseAmps` positive, with
    /// `|reverseAmps| × reverseSeconds < |forwardAmps| × forwardSeconds`.
    public static func bidirectional(forwardAmps: Double, forwardSeconds: Double, reverseAmps: Double, reverseSeconds: Double) -> CurrentWaveform {
        CurrentWaveform(firstAmps: forwardAmps, firstSeconds: forwardSeconds, secondAmps: reverseAmps, secondSeconds: reverseSeconds)
    }

    /// The waveform with invalid numbers replaced as documented on ``init(firstAmps:firstSeconds:secondAmps:secondSeconds:)``.
    var sanitized: CurrentWaveform {
        let first = firstAmps.isFinite ? firstAmps : 0
        let second = secondAmps.isFinite ? secondAmps : 0
        let firstOK = firstSeconds.isFinite && firstSeconds > 0
        let secondOK = secondSeconds.isFinite && secondSeconds > 0
        switch (firstOK, secondOK) {
        case (true, true):
            if first == second { return .constant(first) }
            return CurrentWaveform(firstAmps: first, firstSeconds: firstSeconds, secondAmps: second, secondSeconds: secondSeconds)
        case (true, false): return .constant(first)
        case (false, true): return .constant(second)
        case (false, false): return .rest
        }
    }

    /// True when the current does not change over time.
    public var isConstant: Bool { secondSeconds <= 0 || firstAmps == secondAmps }

    /// Period of the waveform, s (the first duration for a constant waveform).
    public var periodSeconds: Double { isConstant ? firstSeconds : firstSeconds + secondSeconds }

    /// Time-averaged current, A.
    public var averageAmps: Double {
        isConstant ? firstAmps : (firstAmps * firstSeconds + secondAmps * secondSeconds) / (firstSeconds + secondSeconds)
    }
}
