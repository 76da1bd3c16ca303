/// Passive (resistive) balancing by cell voltage, the foxBMS `voltage` strategy.
public struct BalancingSettings: Hashable, Sendable {
    /// A block bleeds when it is this far above the lowest block.
    public var thresholdMillivolts: Int32
    /// It stops once it is within `thresholdMillivolts − hysteresisMillivolts` of the lowest block.
    public var hysteresisMillivolts: Int32
    /// No block is bled below this voltage (foxBMS BAL_LOWER_VOLTAGE_LIMIT_mV).
    public var minimumCellMillivolts: Int32
    /// No balancing above this temperature (foxBMS BAL_UPPER_TEMPERATURE_LIMIT_ddegC).
    public var maximumTemperatureDeciCelsius: Int32
    /// Bleed resistor per block; the controller counts the bleed current in each block's charge balance.
    public var resistanceOhms: Double
    /// How often the bleed set is re-evaluated.
    public var periodMilliseconds: Int64

    public init(
        thresholdMillivolts: Int32, hysteresisMillivolts: Int32, minimumCellMillivolts: Int32,
        maximumTemperatureDeciCelsius: Int32, resistanceOhms: Double, periodMilliseconds: Int64
    ) {
        self.thresholdMillivolts = thresholdMillivolts
        self.hysteresisMillivolts = hysteresisMillivolts
        self.minimumCellMillivolts = minimumCellMillivolts
        self.maximumTemperatureDeciCelsius = maximumTemperatureDeciCelsius
        self.resistanceOhms = resistanceOhms
        self.periodMilliseconds = periodMilliseconds
    }

    func validate(into collector: inout IssueCollector) {
        let path = ["balancing"]
        collector.check(thresholdMillivolts > 0, path + ["threshold_mv"], "must be positive")
        collector.check(
            hysteresisMillivolts >= 0 && hysteresisMillivolts < thresholdMillivolts, path + ["hysteresis_mv"],
            "must lie in 0..<threshold_mv")
        collector.check(resistanceOhms > 0, path + ["resistance_ohm"], "must be positive")
        collector.check(periodMilliseconds > 0, path + ["period_ms"], "must be positive")
    }
}

/// Charging control and the foxBMS trapezoid SOF derating of the current limits.
public struct ChargingSettings: Hashable, Sendable {
    /// Charge is complete when every block has reached the CV level and the current has stayed below this per cell.
    public var terminationCurrentMilliamperesPerCell: Int32
    public var terminationHoldMilliseconds: Int64
    /// The charger command is repeated at least this often (chargers drop out without a keep-alive).
    public var chargerKeepAliveMilliseconds: Int64
    /// A new setpoint is sent when it differs from the last by more than this (per pack).
    public var commandDeadbandMilliamperes: Int32
    /// Pack current allowed with a faulted (excluded) temperature sensor: foxBMS limp-home 20 A.
    public var limpHomeCurrentMilliamperes: Int32
    /// The charger is asked for the charge limit less this fraction, so the charger's own accuracy and the
    /// current sensor's do not carry the measured current over the MOL limit it was set to.
    public var setpointMarginFraction: Double

    public init(
        terminationCurrentMilliamperesPerCell: Int32, terminationHoldMilliseconds: Int64,
        chargerKeepAliveMilliseconds: Int64, commandDeadbandMilliamperes: Int32, limpHomeCurrentMilliamperes: Int32,
        setpointMarginFraction: Double = 0.05
    ) {
        self.setpointMarginFraction = setpointMarginFraction
        self.terminationCurrentMilliamperesPerCell = terminationCurrentMilliamperesPerCell
        self.terminationHoldMilliseconds = terminationHoldMilliseconds
        self.chargerKeepAliveMilliseconds = chargerKeepAliveMilliseconds
        self.commandDeadbandMilliamperes = commandDeadbandMilliamperes
        self.limpHomeCurrentMilliamperes = limpHomeCurrentMilliamperes
    }

