import BMSFirmware

/// Reads each section of the `Firmware/` files into the pure configuration values, rejecting unknown keys.
enum YAMLReader {
    // MARK: Limits

    static func limits(_ root: ConfigNode) throws(ConfigError) -> SafetyLimits {
        try root.rejectUnknownKeys(["cell", "cell_voltage", "temperature", "current_per_cell", "pack_voltage_per_series_cell", "healing_pulse_per_cell"])
        _ = try root.required("cell").string()
        let voltage = try root.required("cell_voltage")
        try voltage.rejectUnknownKeys(["maximum", "minimum"])
        let temperature = try root.required("temperature")
        try temperature.rejectUnknownKeys(["discharge_maximum", "discharge_minimum", "charge_maximum", "charge_minimum"])
        let current = try root.required("current_per_cell")
        try current.rejectUnknownKeys(["charge", "discharge"])
        let pack = try root.required("pack_voltage_per_series_cell")
        try pack.rejectUnknownKeys(["maximum", "minimum"])
        let pulse = try root.required("healing_pulse_per_cell")
        try pulse.rejectUnknownKeys(["charge_ma", "discharge_ma", "maximum_pulse_ms"])
        return SafetyLimits(
            cellVoltageMaximum: try tier(try voltage.required("maximum"), unit: "mv", direction: .upper, range: 0...10_000),
            cellVoltageMinimum: try tier(try voltage.required("minimum"), unit: "mv", direction: .lower, range: 0...10_000),
            dischargeTemperatureMaximum: try tier(try temperature.required("discharge_maximum"), unit: "ddegc", direction: .upper, range: -1000...3000),
            dischargeTemperatureMinimum: try tier(try temperature.required("discharge_minimum"), unit: "ddegc", direction: .lower, range: -1000...3000),
            chargeTemperatureMaximum: try tier(try temperature.required("charge_maximum"), unit: "ddegc", direction: .upper, range: -1000...3000),
            chargeTemperatureMinimum: try tier(try temperature.required("charge_minimum"), unit: "ddegc", direction: .lower, range: -1000...3000),
            chargeCurrentPerCell: try tier(try current.required("charge"), unit: "ma", direction: .upper, range: 0...10_000_000),
            dischargeCurrentPerCell: try tier(try current.required("discharge"), unit: "ma", direction: .upper, range: 0...10_000_000),
            packVoltageMaximumPerSeriesCell: try tier(try pack.required("maximum"), unit: "mv", direction: .upper, range: 0...10_000),
            packVoltageMinimumPerSeriesCell: try tier(try pack.required("minimum"), unit: "mv", direction: .lower, range: 0...10_000),
            healingPulse: .init(
                chargeMilliamperesPerCell: try int32(pulse, "charge_ma", 0...10_000_000),
                dischargeMilliamperesPerCell: try int32(pulse, "discharge_ma", 0...10_000_000),
                maximumPulseMilliseconds: try int32(pulse, "maximum_pulse_ms", 0...3_600_000)))
    }

    static func tier(_ node: ConfigNode, unit: String, direction: TierLimits.Direction, range: ClosedRange<Int>) throws(ConfigError) -> TierLimits {
        try node.rejectUnknownKeys(["mol_\(unit)", "rsl_\(unit)", "msl_\(unit)", "hysteresis_\(unit)"])
        return TierLimits(
            direction: direction, mol: try int32(node, "mol_\(unit)", range), rsl: try int32(node, "rsl_\(unit)", range),
            msl: try int32(node, "msl_\(unit)", range), hysteresis: try int32(node, "hysteresis_\(unit)", 0...100_000))
    }

    // MARK: Diagnosis

