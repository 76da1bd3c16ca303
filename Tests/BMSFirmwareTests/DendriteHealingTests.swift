@testable import BMSFirmware
import SeededRandom
import Testing

/// Dendrite diagnosis (sense → diagnose) and the healing planner and loop (heal → verify).
@Suite("Dendrite diagnosis and healing")
struct DendriteHealingTests {
    /// A 50 mA leak on block 2 of a resting module: the rest analysis estimates it within ±40 %, the
    /// other blocks stay below the suspect threshold, and the verdict is a soft-short suspect.
    @Test func restSagEstimatesTheLeakCurrent() throws {
        var configuration = Fixtures.module
        configuration.dendrite.restSettleMilliseconds = 60_000
        configuration.dendrite.minimumRestAnalysisMilliseconds = 1_200_000
        var rig = try Rig(configuration: configuration)
        rig.boot()
        var plant = SyntheticPack(configuration: configuration, soc: 0.5, seed: 10)
        plant.leakAmperes[2] = 0.05
        // After a discharge the hysteresis sits on its discharge branch; a leak then cannot move it.
        for index in plant.cells.indices { plant.cells[index].hysteresis = -1 }
        var reports: [DendriteHealthReport] = []
        for _ in 0..<(22 * 600) {
            for case .report(.dendriteHealth(let report)) in rig.tick(plant: &plant) { reports.append(report) }
        }
        let excess = rig.controller.dendrite.restExcessMilliamperes
        let leak = try #require(excess[2])
        print("rest sag: block 2 \(leak) mA, others \(excess.enumerated().filter { $0.offset != 2 }.map { Int($0.element ?? 0) })")
        #expect(abs(leak - 50) < 20)
        // The others rise relative to the pack mean the leaking block pulls down (negative excess).
        for (cell, value) in excess.enumerated() where cell != 2 {
            #expect((value ?? 0) < configuration.dendrite.selfDischargeSuspectMilliamperes)
        }
        #expect(rig.controller.dendriteRisk[2] == .elevated)
        #expect(rig.controller.dendrite.signatures[2].contains(.restVoltageSag))
        #expect(reports.contains { $0.cell == 2 && $0.risk == .elevated })
        #expect(rig.controller.activeDiagnoses.contains(.softShortSuspected))
        #expect(rig.controller.thermalRunawayLevel == .none, "a 50 mA suspect is a healing case, not a thermal-runaway warning")
    }

    /// A block whose rest voltage is far noisier than the others' (micro-shorts forming and fusing).
    @Test func restNoiseSignature() throws {
        var configuration = Fixtures.module
        configuration.dendrite.restSettleMilliseconds = 10_000
        configuration.dendrite.minimumRestAnalysisMilliseconds = 300_000
        var rig = try Rig(configuration: configuration)
        rig.boot()
        var plant = SyntheticPack(configuration: configuration, soc: 0.5, seed: 11)
        var random = Xoshiro256(seed: 12)
        for _ in 0..<(6 * 600) {
            rig.voltageFault = { measured in measured[9] += Int32((8 * random.nextGaussian()).rounded()) }
            rig.tick(plant: &plant)
        }
        #expect(rig.controller.dendrite.signatures[9].contains(.restVoltageNoise))
        #expect((rig.controller.dendrite.restNoiseRatio[9] ?? 0) > 3)
        #expect(rig.controller.dendriteRisk[9] == .elevated)
    }

    /// Coulombic-efficiency drop and resistance rise from the SOH tracker become signatures.
    @Test func efficiencyDropAndResistanceRiseSignatures() {
        var diagnosis = DendriteDiagnosis(configuration: Fixtures.small)
        let settings = Fixtures.small.dendrite
        let changed = diagnosis.evaluate(
            coulombicEfficiency: [0.995, 0.990, 0.995, 0.995], efficiencyBaseline: [0.995, 0.995, 0.995, 0.995],
            resistanceOhms: [0.008, 0.008, 0.008, 0.0112], initialResistance: [0.008, 0.008, 0.008, 0.008], settings: settings,
            softShortWarningMilliamperes: 200, now: 0)
        #expect(changed == [1, 3])
        #expect(diagnosis.signatures[1] == [.coulombicEfficiencyDrop])
        #expect(diagnosis.risk[1] == .elevated)
        #expect(diagnosis.signatures[3] == [.resistanceRise])
        #expect(diagnosis.risk[3] == .watch)
    }

