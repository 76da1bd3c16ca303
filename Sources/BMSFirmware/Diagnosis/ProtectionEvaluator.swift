/// Safe-operating-area checks (foxBMS `SOA_Check*`): every quantity against its MOL, RSL and MSL tier,
/// with hysteresis, feeding the debounced ``DiagnosisMonitor``.
///
/// A value beyond a limit counts "not OK"; a value back inside by the hysteresis counts "OK"; a value in
/// the hysteresis band repeats the flag's present state, so a set flag does not chatter at the limit.
/// Temperature and current rows of the direction not flowing count "OK" (foxBMS checks charge limits
/// only while charging). While a healing protocol runs, the current rows use the cell's pulse rating as
/// MSL and skip MOL/RSL, because the protocol deliberately drives short pulses above the continuous limits.
enum ProtectionEvaluator {
    struct Context {
        var snapshot: PackSnapshot
        var limits: SafetyLimits
        var topology: PackTopology
        var restCurrentMilliamperes: Int32
        var healingPulsesActive: Bool
        var now: Int64
    }

    static func evaluate(_ context: Context, monitor: inout DiagnosisMonitor, transitions: inout [DiagnosisTransition]) {
        let snapshot = context.snapshot
        let limits = context.limits
        let now = context.now
        let voltagesKnown = snapshot.validCellCount > 0
        tiers(
            limits.cellVoltageMaximum, value: snapshot.maximumCellMillivolts, known: voltagesKnown, location: snapshot.maximumCell,
            ids: (.cellOvervoltageMOL, .cellOvervoltageRSL, .cellOvervoltageMSL), monitor: &monitor, transitions: &transitions, now: now)
        tiers(
            limits.cellVoltageMinimum, value: snapshot.minimumCellMillivolts, known: voltagesKnown, location: snapshot.minimumCell,
            ids: (.cellUndervoltageMOL, .cellUndervoltageRSL, .cellUndervoltageMSL), monitor: &monitor, transitions: &transitions, now: now)

        let charging = snapshot.currentValid && Int64(snapshot.currentMilliamperes) < -Int64(context.restCurrentMilliamperes)
        let temperaturesKnown = snapshot.validSensorCount > 0
        tiers(
            limits.chargeTemperatureMaximum, value: snapshot.maximumDeciCelsius, known: temperaturesKnown && charging,
            location: snapshot.maximumSensor, ids: (.overtemperatureChargeMOL, .overtemperatureChargeRSL, .overtemperatureChargeMSL),
            monitor: &monitor, transitions: &transitions, now: now)
        tiers(
            limits.dischargeTemperatureMaximum, value: snapshot.maximumDeciCelsius, known: temperaturesKnown && !charging,
            location: snapshot.maximumSensor,
            ids: (.overtemperatureDischargeMOL, .overtemperatureDischargeRSL, .overtemperatureDischargeMSL),
            monitor: &monitor, transitions: &transitions, now: now)
        tiers(
            limits.chargeTemperatureMinimum, value: snapshot.minimumDeciCelsius, known: temperaturesKnown && charging,
            location: snapshot.minimumSensor,
            ids: (.undertemperatureChargeMOL, .undertemperatureChargeRSL, .undertemperatureChargeMSL),
            monitor: &monitor, transitions: &transitions, now: now)
        tiers(
            limits.dischargeTemperatureMinimum, value: snapshot.minimumDeciCelsius, known: temperaturesKnown && !charging,
            location: snapshot.minimumSensor,
            ids: (.undertemperatureDischargeMOL, .undertemperatureDischargeRSL, .undertemperatureDischargeMSL),
            monitor: &monitor, transitions: &transitions, now: now)

        // Current per cell (string current / parallel cells).
        let parallel = Int64(context.topology.parallelCells)
        let perCell = Int32(clamping: Int64(snapshot.currentMilliamperes) / max(parallel, 1))
        let chargePerCell = perCell < 0 ? -perCell : 0
        let dischargePerCell = perCell > 0 ? perCell : 0
        var chargeLimits = limits.chargeCurrentPerCell
        var dischargeLimits = limits.dischargeCurrentPerCell
        if context.healingPulsesActive {
            chargeLimits = TierLimits(
                direction: .upper, mol: limits.healingPulse.chargeMilliamperesPerCell, rsl: limits.healingPulse.chargeMilliamperesPerCell,
                msl: limits.healingPulse.chargeMilliamperesPerCell, hysteresis: chargeLimits.hysteresis)
            dischargeLimits = TierLimits(
                direction: .upper, mol: limits.healingPulse.dischargeMilliamperesPerCell,
                rsl: limits.healingPulse.dischargeMilliamperesPerCell, msl: limits.healingPulse.dischargeMilliamperesPerCell,
                hysteresis: dischargeLimits.hysteresis)
        }
        tiers(
            chargeLimits, value: chargePerCell, known: snapshot.currentValid, location: nil,
            ids: (.overcurrentChargeMOL, .overcurrentChargeRSL, .overcurrentChargeMSL), monitor: &monitor, transitions: &transitions, now: now)
        tiers(
            dischargeLimits, value: dischargePerCell, known: snapshot.currentValid, location: nil,
            ids: (.overcurrentDischargeMOL, .overcurrentDischargeRSL, .overcurrentDischargeMSL), monitor: &monitor,
            transitions: &transitions, now: now)

        // Pack voltage against series × per-cell limits.
        let series = Int64(context.topology.seriesCells)
        tiers(
            scaled(limits.packVoltageMaximumPerSeriesCell, by: series), value: snapshot.packMillivolts, known: snapshot.packVoltageValid,
            location: nil, ids: (.packOvervoltageMOL, .packOvervoltageRSL, .packOvervoltageMSL), monitor: &monitor,
            transitions: &transitions, now: now)
        tiers(
            scaled(limits.packVoltageMinimumPerSeriesCell, by: series), value: snapshot.packMillivolts, known: snapshot.packVoltageValid,
            location: nil, ids: (.packUndervoltageMOL, .packUndervoltageRSL, .packUndervoltageMSL), monitor: &monitor,
            transitions: &transitions, now: now)
    }

    private static func scaled(_ limits: TierLimits, by factor: Int64) -> TierLimits {
        func scale(_ value: Int32) -> Int32 { Int32(clamping: Int64(value) * factor) }
        return TierLimits(
            direction: limits.direction, mol: scale(limits.maximumOperating), rsl: scale(limits.recommendedSafety),
            msl: scale(limits.maximumSafety), hysteresis: scale(limits.hysteresis))
    }

    /// Evaluates one quantity's three tiers; unknown values count "OK" (timeouts and sensor faults cover them).
    static func tiers(
        _ limits: TierLimits, value: Int32, known: Bool, location: Int?, ids: (DiagnosisID, DiagnosisID, DiagnosisID),
        monitor: inout DiagnosisMonitor, transitions: inout [DiagnosisTransition], now: Int64
    ) {
        let pairs: [(LimitTier, DiagnosisID)] = [(.maximumOperating, ids.0), (.recommendedSafety, ids.1), (.maximumSafety, ids.2)]
        for (tier, id) in pairs {
            let ok: Bool
            if !known {
                ok = true
            } else if limits.isViolated(value, tier: tier) {
                ok = false
            } else if limits.isRecovered(value, tier: tier) {
                ok = true
            } else {
                ok = !monitor.isActive(id)
            }
            monitor.evaluate(id, ok: ok, location: ok ? nil : location, now: now, into: &transitions)
        }
    }
}