    static func diagnosis(_ root: ConfigNode) throws(ConfigError) -> DiagnosisTable {
        try root.rejectUnknownKeys(["evaluation_period_ms", "rows"])
        let period = Int64(try root.required("evaluation_period_ms").int(in: 1...1000))
        var rules: [DiagnosisRule] = []
        for row in try root.required("rows").elements() {
            try row.rejectUnknownKeys(["id", "threshold", "severity", "reaction_delay_ms", "enabled"])
            let idNode = try row.required("id")
            let name = try idNode.string()
            guard let id = DiagnosisID(name: name) else {
                throw idNode.error("unknown diagnosis id '\(name)'; expected one of: \(DiagnosisID.allCases.map(\.name).joined(separator: ", "))")
            }
            rules.append(
                DiagnosisRule(
                    id: id, threshold: try row.required("threshold").int(in: 0...1_000_000),
                    severity: try row.required("severity").oneOf(DiagnosisSeverity.self),
                    reactionDelayMilliseconds: Int64(try row.required("reaction_delay_ms").int(in: 0...3_600_000)),
                    enabled: try row.required("enabled").bool()))
        }
        return DiagnosisTable(rules: rules, evaluationPeriodMilliseconds: period)
    }

    // MARK: Cell model and estimation

    static func cell(_ node: ConfigNode) throws(ConfigError) -> CellModel {
        try node.rejectUnknownKeys([
            "name", "nominal_capacity_ah", "electrode_area_cm2", "ocv_v", "r0_ohm", "r1_ohm", "tau1_s", "r2_ohm", "tau2_s",
            "reference_temperature_degc", "resistance_activation_energy_j_per_mol", "coulombic_efficiency", "hysteresis_v",
            "hysteresis_rate",
        ])
        return CellModel(
            name: try node.required("name").string(),
            nominalCapacityAmpereHours: try node.required("nominal_capacity_ah").double(in: 0.001...100_000),
            electrodeAreaSquareCentimetres: try node.required("electrode_area_cm2").double(in: 0.001...10_000_000),
            openCircuitVoltage: OCVTable(volts: try node.required("ocv_v").doubles()),
            seriesResistanceOhms: try node.required("r0_ohm").double(in: 0...100),
            firstRCResistanceOhms: try node.required("r1_ohm").double(in: 0...100),
            firstRCTimeConstantSeconds: try node.required("tau1_s").double(in: 0...1_000_000),
            secondRCResistanceOhms: try node.required("r2_ohm").double(in: 0...100),
            secondRCTimeConstantSeconds: try node.required("tau2_s").double(in: 0...1_000_000),
            referenceTemperatureCelsius: try node.required("reference_temperature_degc").double(in: -100...200),
            resistanceActivationEnergyJoulesPerMole: try node.required("resistance_activation_energy_j_per_mol").double(in: 0...1_000_000),
            nominalCoulombicEfficiency: try node.required("coulombic_efficiency").double(in: 0...1),
            hysteresisVolts: try node.required("hysteresis_v").double(in: 0...1),
            hysteresisRate: try node.required("hysteresis_rate").double(in: 0...100_000))
    }

