/// Tuning of the SOC Kalman filter and the SOH estimators; the `soc_ekf` and `soh` sections of
/// `Firmware/estimation/<cell>.yaml`.
public struct EstimationSettings: Hashable, Sendable {
    /// 1σ of the initial SOC guess taken from the first OCV reading.
    public var initialSOCStandardDeviation: Double
    /// SOC random-walk process noise, variance per second (model error of coulomb counting).
    public var socProcessVariancePerSecond: Double
    /// RC-branch voltage process noise, variance per second (V²/s).
    public var polarizationProcessVariancePerSecond: Double
    /// 1σ cell-voltage measurement noise plus OCV-model error (V).
    public var voltageMeasurementStandardDeviationVolts: Double
    /// Innovations beyond this many σ are rejected as outliers (spikes, soft-short noise).
    public var innovationGateSigma: Double
    /// Current-sensor white noise 1σ (A, pack level).
    public var currentNoiseStandardDeviationAmperes: Double
    /// Current-sensor offset uncertainty 1σ (A, pack level).
    public var currentOffsetStandardDeviationAmperes: Double
    /// Current-sensor gain uncertainty 1σ (fraction).
    public var currentGainStandardDeviation: Double
    /// Rest needed before an OCV reading anchors a capacity window (ms).
    public var anchorRestMilliseconds: Int64
    /// 1σ of an OCV-derived SOC anchor from the OCV model itself (added to the voltage noise term).
    public var anchorSOCModelStandardDeviation: Double
    /// Smallest |ΔSOC| between two anchors that updates the capacity estimate.
    public var minimumWindowDeltaSOC: Double
    /// Fading memory of the AWTLS capacity estimator per window (1 = infinite memory).
    public var capacityForgettingFactor: Double
    /// 1σ of the prior capacity, as a fraction of the nominal capacity.
    public var initialCapacityStandardDeviationFraction: Double
    /// Fading memory of the recursive-least-squares resistance estimator per accepted step.
    public var resistanceForgettingFactor: Double
    /// The resistance estimate also forgets in time, with this time constant (s), so steps hours apart
    /// (a cycler's four per cycle) weigh like the recent past they are …
    public var resistanceMemorySeconds: Double
    /// … but never over fewer than this many steps (the noise of one step).
    public var resistanceMinimumMemorySteps: Double
    /// Smallest per-cell current step (A) that updates the resistance estimate.
    public var resistanceStepThresholdAmperes: Double
    /// 1σ noise of one cell-voltage sample in a resistance step (V): the AFE's noise alone, since the
    /// OCV-model error cancels between two samples a moment apart. Weighs each step against the prior.
    public var resistanceStepVoltageStandardDeviationVolts: Double
    /// Windows in the rolling Coulombic-efficiency mean.
    public var coulombicEfficiencyWindowCount: Int
    /// Capacity estimates kept to compute fade rate and detect the knee.
    public var capacityHistoryLength: Int
    /// Equivalent full cycles between two kept estimates.
    public var capacityHistorySpacingCycles: Double
    /// 1σ SOC error of the filter's model itself (OCV table, hysteresis): added to the reported σ,
    /// which would otherwise only describe white measurement noise and be overconfident.
    public var socModelStandardDeviation: Double
    /// Knee flagged when the recent fade rate exceeds the earlier rate by this factor.
    public var kneeSlopeRatio: Double

    public init(
        initialSOCStandardDeviation: Double, socProcessVariancePerSecond: Double,
        polarizationProcessVariancePerSecond: Double, voltageMeasurementStandardDeviationVolts: Double,
        innovationGateSigma: Double, currentNoiseStandardDeviationAmperes: Double,
        currentOffsetStandardDeviationAmperes: Double, currentGainStandardDeviation: Double,
        anchorRestMilliseconds: Int64, anchorSOCModelStandardDeviation: Double, minimumWindowDeltaSOC: Double,
        capacityForgettingFactor: Double, initialCapacityStandardDeviationFraction: Double,
        resistanceForgettingFactor: Double, resistanceStepThresholdAmperes: Double,
        coulombicEfficiencyWindowCount: Int, capacityHistoryLength: Int, kneeSlopeRatio: Double,
        capacityHistorySpacingCycles: Double = 5, socModelStandardDeviation: Double = 0.01,
        resistanceStepVoltageStandardDeviationVolts: Double = 0.002, resistanceMemorySeconds: Double = 7_200,
        resistanceMinimumMemorySteps: Double = 8
    ) {
        self.resistanceMemorySeconds = resistanceMemorySeconds
        self.resistanceMinimumMemorySteps = resistanceMinimumMemorySteps
        self.resistanceStepVoltageStandardDeviationVolts = resistanceStepVoltageStandardDeviationVolts
        self.capacityHistorySpacingCycles = capacityHistorySpacingCycles
        self.socModelStandardDeviation = socModelStandardDeviation
        self.initialSOCStandardDeviation = initialSOCStandardDeviation
        self.socProcessVariancePerSecond = socProcessVariancePerSecond
        self.polarizationProcessVariancePerSecond = polarizationProcessVariancePerSecond
        self.voltageMeasurementStandardDeviationVolts = voltageMeasurementStandardDeviationVolts
        self.innovationGateSigma = innovationGateSigma
        self.currentNoiseStandardDeviationAmperes = currentNoiseStandardDeviationAmperes
        self.currentOffsetStandardDeviationAmperes = currentOffsetStandardDeviationAmperes
        self.currentGainStandardDeviation = currentGainStandardDeviation
        self.anchorRestMilliseconds = anchorRestMilliseconds
        self.anchorSOCModelStandardDeviation = anchorSOCModelStandardDeviation
        self.minimumWindowDeltaSOC = minimumWindowDeltaSOC
        self.capacityForgettingFactor = capacityForgettingFactor
        self.initialCapacityStandardDeviationFraction = initialCapacityStandardDeviationFraction
        self.resistanceForgettingFactor = resistanceForgettingFactor
        self.resistanceStepThresholdAmperes = resistanceStepThresholdAmperes
        self.coulombicEfficiencyWindowCount = coulombicEfficiencyWindowCount
        self.capacityHistoryLength = capacityHistoryLength
        self.kneeSlopeRatio = kneeSlopeRatio
    }

