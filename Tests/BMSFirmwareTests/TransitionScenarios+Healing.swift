import BMSFirmware

/// Healing setups: a small pack with short rest/verify phases and a block that sags at rest.
enum HealingScenarios {
    /// Shipped tables on 4s1p with healing phases shortened for tests (analysis 10 min instead of hours).
    static func configuration(automatic: Bool) -> BMSConfiguration {
        var configuration = Fixtures.small
        configuration.dendrite.restSettleMilliseconds = 10_000
        configuration.dendrite.minimumRestAnalysisMilliseconds = 600_000
        configuration.healing.automatic = automatic
        configuration.healing.phases.diagnoseRestMilliseconds = 620_000
        configuration.healing.phases.verifyRestMilliseconds = 620_000
        configuration.healing.phases.scheduleTimeoutMilliseconds = 60_000
        configuration.healing.phases.runMilliseconds = 30_000
        configuration.healing.phases.minimumIntervalMilliseconds = 0
        configuration.healing.selfHeating.cycles = 2
        return configuration
    }

    /// ~100 mA of excess self-discharge on a 5 Ah block at 3.8 V (dOCV/dSOC ≈ 0.64 V): elevated, below
    /// the 200 mA thermal-runaway soft-short threshold.
    static let sagMicrovoltsPerSecond = 3.6

    /// Standby after a 650 s rest in which block 1 sagged: healing recommended.
    static func recommendedStandby(automatic: Bool) throws -> Rig {
        var rig = try Rig(configuration: configuration(automatic: automatic))
        rig.chargerDrivesCurrent = true
        rig.voltageNoiseMillivolts = 0.7
        rig.boot()
        rig.sag = (cell: 1, microvoltsPerSecond: sagMicrovoltsPerSecond, since: rig.now)
        rig.run(until: { $0.recommendedHealing != nil }, limit: 20_000, every: 100)
        return rig
    }

    /// Charging, then a `heal` request: the run starts in `healing.diagnosing`.
    static func diagnosing() throws -> Rig {
        var rig = try recommendedStandby(automatic: false)
        rig.closeContactors(for: .charge)
        rig.send(.stateRequested(.heal))
        rig.tick()
        return rig
    }

    static func scheduled(holdMargins: Bool) throws -> Rig {
        var rig = try diagnosing()
        if holdMargins { rig.temperatures = rig.temperatures.map { _ in 100 } }
        rig.run(until: { $0.state.name != .healingDiagnosing }, limit: 20_000, every: 100)
        return rig
    }

    static func running() throws -> Rig {
        var rig = try scheduled(holdMargins: false)
        rig.run(until: { $0.state.name == .healingRunning }, limit: 100)
        return rig
    }
}

extension Rig {
    /// Ticks every `every` ms until `condition` holds (at most `limit` ticks).
    mutating func run(until condition: (BMSController) -> Bool, limit: Int, every milliseconds: Int64) {
        for _ in 0..<limit where !condition(controller) { tick(milliseconds) }
    }
}

extension TransitionScenarios {
    static let healing: [String: Scenario] = [
        "T41": {
            var rig = try HealingScenarios.recommendedStandby(automatic: false)
            rig.closeContactors(for: .charge)
            rig.send(.stateRequested(.heal))
            return rig.observe()
        },
        "T42": {
            var rig = try HealingScenarios.recommendedStandby(automatic: false)
            rig.closeContactors(for: .charge)
            return rig.observe(.stateRequested(.heal))
        },
        "T43": {
            var rig = try HealingScenarios.diagnosing()
            return rig.observeChange(every: 100, limit: 20_000)
        },
        "T44": {
            var rig = try HealingScenarios.diagnosing()
            rig.sag = nil
            return rig.observeChange(every: 100, limit: 20_000)
        },
        "T45": {
            var rig = try HealingScenarios.scheduled(holdMargins: false)
            return rig.observe()
        },
        "T46": {
            var rig = try HealingScenarios.scheduled(holdMargins: true)
            return rig.observeChange(every: 100, limit: 20_000)
        },
        "T47": {
            var rig = try HealingScenarios.running()
            rig.sag = nil
            return rig.observeChange(every: 100, limit: 20_000)
        },
        "T48": {
            // One block warms by 4.5 K per 100 ms sample (below the 10 K step limit, too short for a
            // runaway-rate hold): after two samples it is 9 K above its start, beyond the 8 K budget.
            var rig = try HealingScenarios.running()
            for _ in 0..<10 {
                rig.temperatures[0] += 45
                let from = rig.controller.state.name.rawValue
                let commands = rig.tick(100)
                if rig.controller.state.name != .healingRunning {
                    return Observation(from: from, actions: CommandTokens.actions(commands), to: rig.controller.state.name.rawValue)
                }
            }
            return Observation(from: "?", actions: "no abort", to: "?")
        },
        "T49": {
            var rig = try HealingScenarios.running()
            rig.sag = nil
            rig.run(until: { $0.state.name == .healingVerifying }, limit: 20_000, every: 100)
            return rig.observeChange(every: 100, limit: 20_000)
        },
        "T50": {
            var rig = try HealingScenarios.scheduled(holdMargins: true)
            rig.request = .normal
            rig.send(.stateRequested(.normal))
            return rig.observe()
        },
        "T51": {
            var rig = try HealingScenarios.running()
            rig.charger.connected = false
            return rig.observe()
        },
    ]
}
