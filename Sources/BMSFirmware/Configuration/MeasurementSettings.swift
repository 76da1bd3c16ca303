/// Message timeouts, sensor-fault classification and plausibility tolerances.
public struct MeasurementSettings: Hashable, Sendable {
    // Timeouts: a value older than this is stale (foxBMS BS_CURRENT_MEASUREMENT_RESPONSE_TIMEOUT_ms 200 etc.).
    public var cellVoltageTimeoutMilliseconds: Int64
    public var cellTemperatureTimeoutMilliseconds: Int64
    public var currentTimeoutMilliseconds: Int64
    public var packVoltageTimeoutMilliseconds: Int64
    public var stateRequestTimeoutMilliseconds: Int64
    public var gasTimeoutMilliseconds: Int64
    public var pressureTimeoutMilliseconds: Int64
    public var insulationTimeoutMilliseconds: Int64
    /// Longest the controller waits in `initializing` for a first complete set of measurements.
    public var initializationTimeoutMilliseconds: Int64

    // Sensor-fault classification.
    /// Cell readings outside this range are measurement faults, not cell states.
    public var cellVoltageValidMillivolts: ClosedRange<Int32>
    /// Open-wire signature: a reading below this next to a neighbour above `openWireHighFactor` × median.
    public var openWireLowMillivolts: Int32
    public var openWireHighFactor: Double
    /// Thermistor open circuit reads below this (an NTC's resistance goes to infinity → very cold).
    public var temperatureOpenCircuitDeciCelsius: Int32
    /// Two consecutive samples further apart than this, on a sensor that was not already rising
    /// fast, are a sensor fault (stuck-high / short), not a heating cell.
    public var temperatureStepLimitDeciCelsius: Int32
    /// A faulted thermistor is trusted again after agreeing with its neighbours for this long.
    public var temperatureRecoveryMilliseconds: Int64
    /// Agreement band used for that recovery.
    public var temperatureRecoveryBandDeciCelsius: Int32
    /// Current readings beyond ± this are sensor faults (sensor range).
    public var currentSensorRangeMilliamperes: Int32
    /// Zero-current calibration: while every contactor is open the string current is zero, so the
    /// reading is the sensor offset; it is averaged with this memory and removed before coulomb counting.
    public var currentOffsetTimeConstantMilliseconds: Int64
    /// Largest offset accepted (a larger reading with open contactors is a sensor fault, not an offset).
    public var currentOffsetLimitMilliamperes: Int32
    /// Gas readings above this are out of the sensor's range.
    public var gasFullScalePartsPerMillion: Int32
    /// A rise larger than this between consecutive gas samples is a sensor fault.
    public var gasStepLimitPartsPerMillion: Int32
    public var pressureValidPascals: ClosedRange<Int32>
    public var pressureStepLimitPascals: Int32

    // Plausibility (foxBMS plausibility_cfg.h).
    /// |Σ cells − pack voltage| tolerance.
    public var packVoltageToleranceMillivolts: Int32
    /// |primary − redundant| temperature tolerance (foxBMS 5.0 K).
    public var redundantTemperatureToleranceDeciCelsius: Int32
    /// Cell-voltage spread tolerance (foxBMS 300 mV).
    public var cellVoltageSpreadMillivolts: Int32
    /// Temperature spread tolerance (foxBMS 10.0 K).
    public var temperatureSpreadDeciCelsius: Int32

    // Rest detection (foxBMS BS_REST_CURRENT_mA, BS_RELAXATION_PERIOD_10ms).
    public var restCurrentMilliamperes: Int32

    // Insulation (ISO 6469-3 / UN ECE R100: 100 Ω/V DC error; 500 Ω/V warning).
    public var insulationWarningOhmsPerVolt: Int32
    public var insulationErrorOhmsPerVolt: Int32

