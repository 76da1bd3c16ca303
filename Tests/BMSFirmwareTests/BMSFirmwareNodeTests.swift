@testable import BMSFirmware
import CANCore
import CANDatabase
import Testing

/// A stand-in for the sensor nodes and the VCU on bms.dbc frames: a healthy 96s2p string whose contactors
/// follow BMS_ContactorCommand and whose current follows BMS_ChargerCommand. Each node sends its
/// messages at their cycle times; a step longer than a cycle sends one full cycle (as the emulated nodes do).
struct FramePlant {
    var cellMillivolts = Array(repeating: Int32(3_800), count: 96)
    var deciCelsius = Array(repeating: Int32(250), count: 96)
    var mode: Int64 = 0
    var resetFaults = false
    var chargerConnected = false
    var contactorClosed = [false, false, false]  // mainMinus, precharge, mainPlus
    var chargeMilliamperes: Int64 = 0
    var chargerEnabled = false
    var ampereSeconds = 0.0
    var peers: [String: PeerSender] = [:]
    var due: [String: Int64] = [:]
    let reader = PeerReader()
    var lastStep: Int64 = 0

    static let periods: [(String, Int64)] = [
        ("VCU_StateRequest", 100), ("CONT_ContactorFeedback", 50), ("CHG_ChargerStatus", 100), ("GAS_Concentrations", 200),
        ("PRESS_PackPressure", 100), ("SMOKE_Status", 100), ("IMD_Insulation", 1_000), ("IVT_Msg_Result_I", 10), ("IVT_Msg_Result_U1", 20),
        ("IVT_Msg_Result_U2", 20), ("IVT_Msg_Result_As", 100),
    ] + (1...8).map { ("CMU\($0)_CellVoltages", Int64(100)) } + (1...8).map { ("CMU\($0)_CellTemperatures", Int64(200)) }

    init() throws {
        for (name, _) in Self.periods { peers[name] = try PeerSender(name) }
    }

    var packMillivolts: Int64 { cellMillivolts.reduce(0) { $0 + Int64($1) } }

    /// Takes the BMS's frames (contactor and charger commands).
    mutating func consume(_ frames: [CANFrame]) {
        for frame in frames {
            let raw = reader.raw(frame)
            switch reader.name(frame) {
            case "BMS_ContactorCommand":
                let emergency = raw["ContactorCmd_EmergencyOpen"] == 1
                contactorClosed = ["ContactorCmd_MainMinus", "ContactorCmd_Precharge", "ContactorCmd_MainPlus"].map { !emergency && raw[$0] == 1 }
            case "BMS_ChargerCommand":
                chargerEnabled = raw["ChargerCmd_Enable"] == 1
                chargeMilliamperes = (raw["ChargerCmd_CurrentSetpoint"] ?? 0) * 100
            default:
                break
            }
        }
    }

