import BMSFirmware

/// Renders commands the way `Firmware/state-machine.md` writes actions.
enum CommandTokens {
    static func token(_ command: BMSCommand) -> String? {
        switch command {
        case .closeContactor(let contactor): return "closeContactor(\(contactor.rawValue))"
        case .openContactor(let contactor): return "openContactor(\(contactor.rawValue))"
        case .openAllContactors: return "openAllContactors"
        case .commandCharger(let setpoint): return "commandCharger(\(profileName(setpoint.profile)))"
        case .chargerOff: return "chargerOff"
        case .setBalancing(let cells): return "setBalancing(\(cells.map(String.init).joined(separator: ", ")))"
        case .broadcastAlarm(let alarm): return "broadcastAlarm(\(levelName(alarm.level)))"
        case .acknowledgeRequest(let request, let decision):
            switch decision {
            case .accepted: return "acknowledge(\(request.rawValue), accepted)"
            case .rejected(let reason): return "acknowledge(\(request.rawValue), rejected: \(reason.rawValue))"
            }
        case .recordHealing(let record):
            switch record.outcome {
            case .improved: return "recordHealing(improved)"
            case .unchanged: return "recordHealing(unchanged)"
            case .worse: return "recordHealing(worse)"
            case .notConfirmed: return "recordHealing(notConfirmed)"
            case .aborted(let reason): return "recordHealing(aborted: \(reason.rawValue))"
            }
        case .recordDiagnosis, .report:
            return nil
        }
    }

    static func actions(_ commands: [BMSCommand]) -> String {
        let tokens = commands.compactMap(token)
        return tokens.isEmpty ? "—" : tokens.joined(separator: ", ")
    }

    static func profileName(_ profile: ChargeProfile) -> String {
        switch profile {
        case .constantCurrentConstantVoltage: "constantCurrentConstantVoltage"
        case .pulsed: "pulsed"
        case .asymmetricBidirectional: "asymmetricBidirectional"
        case .selfHeatingDose: "selfHeatingDose"
        case .restInterleaved: "restInterleaved"
        }
    }

    static func levelName(_ level: ThermalRunawayLevel) -> String {
        switch level {
        case .none: "none"
        case .warning: "warning"
        case .alarm: "alarm"
        case .confirmed: "confirmed"
        }
    }
}

/// One row of the transition table as observed: state before, actions, state after.
struct Observation: Equatable, CustomStringConvertible {
    var from: String
    var actions: String
    var to: String
    var description: String { "\(from) | \(actions) | \(to)" }
}

extension Rig {
    /// Observes one event (a tick when nil).
    mutating func observe(_ event: BMSEvent? = nil) -> Observation {
        let from = controller.state.name.rawValue
        let commands = event.map { send($0) } ?? tick()
        return Observation(from: from, actions: CommandTokens.actions(commands), to: controller.state.name.rawValue)
    }

    /// Ticks until the state name changes (or `limit` ticks); observes the tick that changed it.
    mutating func observeChange(every milliseconds: Int64 = 10, limit: Int = 100_000) -> Observation {
        let start = controller.state.name
        for _ in 0..<limit {
            let from = controller.state.name.rawValue
            let commands = tick(milliseconds)
            if controller.state.name != start {
                return Observation(from: from, actions: CommandTokens.actions(commands), to: controller.state.name.rawValue)
            }
        }
        return Observation(from: start.rawValue, actions: "(no change within \(limit) ticks)", to: start.rawValue)
    }

    /// Ticks until `condition` holds; observes that tick.
    mutating func observeUntil(every milliseconds: Int64 = 10, limit: Int = 100_000, _ condition: (BMSController, [BMSCommand]) -> Bool)
        -> Observation
    {
        for _ in 0..<limit {
            let from = controller.state.name.rawValue
            let commands = tick(milliseconds)
            if condition(controller, commands) {
                return Observation(from: from, actions: CommandTokens.actions(commands), to: controller.state.name.rawValue)
            }
        }
        return Observation(from: controller.state.name.rawValue, actions: "(condition not met within \(limit) ticks)", to: "?")
    }
}