    @Test func plannerChoosesTheProtocolFromTheSignatures() {
        let short: DendriteSignatures = [.restVoltageSag]
        #expect(HealingPlanner.plan(risk: [.none, .elevated], signatures: [[], short], chargerBidirectional: true)?.protocolUsed == .selfHeatingDose)
        #expect(HealingPlanner.plan(risk: [.none, .elevated], signatures: [[], short], chargerBidirectional: false)?.protocolUsed == .pulseCharging)
        let efficiency: DendriteSignatures = [.coulombicEfficiencyDrop]
        #expect(
            HealingPlanner.plan(risk: [.elevated, .none], signatures: [efficiency, []], chargerBidirectional: true)?.protocolUsed
                == .asymmetricBidirectional)
        #expect(
            HealingPlanner.plan(risk: [.elevated, .none], signatures: [efficiency, []], chargerBidirectional: false)?.protocolUsed
                == .restInterleaved)
        // A high-risk block is the safety path: no healing at all.
        #expect(HealingPlanner.plan(risk: [.high, .elevated], signatures: [short, short], chargerBidirectional: true) == nil)
        #expect(HealingPlanner.plan(risk: [.watch, .none], signatures: [[.resistanceRise], []], chargerBidirectional: true) == nil)
    }

    /// The self-heating dose runs at ≥ 9 mA/cm², within the cell's pulse rating; the pulse profile at 1 ms/3 ms.
    @Test func healingCommandsRespectTheThresholdAndTheRatings() {
        let configuration = Fixtures.shipped
        let area = configuration.cell.electrodeAreaSquareCentimetres
        let parallel = Double(configuration.topology.parallelCells)
        let dose = HealingPlanner.command(
            for: HealingPlan(protocolUsed: .selfHeatingDose, cells: [0], reasons: [.restVoltageSag]), configuration: configuration)
        let density = Double(dose.command.currentMilliamperes) / parallel / area
        #expect(density >= 9)
        #expect(Double(dose.command.currentMilliamperes) / parallel <= Double(configuration.limits.healingPulse.chargeMilliamperesPerCell))
        #expect(dose.command.voltageLimitMillivolts == 4_180 * 96)
        let pulse = HealingPlanner.command(
            for: HealingPlan(protocolUsed: .pulseCharging, cells: [0], reasons: [.restVoltageSag]), configuration: configuration)
        #expect(pulse.command.profile == .pulsed(onMilliseconds: 1, offMilliseconds: 3))
        let abc = HealingPlanner.command(
            for: HealingPlan(protocolUsed: .asymmetricBidirectional, cells: [0], reasons: [.coulombicEfficiencyDrop]), configuration: configuration)
        if case .asymmetricBidirectional(let forward, let reverse, let reverseCurrent) = abc.command.profile {
            let ratio = Double(reverseCurrent) * Double(reverse) / (Double(abc.command.currentMilliamperes) * Double(forward))
            #expect(abs(ratio - configuration.healing.asymmetricBidirectional.reverseChargeRatio) < 0.001)
        } else {
            Issue.record("not an ABC profile")
        }
    }

    /// The full loop: diagnose (rest confirms), schedule, run the dose, verify (the leak is gone after the
    /// dose in this plant) and record improved, with before/after metrics and the charge-time cost.
    @Test func healingLoopRecordsBeforeAndAfter() throws {
        var rig = try HealingScenarios.diagnosing()
        var record: HealingRecord?
        var commanded: [ChargerCommand] = []
        for _ in 0..<40_000 where record == nil {
            let commands = rig.tick(100)
            for command in commands {
                if case .recordHealing(let entry) = command { record = entry }
                if case .commandCharger(let setpoint) = command { commanded.append(setpoint) }
            }
            if rig.controller.state.name == .healingRunning { rig.sag = nil }
        }
        let entry = try #require(record)
        #expect(entry.outcome == .improved)
        #expect(entry.protocolUsed == .selfHeatingDose)
        #expect(entry.cells == [1])
        let before = try #require(entry.before.excessSelfDischargeMilliamperes)
        let after = try #require(entry.after?.excessSelfDischargeMilliamperes)
        print("healing: before \(before) mA, after \(after) mA, cost \(entry.chargeTimeCostMilliseconds / 1000) s")
        #expect(before > 30 && after < 10)
        #expect(entry.chargeTimeCostMilliseconds >= 1_240_000)
        #expect(commanded.first.map { if case .selfHeatingDose = $0.profile { return true } else { return false } } == true)
        #expect(rig.controller.healingHistory.last == entry)
        #expect(rig.controller.state.name == .chargingActive)
    }

    /// Never heal near limits: a block within 100 mV of the maximum MOL keeps the run from starting.
    @Test func neverHealNearTheVoltageLimit() throws {
        var rig = try HealingScenarios.diagnosing()
        rig.cellMillivolts[3] = 4_150
        var aborted: HealingRecord?
        var ranDose = false
        for _ in 0..<40_000 where aborted == nil {
            for command in rig.tick(100) {
                if case .recordHealing(let entry) = command { aborted = entry }
                if case .commandCharger(let setpoint) = command, case .selfHeatingDose = setpoint.profile { ranDose = true }
            }
        }
        #expect(!ranDose)
        #expect(aborted?.outcome == .aborted(.marginsNotMet))
    }

    /// A running dose stops as soon as a block comes near the charge temperature limit.
    @Test func runStopsNearTheTemperatureLimit() throws {
        var rig = try HealingScenarios.running()
        for _ in 0..<10 where rig.controller.state.name == .healingRunning {
            rig.temperatures = rig.temperatures.map { min($0 + 40, 360) }
            rig.tick(100)
        }
        #expect(rig.controller.healingHistory.last?.outcome == .aborted(.nearTemperatureLimit))
    }
}

