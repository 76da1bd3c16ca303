/// Every number in a node configuration file (`Firmware/nodes/*.yaml`), named by its dotted YAML key path.
///
/// Transmit periods are not here: they come from `GenMsgCycleTime` in `Firmware/bms.dbc`, the single
/// source of bus timing. This file holds layout, sampling, phases, sensor physics and limits.
public enum NodeParameterKey: String, CaseIterable, Sendable, Comparable {
    // Cell-monitoring boards (AFE, LTC6813-1 class).
    case boardCount = "cell_monitoring.boards"
    case groupsPerBoard = "cell_monitoring.groups_per_board"
    case voltageSamplePeriod = "cell_monitoring.voltage_sample_period_ms"
    case boardPhaseStep = "cell_monitoring.board_phase_step_ms"
    case boardClockTolerance = "cell_monitoring.clock_tolerance_ppm"
    case cellADCResolution = "cell_monitoring.adc_lsb_mv"
    case cellTotalError = "cell_monitoring.total_error_mv"
    case cellNoise = "cell_monitoring.noise_mv"
    case temperatureSamplePeriod = "cell_monitoring.temperature_sample_period_ms"
    case thermistorNominalResistance = "cell_monitoring.ntc.r25_ohm"
    case thermistorBeta = "cell_monitoring.ntc.beta_k"
    case thermistorResistanceTolerance = "cell_monitoring.ntc.r25_tolerance"
    case thermistorBetaTolerance = "cell_monitoring.ntc.beta_tolerance"
    case thermistorPullUp = "cell_monitoring.ntc.pull_up_ohm"
    case thermistorReference = "cell_monitoring.ntc.reference_v"
    case thermistorTimeConstant = "cell_monitoring.ntc.time_constant_s"
    case thermistorOpenThreshold = "cell_monitoring.ntc.open_above_ohm"
    case thermistorShortThreshold = "cell_monitoring.ntc.shorted_below_ohm"
    case thermistorCellInGroup = "cell_monitoring.ntc.parallel_cell"
    case openWireCheckPeriod = "cell_monitoring.open_wire_check_period_s"
    case openWireSettling = "cell_monitoring.open_wire_settling_s"
    case balancingTimeout = "cell_monitoring.balancing_timeout_ms"

    // Current sensor (Isabellenhütte IVT-S style).
    case currentSensorPhase = "current_sensor.phase_ms"
    case currentGainError = "current_sensor.current_gain_error"
    case currentOffset = "current_sensor.current_offset_a"
    case currentNoise = "current_sensor.current_noise_a"
    case currentSensorVoltageGainError = "current_sensor.voltage_gain_error"
    case currentSensorVoltageOffset = "current_sensor.voltage_offset_v"
    case currentSensorVoltageNoise = "current_sensor.voltage_noise_v"
    case overcurrentThreshold = "current_sensor.overcurrent_threshold_a"
    case shuntResistance = "current_sensor.shunt_uohm"
    case shuntThermalResistance = "current_sensor.shunt_thermal_resistance_k_per_w"
    case shuntTimeConstant = "current_sensor.shunt_time_constant_s"
    case shuntAmbient = "current_sensor.ambient_degc"
    case shuntTemperatureNoise = "current_sensor.temperature_noise_degc"

    // Gas sensor.
    case gasPhase = "gas.phase_ms"
    case gasWarmUp = "gas.warm_up_s"
    case hydrogenResponse = "gas.h2.t90_s"
    case hydrogenNoise = "gas.h2.noise_ppm"
    case hydrogenFullScale = "gas.h2.full_scale_ppm"
    case hydrogenBackground = "gas.h2.background_ppm"
    case carbonMonoxideResponse = "gas.co.t90_s"
    case carbonMonoxideNoise = "gas.co.noise_ppm"
    case carbonMonoxideFullScale = "gas.co.full_scale_ppm"
    case carbonMonoxideBackground = "gas.co.background_ppm"
    case carbonDioxideResponse = "gas.co2.t90_s"
    case carbonDioxideNoise = "gas.co2.noise_ppm"
    case carbonDioxideFullScale = "gas.co2.full_scale_ppm"
    case carbonDioxideBackground = "gas.co2.background_ppm"

    // Pressure / swelling sensor.
    case pressurePhase = "pressure.phase_ms"
    case pressureFirstGroup = "pressure.first_group"
    case pressureLastGroup = "pressure.last_group"
    case stackPreload = "pressure.stack_preload_kpa"
    case stackStiffness = "pressure.stack_stiffness_kpa_per_um"
    case stackResponse = "pressure.stack_t90_s"
    case stackNoise = "pressure.stack_noise_kpa"
    case expansionNoise = "pressure.expansion_noise_um"
    case enclosureResponse = "pressure.enclosure_t90_s"
    case enclosureNoise = "pressure.enclosure_noise_pa"
    case atmosphericPressure = "pressure.atmospheric_pa"