    static func estimation(_ root: ConfigNode) throws(ConfigError) -> EstimationSettings {
        try root.rejectUnknownKeys(["cell", "soc_ekf", "soh"])
        let ekf = try root.required("soc_ekf")
        try ekf.rejectUnknownKeys([
            "initial_soc_sigma", "soc_process_variance_per_s", "polarization_process_variance_v2_per_s", "voltage_sigma_v",
            "innovation_gate_sigma", "current_noise_sigma_a", "current_offset_sigma_a", "current_gain_sigma", "soc_model_sigma",
        ])
        let soh = try root.required("soh")
        try soh.rejectUnknownKeys([
            "anchor_rest_ms", "anchor_soc_model_sigma", "minimum_window_delta_soc", "capacity_forgetting_factor",
            "initial_capacity_sigma_fraction", "resistance_forgetting_factor", "resistance_step_threshold_a", "resistance_step_voltage_sigma_v",
            "resistance_memory_s", "resistance_minimum_memory_steps",
            "coulombic_efficiency_windows", "capacity_history_length", "capacity_history_spacing_efc", "knee_slope_ratio",
        ])
        return EstimationSettings(
            initialSOCStandardDeviation: try ekf.required("initial_soc_sigma").double(in: 0...1),
            socProcessVariancePerSecond: try ekf.required("soc_process_variance_per_s").double(in: 0...1),
            polarizationProcessVariancePerSecond: try ekf.required("polarization_process_variance_v2_per_s").double(in: 0...1),
            voltageMeasurementStandardDeviationVolts: try ekf.required("voltage_sigma_v").double(in: 0...1),
            innovationGateSigma: try ekf.required("innovation_gate_sigma").double(in: 0...100),
            currentNoiseStandardDeviationAmperes: try ekf.required("current_noise_sigma_a").double(in: 0...1000),
            currentOffsetStandardDeviationAmperes: try ekf.required("current_offset_sigma_a").double(in: 0...1000),
            currentGainStandardDeviation: try ekf.required("current_gain_sigma").double(in: 0...1),
            anchorRestMilliseconds: Int64(try soh.required("anchor_rest_ms").int(in: 0...86_400_000)),
            anchorSOCModelStandardDeviation: try soh.required("anchor_soc_model_sigma").double(in: 0...1),
            minimumWindowDeltaSOC: try soh.required("minimum_window_delta_soc").double(in: 0...1),
            capacityForgettingFactor: try soh.required("capacity_forgetting_factor").double(in: 0...1),
            initialCapacityStandardDeviationFraction: try soh.required("initial_capacity_sigma_fraction").double(in: 0...1),
            resistanceForgettingFactor: try soh.required("resistance_forgetting_factor").double(in: 0...1),
            resistanceStepThresholdAmperes: try soh.required("resistance_step_threshold_a").double(in: 0...10_000),
            coulombicEfficiencyWindowCount: try soh.required("coulombic_efficiency_windows").int(in: 0...10_000),
            capacityHistoryLength: try soh.required("capacity_history_length").int(in: 0...10_000),
            kneeSlopeRatio: try soh.required("knee_slope_ratio").double(in: 0...1000),
            capacityHistorySpacingCycles: try soh.required("capacity_history_spacing_efc").double(in: 0...100_000),
            socModelStandardDeviation: try ekf.required("soc_model_sigma").double(in: 0...1),
            resistanceStepVoltageStandardDeviationVolts: try soh.required("resistance_step_voltage_sigma_v").double(in: 0...1),
            resistanceMemorySeconds: try soh.required("resistance_memory_s").double(in: 0...1e9),
            resistanceMinimumMemorySteps: try soh.required("resistance_minimum_memory_steps").double(in: 0...1e6))
    }

    // MARK: Controller

    static func topology(_ node: ConfigNode) throws(ConfigError) -> PackTopology {
        try node.rejectUnknownKeys([
            "series_cells", "parallel_cells", "cells_per_module", "temperature_sensors", "redundant_temperatures", "gas_sensors",
            "pressure_sensors", "smoke_sensors",
        ])
        return PackTopology(
            seriesCells: try node.required("series_cells").int(in: 0...100_000),
            parallelCells: try node.required("parallel_cells").int(in: 0...100_000),
            cellsPerModule: try node.required("cells_per_module").int(in: 0...100_000),
            temperatureSensors: try node.required("temperature_sensors").int(in: 0...100_000),
            redundantTemperatures: try node.required("redundant_temperatures").bool(),
            gasSensors: try node.required("gas_sensors").int(in: 0...100_000),
            pressureSensors: try node.required("pressure_sensors").int(in: 0...100_000),
            smokeSensors: try node.required("smoke_sensors").int(in: 0...100_000))
    }

    static func contactors(_ node: ConfigNode) throws(ConfigError) -> ContactorSettings {
        try node.rejectUnknownKeys([
            "feedback_required", "feedback_timeout_ms", "settle_ms", "precharge_tries", "precharge_voltage_threshold_mv",
            "precharge_current_threshold_ma", "precharge_timeout_ms", "wait_after_precharge_failure_ms",
        ])
        return ContactorSettings(
            feedbackRequired: try node.required("feedback_required").bool(),
            feedbackTimeoutMilliseconds: try int64(node, "feedback_timeout_ms"),
            settleMilliseconds: try int64(node, "settle_ms"),
            prechargeTries: try node.required("precharge_tries").int(in: 0...1000),
            prechargeVoltageThresholdMillivolts: try int32(node, "precharge_voltage_threshold_mv", 0...1_000_000),
            prechargeCurrentThresholdMilliamperes: try int32(node, "precharge_current_threshold_ma", 0...1_000_000),
            prechargeTimeoutMilliseconds: try int64(node, "precharge_timeout_ms"),
            waitAfterPrechargeFailureMilliseconds: try int64(node, "wait_after_precharge_failure_ms"))
    }