extension DendriteHealingTests {
    /// A heal request naming a protocol runs it preventively on a healthy pack (no diagnosis needed); an
    /// automatic heal request on the same pack is rejected as not recommended.
    @Test func namedHealRequestRunsPreventively() throws {
        var rig = try Rig(configuration: Fixtures.module)
        rig.boot()
        rig.closeContactors(for: .charge)
        #expect(rig.controller.recommendedHealing == nil)
        _ = rig.send(.healingProtocolRequested(nil))
        rig.request = .heal
        _ = rig.run(ticks: 20)
        #expect(rig.controller.state.name == .chargingActive, "automatic heal without a recommendation is rejected")
        _ = rig.send(.healingProtocolRequested(.asymmetricBidirectional))
        _ = rig.run(ticks: 20)
        guard case .healing(let session) = rig.controller.state else {
            Issue.record("no healing run: \(rig.controller.state.name)")
            return
        }
        #expect(session.plan.protocolUsed == .asymmetricBidirectional)
        #expect(session.plan.cells.count == Fixtures.module.topology.seriesCells, "the whole string when no block is flagged")
    }
}

extension DendriteHealingTests {
    /// An adaptive ABC charge hands over to CC-CV once the highest block is within
    /// `finish_cc_cv_within_mv` of the charge-end voltage (the CV loop tapers only the forward pulses, so an
    /// ABC charge near full would never terminate), and that charge counts as one of the ABC charges.
    @Test func asymmetricChargeFinishesAsConstantCurrentConstantVoltage() throws {
        let configuration = Fixtures.module
        var rig = try Rig(configuration: configuration, cellMillivolts: 3_800)
        rig.boot()
        rig.controller.asymmetricChargesRemaining = 3
        rig.closeContactors(for: .charge)
        func lastProfile(_ commands: [BMSCommand]) -> ChargeProfile? {
            commands.reversed().lazy.compactMap { if case .commandCharger(let setpoint) = $0 { setpoint.profile } else { nil } }.first
        }
        let charging = rig.run(ticks: 150)
        guard case .charging(let session) = rig.controller.state else {
            Issue.record("not charging: \(rig.controller.state.name)")
            return
        }
        #expect(session.asymmetricBidirectional)
        if case .asymmetricBidirectional = lastProfile(charging) {} else { Issue.record("no ABC setpoint: \(String(describing: lastProfile(charging)))") }
        let finish = Int32(configuration.limits.chargeEndCellMillivolts) - configuration.healing.asymmetricBidirectional.finishWithinMillivolts
        // 1 mV short of the hand-over: still ABC.
        rig.cellMillivolts = rig.cellMillivolts.map { _ in finish - 1 }
        _ = rig.run(ticks: 20)
        #expect(rig.controller.asymmetricChargesRemaining == 3)
        rig.cellMillivolts[2] = finish
        let finishing = rig.run(ticks: 150)
        #expect(lastProfile(finishing) == .constantCurrentConstantVoltage)
        // No step up in current at a nearly full pack: at most the ABC forward current.
        let forward = configuration.healing.asymmetricBidirectional.forwardCRate * configuration.cell.nominalCapacityAmpereHours * 1000
            * Double(configuration.topology.parallelCells)
        let finishingCurrents = finishing.compactMap { if case .commandCharger(let setpoint) = $0 { setpoint.currentMilliamperes } else { nil } }
        #expect(!finishingCurrents.isEmpty && finishingCurrents.allSatisfy { Double($0) <= forward })
        #expect(rig.controller.asymmetricChargesRemaining == 2)
        if case .charging(let after) = rig.controller.state { #expect(!after.asymmetricBidirectional) } else { Issue.record("left charging") }
    }

    /// A preventive heal requested at an empty pack does not idle the charger until the schedule times out: the
    /// charge goes on (CC-CV) and the dose starts once the pack is inside the SOC window.
    @Test func preventiveHealWaitsForTheSOCWindowWhileCharging() throws {
        var rig = try Rig(configuration: Fixtures.module, cellMillivolts: 3_520)
        rig.boot()
        rig.closeContactors(for: .charge)
        _ = rig.send(.healingProtocolRequested(.selfHeatingDose))
        rig.request = .heal
        let early = rig.run(ticks: 300)
        #expect(rig.controller.state.name == .chargingActive)
        #expect(!early.contains { if case .recordHealing = $0 { true } else { false } }, "no aborted run while waiting for the window")
        #expect(early.contains { if case .commandCharger(let setpoint) = $0 { setpoint.profile == .constantCurrentConstantVoltage && setpoint.currentMilliamperes > 0 } else { false } })
        // Mid-charge (OCV ~3.78 V is ~50 % SOC): the filters follow and the dose is scheduled.
        rig.cellMillivolts = rig.cellMillivolts.map { _ in 3_780 }
        _ = rig.run(until: { if case .healing = $0.state { true } else { false } }, limit: 200_000)
        guard case .healing(let session) = rig.controller.state else {
            Issue.record("no healing run at mid charge: \(rig.controller.state.name)")
            return
        }
        #expect(session.plan.protocolUsed == .selfHeatingDose)
    }
}

extension DendriteHealingTests {
    /// The plating-stress count against its definition: a 1C charge of one hour on the shipped cell model
    /// (5.15 Ah over 1428.6 cm²) accrues q·J/J_ref = 3.6 mAh/cm² × 3.6 = 13.0; a 10 K colder block 20 % more;
    /// discharge and rest nothing.
    @Test func platingStressCountsChargeDensityAndCold() throws {
        let configuration = Fixtures.module
        let settings = configuration.healing.preventive
        let cell = configuration.cell
        let parallel = configuration.topology.parallelCells
        var stress = PlatingStress(cells: 3)
        let oneC = -cell.nominalCapacityAmpereHours * Double(parallel)
        for _ in 0..<3_600 {
            stress.accrue(
                blockAmperes: [oneC, oneC, -oneC], celsius: [25, 15, 25], valid: [true, true, true], seconds: 1,
                cellAreaSquareCentimetres: cell.electrodeAreaSquareCentimetres, parallelCells: parallel, settings: settings)
        }
        let density = cell.nominalCapacityAmpereHours * 1000 / cell.electrodeAreaSquareCentimetres
        #expect(abs(stress.stress[0] - density * density) < 1e-6 * density * density)
        #expect(abs(stress.stress[1] / stress.stress[0] - 1.2) < 1e-9)
        #expect(stress.stress[2] == 0, "discharging plates nothing on the anode")
        #expect(abs(stress.stress[0] - 13.0) < 0.1, "the healing-profiles.yaml comment's figure for a 1C charge")
        #expect(stress.blocks(atLeast: 14) == [1])
        stress.reset()
        #expect(stress.maximum == 0)
    }