    func validate(into collector: inout IssueCollector) {
        let path = ["charging"]
        collector.check(terminationCurrentMilliamperesPerCell > 0, path + ["termination_current_ma_per_cell"], "must be positive")
        collector.check(terminationHoldMilliseconds >= 0, path + ["termination_hold_ms"], "must not be negative")
        collector.check(chargerKeepAliveMilliseconds > 0, path + ["charger_keep_alive_ms"], "must be positive")
        collector.check(commandDeadbandMilliamperes >= 0, path + ["command_deadband_ma"], "must not be negative")
        collector.check(limpHomeCurrentMilliamperes >= 0, path + ["limp_home_current_ma"], "must not be negative")
        collector.check(setpointMarginFraction >= 0 && setpointMarginFraction < 0.5, path + ["setpoint_margin"], "must lie in [0, 0.5)")
    }
}

/// Periods of the cyclic status reports (0 disables a report). foxBMS sends most at 100 ms and the
/// state estimation at 1000 ms (`can_cfg_tx-cyclic-message-definitions.h`).
public struct ReportingSettings: Hashable, Sendable {
    public var statusMilliseconds: Int64
    public var limitsMilliseconds: Int64
    public var extremesMilliseconds: Int64
    public var packValuesMilliseconds: Int64
    public var stateEstimatesMilliseconds: Int64
    /// One group of per-cell estimates per period, cycling through the pack.
    public var cellEstimatesMilliseconds: Int64
    public var cellsPerEstimateReport: Int
    public var thermalRunawayMilliseconds: Int64
    public var lithiumInventoryMilliseconds: Int64

    public init(
        statusMilliseconds: Int64, limitsMilliseconds: Int64, extremesMilliseconds: Int64, packValuesMilliseconds: Int64,
        stateEstimatesMilliseconds: Int64, cellEstimatesMilliseconds: Int64, cellsPerEstimateReport: Int,
        thermalRunawayMilliseconds: Int64, lithiumInventoryMilliseconds: Int64
    ) {
        self.statusMilliseconds = statusMilliseconds
        self.limitsMilliseconds = limitsMilliseconds
        self.extremesMilliseconds = extremesMilliseconds
        self.packValuesMilliseconds = packValuesMilliseconds
        self.stateEstimatesMilliseconds = stateEstimatesMilliseconds
        self.cellEstimatesMilliseconds = cellEstimatesMilliseconds
        self.cellsPerEstimateReport = cellsPerEstimateReport
        self.thermalRunawayMilliseconds = thermalRunawayMilliseconds
        self.lithiumInventoryMilliseconds = lithiumInventoryMilliseconds
    }

    /// All reports off (for tests that assert command lists of the state machine alone).
    public static let silent = ReportingSettings(
        statusMilliseconds: 0, limitsMilliseconds: 0, extremesMilliseconds: 0, packValuesMilliseconds: 0,
        stateEstimatesMilliseconds: 0, cellEstimatesMilliseconds: 0, cellsPerEstimateReport: 4,
        thermalRunawayMilliseconds: 0, lithiumInventoryMilliseconds: 0)

    func validate(into collector: inout IssueCollector) {
        let path = ["reporting"]
        for (key, value) in [
            ("status_ms", statusMilliseconds), ("limits_ms", limitsMilliseconds), ("extremes_ms", extremesMilliseconds),
            ("pack_values_ms", packValuesMilliseconds), ("state_estimates_ms", stateEstimatesMilliseconds),
            ("cell_estimates_ms", cellEstimatesMilliseconds), ("thermal_runaway_ms", thermalRunawayMilliseconds),
            ("lithium_inventory_ms", lithiumInventoryMilliseconds),
        ] {
            collector.check(value >= 0, path + [key], "must not be negative (0 disables)")
        }
        collector.check((1...16).contains(cellsPerEstimateReport), path + ["cells_per_estimate_report"], "must lie in 1...16")
    }
}
