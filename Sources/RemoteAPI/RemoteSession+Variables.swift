import CellPack
import Emulator
import SensorNodes

extension RemoteSession {
    /// The current value of a model variable (`var.read`, `signal.capture`).
    func read(variable name: String) throws(RPCError) -> JSONValue {
        guard let (entry, index) = VariableCatalog.resolve(name) else { throw RPCError.unknownVariable(name) }
        let participant = runner.vehicle
        let pack = participant.pack
        let cell = try checkedIndex(index, of: entry, name: name)
        func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
        switch entry.name {
        case "sim.time_seconds": return .number(runner.simulatedSeconds)
        case "pack.ambient_celsius": return .number(participant.ambientCelsius)
        case "pack.coolant_celsius": return .number(participant.coolantCelsius)
        case "pack.cooling": return .string(participant.cooling.rawValue)
        case "pack.soc_percent":
            let sum = (0..<pack.cellCount).reduce(0.0) { $0 + (pack.cell($1)?.usableStateOfCharge ?? 0) }
            return .number(sum / Double(max(pack.cellCount, 1)) * 100)
        case "pack.voltage_volts": return .number(pack.truth.packVolts)
        case "pack.current_amps": return .number(pack.truth.packCurrentAmps)
        case "pack.min_cell_volts": return number((0..<pack.seriesCount).compactMap { pack.groupVolts($0) }.min())
        case "pack.max_cell_volts": return number((0..<pack.seriesCount).compactMap { pack.groupVolts($0) }.max())
        case "pack.max_cell_celsius": return number((0..<pack.cellCount).compactMap { pack.surfaceCelsius($0) }.max())
        case "pack.hydrogen_ppm": return .number(pack.truth.enclosureGasPPM.hydrogen)
        case "pack.cell[N].temperature_celsius": return number(pack.surfaceCelsius(cell))
        case "pack.cell[N].core_celsius": return number(pack.coreCelsius(cell))
        case "pack.cell[N].dendrite_reach": return number(pack.cell(cell).map(\.dendriteReach))
        case "pack.cell[N].roughness": return number(pack.cell(cell).map(\.roughness))
        case "pack.cell[N].capacity_ah": return number(pack.cell(cell).map(\.capacityAh))
        case "pack.cell[N].anode_lithium_ah": return number(pack.cell(cell).map(\.lithium.anodeActive))
        case "pack.cell[N].soc_percent": return number(pack.cell(cell).map { $0.usableStateOfCharge * 100 })
        case "pack.cell[N].heater_watts": return .number(participant.heaterWatts[cell])
        case "pack.cell[N].thermal_runaway": return .string("\(pack.runawayState(cell))")
        case "pack.group[N].volts": return number(pack.groupVolts(cell))
        case "pack.group[N].capacity_ah":
            let cells = (0..<pack.parallelCount).compactMap { pack.cell(cell * pack.parallelCount + $0)?.capacityAh }
            return cells.count == pack.parallelCount ? .number(cells.reduce(0, +)) : .null
        case "nodes.fault": return .array(participant.nodes.activeFaults.map { .string($0.description) })
        case "contactors.main_positive": return .bool(participant.nodes.actuators.contactors.mainPositive)
        case "contactors.main_negative": return .bool(participant.nodes.actuators.contactors.mainNegative)
        case "contactors.precharge": return .bool(participant.nodes.actuators.contactors.precharge)
        case "vehicle.request": return .string(participant.vehicle.request.rawValue)
        case "vehicle.load_amps":
            let now = runner.simulation.nowNanoseconds
            return .number(participant.vehicle.loadAmps(fromNanoseconds: now, toNanoseconds: now + runner.simulation.stepNanoseconds))
        case "charger.connected": return .bool(participant.vehicle.program.chargerConnected)
        case "bms.state": return runner.observer.stateName.map(JSONValue.string) ?? .null
        case "bms.soc_percent": return number(runner.observer.stateOfChargePercent)
        case "bms.soh_capacity_percent": return number(runner.observer.stateOfHealthCapacityPercent)
        case "bms.soh_capacity_weakest_percent": return number(runner.observer.stateOfHealthWeakestBlockPercent)
        case "bms.contactors_closed": return .bool(runner.observer.contactorsClosed)
        case "bms.tr_level": return .number(Double(runner.observer.thermalRunawayLevel))
        case "bms.alarms": return .object(runner.observer.activeAlarms.map { ($0.name, .number(Double($0.level))) })
        default: throw RPCError.unknownVariable(name)
        }
    }