    /// The frames due at `now` (ms): each message once if its period passed since it was last sent.
    mutating func frames(at now: Int64) throws -> [CANFrame] {
        let flowing = contactorClosed[0] && contactorClosed[2] && chargerEnabled && chargerConnected
        let current = flowing ? chargeMilliamperes : 0  // bms.dbc: positive charges
        ampereSeconds += Double(current) / 1000 * Double(now - lastStep) / 1000
        lastStep = now
        var frames: [CANFrame] = []
        for (name, period) in Self.periods where now >= due[name, default: 0] {
            due[name] = now + period
            guard var peer = peers[name] else { continue }
            defer { peers[name] = peer }
            if name.hasSuffix("_CellVoltages") {
                let board = Int(name.dropFirst(3).prefix(1))! - 1
                for page in 0..<4 {
                    var values: [String: Int64] = ["CMU\(board + 1)_VoltagePage": Int64(page)]
                    for k in 0..<3 {
                        let cell = board * 12 + page * 3 + k
                        values["CellVoltage\(BMSBusInterfaceError.number(cell + 1))"] = Int64(cellMillivolts[cell])
                    }
                    frames.append(try peer.frame(raw: values))
                }
            } else if name.hasSuffix("_CellTemperatures") {
                let board = Int(name.dropFirst(3).prefix(1))! - 1
                for page in 0..<3 {
                    var values: [String: Int64] = ["CMU\(board + 1)_TemperaturePage": Int64(page)]
                    for k in 0..<4 {
                        let sensor = board * 12 + page * 4 + k
                        values["CellTemperature\(BMSBusInterfaceError.number(sensor + 1))"] = Int64(deciCelsius[sensor]) + 1_000
                    }
                    frames.append(try peer.frame(raw: values))
                }
            } else {
                let linked = contactorClosed[0] && (contactorClosed[1] || contactorClosed[2])
                let values: [String: Int64] =
                    switch name {
                    case "VCU_StateRequest":
                        ["StateRequest_Mode": mode, "StateRequest_ResetFaults": resetFaults ? 1 : 0, "StateRequest_ChargerConnected": chargerConnected ? 1 : 0]
                    case "CONT_ContactorFeedback":
                        [
                            "Feedback_MainMinusState": contactorClosed[0] ? 1 : 0, "Feedback_PrechargeState": contactorClosed[1] ? 1 : 0,
                            "Feedback_MainPlusState": contactorClosed[2] ? 1 : 0,
                        ]
                    case "CHG_ChargerStatus": ["ChargerStatus_Mode": flowing ? 1 : 0]
                    case "GAS_Concentrations": ["Gas_H2": 3]
                    case "IMD_Insulation": ["Imd_InsulationResistance": 20_000, "Imd_MeasurementValid": 1]
                    case "IVT_Msg_Result_I": ["IVT_Result_I": current]
                    case "IVT_Msg_Result_U1": ["IVT_ID_Result_U1": 1, "IVT_Result_U1": packMillivolts]
                    case "IVT_Msg_Result_U2": ["IVT_ID_Result_U2": 2, "IVT_Result_U2": linked ? packMillivolts : 0]
                    case "IVT_Msg_Result_As": ["IVT_ID_Result_As": 6, "IVT_Result_As": Int64(ampereSeconds.rounded())]
                    default: [:]
                    }
                if name == "CHG_ChargerStatus", !chargerConnected { continue }
                frames.append(try peer.frame(raw: values))
            }
        }
        return frames
    }
}

@Suite("Firmware node on bms.dbc frames")
struct BMSFirmwareNodeTests {
    static func node() throws -> BMSFirmwareNode {
        try BMSFirmwareNode(configuration: Fixtures.shipped, database: BusFixtures.database)
    }

    /// Runs plant and node in lock step for `milliseconds` at `step` ms per step; returns the BMS frames.
    @discardableResult
    static func run(_ node: inout BMSFirmwareNode, _ plant: inout FramePlant, from start: inout Int64, for milliseconds: Int64, step: Int64) throws -> [CANFrame] {
        var sent: [CANFrame] = []
        let end = start + milliseconds
        while start < end {
            start += step
            for frame in try plant.frames(at: start) { node.receive(frame, atNanoseconds: start * 1_000_000) }
            let frames = node.step(nowNanoseconds: start * 1_000_000)
            plant.consume(frames)
            sent += frames
        }
        return sent
    }

    static func lastState(_ frames: [CANFrame]) -> [String: Int64] {
        let reader = PeerReader()
        return frames.last { reader.name($0) == "BMS_State" }.map { reader.raw($0) } ?? [:]
    }

