/// A healing protocol the controller can run through the charger.
public enum HealingProtocol: String, Hashable, Sendable, CaseIterable {
    /// High-current-density pulses (≥ 9 mA/cm²) in both directions, net zero charge.
    case selfHeatingDose
    /// Charging with periodic reverse pulses, for the next few charges.
    case asymmetricBidirectional
    /// 1 ms / 3 ms pulse charging.
    case pulseCharging
    /// Charging interrupted by rests.
    case restInterleaved
}

/// The dendrite-health metrics of one block that healing tries to improve.
public struct HealingMetrics: Hashable, Sendable {
    /// Excess self-discharge over the pack mean, from the rest-voltage sag (mA); nil without a rest analysis.
    public var excessSelfDischargeMilliamperes: Double?
    /// Rest-voltage noise relative to the pack median; nil without a rest analysis.
    public var noiseRatio: Double?
    /// Rolling Coulombic efficiency; nil before the first pair of windows.
    public var coulombicEfficiency: Double?
    /// Series resistance at 25 °C (mΩ, block level).
    public var resistanceMilliohms: Double

    public init(excessSelfDischargeMilliamperes: Double?, noiseRatio: Double?, coulombicEfficiency: Double?, resistanceMilliohms: Double) {
        self.excessSelfDischargeMilliamperes = excessSelfDischargeMilliamperes
        self.noiseRatio = noiseRatio
        self.coulombicEfficiency = coulombicEfficiency
        self.resistanceMilliohms = resistanceMilliohms
    }
}

/// How a healing run ended.
public enum HealingOutcome: Hashable, Sendable {
    /// The suspect metric fell by at least the configured fraction.
    case improved
    case unchanged
    case worse
    /// The diagnose rest did not confirm the signature; nothing was run.
    case notConfirmed
    case aborted(HealingAbortReason)
}

/// Why a healing run stopped early.
public enum HealingAbortReason: String, Hashable, Sendable, CaseIterable {
    case marginsNotMet
    case temperatureBudgetExceeded
    case nearVoltageLimit
    case nearTemperatureLimit
    case diagnosisActive
    case thermalRunawayWarning
    case chargerUnavailable
    case requestChanged
    case linkInvalid
}

/// One sense → diagnose → heal → verify cycle, as recorded.
public struct HealingRecord: Hashable, Sendable {
    public var cells: [Int]
    public var protocolUsed: HealingProtocol
    public var reasons: DendriteSignatures
    public var startedAtMilliseconds: Int64
    public var endedAtMilliseconds: Int64
    /// Metrics of the first suspect block before and after.
    public var before: HealingMetrics
    public var after: HealingMetrics?
    public var outcome: HealingOutcome
    /// Time the charger spent on the protocol instead of plain charging (the cost in charge time).
    public var chargeTimeCostMilliseconds: Int64

    public init(
        cells: [Int], protocolUsed: HealingProtocol, reasons: DendriteSignatures, startedAtMilliseconds: Int64,
        endedAtMilliseconds: Int64, before: HealingMetrics, after: HealingMetrics?, outcome: HealingOutcome,
        chargeTimeCostMilliseconds: Int64
    ) {
        self.cells = cells
        self.protocolUsed = protocolUsed
        self.reasons = reasons
        self.startedAtMilliseconds = startedAtMilliseconds
        self.endedAtMilliseconds = endedAtMilliseconds
        self.before = before
        self.after = after
        self.outcome = outcome
        self.chargeTimeCostMilliseconds = chargeTimeCostMilliseconds
    }
}

/// Dendrite-health signatures found on a block.
public struct DendriteSignatures: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Rest-voltage sag faster than the pack (self-discharge through a soft short).
    public static let restVoltageSag = DendriteSignatures(rawValue: 1 << 0)
    /// Rest-voltage noise well above the pack median.
    public static let restVoltageNoise = DendriteSignatures(rawValue: 1 << 1)
    /// SOC drifting below the pack under load.
    public static let socDivergence = DendriteSignatures(rawValue: 1 << 2)
    /// Coulombic efficiency falling (lithium-inventory loss, dead lithium).
    public static let coulombicEfficiencyDrop = DendriteSignatures(rawValue: 1 << 3)
    /// Series resistance rising.
    public static let resistanceRise = DendriteSignatures(rawValue: 1 << 4)

    /// Signatures of a (soft) short rather than of slow inventory loss.
    public static let shortSignatures: DendriteSignatures = [.restVoltageSag, .restVoltageNoise, .socDivergence]
}