    /// Once the count reaches `dose_after`, the automatic plan is a preventive self-heating dose on the due
    /// blocks (pulse charging without a bidirectional charger), with no signatures (no confirming rest); the
    /// vehicle's HealingAllowed = 0 keeps it from starting; a completed dose starts the count again.
    @Test func preventiveDoseFollowsThePlatingStressAndTheVehiclesPermission() throws {
        var rig = try Rig(configuration: Fixtures.module, cellMillivolts: 3_780)
        rig.boot()
        #expect(rig.controller.recommendedHealing == nil)
        let configuration = rig.controller.configuration
        let due = -configuration.cell.nominalCapacityAmpereHours * Double(configuration.topology.parallelCells)
        var amperes = Array(repeating: 0.0, count: configuration.topology.seriesCells)
        amperes[2] = due
        while rig.controller.platingStress.maximum < configuration.healing.preventive.doseAfter {
            rig.controller.platingStress.accrue(
                blockAmperes: amperes, celsius: amperes.map { _ in 25 }, valid: amperes.map { _ in true }, seconds: 60,
                cellAreaSquareCentimetres: configuration.cell.electrodeAreaSquareCentimetres,
                parallelCells: configuration.topology.parallelCells, settings: configuration.healing.preventive)
        }
        let plan = try #require(rig.controller.recommendedHealing)
        #expect(plan.protocolUsed == .selfHeatingDose && plan.cells == [2] && plan.reasons.isEmpty)
        rig.charger = ChargerStatus(connected: true, bidirectional: false, faulted: false)
        _ = rig.run(ticks: 5)
        #expect(rig.controller.recommendedHealing?.protocolUsed == .pulseCharging)
        rig.charger = ChargerStatus(connected: true, bidirectional: true, faulted: false)
        _ = rig.send(.automaticHealingAllowed(false))
        rig.closeContactors(for: .charge)
        _ = rig.run(ticks: 300)
        #expect(rig.controller.state.name == .chargingActive, "the vehicle does not allow healing on the BMS's own")
        _ = rig.send(.automaticHealingAllowed(true))
        _ = rig.run(until: { if case .healing = $0.state { true } else { false } }, limit: 2_000)
        guard case .healing(let session) = rig.controller.state else {
            Issue.record("no preventive dose: \(rig.controller.state.name)")
            return
        }
        #expect(session.plan.protocolUsed == .selfHeatingDose)
        var record: HealingRecord?
        for _ in 0..<40_000 where record == nil {
            for command in rig.tick(100) { if case .recordHealing(let entry) = command { record = entry } }
        }
        let entry = try #require(record)
        if case .aborted = entry.outcome { Issue.record("dose aborted: \(entry.outcome)") }
        #expect(rig.controller.platingStress.maximum == 0)
    }
}