    // Smoke detector.
    case smokePhase = "smoke.phase_ms"
    case smokeMassExtinction = "smoke.mass_extinction_m2_per_g"
    case smokeAlarmThreshold = "smoke.alarm_threshold_percent_per_m"
    case smokeResponse = "smoke.t90_s"
    case smokeNoise = "smoke.noise_percent_per_m"

    // Insulation monitor.
    case insulationPhase = "insulation.phase_ms"
    case insulationResponse = "insulation.t90_s"
    case insulationRelativeNoise = "insulation.relative_noise"
    case insulationWarning = "insulation.warning_kohm"
    case insulationAlarm = "insulation.alarm_kohm"
    case insulationSelfTest = "insulation.self_test_s"
    case insulationMaximum = "insulation.maximum_kohm"

    // Charger.
    case chargerPhase = "charger.phase_ms"
    case chargerControlPeriod = "charger.control_period_ms"
    case chargerMaximumCurrent = "charger.maximum_current_a"
    case chargerMaximumReverseCurrent = "charger.maximum_reverse_current_a"
    case chargerMaximumVoltage = "charger.maximum_voltage_v"
    case chargerSlewRate = "charger.slew_a_per_ms"
    case chargerGainError = "charger.gain_error"
    case chargerOffset = "charger.offset_a"
    case chargerMeasurementNoise = "charger.measurement_noise_a"
    case chargerCommandTimeout = "charger.command_timeout_ms"
    case chargerVoltageLoopResistance = "charger.cv_loop_resistance_ohm"
    case chargerDeratingShare = "charger.overtemperature_derating_share"

    // Contactor driver.
    case contactorPhase = "contactors.phase_ms"
    case contactorCloseTime = "contactors.close_ms"
    case contactorOpenTime = "contactors.open_ms"
    case contactorCommandTimeout = "contactors.command_timeout_ms"

