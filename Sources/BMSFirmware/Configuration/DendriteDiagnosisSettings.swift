/// Thresholds of the dendrite-health diagnosis (`Firmware/dendrite-diagnosis.yaml`): soft-short
/// signatures at rest, SOC divergence under load, Coulombic-efficiency trend and resistance growth.
public struct DendriteDiagnosisSettings: Hashable, Sendable {
    /// Rest time before the rest-voltage analysis starts (lets the RC branches relax).
    public var restSettleMilliseconds: Int64
    /// Rest-voltage analysis shorter than this gives no verdict.
    public var minimumRestAnalysisMilliseconds: Int64
    /// Excess self-discharge (block versus pack mean) that marks a soft-short suspect.
    public var selfDischargeSuspectMilliamperes: Double
    /// Rest-voltage noise of a block relative to the pack median that marks a suspect.
    public var noiseRatioSuspect: Double
    /// Blocks resting below this SOC give no rest verdict: the end-of-discharge knee relaxes nonlinearly
    /// for tens of minutes, which no straight line (nor the model's RC branches) describes.
    public var restMinimumSOC: Double
    /// SOC-divergence trend: sample interval and exponential window.
    public var divergenceSampleMilliseconds: Int64
    public var divergenceTimeConstantMilliseconds: Int64
    /// Excess discharge from the SOC-divergence trend that marks a suspect under load.
    public var divergenceSuspectMilliamperes: Double
    /// Divergence samples are taken only while every block's hysteresis state |h| is at least this (not
    /// during the walk from one hysteresis branch to the other after a current reversal).
    public var divergenceMinimumHysteresisSaturation: Double
    /// A divergence at or above the thermal-runaway soft-short level must stand this long to count as one.
    public var divergenceConfirmMilliseconds: Int64
    /// Drop of the rolling Coulombic efficiency below its baseline that marks lithium-inventory loss.
    public var coulombicEfficiencyDrop: Double
    /// Windows forming the Coulombic-efficiency baseline.
    public var coulombicEfficiencyBaselineWindows: Int
    /// Resistance growth over the first estimate (fraction) that marks an impedance rise.
    public var resistanceRiseFraction: Double

    public init(
        restSettleMilliseconds: Int64, minimumRestAnalysisMilliseconds: Int64, selfDischargeSuspectMilliamperes: Double,
        noiseRatioSuspect: Double, divergenceSampleMilliseconds: Int64, divergenceTimeConstantMilliseconds: Int64,
        divergenceSuspectMilliamperes: Double, coulombicEfficiencyDrop: Double, coulombicEfficiencyBaselineWindows: Int,
        resistanceRiseFraction: Double, restMinimumSOC: Double = 0.1, divergenceMinimumHysteresisSaturation: Double = 0.9,
        divergenceConfirmMilliseconds: Int64
    ) {
        self.divergenceConfirmMilliseconds = divergenceConfirmMilliseconds
        self.divergenceMinimumHysteresisSaturation = divergenceMinimumHysteresisSaturation
        self.restMinimumSOC = restMinimumSOC
        self.restSettleMilliseconds = restSettleMilliseconds
        self.minimumRestAnalysisMilliseconds = minimumRestAnalysisMilliseconds
        self.selfDischargeSuspectMilliamperes = selfDischargeSuspectMilliamperes
        self.noiseRatioSuspect = noiseRatioSuspect
        self.divergenceSampleMilliseconds = divergenceSampleMilliseconds
        self.divergenceTimeConstantMilliseconds = divergenceTimeConstantMilliseconds
        self.divergenceSuspectMilliamperes = divergenceSuspectMilliamperes
        self.coulombicEfficiencyDrop = coulombicEfficiencyDrop
        self.coulombicEfficiencyBaselineWindows = coulombicEfficiencyBaselineWindows
        self.resistanceRiseFraction = resistanceRiseFraction
    }

    func validate(into collector: inout IssueCollector) {
        collector.check(restSettleMilliseconds >= 0, ["rest", "settle_ms"], "must not be negative")
        collector.check(minimumRestAnalysisMilliseconds > 0, ["rest", "minimum_analysis_ms"], "must be positive")
        collector.check(selfDischargeSuspectMilliamperes > 0, ["rest", "self_discharge_suspect_ma"], "must be positive")
        collector.check(noiseRatioSuspect > 1, ["rest", "noise_ratio_suspect"], "must exceed 1")
        collector.check(
            divergenceMinimumHysteresisSaturation >= 0 && divergenceMinimumHysteresisSaturation < 1,
            ["divergence", "minimum_hysteresis_saturation"], "must lie in [0, 1)")
        collector.check(divergenceSampleMilliseconds > 0, ["divergence", "sample_ms"], "must be positive")
        collector.check(
            divergenceTimeConstantMilliseconds > divergenceSampleMilliseconds * 10, ["divergence", "time_constant_ms"],
            "must exceed 10 × sample_ms")
        collector.check(divergenceSuspectMilliamperes > 0, ["divergence", "suspect_ma"], "must be positive")
        collector.check(
            coulombicEfficiencyDrop > 0 && coulombicEfficiencyDrop < 0.1, ["coulombic_efficiency", "drop"], "must lie in (0, 0.1)")
        collector.check(coulombicEfficiencyBaselineWindows >= 1, ["coulombic_efficiency", "baseline_windows"], "must be at least 1")
        collector.check(resistanceRiseFraction > 0, ["resistance", "rise_fraction"], "must be positive")
    }
}
