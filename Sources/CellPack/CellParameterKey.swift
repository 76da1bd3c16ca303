/// Every scalar in a cell parameter file, named by its dotted YAML key path.
///
/// The parameter file (`Firmware/cells/*.yaml`) writes each of these as `{value: …, source: "…"}` inside its
/// section; ``spec`` gives the unit-bearing meaning and the physically admissible range that
/// ``CellParameters/validate()`` enforces. Laws that have no literature rate constant are reduced-order model
/// assumptions; their values are calibrated to the validation targets named in the parameter file.
public enum CellParameterKey: String, CaseIterable, Sendable, Comparable {
    // MARK: design (geometry, loadings, masses)
    case nominalCapacityAh = "design.nominal_capacity_ah"
    case cathodeLoading = "design.cathode_loading_mah_per_cm2"
    case cathodeSpecificCapacity = "design.cathode_specific_capacity_mah_per_g"
    case lithiumThickness = "design.lithium_thickness_um"
    case separatorThickness = "design.separator_thickness_um"
    case separatorPorosity = "design.separator_porosity"
    case separatorTortuosity = "design.separator_tortuosity"
    case electrolytePerCapacity = "design.electrolyte_g_per_ah"
    case cellMass = "design.cell_mass_g"
    case electrodeFaceArea = "design.electrode_face_area_cm2"
    case cellThickness = "design.cell_thickness_mm"
    case gasVolumeLimit = "design.pouch_gas_volume_ml"
    case formationSEIFraction = "design.formation_sei_fraction"

    // MARK: electrical (ECM)
    case r0 = "electrical.r0_ohm"
    case r1 = "electrical.r1_ohm"
    case tau1 = "electrical.tau1_s"
    case r2 = "electrical.r2_ohm"
    case tau2 = "electrical.tau2_s"
    case resistanceActivation = "electrical.resistance_activation_kj_per_mol"
    case resistanceSOCCurvature = "electrical.resistance_soc_curvature"
    case hysteresisAmplitude = "electrical.hysteresis_mv"
    case hysteresisRate = "electrical.hysteresis_rate"
    case selfDischarge = "electrical.self_discharge_percent_per_month"
    case anodeDepletionVolts = "electrical.anode_depletion_v"
    case anodeDepletionReserve = "electrical.anode_depletion_reserve_fraction"
    case upperCutoff = "electrical.upper_cutoff_v"
    case lowerCutoff = "electrical.lower_cutoff_v"
    case oxidationOnset = "electrical.electrolyte_oxidation_onset_v"
    case oxidationWidth = "electrical.electrolyte_oxidation_width_v"

    // MARK: thermal
    case specificHeat = "thermal.specific_heat_j_per_kg_k"
    case coreHeatFraction = "thermal.core_heat_fraction"
    case coreSurfaceConductance = "thermal.core_surface_conductance_w_per_k"

    // MARK: lithium inventory, SEI, electrolyte, resistance growth
    case lithiumEfficiency = "lithium.efficiency_reference"
    case efficiencyReferenceCurrent = "lithium.reference_current_density_ma_per_cm2"
    case deadShare = "lithium.dead_share"
    case lossCurrentSensitivity = "lithium.loss_current_sensitivity"
    case lossRoughnessSensitivity = "lithium.loss_roughness_sensitivity"
    case lossColdSensitivity = "lithium.loss_cold_sensitivity_per_k"
    case seiActivation = "lithium.sei_activation_kj_per_mol"
    case calendarLoss = "lithium.calendar_loss_fraction_per_sqrt_day"
    case pressureOptimum = "lithium.pressure_optimum_kpa"
    case pressureSensitivity = "lithium.pressure_sensitivity"
    case electrolytePerLithium = "lithium.electrolyte_per_lithium_g_per_mol"
    case dryOutThreshold = "lithium.dry_out_g_per_ah"
    case dryOutResistanceGain = "lithium.dry_out_resistance_gain"
    case interphaseResistance = "lithium.interphase_resistance_ohm_per_ah"
    case porousLayerResistance = "lithium.porous_layer_resistance_ohm_per_um"
    case deadLayerPorosity = "lithium.dead_layer_porosity"
    case deadSpecificArea = "lithium.dead_specific_area_m2_per_g"