    /// Boot, precharge, normal, charge, an overvoltage fault with emergency open, a latched fault that
    /// only the reset bit clears — all through bms.dbc frames, at the 10 ms task.
    @Test func fullCycleThroughFrames() throws {
        var node = try Self.node()
        var plant = try FramePlant()
        var now: Int64 = 0
        try Self.run(&node, &plant, from: &now, for: 1_000, step: 10)
        #expect(node.controller.state == .standby)
        plant.mode = 1
        var frames = try Self.run(&node, &plant, from: &now, for: 2_000, step: 10)
        #expect(node.controller.state == .normal)
        #expect(Self.lastState(frames)["BmsState_State"] == 4)
        #expect(plant.contactorClosed == [true, false, true])
        // Charge: the charger node sees enable and the SOF limit; current flows into the pack.
        plant.chargerConnected = true
        plant.mode = 2
        frames = try Self.run(&node, &plant, from: &now, for: 2_000, step: 10)
        #expect(node.controller.state.name == .chargingActive)
        #expect(plant.chargerEnabled && plant.chargeMilliamperes > 0)
        #expect(Self.lastState(frames)["BmsState_State"] == 5)
        // Overvoltage MSL on one block: charger off at once, contactors open after the reaction delay.
        plant.cellMillivolts[40] = 4_350
        frames = try Self.run(&node, &plant, from: &now, for: 2_000, step: 10)
        if case .fault = node.controller.state {} else { Issue.record("expected fault, got \(node.controller.state)") }
        #expect(!plant.chargerEnabled && plant.contactorClosed == [false, false, false])
        let reader = PeerReader()
        let alarms = try #require(frames.last { reader.name($0) == "BMS_Alarms" }.map { reader.raw($0) })
        #expect(alarms["Alarm_CellOvervoltage"] == 3 && alarms["Alarms_HighestLevel"] == 3)
        #expect(frames.last { reader.name($0) == "BMS_ContactorCommand" }.map { reader.raw($0)["ContactorCmd_EmergencyOpen"] } == 1)
        // Cause gone, standby requested: still latched until the reset bit's rising edge.
        plant.cellMillivolts[40] = 3_800
        plant.mode = 0
        frames = try Self.run(&node, &plant, from: &now, for: 2_000, step: 10)
        #expect(Self.lastState(frames)["BmsState_FaultLatched"] == 1)
        plant.resetFaults = true
        frames = try Self.run(&node, &plant, from: &now, for: 300, step: 10)
        #expect(node.controller.state == .standby)
        #expect(Self.lastState(frames)["BmsState_FaultLatched"] == 0)
        let observations = node.takeObservations()
        let states = observations.compactMap { if case .stateChanged(_, let to) = $0.kind { return to } else { return nil } }
        #expect(states.contains(.normal) && states.contains(.chargingActive) && states.contains(.fault) && states.last == .standby)
        #expect(observations.contains { if case .diagnosis(let t) = $0.kind { return t.id == .cellOvervoltageMSL && t.active } else { return false } })
        #expect(node.bus.statistics.e2eFailures == 0 && node.bus.statistics.malformed == 0 && node.bus.statistics.unknownIdentifiers == 0)
        #expect(node.bus.statistics.encodeFailures == 0)
    }

    /// The same path at a 30 s step (the aging scenario's coarse lock step): every node sends one full
    /// cycle per step; the firmware boots, closes the contactors, charges and counts the charge.
    @Test func coarseLockStep() throws {
        var node = try Self.node()
        var plant = try FramePlant()
        var now: Int64 = 0
        try Self.run(&node, &plant, from: &now, for: 60_000, step: 30_000)
        #expect(node.controller.state == .standby)
        plant.mode = 1
        plant.chargerConnected = true
        try Self.run(&node, &plant, from: &now, for: 300_000, step: 30_000)
        #expect(node.controller.state == .normal)
        plant.mode = 2
        try Self.run(&node, &plant, from: &now, for: 600_000, step: 30_000)
        #expect(node.controller.state.name == .chargingActive)
        #expect(plant.chargerEnabled && plant.chargeMilliamperes > 0)
        #expect(node.controller.activeDiagnoses.filter { Fixtures.shipped.diagnosis[$0].severity >= .warning }.isEmpty, "\(node.controller.activeDiagnoses)")
        #expect(node.bus.statistics.e2eFailures == 0)
    }
}
