/// A healing run chosen by the planner.
public struct HealingPlan: Hashable, Sendable {
    public var protocolUsed: HealingProtocol
    /// Blocks that asked for it, ascending.
    public var cells: [Int]
    public var reasons: DendriteSignatures

    public init(protocolUsed: HealingProtocol, cells: [Int], reasons: DendriteSignatures) {
        self.protocolUsed = protocolUsed
        self.cells = cells
        self.reasons = reasons
    }
}

/// Chooses and parameterises a healing protocol ("diagnose → schedule" of the loop).
///
/// - Short signatures (sag, noise, divergence): a self-heating dose above the 9 mA/cm² threshold when
///   the charger can draw current back (Li et al. 2018), otherwise pulse charging (Aryanfar 2014).
/// - Coulombic-efficiency drop only (dead-Li build-up): asymmetric bidirectional charging for the next
///   charges (Wang et al. 2020), otherwise charging with rests (STCR).
/// Never plans for a `high`-risk block (that is the thermal-runaway safety path) and never while any
/// block is outside the healing margins.
enum HealingPlanner {
    static func plan(
        risk: [DendriteRisk], signatures: [DendriteSignatures], chargerBidirectional: Bool
    ) -> HealingPlan? {
        guard !risk.contains(.high) else { return nil }
        let cells = risk.indices.filter { risk[$0] == .elevated }
        guard !cells.isEmpty else { return nil }
        var reasons: DendriteSignatures = []
        for cell in cells { reasons.formUnion(signatures[cell]) }
        let shortSigns = !reasons.intersection(DendriteSignatures.shortSignatures).isEmpty
        let protocolUsed: HealingProtocol
        if shortSigns {
            protocolUsed = chargerBidirectional ? .selfHeatingDose : .pulseCharging
        } else {
            protocolUsed = chargerBidirectional ? .asymmetricBidirectional : .restInterleaved
        }
        return HealingPlan(protocolUsed: protocolUsed, cells: cells, reasons: reasons)
    }

    /// A preventive run of the protocol a heal request names: on the blocks at `elevated` risk, or on the
    /// whole string when none is; never with a `high`-risk block, and the bidirectional protocols only
    /// with a bidirectional charger.
    static func plan(
        named: HealingProtocol, risk: [DendriteRisk], signatures: [DendriteSignatures], chargerBidirectional: Bool
    ) -> HealingPlan? {
        guard !risk.contains(.high) else { return nil }
        guard chargerBidirectional || !(named == .selfHeatingDose || named == .asymmetricBidirectional) else { return nil }
        let flagged = risk.indices.filter { risk[$0] == .elevated }
        var reasons: DendriteSignatures = []
        for cell in flagged { reasons.formUnion(signatures[cell]) }
        return HealingPlan(protocolUsed: named, cells: flagged.isEmpty ? Array(risk.indices) : flagged, reasons: reasons)
    }

    /// A preventive dose once the plating stress reached the dose level: the self-heating dose with a
    /// bidirectional charger, pulse charging otherwise; on the blocks at the level, with no signatures as
    /// reasons (so no confirming rest). Never with a `high`-risk block.
    static func preventivePlan(
        stress: PlatingStress, settings: HealingProfiles.Preventive, risk: [DendriteRisk], chargerBidirectional: Bool
    ) -> HealingPlan? {
        guard settings.isEnabled, !risk.contains(.high) else { return nil }
        let due = stress.blocks(atLeast: settings.doseAfter)
        guard !due.isEmpty else { return nil }
        return HealingPlan(protocolUsed: chargerBidirectional ? .selfHeatingDose : .pulseCharging, cells: due, reasons: [])
    }

    /// The forward (charge) current of the asymmetric-bidirectional profile for one block, mA.
    static func asymmetricForwardMilliamperes(configuration: BMSConfiguration) -> Double {
        configuration.healing.asymmetricBidirectional.forwardCRate * configuration.cell.nominalCapacityAmpereHours * 1000
            * Double(configuration.topology.parallelCells)
    }

    /// The charger setpoint and run length that carry out `plan`.
    static func command(for plan: HealingPlan, configuration: BMSConfiguration) -> (command: ChargerCommand, runMilliseconds: Int64) {
        let profiles = configuration.healing
        let cell = configuration.cell
        let parallel = Double(configuration.topology.parallelCells)
        let voltageLimit = configuration.chargeVoltageLimitMillivolts
        let nominalMilliamperes = cell.nominalCapacityAmpereHours * 1000
        switch plan.protocolUsed {
        case .selfHeatingDose:
            let dose = profiles.selfHeating
            let current = dose.currentDensityMilliamperesPerSquareCentimetre * cell.electrodeAreaSquareCentimetres * parallel
            let period = 2 * (Int64(dose.pulseMilliseconds) + Int64(dose.restMilliseconds))
            return (
                ChargerCommand(
                    currentMilliamperes: Int32(clamping: current), voltageLimitMillivolts: voltageLimit,
                    profile: .selfHeatingDose(pulseMilliseconds: dose.pulseMilliseconds, restMilliseconds: dose.restMilliseconds, cycles: Int32(dose.cycles))),
                period * Int64(dose.cycles)
            )
        case .asymmetricBidirectional:
            let abc = profiles.asymmetricBidirectional
            let forward = asymmetricForwardMilliamperes(configuration: configuration)
            let reverse = forward * abc.reverseChargeRatio * Double(abc.forwardMilliseconds) / Double(abc.reverseMilliseconds)
            return (
                ChargerCommand(
                    currentMilliamperes: Int32(clamping: forward), voltageLimitMillivolts: voltageLimit,
                    profile: .asymmetricBidirectional(
                        forwardMilliseconds: abc.forwardMilliseconds, reverseMilliseconds: abc.reverseMilliseconds,
                        reverseMilliamperes: Int32(clamping: reverse))),
                profiles.phases.runMilliseconds
            )
        case .pulseCharging:
            let pulse = profiles.pulseCharging
            let duty = Double(pulse.onMilliseconds) / Double(Int64(pulse.onMilliseconds) + Int64(pulse.offMilliseconds))
            let onCurrent = pulse.meanCRate * nominalMilliamperes * parallel / duty
            return (
                ChargerCommand(
                    currentMilliamperes: Int32(clamping: onCurrent), voltageLimitMillivolts: voltageLimit,
                    profile: .pulsed(onMilliseconds: pulse.onMilliseconds, offMilliseconds: pulse.offMilliseconds)),
                profiles.phases.runMilliseconds
            )
        case .restInterleaved:
            let rest = profiles.restInterleaved
            return (
                ChargerCommand(
                    currentMilliamperes: Int32(clamping: rest.cRate * nominalMilliamperes * parallel), voltageLimitMillivolts: voltageLimit,
                    profile: .restInterleaved(chargeMilliseconds: rest.chargeMilliseconds, restMilliseconds: rest.restMilliseconds)),
                profiles.phases.runMilliseconds
            )
        }
    }
}