    static func measurements(_ root: ConfigNode) throws(ConfigError) -> MeasurementSettings {
        try root.rejectUnknownKeys([
            "topology", "contactors", "timeouts", "sensors", "plausibility", "rest", "insulation", "balancing", "charging", "reporting",
        ])
        let timeouts = try root.required("timeouts")
        try timeouts.rejectUnknownKeys([
            "cell_voltage_ms", "cell_temperature_ms", "current_ms", "pack_voltage_ms", "state_request_ms", "gas_ms", "pressure_ms",
            "insulation_ms", "initialization_ms",
        ])
        let sensors = try root.required("sensors")
        try sensors.rejectUnknownKeys([
            "cell_voltage_valid_mv", "open_wire_low_mv", "open_wire_high_factor", "temperature_open_circuit_ddegc",
            "temperature_step_limit_ddegc", "temperature_recovery_ms", "temperature_recovery_band_ddegc", "current_range_ma",
            "current_offset_time_constant_ms", "current_offset_limit_ma",
            "gas_full_scale_ppm", "gas_step_limit_ppm", "pressure_valid_pa", "pressure_step_limit_pa",
        ])
        let plausibility = try root.required("plausibility")
        try plausibility.rejectUnknownKeys([
            "pack_voltage_tolerance_mv", "redundant_temperature_tolerance_ddegc", "cell_voltage_spread_mv", "temperature_spread_ddegc",
        ])
        let rest = try root.required("rest")
        try rest.rejectUnknownKeys(["current_ma"])
        let insulation = try root.required("insulation")
        try insulation.rejectUnknownKeys(["warning_ohm_per_v", "error_ohm_per_v"])
        return MeasurementSettings(
            cellVoltageTimeoutMilliseconds: try int64(timeouts, "cell_voltage_ms"),
            cellTemperatureTimeoutMilliseconds: try int64(timeouts, "cell_temperature_ms"),
            currentTimeoutMilliseconds: try int64(timeouts, "current_ms"),
            packVoltageTimeoutMilliseconds: try int64(timeouts, "pack_voltage_ms"),
            stateRequestTimeoutMilliseconds: try int64(timeouts, "state_request_ms"),
            gasTimeoutMilliseconds: try int64(timeouts, "gas_ms"),
            pressureTimeoutMilliseconds: try int64(timeouts, "pressure_ms"),
            insulationTimeoutMilliseconds: try int64(timeouts, "insulation_ms"),
            initializationTimeoutMilliseconds: try int64(timeouts, "initialization_ms"),
            cellVoltageValidMillivolts: try range32(sensors, "cell_voltage_valid_mv"),
            openWireLowMillivolts: try int32(sensors, "open_wire_low_mv", 0...100_000),
            openWireHighFactor: try sensors.required("open_wire_high_factor").double(in: 0...100),
            temperatureOpenCircuitDeciCelsius: try int32(sensors, "temperature_open_circuit_ddegc", -10_000...10_000),
            temperatureStepLimitDeciCelsius: try int32(sensors, "temperature_step_limit_ddegc", 0...100_000),
            temperatureRecoveryMilliseconds: try int64(sensors, "temperature_recovery_ms"),
            temperatureRecoveryBandDeciCelsius: try int32(sensors, "temperature_recovery_band_ddegc", 0...100_000),
            currentSensorRangeMilliamperes: try int32(sensors, "current_range_ma", 0...Int(Int32.max)),
            currentOffsetTimeConstantMilliseconds: try int64(sensors, "current_offset_time_constant_ms"),
            currentOffsetLimitMilliamperes: try int32(sensors, "current_offset_limit_ma", 0...Int(Int32.max)),
            gasFullScalePartsPerMillion: try int32(sensors, "gas_full_scale_ppm", 0...Int(Int32.max)),
            gasStepLimitPartsPerMillion: try int32(sensors, "gas_step_limit_ppm", 0...Int(Int32.max)),
            pressureValidPascals: try range32(sensors, "pressure_valid_pa"),
            pressureStepLimitPascals: try int32(sensors, "pressure_step_limit_pa", 0...Int(Int32.max)),
            packVoltageToleranceMillivolts: try int32(plausibility, "pack_voltage_tolerance_mv", 0...Int(Int32.max)),
            redundantTemperatureToleranceDeciCelsius: try int32(plausibility, "redundant_temperature_tolerance_ddegc", 0...100_000),
            cellVoltageSpreadMillivolts: try int32(plausibility, "cell_voltage_spread_mv", 0...100_000),
            temperatureSpreadDeciCelsius: try int32(plausibility, "temperature_spread_ddegc", 0...100_000),
            restCurrentMilliamperes: try int32(rest, "current_ma", 0...Int(Int32.max)),
            insulationWarningOhmsPerVolt: try int32(insulation, "warning_ohm_per_v", 0...Int(Int32.max)),
            insulationErrorOhmsPerVolt: try int32(insulation, "error_ohm_per_v", 0...Int(Int32.max)))
    }