    /// The index of an indexed variable, checked against the pack (0 for plain variables).
    func checkedIndex(_ index: Int?, of entry: VariableCatalog.Entry, name: String) throws(RPCError) -> Int {
        let pack = runner.vehicle.pack
        switch entry.index {
        case .none: return 0
        case .cell, .group:
            let count = entry.index == .cell ? pack.cellCount : pack.seriesCount
            guard let index, index < count else {
                throw RPCError(
                    code: RPCError.unknownVariableCode, message: "'\(name)': \(entry.index.rawValue) index out of range 0...\(count - 1)",
                    data: .object([("name", .string(name)), ("count", .number(Double(count)))]))
            }
            return index
        }
    }

    /// Writes a model variable by applying the equivalent timeline action now (`var.write`).
    mutating func write(variable name: String, value: JSONValue) throws(RPCError) {
        guard let (entry, index) = VariableCatalog.resolve(name) else { throw RPCError.unknownVariable(name) }
        let cell = try checkedIndex(index, of: entry, name: name)
        guard entry.writable else {
            throw RPCError(code: RPCError.readOnlyVariableCode, message: "'\(name)' is read-only", data: .object([("name", .string(name))]))
        }
        let values = Parameters(members: [("value", value)])
        let action: TimelineAction
        switch entry.name {
        case "pack.ambient_celsius": action = .environment(EnvironmentChange(ambientCelsius: try values.number("value", in: -60...200)))
        case "pack.coolant_celsius": action = .environment(EnvironmentChange(coolantCelsius: try values.number("value", in: -60...120)))
        case "pack.cooling":
            let text = try values.string("value")
            guard let mode = CoolingMode(rawValue: text) else { throw RPCError.invalidParams("'value' for pack.cooling is on, off or failed, not '\(text)'") }
            action = .environment(EnvironmentChange(cooling: mode))
        case "pack.cell[N].heater_watts": action = .heater(cell: cell, watts: try values.number("value", in: 0...100_000))
        case "nodes.fault":
            let text = try values.string("value")
            if text == "none" {
                action = .clearSensorFaults
            } else {
                try checkSensorFault(text)
                action = .sensorFault(text)
            }
        case "vehicle.request":
            let text = try values.string("value")
            guard let request = VehicleRequest.allCases.first(where: { $0.rawValue.lowercased() == text.lowercased() }) else {
                throw RPCError.invalidParams("'value' for vehicle.request is one of \(VehicleRequest.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
            }
            action = .request(request, healing: runner.vehicle.vehicle.healing)
        case "vehicle.load_amps":
            let amps = try values.number("value", in: -2000...2000)
            action = .load(amps == 0 ? .off : .constant(amps: amps))
        case "charger.connected":
            guard case .bool(let connected) = value else { throw RPCError.invalidParams("'value' for charger.connected must be a boolean, not \(value.typeName)") }
            action = .chargerConnected(connected)
        default:
            throw RPCError(code: RPCError.readOnlyVariableCode, message: "'\(name)' is read-only")
        }
        runner.apply(action, source: "remote")
    }

    /// Refuses a sensor-fault text the nodes would refuse, with the parser's or the node's reason.
    func checkSensorFault(_ text: String) throws(RPCError) {
        var nodes = runner.vehicle.nodes
        do {
            try nodes.inject(try SensorFault(parsing: text))
        } catch {
            throw RPCError(code: RPCError.actionRefusedCode, message: "sensor fault '\(text)' refused: \(error)")
        }
    }
}
