import CellPack
import Emulator

extension RemoteSession {
    /// Actions `fault.inject` takes (the scenario timeline's fault vocabulary).
    static let faultActions: Set<String> = ["pack_fault", "sensor_fault", "bus_fault", "heater"]
    /// Actions `scenario.apply` takes: every timeline action.
    static let allActions: Set<String> = [
        "pack_fault", "clear_pack_faults", "sensor_fault", "clear_sensor_faults", "bus_fault", "clear_bus_faults",
        "environment", "heater", "request", "load", "charger_connected", "reset_faults",
    ]

    /// `fault.inject` / `scenario.apply`: params are one timeline action as a scenario file writes it,
    /// e.g. `{"sensor_fault": "cmu2.temperature[4] open"}` or `{"pack_fault": {"internal_short": {"cell": 12, "ohms": 0.05}}}`.
    mutating func inject(_ params: Parameters, allowed: Set<String>) throws(RPCError) -> JSONValue {
        guard params.members.count == 1, let (key, body) = params.members.first else {
            throw RPCError.invalidParams("params are exactly one action: \(allowed.sorted().joined(separator: ", "))")
        }
        guard allowed.contains(key) else {
            throw RPCError.invalidParams("unknown action '\(key)' (expected one of \(allowed.sorted().joined(separator: ", ")))")
        }
        try requireNotFinished()
        let text = JSONValue.object([("at", 0), (key, body)]).serialized
        let action: TimelineAction
        switch readAction(text) {
        case .success(let read): action = read
        case .failure(let error): throw RPCError.invalidParams(error.message, data: .object([("action", .string(key))]))
        }
        try checkAccepted(action)
        runner.apply(action, source: "remote")
        return .object([("applied", .string(action.summary)), ("time_seconds", .number(runner.simulatedSeconds))])
    }

    /// Refuses, before anything changes, an action the model would refuse when it is applied.
    func checkAccepted(_ action: TimelineAction) throws(RPCError) {
        switch action {
        case .packFault(let fault):
            var pack = runner.vehicle.pack
            do { try pack.inject(fault) } catch {
                throw RPCError(code: RPCError.actionRefusedCode, message: "pack fault refused: \(error.reason)")
            }
        case .sensorFault(let text):
            try checkSensorFault(text)
        case .heater(let cell, _):
            let count = runner.vehicle.pack.cellCount
            guard cell < count else { throw RPCError(code: RPCError.actionRefusedCode, message: "heater: no cell \(cell) (0...\(count - 1))") }
        default:
            break
        }
    }

    /// `fault.clear {kind}`: `pack`, `sensor`, `bus`, `heater` or `all` (the default).
    mutating func clearFaults(kind: String) throws(RPCError) -> JSONValue {
        let kinds = ["pack", "sensor", "bus", "heater"]
        guard kind == "all" || kinds.contains(kind) else {
            throw RPCError.invalidParams("'kind' is one of all, \(kinds.joined(separator: ", ")), not '\(kind)'")
        }
        try requireNotFinished()
        let selected = kind == "all" ? kinds : [kind]
        for entry in selected {
            switch entry {
            case "pack": runner.apply(.clearPackFaults, source: "remote")
            case "sensor": runner.apply(.clearSensorFaults, source: "remote")
            case "bus": runner.apply(.clearBusFaults, source: "remote")
            default:
                for (cell, watts) in runner.vehicle.heaterWatts.enumerated() where watts != 0 {
                    runner.apply(.heater(cell: cell, watts: 0), source: "remote")
                }
            }
        }
        return .object([("cleared", .array(selected.map { .string($0) })), ("time_seconds", .number(runner.simulatedSeconds))])
    }
}