    static func balancing(_ node: ConfigNode) throws(ConfigError) -> BalancingSettings {
        try node.rejectUnknownKeys([
            "threshold_mv", "hysteresis_mv", "minimum_cell_mv", "maximum_temperature_ddegc", "resistance_ohm", "period_ms",
        ])
        return BalancingSettings(
            thresholdMillivolts: try int32(node, "threshold_mv", 0...100_000),
            hysteresisMillivolts: try int32(node, "hysteresis_mv", 0...100_000),
            minimumCellMillivolts: try int32(node, "minimum_cell_mv", 0...100_000),
            maximumTemperatureDeciCelsius: try int32(node, "maximum_temperature_ddegc", -10_000...10_000),
            resistanceOhms: try node.required("resistance_ohm").double(in: 0...1_000_000),
            periodMilliseconds: try int64(node, "period_ms"))
    }

    static func charging(_ node: ConfigNode) throws(ConfigError) -> ChargingSettings {
        try node.rejectUnknownKeys([
            "termination_current_ma_per_cell", "termination_hold_ms", "charger_keep_alive_ms", "command_deadband_ma", "limp_home_current_ma", "setpoint_margin",
        ])
        return ChargingSettings(
            terminationCurrentMilliamperesPerCell: try int32(node, "termination_current_ma_per_cell", 0...Int(Int32.max)),
            terminationHoldMilliseconds: try int64(node, "termination_hold_ms"),
            chargerKeepAliveMilliseconds: try int64(node, "charger_keep_alive_ms"),
            commandDeadbandMilliamperes: try int32(node, "command_deadband_ma", 0...Int(Int32.max)),
            limpHomeCurrentMilliamperes: try int32(node, "limp_home_current_ma", 0...Int(Int32.max)),
            setpointMarginFraction: try node.required("setpoint_margin").double(in: 0...1))
    }

    static func reporting(_ node: ConfigNode) throws(ConfigError) -> ReportingSettings {
        try node.rejectUnknownKeys([
            "status_ms", "limits_ms", "extremes_ms", "pack_values_ms", "state_estimates_ms", "cell_estimates_ms", "cells_per_estimate_report",
            "thermal_runaway_ms", "lithium_inventory_ms",
        ])
        return ReportingSettings(
            statusMilliseconds: try int64(node, "status_ms"), limitsMilliseconds: try int64(node, "limits_ms"),
            extremesMilliseconds: try int64(node, "extremes_ms"), packValuesMilliseconds: try int64(node, "pack_values_ms"),
            stateEstimatesMilliseconds: try int64(node, "state_estimates_ms"), cellEstimatesMilliseconds: try int64(node, "cell_estimates_ms"),
            cellsPerEstimateReport: try node.required("cells_per_estimate_report").int(in: 0...1000),
            thermalRunawayMilliseconds: try int64(node, "thermal_runaway_ms"),
            lithiumInventoryMilliseconds: try int64(node, "lithium_inventory_ms"))
    }

    // MARK: Thermal runaway, dendrites, healing

