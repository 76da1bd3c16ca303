/// Every protected quantity's MOL/RSL/MSL tiers for one cell type (``TierLimits``), as in foxBMS
/// `battery_cell_cfg.h`; loaded from `Firmware/limits/<cell>.yaml`.
///
/// Currents are per cell (the controller multiplies by the parallel count); pack-voltage limits are
/// per series cell (multiplied by the series count).
public struct SafetyLimits: Hashable, Sendable {
    public var cellVoltageMaximum: TierLimits
    public var cellVoltageMinimum: TierLimits
    public var dischargeTemperatureMaximum: TierLimits
    public var dischargeTemperatureMinimum: TierLimits
    public var chargeTemperatureMaximum: TierLimits
    public var chargeTemperatureMinimum: TierLimits
    public var chargeCurrentPerCell: TierLimits
    public var dischargeCurrentPerCell: TierLimits
    public var packVoltageMaximumPerSeriesCell: TierLimits
    public var packVoltageMinimumPerSeriesCell: TierLimits
    /// Short-pulse rating used only while a healing protocol drives the current.
    public var healingPulse: PulseRating

    /// The cell's short-pulse current rating (both directions), in force only while a healing protocol runs.
    public struct PulseRating: Hashable, Sendable {
        public var chargeMilliamperesPerCell: Int32
        public var dischargeMilliamperesPerCell: Int32
        public var maximumPulseMilliseconds: Int32

        public init(chargeMilliamperesPerCell: Int32, dischargeMilliamperesPerCell: Int32, maximumPulseMilliseconds: Int32) {
            self.chargeMilliamperesPerCell = chargeMilliamperesPerCell
            self.dischargeMilliamperesPerCell = dischargeMilliamperesPerCell
            self.maximumPulseMilliseconds = maximumPulseMilliseconds
        }
    }

    public init(
        cellVoltageMaximum: TierLimits, cellVoltageMinimum: TierLimits,
        dischargeTemperatureMaximum: TierLimits, dischargeTemperatureMinimum: TierLimits,
        chargeTemperatureMaximum: TierLimits, chargeTemperatureMinimum: TierLimits,
        chargeCurrentPerCell: TierLimits, dischargeCurrentPerCell: TierLimits,
        packVoltageMaximumPerSeriesCell: TierLimits, packVoltageMinimumPerSeriesCell: TierLimits,
        healingPulse: PulseRating
    ) {
        self.cellVoltageMaximum = cellVoltageMaximum
        self.cellVoltageMinimum = cellVoltageMinimum
        self.dischargeTemperatureMaximum = dischargeTemperatureMaximum
        self.dischargeTemperatureMinimum = dischargeTemperatureMinimum
        self.chargeTemperatureMaximum = chargeTemperatureMaximum
        self.chargeTemperatureMinimum = chargeTemperatureMinimum
        self.chargeCurrentPerCell = chargeCurrentPerCell
        self.dischargeCurrentPerCell = dischargeCurrentPerCell
        self.packVoltageMaximumPerSeriesCell = packVoltageMaximumPerSeriesCell
        self.packVoltageMinimumPerSeriesCell = packVoltageMinimumPerSeriesCell
        self.healingPulse = healingPulse
    }

    /// Every quantity with its YAML key path, unit suffix and expected direction.
    var entries: [(keyPath: [String], unit: String, expected: TierLimits.Direction, limits: TierLimits)] {
        [
            (["cell_voltage", "maximum"], "mv", .upper, cellVoltageMaximum),
            (["cell_voltage", "minimum"], "mv", .lower, cellVoltageMinimum),
            (["temperature", "discharge_maximum"], "ddegc", .upper, dischargeTemperatureMaximum),
            (["temperature", "discharge_minimum"], "ddegc", .lower, dischargeTemperatureMinimum),
            (["temperature", "charge_maximum"], "ddegc", .upper, chargeTemperatureMaximum),
            (["temperature", "charge_minimum"], "ddegc", .lower, chargeTemperatureMinimum),
            (["current_per_cell", "charge"], "ma", .upper, chargeCurrentPerCell),
            (["current_per_cell", "discharge"], "ma", .upper, dischargeCurrentPerCell),
            (["pack_voltage_per_series_cell", "maximum"], "mv", .upper, packVoltageMaximumPerSeriesCell),
            (["pack_voltage_per_series_cell", "minimum"], "mv", .lower, packVoltageMinimumPerSeriesCell),
        ]
    }

    /// Every rule the controller relies on: tier order, directions, maximum above minimum, positive currents.
    public func validate() -> [ConfigurationIssue] {
        var collector = IssueCollector(file: .limits)
        for entry in entries {
            collector.check(entry.limits.direction == entry.expected, entry.keyPath, "must be an \(entry.expected.rawValue) limit")
            entry.limits.validate(into: &collector, keyPath: entry.keyPath, unit: entry.unit)
        }
        collector.check(
            cellVoltageMinimum.maximumOperating < cellVoltageMaximum.maximumOperating, ["cell_voltage", "minimum", "mol_mv"],
            "the minimum MOL must lie below the maximum MOL")
        collector.check(
            dischargeTemperatureMinimum.maximumOperating < dischargeTemperatureMaximum.maximumOperating,
            ["temperature", "discharge_minimum", "mol_ddegc"], "the minimum MOL must lie below the maximum MOL")
        collector.check(
            chargeTemperatureMinimum.maximumOperating < chargeTemperatureMaximum.maximumOperating,
            ["temperature", "charge_minimum", "mol_ddegc"], "the minimum MOL must lie below the maximum MOL")
        collector.check(chargeCurrentPerCell.maximumOperating > 0, ["current_per_cell", "charge", "mol_ma"], "must be positive")
        collector.check(dischargeCurrentPerCell.maximumOperating > 0, ["current_per_cell", "discharge", "mol_ma"], "must be positive")
        collector.check(
            healingPulse.chargeMilliamperesPerCell > 0, ["healing_pulse_per_cell", "charge_ma"], "must be positive")
        collector.check(
            healingPulse.dischargeMilliamperesPerCell > 0, ["healing_pulse_per_cell", "discharge_ma"], "must be positive")
        collector.check(
            healingPulse.maximumPulseMilliseconds > 0, ["healing_pulse_per_cell", "maximum_pulse_ms"], "must be positive")
        return collector.issues
    }
}

extension SafetyLimits {
    /// The cell voltage a charge ends at: the maximum-voltage MOL less its hysteresis (4.18 V for 4.20 V / 20 mV).
    ///
    /// The charger's CV voltage is this times the series count, and the charge current limit falls from 1 here
    /// to 0 at the MOL, so a normal charge finishes without touching the MOL warning tier and the highest block
    /// of an unbalanced string cannot pass it (foxBMS `sof_trapezoid` ramps the limit to zero at the limit too).
    public var chargeEndCellMillivolts: Int32 {
        cellVoltageMaximum.maximumOperating - cellVoltageMaximum.hysteresis
    }
}
