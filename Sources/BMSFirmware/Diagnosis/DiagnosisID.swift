/// Every condition the controller diagnoses; ``name`` is the row `id` in `Firmware/diagnosis.yaml`.
///
/// Modelled on foxBMS `DIAG_ID_e`: one identifier per quantity and tier, per plausibility check,
/// per timeout and per sensor-fault class. The raw value indexes the controller's fixed-size arrays.
public enum DiagnosisID: Int, CaseIterable, Hashable, Sendable, Comparable, CustomStringConvertible {
    case cellOvervoltageMOL
    case cellOvervoltageRSL
    case cellOvervoltageMSL
    case cellUndervoltageMOL
    case cellUndervoltageRSL
    case cellUndervoltageMSL
    case overtemperatureChargeMOL
    case overtemperatureChargeRSL
    case overtemperatureChargeMSL
    case overtemperatureDischargeMOL
    case overtemperatureDischargeRSL
    case overtemperatureDischargeMSL
    case undertemperatureChargeMOL
    case undertemperatureChargeRSL
    case undertemperatureChargeMSL
    case undertemperatureDischargeMOL
    case undertemperatureDischargeRSL
    case undertemperatureDischargeMSL
    case overcurrentChargeMOL
    case overcurrentChargeRSL
    case overcurrentChargeMSL
    case overcurrentDischargeMOL
    case overcurrentDischargeRSL
    case overcurrentDischargeMSL
    case packOvervoltageMOL
    case packOvervoltageRSL
    case packOvervoltageMSL
    case packUndervoltageMOL
    case packUndervoltageRSL
    case packUndervoltageMSL
    case cellVoltageMeasurementFault
    case temperatureSensorFault
    case currentSensorFault
    case gasSensorFault
    case pressureSensorFault
    case smokeSensorFault
    case cellVoltageTimeout
    case cellTemperatureTimeout
    case currentTimeout
    case packVoltageTimeout
    case stateRequestTimeout
    case gasTimeout
    case pressureTimeout
    case insulationTimeout
    case stateRequestE2E
    case measurementE2E
    case packVoltagePlausibility
    case redundantTemperaturePlausibility
    case cellVoltageSpread
    case cellTemperatureSpread
    case contactorFeedback
    case prechargeFailure
    case insulationWarning
    case insulationError
    case chargerFault
    case thermalRunawayWarning
    case thermalRunawayAlarm
    case dendriteRisk
    case softShortSuspected
    case invalidInput

    /// The row id used in `Firmware/diagnosis.yaml` and in reports.
    public var name: String { Self.names[rawValue] }

    public var description: String { name }

    /// The id whose ``name`` is `name`, if any.
    public init?(name: String) {
        guard let index = Self.names.firstIndex(of: name) else { return nil }
        self.init(rawValue: index)
    }

    public static func < (lhs: DiagnosisID, rhs: DiagnosisID) -> Bool { lhs.rawValue < rhs.rawValue }

    private static let names: [String] = [
        "cell_overvoltage_mol",
        "cell_overvoltage_rsl",
        "cell_overvoltage_msl",
        "cell_undervoltage_mol",
        "cell_undervoltage_rsl",
        "cell_undervoltage_msl",
        "overtemperature_charge_mol",
        "overtemperature_charge_rsl",
        "overtemperature_charge_msl",
        "overtemperature_discharge_mol",
        "overtemperature_discharge_rsl",
        "overtemperature_discharge_msl",
        "undertemperature_charge_mol",
        "undertemperature_charge_rsl",
        "undertemperature_charge_msl",
        "undertemperature_discharge_mol",
        "undertemperature_discharge_rsl",
        "undertemperature_discharge_msl",
        "overcurrent_charge_mol",
        "overcurrent_charge_rsl",
        "overcurrent_charge_msl",
        "overcurrent_discharge_mol",
        "overcurrent_discharge_rsl",
        "overcurrent_discharge_msl",
        "pack_overvoltage_mol",
        "pack_overvoltage_rsl",
        "pack_overvoltage_msl",
        "pack_undervoltage_mol",
        "pack_undervoltage_rsl",
        "pack_undervoltage_msl",
        "cell_voltage_measurement_fault",
        "temperature_sensor_fault",
        "current_sensor_fault",
        "gas_sensor_fault",
        "pressure_sensor_fault",
        "smoke_sensor_fault",
        "cell_voltage_timeout",
        "cell_temperature_timeout",
        "current_timeout",
        "pack_voltage_timeout",
        "state_request_timeout",
        "gas_timeout",
        "pressure_timeout",
        "insulation_timeout",
        "state_request_e2e",
        "measurement_e2e",
        "pack_voltage_plausibility",
        "redundant_temperature_plausibility",
        "cell_voltage_spread",
        "cell_temperature_spread",
        "contactor_feedback",
        "precharge_failure",
        "insulation_warning",
        "insulation_error",
        "charger_fault",
        "thermal_runaway_warning",
        "thermal_runaway_alarm",
        "dendrite_risk",
        "soft_short_suspected",
        "invalid_input",
    ]

    /// Rows that must stay enabled: disabling them would let a contactor stay closed through a hazard.
    public var isSafetyCritical: Bool {
        switch self {
        case .cellOvervoltageMSL, .cellUndervoltageMSL, .overtemperatureChargeMSL, .overtemperatureDischargeMSL,
            .undertemperatureChargeMSL, .undertemperatureDischargeMSL, .overcurrentChargeMSL, .overcurrentDischargeMSL,
            .packOvervoltageMSL, .packUndervoltageMSL, .cellVoltageTimeout, .currentTimeout, .contactorFeedback,
            .prechargeFailure, .thermalRunawayAlarm, .cellVoltageMeasurementFault:
            true
        default:
            false
        }
    }
}