    static func thermalRunaway(_ root: ConfigNode) throws(ConfigError) -> ThermalRunawaySettings {
        try root.rejectUnknownKeys(["confirmation", "sampling", "corroboration", "warning", "gas", "pressure", "soft_short"])
        let confirmation = try root.required("confirmation")
        try confirmation.rejectUnknownKeys(["voltage_drop_fraction", "rate_degc_per_s", "rate_hold_ms"])
        let sampling = try root.required("sampling")
        try sampling.rejectUnknownKeys(["interval_ms", "rate_window_samples", "voltage_reference_time_constant_ms"])
        let corroboration = try root.required("corroboration")
        try corroboration.rejectUnknownKeys(["voltage_deviation_fraction", "voltage_deviation_minimum_soc"])
        let warning = try root.required("warning")
        try warning.rejectUnknownKeys(["rate_degc_per_s", "rate_hold_ms", "clear_ms"])
        let gas = try root.required("gas")
        try gas.rejectUnknownKeys(["warning_rise_ppm", "alarm_rise_ppm", "hold_ms", "baseline_time_constant_ms"])
        let pressure = try root.required("pressure")
        try pressure.rejectUnknownKeys(["warning_rise_pa", "alarm_rise_pa", "hold_ms", "baseline_time_constant_ms"])
        let softShort = try root.required("soft_short")
        try softShort.rejectUnknownKeys(["warning_ma"])
        return ThermalRunawaySettings(
            confirmationVoltageDropFraction: try confirmation.required("voltage_drop_fraction").double(in: 0...1),
            confirmationRateCelsiusPerSecond: try confirmation.required("rate_degc_per_s").double(in: 0...1000),
            confirmationRateHoldMilliseconds: try int64(confirmation, "rate_hold_ms"),
            sampleIntervalMilliseconds: try int64(sampling, "interval_ms"),
            rateWindowSamples: try sampling.required("rate_window_samples").int(in: 0...10_000),
            voltageReferenceTimeConstantMilliseconds: try int64(sampling, "voltage_reference_time_constant_ms"),
            voltageDeviationFraction: try corroboration.required("voltage_deviation_fraction").double(in: 0...1),
            warningRateCelsiusPerSecond: try warning.required("rate_degc_per_s").double(in: 0...1000),
            warningRateHoldMilliseconds: try int64(warning, "rate_hold_ms"),
            gasWarningRisePartsPerMillion: try int32(gas, "warning_rise_ppm", 0...Int(Int32.max)),
            gasAlarmRisePartsPerMillion: try int32(gas, "alarm_rise_ppm", 0...Int(Int32.max)),
            gasHoldMilliseconds: try int64(gas, "hold_ms"),
            gasBaselineTimeConstantMilliseconds: try int64(gas, "baseline_time_constant_ms"),
            pressureWarningRisePascals: try int32(pressure, "warning_rise_pa", 0...Int(Int32.max)),
            pressureAlarmRisePascals: try int32(pressure, "alarm_rise_pa", 0...Int(Int32.max)),
            pressureHoldMilliseconds: try int64(pressure, "hold_ms"),
            pressureBaselineTimeConstantMilliseconds: try int64(pressure, "baseline_time_constant_ms"),
            softShortWarningMilliamperes: try softShort.required("warning_ma").double(in: 0...1_000_000),
            warningClearMilliseconds: try int64(warning, "clear_ms"),
            voltageDeviationMinimumSOC: try corroboration.required("voltage_deviation_minimum_soc").double(in: 0...1))
    }

    static func dendrite(_ root: ConfigNode) throws(ConfigError) -> DendriteDiagnosisSettings {
        try root.rejectUnknownKeys(["rest", "divergence", "coulombic_efficiency", "resistance"])
        let rest = try root.required("rest")
        try rest.rejectUnknownKeys(["settle_ms", "minimum_analysis_ms", "self_discharge_suspect_ma", "noise_ratio_suspect", "minimum_soc"])
        let divergence = try root.required("divergence")
        try divergence.rejectUnknownKeys([
            "sample_ms", "time_constant_ms", "suspect_ma", "minimum_hysteresis_saturation", "confirm_ms",
        ])
        let efficiency = try root.required("coulombic_efficiency")
        try efficiency.rejectUnknownKeys(["drop", "baseline_windows"])
        let resistance = try root.required("resistance")
        try resistance.rejectUnknownKeys(["rise_fraction"])
        return DendriteDiagnosisSettings(
            restSettleMilliseconds: try int64(rest, "settle_ms"),
            minimumRestAnalysisMilliseconds: try int64(rest, "minimum_analysis_ms"),
            selfDischargeSuspectMilliamperes: try rest.required("self_discharge_suspect_ma").double(in: 0...1_000_000),
            noiseRatioSuspect: try rest.required("noise_ratio_suspect").double(in: 0...1000),
            divergenceSampleMilliseconds: try int64(divergence, "sample_ms"),
            divergenceTimeConstantMilliseconds: try int64(divergence, "time_constant_ms"),
            divergenceSuspectMilliamperes: try divergence.required("suspect_ma").double(in: 0...1_000_000),
            coulombicEfficiencyDrop: try efficiency.required("drop").double(in: 0...1),
            coulombicEfficiencyBaselineWindows: try efficiency.required("baseline_windows").int(in: 0...100_000),
            resistanceRiseFraction: try resistance.required("rise_fraction").double(in: 0...100),
            restMinimumSOC: try rest.required("minimum_soc").double(in: 0...1),
            divergenceMinimumHysteresisSaturation: try divergence.required("minimum_hysteresis_saturation").double(in: 0...1),
            divergenceConfirmMilliseconds: try int64(divergence, "confirm_ms"))
    }

