/// A status value to send (phase 2 maps each case onto a message of `Firmware/bms.dbc`). Fractions
/// are in basis points (1/10 000), so 10 000 = 100 %.
public enum BMSReport: Hashable, Sendable {
    case status(StatusReport)
    case limits(CurrentLimitsReport)
    case cellVoltageExtremes(CellVoltageExtremesReport)
    case temperatureExtremes(TemperatureExtremesReport)
    case packValues(PackValuesReport)
    case stateEstimates(StateEstimatesReport)
    /// Per-block estimates for `cells.count` consecutive blocks starting at `firstCell` (cycling through the pack).
    case cellEstimates(firstCell: Int, cells: [CellEstimateReport])
    case thermalRunaway(ThermalRunawayStatusReport)
    case lithiumInventory(LithiumInventoryReport)
    /// Sent when a block's dendrite-risk verdict changes.
    case dendriteHealth(DendriteHealthReport)
}

/// Controller state and a digest of the diagnosis.
public struct StatusReport: Hashable, Sendable {
    public var state: BMSStateName
    public var activeFatalCount: Int
    public var activeWarningCount: Int
    public var activeInfoCount: Int
    /// Contactors whose last command was "close".
    public var closedContactors: [Contactor]
    public var stateRequestValid: Bool
    public var thermalRunaway: ThermalRunawayLevel
    public var balancingCellCount: Int
    public var chargerOn: Bool
}

/// The SOF result (foxBMS `f_PackLimits`).
public struct CurrentLimitsReport: Hashable, Sendable {
    public var maximumChargeMilliamperes: Int32
    public var maximumDischargeMilliamperes: Int32
    public var maximumChargePowerWatts: Int32
    public var maximumDischargePowerWatts: Int32
    public var maximumPackMillivolts: Int32
    public var minimumPackMillivolts: Int32
}

public struct CellVoltageExtremesReport: Hashable, Sendable {
    public var minimumMillivolts: Int32
    public var minimumCell: Int
    public var maximumMillivolts: Int32
    public var maximumCell: Int
    public var meanMillivolts: Int32
    public var validCells: Int
}

public struct TemperatureExtremesReport: Hashable, Sendable {
    public var minimumDeciCelsius: Int32
    public var minimumSensor: Int
    public var maximumDeciCelsius: Int32
    public var maximumSensor: Int
    public var validSensors: Int
    /// Mean of the valid sensors.
    public var meanDeciCelsius: Int32
    /// Fastest dT/dt of any valid sensor (0.01 °C/s).
    public var maximumRateCentiCelsiusPerSecond: Int32
}

public struct PackValuesReport: Hashable, Sendable {
    public var packMillivolts: Int32
    public var linkMillivolts: Int32
    /// Positive = discharge (0 while the current is not valid).
    public var currentMilliamperes: Int32
    public var powerWatts: Int32
    public var packVoltageValid: Bool
    public var linkVoltageValid: Bool
    public var currentValid: Bool
}

/// Pack-level SOC and SOH.
public struct StateEstimatesReport: Hashable, Sendable {
    public var socMinimumBasisPoints: Int32
    public var socMeanBasisPoints: Int32
    public var socMaximumBasisPoints: Int32
    /// Largest 1σ SOC uncertainty of any block.
    public var socSigmaBasisPoints: Int32
    /// Capacity SOH of the weakest block (usable pack capacity / nominal).
    public var sohCapacityMinimumBasisPoints: Int32
    public var sohCapacityMeanBasisPoints: Int32
    /// 1σ of the weakest block's capacity SOH.
    public var sohCapacitySigmaBasisPoints: Int32
    /// Resistance of the worst block relative to nominal (10 000 = nominal, rises with ageing).
    public var resistanceMaximumBasisPoints: Int32
    /// Sum of the blocks' 25 °C series resistances relative to nominal.
    public var packResistanceBasisPoints: Int32
    /// Usable pack capacity (weakest block) in mAh.
    public var usableCapacityMilliampereHours: Int32
}

/// One block's estimates.
public struct CellEstimateReport: Hashable, Sendable {
    public var socBasisPoints: Int32
    public var socSigmaBasisPoints: Int32
    public var sohCapacityBasisPoints: Int32
    public var sohCapacitySigmaBasisPoints: Int32
    public var resistanceBasisPoints: Int32
}

public struct ThermalRunawayStatusReport: Hashable, Sendable {
    public var level: ThermalRunawayLevel
    public var signals: ThermalRunawaySignals
    public var cells: [Int]
    /// Highest dT/dt of any valid sensor (0.01 °C/s).
    public var maximumRateCentiCelsiusPerSecond: Int32
    /// Hydrogen above baseline (ppm), highest sensor.
    public var gasRisePartsPerMillion: Int32
    /// Pressure above baseline (Pa), highest sensor.
    public var pressureRisePascals: Int32
}

/// Lithium-inventory-loss indicators (pack level, worst block).
public struct LithiumInventoryReport: Hashable, Sendable {
    /// Rolling Coulombic efficiency in parts per million (999 000 = 99.9 %); 0 before it is known.
    public var coulombicEfficiencyPartsPerMillion: Int32
    /// Capacity fade per 100 equivalent full cycles, basis points.
    public var fadePerHundredCyclesBasisPoints: Int32
    public var kneeDetected: Bool
    /// Equivalent full cycles so far (0.01 cycle).
    public var equivalentFullCyclesHundredths: Int32
}

/// The dendrite-health verdict of one block.
public struct DendriteHealthReport: Hashable, Sendable {
    public var cell: Int
    public var risk: DendriteRisk
    public var signatures: DendriteSignatures
}

/// Dendrite risk of one block.
public enum DendriteRisk: Int, Hashable, Sendable, Comparable, CaseIterable {
    case none = 0
    /// One signature: keep watching.
    case watch = 1
    /// Healing recommended.
    case elevated = 2
    /// Strong short signature: safety path (thermal-runaway warning), no healing.
    case high = 3

    public static func < (lhs: DendriteRisk, rhs: DendriteRisk) -> Bool { lhs.rawValue < rhs.rawValue }
}
