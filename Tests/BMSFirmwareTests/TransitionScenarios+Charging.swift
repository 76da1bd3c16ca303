import BMSFirmware

extension TransitionScenarios {
    static let charging: [String: Scenario] = [
        "T31": {
            var rig = try chargingActive()
            return rig.observeUntil { _, commands in
                commands.contains { if case .commandCharger = $0 { return true } else { return false } }
            }
        },
        "T32": {
            var rig = try chargingActive()
            rig.cellMillivolts = rig.cellMillivolts.map { _ in 4_190 }
            rig.currentMilliamperes = -100
            return rig.observeChange()
        },
        "T33": {
            var rig = try chargingActive()
            rig.request = .normal
            rig.send(.stateRequested(.normal))
            return rig.observe()
        },
        "T34": {
            var rig = try chargingActive()
            rig.request = .standby
            rig.send(.stateRequested(.standby))
            return rig.observe()
        },
        "T35": {
            var rig = try chargingActive()
            rig.charger.connected = false
            return rig.observe()
        },
        "T36": {
            var rig = try chargingActive()
            rig.charger.connected = false
            rig.tick()
            rig.charger.connected = true
            return rig.observe()
        },
        "T37": {
            var rig = try chargingActive()
            return rig.observe(.e2eFailure(message: .stateRequest))
        },
        "T38": {
            var rig = try chargingActive()
            rig.send(.e2eFailure(message: .stateRequest))
            rig.request = nil
            rig.tick()
            return rig.observe(.stateRequested(.charge))
        },
        "T39": {
            var rig = try chargingActive()
            rig.cellMillivolts[1] = 4_300
            return rig.observeUntil { controller, _ in controller.activeDiagnoses.contains(.cellOvervoltageMSL) }
        },
        "T40": {
            var rig = try chargingActive()
            for _ in 0..<2_000 where rig.controller.thermalRunawayLevel == .none {
                rig.hydrogen = min(rig.hydrogen + 10, 150)
                let from = rig.controller.state.name.rawValue
                let commands = rig.tick()
                if rig.controller.thermalRunawayLevel == .warning {
                    return Observation(from: from, actions: CommandTokens.actions(commands), to: rig.controller.state.name.rawValue)
                }
            }
            return Observation(from: "?", actions: "no warning", to: "?")
        },
        "T61": {
            var rig = try chargingActive()
            // Block 1 collapses (10 % below the pack) and heats at 2 °C/s: a corroborated runaway-rate rise.
            rig.cellMillivolts[1] = 3_420
            for _ in 0..<1_000 {
                rig.temperatures[1] += 2
                let from = rig.controller.state.name.rawValue
                let commands = rig.tick(100)
                if case .emergencyShutdown = rig.controller.state {
                    return Observation(from: from, actions: CommandTokens.actions(commands), to: rig.controller.state.name.rawValue)
                }
            }
            return Observation(from: "?", actions: "no alarm", to: "?")
        },
        "T64": {
            var rig = try chargingActive()
            rig.cellMillivolts = rig.cellMillivolts.map { _ in 4_190 }
            rig.currentMilliamperes = -100
            rig.run { $0.state.name == .chargingComplete }
            rig.request = .normal
            rig.send(.stateRequested(.normal))
            return rig.observe()
        },
    ]

    static let balancingAndFault: [String: Scenario] = [
        "T07": {
            var rig = try standby()
            rig.request = .balance
            rig.send(.stateRequested(.balance))
            return rig.observe()
        },
        "T08": {
            var rig = try standby()
            rig.charger.connected = false
            rig.tick()
            return rig.observe(.stateRequested(.charge))
        },
        "T09": {
            var rig = try standby()
            return rig.observe(.stateRequested(.heal))
        },
        "T10": {
            var rig = try standby()
            rig.cellMillivolts[0] = 4_300
            return rig.observeChange()
        },
        "T52": {
            var rig = try standby()
            rig.request = .balance
            rig.send(.stateRequested(.balance))
            rig.tick()
            rig.cellMillivolts[1] = 3_830
            return rig.observeUntil(every: 100) { _, commands in
                commands.contains { if case .setBalancing = $0 { return true } else { return false } }
            }
        },
        "T53": {
            var rig = try balancingWithBleed()
            rig.request = .standby
            rig.send(.stateRequested(.standby))
            return rig.observe()
        },
        "T54": {
            var rig = try balancingWithBleed()
            rig.request = .normal
            rig.send(.stateRequested(.normal))
            return rig.observe()
        },
        "T55": {
            var rig = try fault()
            return rig.observe(.stateRequested(.normal))
        },
        "T56": {
            var rig = try fault()
            rig.cellMillivolts[0] = 3_800
            rig.run { !$0.activeDiagnoses.contains(.cellOvervoltageMSL) }
            rig.request = .standby
            rig.send(.stateRequested(.standby))
            rig.send(.faultResetRequested)
            return rig.observe()
        },
        "T57": {
            var rig = try fault()
            rig.request = .standby
            rig.send(.stateRequested(.standby))
            rig.send(.faultResetRequested)
            return rig.observe()
        },
        "T65": {
            var rig = try fault()
            rig.cellMillivolts[0] = 3_800
            rig.run { !$0.activeDiagnoses.contains(.cellOvervoltageMSL) }
            rig.request = .standby
            rig.send(.stateRequested(.standby))
            return rig.observe()
        },
        "T58": {
            var rig = try fault()
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
        "T59": {
            var rig = try emergency()
            return rig.observe(.stateRequested(.standby))
        },
        "T60": {
            var rig = try emergency()
            // Block 2 heats at 2 °C/s past the maximum operating temperature while the gas signal persists.
            for _ in 0..<1_000 {
                rig.temperatures[2] += 20
                let from = rig.controller.state.name.rawValue
                let commands = rig.tick(100)
                if rig.controller.thermalRunawayLevel == .confirmed {
                    return Observation(from: from, actions: CommandTokens.actions(commands), to: rig.controller.state.name.rawValue)
                }
            }
            return Observation(from: "?", actions: "not confirmed", to: "?")
        },
    ]

    static func balancingWithBleed() throws -> Rig {
        var rig = try standby()
        rig.cellMillivolts[1] = 3_830
        rig.request = .balance
        rig.send(.stateRequested(.balance))
        rig.run(until: { $0.balancingCells == [1] }, limit: 1_000)
        return rig
    }

    static func fault() throws -> Rig {
        var rig = try standby()
        rig.request = .normal
        rig.cellMillivolts[0] = 4_300
        rig.run(until: { if case .fault = $0.state { return true } else { return false } }, limit: 1_000)
        return rig
    }

    static func emergency() throws -> Rig {
        var rig = try normal()
        for _ in 0..<2_000 {
            if case .emergencyShutdown = rig.controller.state { break }
            rig.hydrogen = min(rig.hydrogen + 10, 2_000)
            rig.pressure = min(rig.pressure + 50, 120_000)
            rig.tick()
        }
        return rig
    }
}
