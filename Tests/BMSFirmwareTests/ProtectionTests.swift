@testable import BMSFirmware
import Testing

/// Every protected quantity × tier: debounce edges (threshold − 1 evaluations: not set; threshold: set),
/// tiers independent of each other, hysteresis band (stays set), recovery (clears after threshold OKs).
@Suite("Protections")
struct ProtectionTests {
    struct Quantity: CustomTestStringConvertible, Sendable {
        var name: String
        var ids: [DiagnosisID]
        var limits: @Sendable (SafetyLimits) -> TierLimits
        /// Multiplies the per-cell limit (parallel cells for currents, series cells for pack voltage).
        var scale: Int32
        /// Temperatures are sampled every 100 ms: the flag may set up to 10 ticks later.
        var sampled: Bool
        var apply: @Sendable (inout Rig, Int32) -> Void
        var testDescription: String { name }
    }

    static let quantities: [Quantity] = [
        Quantity(
            name: "cell voltage maximum", ids: [.cellOvervoltageMOL, .cellOvervoltageRSL, .cellOvervoltageMSL],
            limits: { $0.cellVoltageMaximum }, scale: 1, sampled: false, apply: { rig, value in rig.cellMillivolts[2] = value }),
        Quantity(
            name: "cell voltage minimum", ids: [.cellUndervoltageMOL, .cellUndervoltageRSL, .cellUndervoltageMSL],
            limits: { $0.cellVoltageMinimum }, scale: 1, sampled: false, apply: { rig, value in rig.cellMillivolts[2] = value }),
        Quantity(
            name: "discharge temperature maximum", ids: [.overtemperatureDischargeMOL, .overtemperatureDischargeRSL, .overtemperatureDischargeMSL],
            limits: { $0.dischargeTemperatureMaximum }, scale: 1, sampled: true, apply: { rig, value in rig.rampTemperature(sensor: 1, to: value) }),
        Quantity(
            name: "discharge temperature minimum",
            ids: [.undertemperatureDischargeMOL, .undertemperatureDischargeRSL, .undertemperatureDischargeMSL],
            limits: { $0.dischargeTemperatureMinimum }, scale: 1, sampled: true, apply: { rig, value in rig.rampTemperature(sensor: 1, to: value) }),
        Quantity(
            name: "charge temperature maximum", ids: [.overtemperatureChargeMOL, .overtemperatureChargeRSL, .overtemperatureChargeMSL],
            limits: { $0.chargeTemperatureMaximum }, scale: 1, sampled: true,
            apply: { rig, value in
                rig.currentMilliamperes = -1_000
                rig.rampTemperature(sensor: 1, to: value)
            }),
        Quantity(
            name: "charge temperature minimum", ids: [.undertemperatureChargeMOL, .undertemperatureChargeRSL, .undertemperatureChargeMSL],
            limits: { $0.chargeTemperatureMinimum }, scale: 1, sampled: true,
            apply: { rig, value in
                rig.currentMilliamperes = -1_000
                rig.rampTemperature(sensor: 1, to: value)
            }),
        Quantity(
            name: "charge current", ids: [.overcurrentChargeMOL, .overcurrentChargeRSL, .overcurrentChargeMSL],
            limits: { $0.chargeCurrentPerCell }, scale: 1, sampled: false, apply: { rig, value in rig.currentMilliamperes = -value }),
        Quantity(
            name: "discharge current", ids: [.overcurrentDischargeMOL, .overcurrentDischargeRSL, .overcurrentDischargeMSL],
            limits: { $0.dischargeCurrentPerCell }, scale: 1, sampled: false, apply: { rig, value in rig.currentMilliamperes = value }),
        Quantity(
            name: "pack voltage maximum", ids: [.packOvervoltageMOL, .packOvervoltageRSL, .packOvervoltageMSL],
            limits: { $0.packVoltageMaximumPerSeriesCell }, scale: 4, sampled: false,
            apply: { rig, value in rig.packMillivoltsOverride = value }),
        Quantity(
            name: "pack voltage minimum", ids: [.packUndervoltageMOL, .packUndervoltageRSL, .packUndervoltageMSL],
            limits: { $0.packVoltageMinimumPerSeriesCell }, scale: 4, sampled: false,
            apply: { rig, value in rig.packMillivoltsOverride = value }),
    ]