    func validate(into collector: inout IssueCollector) {
        let ekf = ["soc_ekf"]
        let soh = ["soh"]
        collector.check(initialSOCStandardDeviation > 0 && initialSOCStandardDeviation <= 1, ekf + ["initial_soc_sigma"], "must lie in (0, 1]")
        collector.check(socProcessVariancePerSecond >= 0, ekf + ["soc_process_variance_per_s"], "must not be negative")
        collector.check(polarizationProcessVariancePerSecond >= 0, ekf + ["polarization_process_variance_v2_per_s"], "must not be negative")
        collector.check(voltageMeasurementStandardDeviationVolts > 0, ekf + ["voltage_sigma_v"], "must be positive")
        collector.check(innovationGateSigma >= 3, ekf + ["innovation_gate_sigma"], "must be at least 3")
        collector.check(currentNoiseStandardDeviationAmperes >= 0, ekf + ["current_noise_sigma_a"], "must not be negative")
        collector.check(currentOffsetStandardDeviationAmperes >= 0, ekf + ["current_offset_sigma_a"], "must not be negative")
        collector.check(currentGainStandardDeviation >= 0 && currentGainStandardDeviation < 0.1, ekf + ["current_gain_sigma"], "must lie in [0, 0.1)")
        collector.check(anchorRestMilliseconds >= 0, soh + ["anchor_rest_ms"], "must not be negative")
        collector.check(anchorSOCModelStandardDeviation > 0, soh + ["anchor_soc_model_sigma"], "must be positive")
        collector.check(minimumWindowDeltaSOC > 0 && minimumWindowDeltaSOC < 1, soh + ["minimum_window_delta_soc"], "must lie in (0, 1)")
        collector.check(capacityForgettingFactor > 0.5 && capacityForgettingFactor <= 1, soh + ["capacity_forgetting_factor"], "must lie in (0.5, 1]")
        collector.check(
            initialCapacityStandardDeviationFraction > 0 && initialCapacityStandardDeviationFraction < 1,
            soh + ["initial_capacity_sigma_fraction"], "must lie in (0, 1)")
        collector.check(resistanceForgettingFactor > 0.5 && resistanceForgettingFactor <= 1, soh + ["resistance_forgetting_factor"], "must lie in (0.5, 1]")
        collector.check(resistanceStepThresholdAmperes > 0, soh + ["resistance_step_threshold_a"], "must be positive")
        collector.check(resistanceMemorySeconds > 0, soh + ["resistance_memory_s"], "must be positive")
        collector.check(resistanceMinimumMemorySteps >= 1, soh + ["resistance_minimum_memory_steps"], "must be at least 1")
        collector.check(
            resistanceStepVoltageStandardDeviationVolts > 0 && resistanceStepVoltageStandardDeviationVolts < 1,
            soh + ["resistance_step_voltage_sigma_v"], "must lie in (0, 1)")
        collector.check(coulombicEfficiencyWindowCount >= 1, soh + ["coulombic_efficiency_windows"], "must be at least 1")
        collector.check(capacityHistoryLength >= 4, soh + ["capacity_history_length"], "must be at least 4")
        collector.check(kneeSlopeRatio > 1, soh + ["knee_slope_ratio"], "must exceed 1")
        collector.check(capacityHistorySpacingCycles >= 0, soh + ["capacity_history_spacing_efc"], "must not be negative")
        collector.check(socModelStandardDeviation >= 0 && socModelStandardDeviation < 0.5, ekf + ["soc_model_sigma"], "must lie in [0, 0.5)")
    }
}