    // MARK: dendrites, Sand's time, healing, shorts
    case diffusivity = "dendrites.electrolyte_diffusivity_m2_per_s"
    case diffusionActivation = "dendrites.diffusion_activation_kj_per_mol"
    case saltConcentration = "dendrites.salt_concentration_mol_per_l"
    case transferenceNumber = "dendrites.transference_number"
    case tipRelaxation = "dendrites.tip_relaxation_ms"
    case tipLimitingCurrent = "dendrites.tip_limiting_current_ma_per_cm2"
    case focusingGain = "dendrites.focusing_gain"
    case tipGrowthGain = "dendrites.tip_growth_gain"
    case rougheningRate = "dendrites.roughening_per_mah_per_cm2"
    case rougheningRiskGain = "dendrites.roughening_risk_gain"
    case strippingRetraction = "dendrites.stripping_retraction"
    case tipSelectivity = "dendrites.tip_selectivity"
    case selectiveWindow = "dendrites.selective_window_s"
    case selectiveSmoothing = "dendrites.selective_smoothing_per_mah_per_cm2"
    case healThreshold = "dendrites.heal_threshold_ma_per_cm2"
    case healRate = "dendrites.heal_rate_per_s"
    case healActivation = "dendrites.heal_activation_kj_per_mol"
    case tipHeating = "dendrites.tip_heating_k"
    case softShortOnset = "dendrites.soft_short_onset_fraction"
    case softShortRate = "dendrites.soft_short_rate_per_h"
    case softShortConductance = "dendrites.soft_short_siemens"
    case softShortFuseRate = "dendrites.soft_short_fuse_rate_per_h"
    case softShortNoise = "dendrites.soft_short_noise_per_sqrt_s"
    case hardShortResistance = "dendrites.hard_short_ohm"

    // MARK: cathode (NCM cracking, loss of active material)
    case crackVoltage = "cathode.crack_voltage_v"
    case crackSOC = "cathode.crack_soc"
    case lossPerCrackCharge = "cathode.lam_per_ah_per_ah"
    case lossCRateGain = "cathode.lam_c_rate_gain"
    case lossResistanceGain = "cathode.resistance_gain_per_lam"

    // MARK: abuse (Kim 2007 reactions with a lithium-metal anode), venting
    case kineticsFloor = "abuse.kinetics_floor_c"
    case seiDecompositionOnset = "abuse.sei_onset_c"
    case seiFrequency = "abuse.sei_frequency_per_s"
    case seiDecompositionActivation = "abuse.sei_activation_kj_per_mol"
    case seiHeat = "abuse.sei_heat_j_per_g"
    case seiMolarMass = "abuse.sei_molar_mass_g_per_mol"
    case lithiumFrequency = "abuse.lithium_frequency_mol_per_m2_s"
    case lithiumActivation = "abuse.lithium_activation_kj_per_mol"
    case lithiumHeat = "abuse.lithium_heat_kj_per_mol"
    case cathodeFrequency = "abuse.cathode_frequency_per_s"
    case cathodeActivation = "abuse.cathode_activation_kj_per_mol"
    case cathodeHeat = "abuse.cathode_heat_j_per_g"
    case cathodeInitialConversion = "abuse.cathode_initial_conversion"
    case electrolyteFrequency = "abuse.electrolyte_frequency_per_s"
    case electrolyteActivation = "abuse.electrolyte_activation_kj_per_mol"
    case electrolyteHeat = "abuse.electrolyte_heat_j_per_g"
    case separatorShutdown = "abuse.separator_shutdown_c"
    case shutdownResistanceFactor = "abuse.shutdown_resistance_factor"
    case separatorMeltdown = "abuse.separator_meltdown_c"
    case meltdownShortResistance = "abuse.meltdown_short_ohm"
    case lithiumMelting = "abuse.lithium_melting_c"
    case moltenAreaFactor = "abuse.molten_area_factor"
    case ventPressure = "abuse.vent_pressure_kpa"
    case runawayRate = "abuse.runaway_rate_k_per_s"
    case selfHeatingRate = "abuse.self_heating_rate_k_per_min"
    case ejectaFraction = "abuse.ejecta_fraction"

    // MARK: gas (yields in mol of gas per mol of the named source), permeation, vapour
    case seiFormationCO2 = "gas.sei_formation_co2"
    case seiFormationC2H4 = "gas.sei_formation_c2h4"
    case platingH2 = "gas.rough_plating_h2"
    case oxidationCO2 = "gas.oxidation_co2"
    case oxidationCO = "gas.oxidation_co"
    case oxidationH2 = "gas.oxidation_h2"
    case latticeO2 = "gas.lattice_o2"
    case seiDecompositionCO2 = "gas.sei_decomposition_co2"
    case seiDecompositionC2H4 = "gas.sei_decomposition_c2h4"
    case lithiumElectrolyteC2H4 = "gas.lithium_electrolyte_c2h4"
    case lithiumElectrolyteH2 = "gas.lithium_electrolyte_h2"
    case cathodeO2 = "gas.cathode_o2_mol_per_g"
    case electrolyteCO2 = "gas.electrolyte_co2_mol_per_g"
    case electrolyteCO = "gas.electrolyte_co_mol_per_g"
    case electrolyteH2 = "gas.electrolyte_h2_mol_per_g"
    case hydrogenPermeance = "gas.h2_permeance_mol_per_s_kpa"
    case permeanceRatio = "gas.other_permeance_ratio"
    case vapourPressure45 = "gas.solvent_vapour_kpa_at_45c"
    case vapourEnthalpy = "gas.solvent_vaporisation_kj_per_mol"

    /// The YAML section the key lives in (`design`, `electrical`, …).
    public var section: String { String(rawValue.prefix { $0 != "." }) }
    /// The key's name inside its section.
    public var name: String { String(rawValue.drop { $0 != "." }.dropFirst()) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}