    static func healing(_ root: ConfigNode) throws(ConfigError) -> HealingProfiles {
        try root.rejectUnknownKeys([
            "automatic", "forbidden_unless", "self_heating_dose", "asymmetric_bidirectional", "pulse_charging", "rest_interleaved", "phases",
            "preventive",
        ])
        let margins = try root.required("forbidden_unless")
        try margins.rejectUnknownKeys([
            "temperature_below_charge_max_ddegc", "minimum_temperature_ddegc", "voltage_below_max_mv", "voltage_above_min_mv", "soc_window",
            "temperature_rise_budget_ddegc",
        ])
        let socWindow = try margins.required("soc_window")
        let window = try socWindow.doubles()
        guard window.count == 2 else { throw socWindow.error("expected [minimum, maximum]") }
        let heating = try root.required("self_heating_dose")
        try heating.rejectUnknownKeys(["current_density_ma_per_cm2", "pulse_ms", "rest_ms", "cycles"])
        let abc = try root.required("asymmetric_bidirectional")
        try abc.rejectUnknownKeys(["forward_c_rate", "reverse_charge_ratio", "forward_ms", "reverse_ms", "charges", "finish_cc_cv_within_mv"])
        let pulse = try root.required("pulse_charging")
        try pulse.rejectUnknownKeys(["on_ms", "off_ms", "mean_c_rate"])
        let rest = try root.required("rest_interleaved")
        try rest.rejectUnknownKeys(["charge_ms", "rest_ms", "c_rate"])
        var preventive = HealingProfiles.Preventive.off
        if let node = try root.optional("preventive") {
            try node.rejectUnknownKeys(["reference_current_density_ma_per_cm2", "cold_sensitivity_per_k", "reference_celsius", "dose_after"])
            preventive = .init(
                referenceCurrentDensityMilliamperesPerSquareCentimetre: try node.required("reference_current_density_ma_per_cm2").double(in: 0.001...1000),
                coldSensitivityPerKelvin: try node.required("cold_sensitivity_per_k").double(in: 0...1),
                referenceCelsius: try node.required("reference_celsius").double(in: -40...80),
                doseAfter: try node.required("dose_after").double(in: 0...1e9))
        }
        let phases = try root.required("phases")
        try phases.rejectUnknownKeys([
            "diagnose_rest_ms", "schedule_timeout_ms", "run_ms", "verify_rest_ms", "improvement_fraction", "minimum_interval_ms",
        ])
        return HealingProfiles(
            automatic: try root.required("automatic").bool(),
            margins: .init(
                temperatureBelowChargeMaximumDeciCelsius: try int32(margins, "temperature_below_charge_max_ddegc", -10_000...10_000),
                minimumTemperatureDeciCelsius: try int32(margins, "minimum_temperature_ddegc", -10_000...10_000),
                voltageBelowMaximumMillivolts: try int32(margins, "voltage_below_max_mv", -100_000...100_000),
                voltageAboveMinimumMillivolts: try int32(margins, "voltage_above_min_mv", -100_000...100_000),
                minimumSOC: window[0], maximumSOC: window[1],
                temperatureRiseBudgetDeciCelsius: try int32(margins, "temperature_rise_budget_ddegc", -10_000...10_000)),
            selfHeating: .init(
                currentDensityMilliamperesPerSquareCentimetre: try heating.required("current_density_ma_per_cm2").double(in: 0...10_000),
                pulseMilliseconds: try int32(heating, "pulse_ms", 0...3_600_000),
                restMilliseconds: try int32(heating, "rest_ms", 0...3_600_000),
                cycles: try heating.required("cycles").int(in: 0...1_000_000)),
            asymmetricBidirectional: .init(
                forwardCRate: try abc.required("forward_c_rate").double(in: 0...100),
                reverseChargeRatio: try abc.required("reverse_charge_ratio").double(in: 0...100),
                forwardMilliseconds: try int32(abc, "forward_ms", 0...3_600_000),
                reverseMilliseconds: try int32(abc, "reverse_ms", 0...3_600_000),
                charges: try abc.required("charges").int(in: 0...100_000),
                finishWithinMillivolts: try int32(abc, "finish_cc_cv_within_mv", 0...100_000)),
            pulseCharging: .init(
                onMilliseconds: try int32(pulse, "on_ms", 0...3_600_000), offMilliseconds: try int32(pulse, "off_ms", 0...3_600_000),
                meanCRate: try pulse.required("mean_c_rate").double(in: 0...100)),
            restInterleaved: .init(
                chargeMilliseconds: try int32(rest, "charge_ms", 0...3_600_000), restMilliseconds: try int32(rest, "rest_ms", 0...3_600_000),
                cRate: try rest.required("c_rate").double(in: 0...100)),
            phases: .init(
                diagnoseRestMilliseconds: try int64(phases, "diagnose_rest_ms"),
                scheduleTimeoutMilliseconds: try int64(phases, "schedule_timeout_ms"),
                runMilliseconds: try int64(phases, "run_ms"), verifyRestMilliseconds: try int64(phases, "verify_rest_ms"),
                improvementFraction: try phases.required("improvement_fraction").double(in: 0...1),
                minimumIntervalMilliseconds: try int64(phases, "minimum_interval_ms")),
            preventive: preventive)
    }

