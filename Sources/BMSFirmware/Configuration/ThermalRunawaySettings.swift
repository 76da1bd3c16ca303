/// Thresholds of the staged thermal-runaway detector (`Firmware/thermal-runaway.yaml`).
///
/// The confirmation numbers are those of GB 38031-2025 Annex C.5.3.7: voltage drop > 25 % or
/// temperature at the maximum operating temperature, together with dT/dt ≥ 1 °C/s for more than 3 s.
/// The maximum operating temperature is the discharge-maximum MOL of the limits table.
public struct ThermalRunawaySettings: Hashable, Sendable {
    public var confirmationVoltageDropFraction: Double
    public var confirmationRateCelsiusPerSecond: Double
    public var confirmationRateHoldMilliseconds: Int64
    /// Temperatures are sampled at this interval for dT/dt (least-squares slope over `rateWindowSamples`).
    public var sampleIntervalMilliseconds: Int64
    public var rateWindowSamples: Int
    /// Time constant of the per-cell voltage reference the drop is measured against.
    public var voltageReferenceTimeConstantMilliseconds: Int64
    /// A cell this far below the pack mean corroborates a temperature signal.
    public var voltageDeviationFraction: Double
    /// Sustained heating that raises a warning when a neighbour (or another signal) agrees.
    public var warningRateCelsiusPerSecond: Double
    public var warningRateHoldMilliseconds: Int64
    /// Hydrogen rise over the sensor's slow baseline that raises a warning / counts towards an alarm.
    public var gasWarningRisePartsPerMillion: Int32
    public var gasAlarmRisePartsPerMillion: Int32
    public var gasHoldMilliseconds: Int64
    public var gasBaselineTimeConstantMilliseconds: Int64
    /// Enclosure-pressure rise over baseline for a warning / an alarm signal (venting).
    public var pressureWarningRisePascals: Int32
    public var pressureAlarmRisePascals: Int32
    public var pressureHoldMilliseconds: Int64
    public var pressureBaselineTimeConstantMilliseconds: Int64
    /// A block's deviation below the pack mean does not corroborate when its estimated SOC, at the last sample it
    /// still agreed with the pack, was below this: in the end-of-discharge knee the weakest block falls away from
    /// the mean by design.
    public var voltageDeviationMinimumSOC: Double
    /// Excess self-discharge of one block over the pack (from the SOC-divergence trend) that raises a warning.
    public var softShortWarningMilliamperes: Double
    /// A warning whose causes have all gone clears after this long; alarms and confirmations latch.
    public var warningClearMilliseconds: Int64

    public init(
        confirmationVoltageDropFraction: Double, confirmationRateCelsiusPerSecond: Double,
        confirmationRateHoldMilliseconds: Int64, sampleIntervalMilliseconds: Int64, rateWindowSamples: Int,
        voltageReferenceTimeConstantMilliseconds: Int64, voltageDeviationFraction: Double,
        warningRateCelsiusPerSecond: Double, warningRateHoldMilliseconds: Int64,
        gasWarningRisePartsPerMillion: Int32, gasAlarmRisePartsPerMillion: Int32, gasHoldMilliseconds: Int64,
        gasBaselineTimeConstantMilliseconds: Int64, pressureWarningRisePascals: Int32, pressureAlarmRisePascals: Int32,
        pressureHoldMilliseconds: Int64, pressureBaselineTimeConstantMilliseconds: Int64,
        softShortWarningMilliamperes: Double, warningClearMilliseconds: Int64, voltageDeviationMinimumSOC: Double
    ) {
        self.voltageDeviationMinimumSOC = voltageDeviationMinimumSOC
        self.confirmationVoltageDropFraction = confirmationVoltageDropFraction
        self.confirmationRateCelsiusPerSecond = confirmationRateCelsiusPerSecond
        self.confirmationRateHoldMilliseconds = confirmationRateHoldMilliseconds
        self.sampleIntervalMilliseconds = sampleIntervalMilliseconds
        self.rateWindowSamples = rateWindowSamples
        self.voltageReferenceTimeConstantMilliseconds = voltageReferenceTimeConstantMilliseconds
        self.voltageDeviationFraction = voltageDeviationFraction
        self.warningRateCelsiusPerSecond = warningRateCelsiusPerSecond
        self.warningRateHoldMilliseconds = warningRateHoldMilliseconds
        self.gasWarningRisePartsPerMillion = gasWarningRisePartsPerMillion
        self.gasAlarmRisePartsPerMillion = gasAlarmRisePartsPerMillion
        self.gasHoldMilliseconds = gasHoldMilliseconds
        self.gasBaselineTimeConstantMilliseconds = gasBaselineTimeConstantMilliseconds
        self.pressureWarningRisePascals = pressureWarningRisePascals
        self.pressureAlarmRisePascals = pressureAlarmRisePascals
        self.pressureHoldMilliseconds = pressureHoldMilliseconds
        self.pressureBaselineTimeConstantMilliseconds = pressureBaselineTimeConstantMilliseconds
        self.softShortWarningMilliamperes = softShortWarningMilliamperes
        self.warningClearMilliseconds = warningClearMilliseconds
    }

