/// State of function: the charge and discharge current the pack allows now (foxBMS `sof/trapezoid`).
///
/// The continuous limit (MOL current per cell × parallel cells) is derated linearly from 1 at a
/// temperature's MOL to 0 at its MSL; charge uses the charge temperature limits and falls from 1 at the
/// charge-end cell voltage to 0 at the maximum-voltage MOL (``SafetyLimits/chargeEndCellMillivolts``), so a
/// normal charge never reaches a warning tier; discharge uses the discharge temperature limits and falls
/// from 1 at the minimum-voltage MOL to 0 at its RSL. Zero while the contactors are open or a fatal flag is pending; the
/// limp-home current with a faulted thermistor; no charge during a thermal-runaway warning.
enum CurrentLimitCalculator {
    struct Conditions {
        var contactorsClosed: Bool
        var fatalPending: Bool
        var thermalRunaway: ThermalRunawayLevel
        var temperatureSensorFault: Bool
    }

    static func compute(snapshot: PackSnapshot, configuration: BMSConfiguration, conditions: Conditions) -> CurrentLimitsReport {
        let limits = configuration.limits
        let topology = configuration.topology
        let series = Int64(topology.seriesCells)
        let maximumPack = Int32(clamping: Int64(limits.cellVoltageMaximum.maximumOperating) * series)
        let minimumPack = Int32(clamping: Int64(limits.cellVoltageMinimum.maximumOperating) * series)
        var charge = 0.0
        var discharge = 0.0
        if conditions.contactorsClosed, !conditions.fatalPending, conditions.thermalRunaway < .alarm, snapshot.validCellCount > 0,
            snapshot.validSensorCount > 0
        {
            let parallel = Double(topology.parallelCells)
            let maxT = snapshot.maximumDeciCelsius
            let minT = snapshot.minimumDeciCelsius
            charge = Double(limits.chargeCurrentPerCell.maximumOperating) * parallel
                * ramp(maxT, limits.chargeTemperatureMaximum, from: .maximumOperating, to: .maximumSafety)
                * ramp(minT, limits.chargeTemperatureMinimum, from: .maximumOperating, to: .maximumSafety)
                * ramp(snapshot.maximumCellMillivolts, from: limits.chargeEndCellMillivolts, to: limits.cellVoltageMaximum.maximumOperating)
            discharge = Double(limits.dischargeCurrentPerCell.maximumOperating) * parallel
                * ramp(maxT, limits.dischargeTemperatureMaximum, from: .maximumOperating, to: .maximumSafety)
                * ramp(minT, limits.dischargeTemperatureMinimum, from: .maximumOperating, to: .maximumSafety)
                * ramp(snapshot.minimumCellMillivolts, limits.cellVoltageMinimum, from: .maximumOperating, to: .recommendedSafety)
            let limpHome = Double(configuration.charging.limpHomeCurrentMilliamperes)
            if conditions.temperatureSensorFault {
                charge = min(charge, limpHome)
                discharge = min(discharge, limpHome)
            }
            if conditions.thermalRunaway == .warning {
                charge = 0
                discharge = min(discharge, limpHome)
            }
        }
        let packVolts = snapshot.packVoltageValid ? Double(snapshot.packMillivolts) / 1000 : snapshot.meanCellVolts * Double(series)
        return CurrentLimitsReport(
            maximumChargeMilliamperes: Int32(clamping: charge), maximumDischargeMilliamperes: Int32(clamping: discharge),
            maximumChargePowerWatts: Int32(clamping: charge / 1000 * packVolts),
            maximumDischargePowerWatts: Int32(clamping: discharge / 1000 * packVolts), maximumPackMillivolts: maximumPack,
            minimumPackMillivolts: minimumPack)
    }

    /// 1 at or below `start`, 0 at or above `end` (an upper limit), linear between.
    static func ramp(_ value: Int32, from start: Int32, to end: Int32) -> Double {
        if value <= start { return 1 }
        if value >= end { return 0 }
        return Double(end - value) / Double(end - start)
    }

    /// 1 on the safe side of the `from` tier, 0 at or beyond the `to` tier, linear between.
    static func ramp(_ value: Int32, _ limits: TierLimits, from: LimitTier, to: LimitTier) -> Double {
        let start = Double(limits.limit(from))
        let end = Double(limits.limit(to))
        let x = Double(value)
        switch limits.direction {
        case .upper:
            if x <= start { return 1 }
            if x >= end { return 0 }
        case .lower:
            if x >= start { return 1 }
            if x <= end { return 0 }
        }
        return (end - x) / (end - start)
    }
}
