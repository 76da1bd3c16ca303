import BMSFirmware

/// One scenario per row of `Firmware/state-machine.md`, keyed by row id.
enum TransitionScenarios {
    typealias Scenario = @Sendable () throws -> Observation

    static let all: [String: Scenario] = {
        var scenarios: [String: Scenario] = [:]
        scenarios.merge(initialization, uniquingKeysWith: { $1 })
        scenarios.merge(precharge, uniquingKeysWith: { $1 })
        scenarios.merge(normalOperation, uniquingKeysWith: { $1 })
        scenarios.merge(charging, uniquingKeysWith: { $1 })
        scenarios.merge(healing, uniquingKeysWith: { $1 })
        scenarios.merge(balancingAndFault, uniquingKeysWith: { $1 })
        return scenarios
    }()

    // MARK: Shared setups

    static func standby() throws -> Rig {
        var rig = try Rig()
        rig.boot()
        return rig
    }

    static func normal() throws -> Rig {
        var rig = try standby()
        rig.closeContactors(for: .normal)
        return rig
    }

    static func chargingActive() throws -> Rig {
        var rig = try standby()
        rig.closeContactors(for: .charge)
        return rig
    }

    /// Runs from standby with `request` until the precharge phase `name` is reached.
    static func precharge(until name: BMSStateName, request: ModeRequest = .normal, configure: (inout Rig) -> Void = { _ in }) throws -> Rig {
        var rig = try standby()
        configure(&rig)
        rig.request = request
        rig.run { $0.state.name == name }
        return rig
    }

    /// Hydrogen and pressure ramps of a venting cell: gas warning first, then gas alarm with pressure.
    static func vent(_ rig: inout Rig, untilLevel level: ThermalRunawayLevel) {
        for _ in 0..<2_000 where rig.controller.thermalRunawayLevel < level {
            rig.hydrogen = min(rig.hydrogen + 10, 2_000)
            rig.pressure = min(rig.pressure + 50, 120_000)
            rig.tick()
        }
    }

    // MARK: Initialization

    static let initialization: [String: Scenario] = [
        "T01": {
            var rig = try Rig()
            rig.feed()
            return rig.observe(.tick(nowMilliseconds: 0))
        },
        "T02": {
            var rig = try Rig()
            rig.sendMeasurements = false
            rig.send(.tick(nowMilliseconds: 0))
            return rig.observeChange()
        },
        "T03": {
            var rig = try Rig()
            rig.send(.tick(nowMilliseconds: 0))
            return rig.observe(.stateRequested(.normal))
        },
        "T04": {
            var rig = try Rig()
            rig.send(.tick(nowMilliseconds: 0))
            return rig.observe(.stateRequested(.standby))
        },
    ]

    // MARK: Precharge

    static let precharge: [String: Scenario] = [
        "T05": {
            var rig = try standby()
            rig.send(.stateRequested(.normal))
            return rig.observe()
        },
        "T06": {
            var rig = try standby()
            rig.send(.stateRequested(.charge))
            return rig.observe()
        },
        "T11": {
            var rig = try precharge(until: .prechargeClosingMinus)
            return rig.observe()
        },
        "T12": {
            var rig = try precharge(until: .prechargeClosingPrecharge)
            return rig.observe()
        },
        "T13": {
            var rig = try precharge(until: .prechargeVerifying)
            return rig.observe()
        },
        "T14": {
            var rig = try precharge(until: .prechargeVerifying) { $0.linkCharges = false }
            return rig.observeChange()
        },
        "T15": {
            var rig = try precharge(until: .prechargeWaitingAfterFailure) { $0.linkCharges = false }
            return rig.observeChange()
        },
        "T16": {
            var rig = try standby()
            rig.linkCharges = false
            rig.request = .normal
            var failures = 0
            var previous = rig.controller.state.name
            for _ in 0..<100_000 {
                rig.tick()
                let name = rig.controller.state.name
                if name == .prechargeWaitingAfterFailure, previous != name { failures += 1 }
                previous = name
                if failures == 3 { break }
            }
            return rig.observeChange()
        },
        "T17": {
            var rig = try precharge(until: .prechargeClosingPlus)
            return rig.observe()
        },
        "T18": {
            var rig = try precharge(until: .prechargeOpeningPrecharge)
            return rig.observe()
        },
        "T19": {
            var rig = try precharge(until: .prechargeOpeningPrecharge, request: .charge)
            return rig.observe()
        },
        "T20": {
            var rig = try precharge(until: .prechargeVerifying) { $0.linkCharges = false }
            rig.request = .standby
            rig.send(.stateRequested(.standby))
            return rig.observe()
        },
        "T21": {
            var rig = try standby()
            rig.feedbackFollows = false
            rig.send(.stateRequested(.normal))
            rig.request = .normal
            rig.tick()
            return rig.observeChange()
        },
        "T63": {
            var rig = try HealingScenarios.recommendedStandby(automatic: true)
            rig.request = .charge
            rig.run(until: { $0.state.name == .prechargeOpeningPrecharge }, limit: 1_000)
            return rig.observe()
        },
    ]

    // MARK: Normal operation

    static let normalOperation: [String: Scenario] = [
        "T22": {
            var rig = try normal()
            rig.request = .standby
            rig.send(.stateRequested(.standby))
            return rig.observe()
        },
        "T23": {
            var rig = try normal()
            rig.request = .charge
            rig.send(.stateRequested(.charge))
            return rig.observe()
        },
        "T24": {
            var rig = try normal()
            rig.request = .balance
            rig.send(.stateRequested(.balance))
            return rig.observe()
        },
        "T25": {
            var rig = try normal()
            rig.cellMillivolts[2] = 4_300
            return rig.observeUntil { controller, _ in controller.activeDiagnoses.contains(.cellOvervoltageMSL) }
        },
        "T26": {
            var rig = try normal()
            rig.cellMillivolts[2] = 4_300
            return rig.observeChange()
        },
        "T27": {
            var rig = try normal()
            rig.request = nil
            return rig.observeChange()
        },
        "T28": {
            var rig = try normal()
            rig.feedbackFollows = false
            rig.contactorClosed[.mainPlus] = false
            return rig.observeChange()
        },
        "T29": {
            var rig = try normal()
            vent(&rig, untilLevel: .warning)
            for _ in 0..<2_000 {
                rig.hydrogen = min(rig.hydrogen + 10, 2_000)
                rig.pressure = min(rig.pressure + 50, 120_000)
                let from = rig.controller.state.name.rawValue
                let commands = rig.tick()
                if case .emergencyShutdown = rig.controller.state {
                    return Observation(from: from, actions: CommandTokens.actions(commands), to: rig.controller.state.name.rawValue)
                }
            }
            return Observation(from: "?", actions: "no alarm", to: "?")
        },
        "T30": {
            var rig = try normal()
            rig.feedbackFollows = false
            rig.request = .standby
            rig.send(.stateRequested(.standby))
            rig.tick()  // opens the contactors; main plus stays welded
            rig.contactorClosed[.mainMinus] = false
            rig.contactorClosed[.precharge] = false
            return rig.observeChange()
        },
        "T62": {
            var rig = try normal()
            rig.request = .normal
            vent(&rig, untilLevel: .warning)
            rig.hydrogen = 200
            return rig.observe(.stateRequested(.charge))
        },
    ]
}