    func validate(into collector: inout IssueCollector) {
        collector.check(
            confirmationVoltageDropFraction > 0 && confirmationVoltageDropFraction < 1, ["confirmation", "voltage_drop_fraction"],
            "must lie in (0, 1)")
        collector.check(confirmationRateCelsiusPerSecond > 0, ["confirmation", "rate_degc_per_s"], "must be positive")
        collector.check(confirmationRateHoldMilliseconds >= 0, ["confirmation", "rate_hold_ms"], "must not be negative")
        collector.check((10...1000).contains(sampleIntervalMilliseconds), ["sampling", "interval_ms"], "must lie in 10...1000")
        collector.check((2...64).contains(rateWindowSamples), ["sampling", "rate_window_samples"], "must lie in 2...64")
        collector.check(voltageReferenceTimeConstantMilliseconds > 0, ["sampling", "voltage_reference_time_constant_ms"], "must be positive")
        collector.check(
            voltageDeviationFraction > 0 && voltageDeviationFraction < confirmationVoltageDropFraction,
            ["corroboration", "voltage_deviation_fraction"], "must lie between 0 and the confirmation drop")
        collector.check(
            warningRateCelsiusPerSecond > 0 && warningRateCelsiusPerSecond < confirmationRateCelsiusPerSecond,
            ["warning", "rate_degc_per_s"], "must lie between 0 and the confirmation rate")
        collector.check(warningRateHoldMilliseconds >= 0, ["warning", "rate_hold_ms"], "must not be negative")
        collector.check(gasWarningRisePartsPerMillion > 0, ["gas", "warning_rise_ppm"], "must be positive")
        collector.check(
            gasAlarmRisePartsPerMillion > gasWarningRisePartsPerMillion, ["gas", "alarm_rise_ppm"], "must exceed warning_rise_ppm")
        collector.check(gasHoldMilliseconds >= 0, ["gas", "hold_ms"], "must not be negative")
        collector.check(gasBaselineTimeConstantMilliseconds > 0, ["gas", "baseline_time_constant_ms"], "must be positive")
        collector.check(pressureWarningRisePascals > 0, ["pressure", "warning_rise_pa"], "must be positive")
        collector.check(
            pressureAlarmRisePascals > pressureWarningRisePascals, ["pressure", "alarm_rise_pa"], "must exceed warning_rise_pa")
        collector.check(pressureHoldMilliseconds >= 0, ["pressure", "hold_ms"], "must not be negative")
        collector.check(pressureBaselineTimeConstantMilliseconds > 0, ["pressure", "baseline_time_constant_ms"], "must be positive")
        collector.check(softShortWarningMilliamperes > 0, ["soft_short", "warning_ma"], "must be positive")
        collector.check(warningClearMilliseconds >= 0, ["warning", "clear_ms"], "must not be negative")
    }
}