    public init(
        cellVoltageTimeoutMilliseconds: Int64, cellTemperatureTimeoutMilliseconds: Int64, currentTimeoutMilliseconds: Int64,
        packVoltageTimeoutMilliseconds: Int64, stateRequestTimeoutMilliseconds: Int64, gasTimeoutMilliseconds: Int64,
        pressureTimeoutMilliseconds: Int64, insulationTimeoutMilliseconds: Int64, initializationTimeoutMilliseconds: Int64,
        cellVoltageValidMillivolts: ClosedRange<Int32>, openWireLowMillivolts: Int32, openWireHighFactor: Double,
        temperatureOpenCircuitDeciCelsius: Int32, temperatureStepLimitDeciCelsius: Int32,
        temperatureRecoveryMilliseconds: Int64, temperatureRecoveryBandDeciCelsius: Int32,
        currentSensorRangeMilliamperes: Int32, currentOffsetTimeConstantMilliseconds: Int64 = 600_000,
        currentOffsetLimitMilliamperes: Int32 = 1_000, gasFullScalePartsPerMillion: Int32, gasStepLimitPartsPerMillion: Int32,
        pressureValidPascals: ClosedRange<Int32>, pressureStepLimitPascals: Int32,
        packVoltageToleranceMillivolts: Int32, redundantTemperatureToleranceDeciCelsius: Int32,
        cellVoltageSpreadMillivolts: Int32, temperatureSpreadDeciCelsius: Int32, restCurrentMilliamperes: Int32,
        insulationWarningOhmsPerVolt: Int32, insulationErrorOhmsPerVolt: Int32
    ) {
        self.cellVoltageTimeoutMilliseconds = cellVoltageTimeoutMilliseconds
        self.cellTemperatureTimeoutMilliseconds = cellTemperatureTimeoutMilliseconds
        self.currentTimeoutMilliseconds = currentTimeoutMilliseconds
        self.packVoltageTimeoutMilliseconds = packVoltageTimeoutMilliseconds
        self.stateRequestTimeoutMilliseconds = stateRequestTimeoutMilliseconds
        self.gasTimeoutMilliseconds = gasTimeoutMilliseconds
        self.pressureTimeoutMilliseconds = pressureTimeoutMilliseconds
        self.insulationTimeoutMilliseconds = insulationTimeoutMilliseconds
        self.initializationTimeoutMilliseconds = initializationTimeoutMilliseconds
        self.cellVoltageValidMillivolts = cellVoltageValidMillivolts
        self.openWireLowMillivolts = openWireLowMillivolts
        self.openWireHighFactor = openWireHighFactor
        self.temperatureOpenCircuitDeciCelsius = temperatureOpenCircuitDeciCelsius
        self.temperatureStepLimitDeciCelsius = temperatureStepLimitDeciCelsius
        self.temperatureRecoveryMilliseconds = temperatureRecoveryMilliseconds
        self.temperatureRecoveryBandDeciCelsius = temperatureRecoveryBandDeciCelsius
        self.currentSensorRangeMilliamperes = currentSensorRangeMilliamperes
        self.currentOffsetTimeConstantMilliseconds = currentOffsetTimeConstantMilliseconds
        self.currentOffsetLimitMilliamperes = currentOffsetLimitMilliamperes
        self.gasFullScalePartsPerMillion = gasFullScalePartsPerMillion
        self.gasStepLimitPartsPerMillion = gasStepLimitPartsPerMillion
        self.pressureValidPascals = pressureValidPascals
        self.pressureStepLimitPascals = pressureStepLimitPascals
        self.packVoltageToleranceMillivolts = packVoltageToleranceMillivolts
        self.redundantTemperatureToleranceDeciCelsius = redundantTemperatureToleranceDeciCelsius
        self.cellVoltageSpreadMillivolts = cellVoltageSpreadMillivolts
        self.temperatureSpreadDeciCelsius = temperatureSpreadDeciCelsius
        self.restCurrentMilliamperes = restCurrentMilliamperes
        self.insulationWarningOhmsPerVolt = insulationWarningOhmsPerVolt
        self.insulationErrorOhmsPerVolt = insulationErrorOhmsPerVolt
    }

    func validate(into collector: inout IssueCollector) {
        let timeouts = ["timeouts"]
        for (key, value) in [
            ("cell_voltage_ms", cellVoltageTimeoutMilliseconds), ("cell_temperature_ms", cellTemperatureTimeoutMilliseconds),
            ("current_ms", currentTimeoutMilliseconds), ("pack_voltage_ms", packVoltageTimeoutMilliseconds),
            ("state_request_ms", stateRequestTimeoutMilliseconds), ("gas_ms", gasTimeoutMilliseconds),
            ("pressure_ms", pressureTimeoutMilliseconds), ("insulation_ms", insulationTimeoutMilliseconds),
            ("initialization_ms", initializationTimeoutMilliseconds),
        ] {
            collector.check(value > 0 && value <= 3_600_000, timeouts + [key], "must lie in 1...3600000")
        }
        let sensors = ["sensors"]
        collector.check(cellVoltageValidMillivolts.lowerBound >= 0, sensors + ["cell_voltage_valid_mv"], "lower bound must not be negative")
        collector.check(openWireLowMillivolts >= 0, sensors + ["open_wire_low_mv"], "must not be negative")
        collector.check(openWireHighFactor > 1, sensors + ["open_wire_high_factor"], "must exceed 1")
        collector.check(temperatureStepLimitDeciCelsius > 0, sensors + ["temperature_step_limit_ddegc"], "must be positive")
        collector.check(temperatureRecoveryMilliseconds >= 0, sensors + ["temperature_recovery_ms"], "must not be negative")
        collector.check(temperatureRecoveryBandDeciCelsius > 0, sensors + ["temperature_recovery_band_ddegc"], "must be positive")
        collector.check(currentSensorRangeMilliamperes > 0, sensors + ["current_range_ma"], "must be positive")
        collector.check(currentOffsetTimeConstantMilliseconds > 0, sensors + ["current_offset_time_constant_ms"], "must be positive")
        collector.check(currentOffsetLimitMilliamperes >= 0, sensors + ["current_offset_limit_ma"], "must not be negative")
        collector.check(gasFullScalePartsPerMillion > 0, sensors + ["gas_full_scale_ppm"], "must be positive")
        collector.check(gasStepLimitPartsPerMillion > 0, sensors + ["gas_step_limit_ppm"], "must be positive")
        collector.check(pressureStepLimitPascals > 0, sensors + ["pressure_step_limit_pa"], "must be positive")
        let plausibility = ["plausibility"]
        collector.check(packVoltageToleranceMillivolts > 0, plausibility + ["pack_voltage_tolerance_mv"], "must be positive")
        collector.check(
            redundantTemperatureToleranceDeciCelsius > 0, plausibility + ["redundant_temperature_tolerance_ddegc"], "must be positive")
        collector.check(cellVoltageSpreadMillivolts > 0, plausibility + ["cell_voltage_spread_mv"], "must be positive")
        collector.check(temperatureSpreadDeciCelsius > 0, plausibility + ["temperature_spread_ddegc"], "must be positive")
        collector.check(restCurrentMilliamperes > 0, ["rest", "current_ma"], "must be positive")
        collector.check(insulationErrorOhmsPerVolt > 0, ["insulation", "error_ohm_per_v"], "must be positive")
        collector.check(
            insulationWarningOhmsPerVolt >= insulationErrorOhmsPerVolt, ["insulation", "warning_ohm_per_v"],
            "must not be below error_ohm_per_v")
    }
}