    // MARK: Helpers

    static func int32(_ node: ConfigNode, _ key: String, _ range: ClosedRange<Int>) throws(ConfigError) -> Int32 {
        let lower = max(range.lowerBound, Int(Int32.min))
        let upper = min(range.upperBound, Int(Int32.max))
        return Int32(try node.required(key).int(in: lower...upper))
    }

    static func int64(_ node: ConfigNode, _ key: String) throws(ConfigError) -> Int64 {
        Int64(try node.required(key).int(in: 0...86_400_000 * 365))
    }

    static func range32(_ node: ConfigNode, _ key: String) throws(ConfigError) -> ClosedRange<Int32> {
        let child = try node.required(key)
        let bounds = try child.elements()
        guard bounds.count == 2 else { throw child.error("expected [minimum, maximum]") }
        let low = try bounds[0].int(in: Int(Int32.min)...Int(Int32.max))
        let high = try bounds[1].int(in: Int(Int32.min)...Int(Int32.max))
        guard low <= high else { throw child.error("minimum \(low) exceeds maximum \(high)") }
        return Int32(low)...Int32(high)
    }

    /// Turns a validation issue into a located error: the node named by the key path, or its deepest
    /// existing ancestor. Diagnosis rows are found by their `id`.
    static func locate(_ issue: ConfigurationIssue, in root: ConfigNode) -> ConfigError {
        var node = root
        var path = issue.keyPath[...]
        if issue.file == .diagnosis, path.first == "rows", path.count >= 2, let rows = try? root.required("rows").elements() {
            let name = path[path.startIndex + 1]
            if let row = rows.first(where: { (try? $0.required("id").string()) == name }) {
                node = row
                path = path.dropFirst(2)
            } else {
                node = (try? root.required("rows")) ?? root
                path = []
            }
        }
        for key in path {
            if let child = try? node.required(key) {
                node = child
            } else if let index = Int(key), let elements = try? node.elements(), elements.indices.contains(index) {
                node = elements[index]
            } else {
                break
            }
        }
        var error = node.error(issue.reason)
        error = ConfigError(
            file: error.file, line: error.line, column: error.column, key: issue.keyPath.joined(separator: "."), reason: issue.reason)
        return error
    }
}
