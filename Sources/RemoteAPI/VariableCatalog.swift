/// The model variables the remote API reads and writes, by name. Indexed names carry `[N]`
/// (`pack.cell[N].temperature_celsius` is read as `pack.cell[12].temperature_celsius`).
enum VariableCatalog {
    enum Index: String {
        case none
        /// 0-based cell index over the whole pack (series group × parallel).
        case cell
        /// 0-based series-group index.
        case group
    }

    struct Entry {
        let name: String
        let unit: String
        let writable: Bool
        let index: Index
        let summary: String

        var listing: JSONValue {
            var members: [(key: String, value: JSONValue)] = [
                ("name", .string(name)), ("unit", .string(unit)), ("writable", .bool(writable)), ("description", .string(summary)),
            ]
            if index != .none { members.append(("index", .string(index.rawValue))) }
            return .object(members)
        }
    }

    static let entries: [Entry] = [
        Entry(name: "sim.time_seconds", unit: "s", writable: false, index: .none, summary: "simulated time"),
        Entry(name: "pack.ambient_celsius", unit: "°C", writable: true, index: .none, summary: "ambient air temperature (-60...200)"),
        Entry(name: "pack.coolant_celsius", unit: "°C", writable: true, index: .none, summary: "coolant inlet temperature (-60...120)"),
        Entry(name: "pack.cooling", unit: "", writable: true, index: .none, summary: "coolant loop: on, off or failed"),
        Entry(name: "pack.soc_percent", unit: "%", writable: false, index: .none, summary: "true state of charge over the usable window the BMS reports, mean over cells"),
        Entry(name: "pack.voltage_volts", unit: "V", writable: false, index: .none, summary: "true pack terminal voltage"),
        Entry(name: "pack.current_amps", unit: "A", writable: false, index: .none, summary: "true pack current (+ discharge)"),
        Entry(name: "pack.min_cell_volts", unit: "V", writable: false, index: .none, summary: "lowest true series-group voltage"),
        Entry(name: "pack.max_cell_volts", unit: "V", writable: false, index: .none, summary: "highest true series-group voltage"),
        Entry(name: "pack.max_cell_celsius", unit: "°C", writable: false, index: .none, summary: "hottest true cell surface temperature"),
        Entry(name: "pack.hydrogen_ppm", unit: "ppm", writable: false, index: .none, summary: "hydrogen in the enclosure"),
        Entry(name: "pack.cell[N].temperature_celsius", unit: "°C", writable: false, index: .cell, summary: "true surface temperature (drive it with heater_watts or the ambient)"),
        Entry(name: "pack.cell[N].core_celsius", unit: "°C", writable: false, index: .cell, summary: "true core temperature"),
        Entry(
            name: "pack.cell[N].dendrite_reach", unit: "1", writable: false, index: .cell,
            summary: "true longest dendrite over the separator thickness (soft shorts from 0.8, a hard short at 1)"),
        Entry(name: "pack.cell[N].roughness", unit: "1", writable: false, index: .cell, summary: "true anode roughness, 0 flat … 1 mossy"),
        Entry(name: "pack.cell[N].capacity_ah", unit: "Ah", writable: false, index: .cell, summary: "true capacity (cathode sites or cyclable lithium)"),
        Entry(name: "pack.group[N].capacity_ah", unit: "Ah", writable: false, index: .group, summary: "true capacity of a parallel group"),
        Entry(
            name: "pack.cell[N].anode_lithium_ah", unit: "Ah", writable: false, index: .cell,
            summary: "true metallic lithium still connected to the anode (foil reserve plus plated)"),
        Entry(name: "pack.cell[N].soc_percent", unit: "%", writable: false, index: .cell, summary: "true state of charge over the usable window the BMS reports"),
        Entry(name: "pack.cell[N].heater_watts", unit: "W", writable: true, index: .cell, summary: "external heater on the cell (abuse), 0...100000; 0 switches it off"),
        Entry(name: "pack.cell[N].thermal_runaway", unit: "", writable: false, index: .cell, summary: "normal, selfHeating, runaway or burnedOut"),
        Entry(name: "pack.group[N].volts", unit: "V", writable: false, index: .group, summary: "true series-group (cell) voltage"),
        Entry(name: "nodes.fault", unit: "", writable: true, index: .none, summary: "active sensor-node faults; writing a fault text (scenario sensor_fault vocabulary) injects it, \"none\" clears all"),
        Entry(name: "contactors.main_positive", unit: "", writable: false, index: .none, summary: "main positive contactor closed (the contactor node's actual state)"),
        Entry(name: "contactors.main_negative", unit: "", writable: false, index: .none, summary: "main negative contactor closed"),
        Entry(name: "contactors.precharge", unit: "", writable: false, index: .none, summary: "precharge contactor closed"),
        Entry(name: "vehicle.request", unit: "", writable: true, index: .none, summary: "mode the vehicle requests: Standby, Discharge, Charge, Balance or Heal"),
        Entry(name: "vehicle.load_amps", unit: "A", writable: true, index: .none, summary: "constant load current on the DC link (+ discharges), -2000...2000"),
        Entry(name: "charger.connected", unit: "", writable: true, index: .none, summary: "charger plugged in"),
        Entry(name: "bms.state", unit: "", writable: false, index: .none, summary: "state the BMS reports in BMS_State (null before its first frame)"),
        Entry(name: "bms.soc_percent", unit: "%", writable: false, index: .none, summary: "SOC the BMS reports (BMS_SOC SOC_Mean)"),
        Entry(name: "bms.soh_capacity_percent", unit: "%", writable: false, index: .none, summary: "capacity SOH the BMS reports once valid"),
        Entry(
            name: "bms.soh_capacity_weakest_percent", unit: "%", writable: false, index: .none,
            summary: "capacity SOH of the weakest block the BMS reports (SOHCapacity_MinCell)"),
        Entry(name: "bms.contactors_closed", unit: "", writable: false, index: .none, summary: "the BMS commands both main contactors closed"),
        Entry(name: "bms.tr_level", unit: "", writable: false, index: .none, summary: "thermal-runaway level the BMS reports: 0 none, 1 warning, 2 alarm, 3 confirmed"),
        Entry(name: "bms.alarms", unit: "", writable: false, index: .none, summary: "active alarms the BMS reports, name → level (1 warning, 2 alarm, 3 fault)"),
    ]

    /// The catalog entry and index a concrete name refers to, or `nil` if there is none.
    static func resolve(_ name: String) -> (entry: Entry, index: Int?)? {
        if let entry = entries.first(where: { $0.name == name && $0.index == .none }) { return (entry, nil) }
        guard let open = name.firstIndex(of: "["), let close = name[open...].firstIndex(of: "]") else { return nil }
        let digits = name[name.index(after: open)..<close]
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let index = Int(digits) else { return nil }
        let pattern = String(name[..<open]) + "[N]" + String(name[name.index(after: close)...])
        guard let entry = entries.first(where: { $0.name == pattern }) else { return nil }
        return (entry, index)
    }
}