    /// Meaning, admissible range and whether the value must be a whole number.
    public var spec: (meaning: String, range: ClosedRange<Double>, integer: Bool) {
        switch self {
        case .boardCount: ("cell-monitoring boards", 1...64, true)
        case .groupsPerBoard: ("series cell groups per board", 1...18, true)
        case .voltageSamplePeriod: ("AFE cell-voltage conversion period, ms", 0.1...60_000, false)
        case .boardPhaseStep: ("phase offset between consecutive boards, ms", 0...10_000, false)
        case .boardClockTolerance: ("board clock tolerance (each board draws its error within ±), ppm", 0...50_000, false)
        case .cellADCResolution: ("cell ADC resolution, mV per LSB", 0.001...100, false)
        case .cellTotalError: ("maximum static cell-voltage error per channel, mV", 0...1_000, false)
        case .cellNoise: ("cell-voltage noise σ per sample, mV", 0...1_000, false)
        case .temperatureSamplePeriod: ("thermistor conversion period, ms", 0.1...60_000, false)
        case .thermistorNominalResistance: ("NTC resistance at 25 °C, Ω", 1...1e9, false)
        case .thermistorBeta: ("NTC B constant, K", 100...20_000, false)
        case .thermistorResistanceTolerance: ("NTC R25 tolerance (fraction, drawn per sensor within ±)", 0...0.5, false)
        case .thermistorBetaTolerance: ("NTC B tolerance (fraction, drawn per sensor within ±)", 0...0.5, false)
        case .thermistorPullUp: ("divider pull-up resistor, Ω", 1...1e9, false)
        case .thermistorReference: ("divider reference voltage, V", 0.1...50, false)
        case .thermistorTimeConstant: ("thermistor-to-cell thermal time constant, s", 0...3_600, false)
        case .thermistorOpenThreshold: ("resistance above which the board reports SensorOpen, Ω", 1...1e12, false)
        case .thermistorShortThreshold: ("resistance below which the board reports SensorShorted, Ω", 0...1e9, false)
        case .thermistorCellInGroup: ("parallel cell of each group that carries the thermistor (0-based)", 0...999, true)
        case .openWireCheckPeriod: ("period of the board's own open-wire check, s", 0.001...1e6, false)
        case .openWireSettling: ("time constant of a floating sense input after a wire breaks, s", 0...3_600, false)
        case .balancingTimeout: ("balancing stops when no valid command came for this long, ms", 1...3_600_000, false)
        case .currentSensorPhase, .gasPhase, .pressurePhase, .smokePhase, .insulationPhase, .chargerPhase, .contactorPhase:
            ("transmit phase after start, ms", 0...60_000, false)
        case .currentGainError: ("maximum current gain error (fraction)", 0...0.5, false)
        case .currentOffset: ("maximum current offset, A", 0...1_000, false)
        case .currentNoise: ("current noise σ per result, A", 0...1_000, false)
        case .currentSensorVoltageGainError: ("maximum voltage gain error (fraction)", 0...0.5, false)
        case .currentSensorVoltageOffset: ("maximum voltage offset, V", 0...100, false)
        case .currentSensorVoltageNoise: ("voltage noise σ per result, V", 0...100, false)
        case .overcurrentThreshold: ("over-current switch threshold, A", 0.001...1e6, false)
        case .shuntResistance: ("shunt resistance, µΩ", 0.001...1e6, false)
        case .shuntThermalResistance: ("shunt thermal resistance to ambient, K/W", 0...1_000, false)
        case .shuntTimeConstant: ("shunt thermal time constant, s", 0...1e5, false)
        case .shuntAmbient: ("air temperature around the shunt, °C", -60...150, false)
        case .shuntTemperatureNoise: ("shunt temperature noise σ, °C", 0...100, false)
        case .gasWarmUp: ("gas sensor warm-up after power-on, s", 0...3_600, false)
        case .hydrogenResponse, .carbonMonoxideResponse, .carbonDioxideResponse: ("sensor response time t90, s", 0...3_600, false)
        case .hydrogenNoise, .carbonMonoxideNoise, .carbonDioxideNoise: ("noise σ, ppm", 0...100_000, false)
        case .hydrogenFullScale, .carbonMonoxideFullScale, .carbonDioxideFullScale: ("measuring range end, ppm", 1...1e6, false)
        case .hydrogenBackground, .carbonMonoxideBackground, .carbonDioxideBackground:
            ("background concentration of the enclosure air, ppm", 0...1e6, false)
        case .pressureFirstGroup: ("first cell group of the monitored stack (1-based)", 1...10_000, true)
        case .pressureLastGroup: ("last cell group of the monitored stack (1-based)", 1...10_000, true)
        case .stackPreload: ("stack pressure of the fixture at zero expansion, kPa", 0...100_000, false)
        case .stackStiffness: ("fixture stiffness: pressure rise per µm of stack expansion, kPa/µm", 0...1_000, false)
        case .stackResponse, .enclosureResponse: ("sensor response time t90, s", 0...3_600, false)
        case .stackNoise: ("stack pressure noise σ, kPa", 0...10_000, false)
        case .expansionNoise: ("stack expansion noise σ, µm", 0...10_000, false)
        case .enclosureNoise: ("enclosure pressure noise σ, Pa", 0...10_000, false)
        case .atmosphericPressure: ("ambient absolute pressure, Pa", 10_000...200_000, false)
        case .smokeMassExtinction: ("mass-specific extinction coefficient of smoke, m²/g", 0.01...100, false)
        case .smokeAlarmThreshold: ("obscuration that raises Smoke_Detected, %/m", 0.01...100, false)
        case .smokeResponse: ("detector response time t90, s", 0...3_600, false)
        case .smokeNoise: ("obscuration noise σ, %/m", 0...100, false)
        case .insulationResponse: ("IMD response time t90, s", 0...3_600, false)
        case .insulationRelativeNoise: ("IMD relative noise σ (fraction of the reading)", 0...1, false)
        case .insulationWarning: ("IMD warning threshold, kΩ", 1...1e6, false)
        case .insulationAlarm: ("IMD alarm threshold, kΩ", 1...1e6, false)
        case .insulationSelfTest: ("IMD self test after power-on, s", 0...3_600, false)
        case .insulationMaximum: ("IMD measuring range end, kΩ", 1...1e6, false)
        case .chargerControlPeriod: ("charger control-loop period, ms", 0.01...10_000, false)
        case .chargerMaximumCurrent: ("charger maximum charge current, A", 0.1...10_000, false)
        case .chargerMaximumReverseCurrent: ("charger maximum reverse (discharge) current, A", 0...10_000, false)
        case .chargerMaximumVoltage: ("charger maximum output voltage, V", 1...10_000, false)
        case .chargerSlewRate: ("charger current slew-rate limit, A/ms", 0.001...1e6, false)
        case .chargerGainError: ("charger current gain error (fraction, signed)", -0.5...0.5, false)
        case .chargerOffset: ("charger current offset when delivering, A (signed)", -100...100, false)
        case .chargerMeasurementNoise: ("noise σ of the charger's reported current, A", 0...100, false)
        case .chargerCommandTimeout: ("charger stops when no valid command came for this long, ms", 1...3_600_000, false)
        case .chargerVoltageLoopResistance: ("pack resistance the charger's CV loop assumes, Ω", 0.0001...1_000, false)
        case .chargerDeratingShare: ("share of the setpoint delivered while over-temperature", 0...1, false)
        case .contactorCloseTime: ("contactor close (operate) time including bounce, ms", 0...10_000, false)
        case .contactorOpenTime: ("contactor open (release) time, ms", 0...10_000, false)
        case .contactorCommandTimeout: ("contactors open when no valid command came for this long, ms", 1...3_600_000, false)
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
