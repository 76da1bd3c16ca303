/// The current waveforms the charger can run (`ChargerCmd_HealingProfile`), with the parameters of
/// `BMS_ChargerProfile`. Currents are in the DBC convention here (positive charges the pack).
///
/// | Profile | One period | Source of the idea |
/// |---|---|---|
/// | pulse charging | `pulse` A for `on`, rest for `off` | Li Q. et al., Sci. Adv. 2017; Aryanfar 2014 (1 ms on / 3 ms off) |
/// | self-heating pulse train | high `pulse` A for `on`, rest for `off` | Li et al., Science 2018 (≥ ~9 mA/cm²) |
/// | asymmetric bidirectional (ABC) | `pulse` A for `on`, −`reverse` A for `reverse`, rest for `off` | Wang et al., iScience 2020 |
/// | rest / STCR | `pulse` A for `on`, shelve for `off` (0 A pulse = pure rest) | Wang et al., iScience 2020 |
///
/// `count` periods make one dose (0 = until the command changes).
public enum HealingProfile: Int64, CaseIterable, Hashable, Sendable {
    case none = 0
    case pulseCharging = 1
    case selfHeatingPulseTrain = 2
    case asymmetricBidirectional = 3
    case restSTCR = 4
}

/// One parameter set of `BMS_ChargerProfile` (three pages with the same set id).
public struct ProfileParameters: Hashable, Sendable {
    /// Forward (charge) pulse current, A.
    public var pulseAmps: Double = 0
    /// Reverse (discharge) current magnitude for ABC, A.
    public var reverseAmps: Double = 0
    /// Forward duration, ms.
    public var onMilliseconds: Int64 = 0
    /// Rest after each period, ms.
    public var offMilliseconds: Int64 = 0
    /// Reverse duration (ABC), ms.
    public var reverseMilliseconds: Int64 = 0
    /// Periods per dose (0: until the command changes).
    public var count: Int64 = 0
    /// Pages received (bit 0, 1, 2).
    var pages: UInt8 = 0

    public init() {}

    /// `true` once all three pages arrived.
    public var isComplete: Bool { pages == 0b111 }

    /// `true` when the set describes a runnable period for `profile`.
    func isRunnable(for profile: HealingProfile) -> Bool {
        switch profile {
        case .none: true
        case .pulseCharging, .selfHeatingPulseTrain: onMilliseconds > 0 && pulseAmps > 0
        case .restSTCR: onMilliseconds + offMilliseconds > 0
        case .asymmetricBidirectional: onMilliseconds > 0 && pulseAmps > 0 && reverseMilliseconds > 0 && reverseAmps > 0
        }
    }

    /// The segments of one period (charge-positive amps, ms); zero-length segments left out.
    func segments(for profile: HealingProfile) -> [(amps: Double, milliseconds: Int64)] {
        var result: [(amps: Double, milliseconds: Int64)] = []
        switch profile {
        case .none: break
        case .pulseCharging, .selfHeatingPulseTrain, .restSTCR:
            result = [(pulseAmps, onMilliseconds), (0, offMilliseconds)]
        case .asymmetricBidirectional:
            result = [(pulseAmps, onMilliseconds), (-reverseAmps, reverseMilliseconds), (0, offMilliseconds)]
        }
        return result.filter { $0.milliseconds > 0 }
    }
}