    /// Every tier of every quantity: one unit beyond the limit sets exactly that tier (and the looser ones)
    /// after exactly `threshold` evaluations; the hysteresis band holds it; recovery clears it after
    /// `threshold` evaluations.
    @Test(arguments: quantities, LimitTier.allCases)
    func tierDebounceAndHysteresis(_ quantity: Quantity, _ tier: LimitTier) throws {
        let configuration = Fixtures.small
        let limits = quantity.limits(configuration.limits)
        let id = quantity.ids[LimitTier.allCases.firstIndex(of: tier)!]
        let rule = configuration.diagnosis[id]
        var rig = try Rig(configuration: configuration)
        rig.boot()
        let sign: Int32 = limits.direction == .upper ? 1 : -1
        let limit = limits.limit(tier) * quantity.scale
        let beyond = limit + sign
        if quantity.sampled {
            // Approach from inside (no violation), then take the last 0.1 K step.
            quantity.apply(&rig, limit)
            rig.run(ticks: 20)
        }
        quantity.apply(&rig, beyond)
        // Debounce edge: not set after threshold − 1 evaluations, set by threshold (+ one 100 ms sample).
        let slack = quantity.sampled ? 11 : 0
        var ticks = 0
        while !rig.controller.activeDiagnoses.contains(id), ticks < rule.threshold + slack + 1 {
            rig.tick()
            ticks += 1
        }
        #expect(rig.controller.activeDiagnoses.contains(id), "\(id.name) never set")
        #expect(ticks >= rule.threshold && ticks <= rule.threshold + slack, "\(id.name) set after \(ticks) evaluations, threshold \(rule.threshold)")
        // Stricter tiers stay clear.
        for (index, stricter) in quantity.ids.enumerated() where index > LimitTier.allCases.firstIndex(of: tier)! {
            if limits.limit(LimitTier.allCases[index]) != limits.limit(tier) {
                #expect(!rig.controller.activeDiagnoses.contains(stricter), "\(stricter.name) set by a \(tier) excursion")
            }
        }
        // Inside the hysteresis band: stays set.
        let band = limit - sign * (limits.hysteresis * quantity.scale / 2)
        quantity.apply(&rig, band)
        rig.run(ticks: 2 * rule.threshold + slack)
        #expect(rig.controller.activeDiagnoses.contains(id), "\(id.name) cleared inside the hysteresis band")
        // Back by more than the hysteresis: clears after threshold evaluations.
        let recovered = limit - sign * (limits.hysteresis * quantity.scale + 1)
        quantity.apply(&rig, recovered)
        ticks = 0
        while rig.controller.activeDiagnoses.contains(id), ticks < rule.threshold + slack + 1 {
            rig.tick()
            ticks += 1
        }
        #expect(!rig.controller.activeDiagnoses.contains(id), "\(id.name) did not clear")
        #expect(ticks >= rule.threshold && ticks <= rule.threshold + slack, "\(id.name) cleared after \(ticks), threshold \(rule.threshold)")
    }

    /// A value exactly at the limit is not a violation; one unit beyond is.
    /// A pack already beyond a safety limit is never connected, not even for the debounce time of the row
    /// (found by HIL/scenarios/protection-undertemperature.yaml: the contactors closed at −25 °C for 5 s).
    @Test func noPrechargeWhileAFatalConditionIsDebounced() throws {
        var rig = try Rig(configuration: Fixtures.small)
        // Cold from power-on (a sudden 50 K step would be classified as a sensor fault instead).
        rig.temperatures = rig.temperatures.map { _ in -250 }
        rig.boot()
        rig.request = .charge
        var closeCommands = 0
        for _ in 0..<800 {
            for case .closeContactor(_) in rig.tick() { closeCommands += 1 }
        }
        #expect(closeCommands == 0)
        if case .fault = rig.controller.state {} else { Issue.record("expected a latched fault, got \(rig.controller.state)") }
    }

    @Test func limitItselfIsAllowed() throws {
        var rig = try Rig()
        rig.boot()
        rig.cellMillivolts[0] = Fixtures.small.limits.cellVoltageMaximum.maximumOperating
        rig.run(ticks: 100)
        #expect(!rig.controller.activeDiagnoses.contains(.cellOvervoltageMOL))
        rig.cellMillivolts[0] += 1
        rig.run(ticks: 100)
        #expect(rig.controller.activeDiagnoses.contains(.cellOvervoltageMOL))
    }

    /// A fatal flag in normal operation zeroes the limits at once and opens the contactors only after
    /// the row's reaction delay (foxBMS DIAG delay).
    @Test func fatalReactionDelay() throws {
        var rig = try TransitionScenarios.normal()
        rig.cellMillivolts[1] = 4_300
        rig.run(until: { $0.activeDiagnoses.contains(.cellOvervoltageMSL) })
        #expect(rig.controller.state == .normal)
        #expect(rig.controller.currentLimits.maximumDischargeMilliamperes == 0)
        #expect(rig.controller.currentLimits.maximumChargeMilliamperes == 0)
        let setAt = rig.now
        rig.run(until: { if case .fault = $0.state { return true } else { return false } })
        #expect(rig.now - setAt == Fixtures.small.diagnosis[.cellOvervoltageMSL].reactionDelayMilliseconds)
    }
}

extension Rig {
    /// Moves a thermistor to `target` in steps of at most 5 K per 100 ms (well inside the step limit),
    /// ticking between steps; the last step is left for the caller's ticks.
    mutating func rampTemperature(sensor: Int, to target: Int32) {
        while temperatures[sensor] != target {
            let step = max(-50, min(50, target - temperatures[sensor]))
            temperatures[sensor] += step
            if temperatures[sensor] != target { run(ticks: 10) }
        }
    }
}
