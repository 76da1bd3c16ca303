import CANCore
import CANDatabase
import CellPack
import FirmwareConfig
import Foundation
import SensorNodes
import Testing

/// Files of the package the tests read (tests may use Foundation; the modules may not).
enum Files {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let packageRoot = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
    static let compatPath = packageRoot.appendingPathComponent("Firmware/foxbms/foxbms-compat.dbc").path
    static let generatorPath = packageRoot.appendingPathComponent("Firmware/foxbms/generate-foxbms-compat-dbc.py").path
    static let bmsPath = packageRoot.appendingPathComponent("Firmware/bms.dbc").path
    static let nodesPath = packageRoot.appendingPathComponent("Firmware/nodes/default.yaml").path

    private static let compatResult = Result { try CANDatabase.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: compatPath)))) }
    private static let bmsResult = Result { try CANDatabase.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: bmsPath)))) }
    private static let nodesResult = Result { try NodeConfigurationFile.load(path: nodesPath) }

    static func compat() throws -> CANDatabase { try compatResult.get() }
    static func bms() throws -> CANDatabase { try bmsResult.get() }
    static func nodeConfiguration(_ changes: [NodeParameterKey: Double] = [:]) throws -> NodeConfiguration {
        var configuration = try nodesResult.get()
        for (key, value) in changes { configuration[key] = value }
        return configuration
    }

    static func virtualPack(seed: UInt64 = 5) throws -> VirtualPack {
        let cell = try CellParameterFile.load(path: packageRoot.appendingPathComponent("Firmware/cells/li-metal-ncm811-pouch.yaml").path)
        let pack = try PackParameterFile.load(path: packageRoot.appendingPathComponent("Firmware/packs/96s2p.yaml").path)
        return try VirtualPack(cell: cell, pack: pack, seed: seed)
    }

    /// The foxBMS profile on the default 96s2p pack (1 string × 8 modules × 12 cell blocks, 12 sensors).
    static func profile(
        topology: FoxBMSTopology? = nil, positiveCurrentDischarges: Bool = true, contactors: FoxBMSProfile.ContactorSource = .followBMSState
    ) throws -> FoxBMSProfile {
        FoxBMSProfile(
            database: try compat(), topology: try topology ?? .matching(nodeConfiguration()),
            positiveCurrentDischarges: positiveCurrentDischarges, contactors: contactors)
    }

    static func nodes(
        profile: FoxBMSProfile? = nil, changes: [NodeParameterKey: Double] = [:], seed: UInt64 = 11
    ) throws -> PackNodes {
        try PackNodes(
            configuration: try nodeConfiguration(changes), database: try bms(), seed: seed, profile: .foxBMS(try profile ?? (try Files.profile())))
    }

    static func identifier(_ name: String) throws -> CANID {
        guard let message = try compat().message(named: name) else { throw Failure("no message \(name) in foxbms-compat.dbc") }
        return message.id
    }
}

struct Failure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Signals of a frame decoded with foxbms-compat.dbc, by name: (raw, physical).
func decode(_ frame: CANFrame) throws -> [String: (raw: Int64, physical: Double)] {
    let codec = try Files.compat().codec(for: frame.id)
    var result: [String: (raw: Int64, physical: Double)] = [:]
    for signal in try codec.decode(frame).signals { result[signal.name] = (signal.raw ?? 0, signal.physical) }
    return result
}

/// The virtual pack with the foxBMS-profile nodes and the state-request sender, stepped as `VehicleParticipant`
/// does (pack first, then nodes), with every emitted frame logged.
struct Rig {
    var pack: VirtualPack
    var nodes: PackNodes
    var request: FoxBMSStateRequestSender
    var now: Int64 = 0
    var loadAmps = 0.0
    var heaterWatts: [Double]
    var log: [(time: Int64, frame: CANFrame)] = []
    private var lastPackStep: Int64?

    init(nodes: PackNodes, pack: VirtualPack) throws {
        self.pack = pack
        self.nodes = nodes
        request = try FoxBMSStateRequestSender(database: try Files.compat())
        heaterWatts = Array(repeating: 0, count: pack.cellCount)
    }

    /// Steps the nodes every `step` until `end` (inclusive), calling `before` ahead of each step. The pack steps every
    /// `packStep` (a 96s2p `VirtualPack` step costs about 2 ms in a debug build; its truth moves little in 10 ms).
    mutating func run(
        until end: Int64, step: Int64 = millisecond, packStep: Int64 = 10 * millisecond, before: (inout Rig) throws -> Void = { _ in }
    ) rethrows {
        while now <= end {
            try before(&self)
            if let lastPackStep, now - lastPackStep >= packStep {
                pack.step(nodes.actuators.packInputs(loadAmps: loadAmps, heaterWatts: heaterWatts), duration: Double(now - lastPackStep) / 1e9)
                self.lastPackStep = now
            }
            if lastPackStep == nil { lastPackStep = now }
            for frame in nodes.step(nowNanoseconds: now, pack: PackReadings(pack.truth), cells: pack) { log.append((now, frame)) }
            if let frame = request.step(nowNanoseconds: now) { log.append((now, frame)) }
            now += step
        }
    }

    /// Hands a frame from "the bus" (foxBMS or a bench host) to the nodes, and logs it.
    mutating func send(_ frame: CANFrame) {
        log.append((now, frame))
        nodes.receive(frame, atNanoseconds: now)
    }

    func frames(_ name: String) throws -> [(time: Int64, frame: CANFrame)] {
        let id = try Files.identifier(name)
        return log.filter { $0.frame.id == id }
    }

    /// The physical value of `signal` in the last frame of `message` sent at or before `time`.
    func last(_ message: String, _ signal: String, atOrBefore time: Int64 = .max) throws -> (time: Int64, value: Double) {
        guard let entry = try frames(message).last(where: { $0.time <= time }) else { throw Failure("no \(message) by \(time) ns") }
        guard let value = try decode(entry.frame)[signal] else { throw Failure("\(message) has no \(signal)") }
        return (entry.time, value.physical)
    }
}

/// Builds frames of foxbms-compat.dbc from signal names (for foxBMS's own outputs and IVT commands).
func frame(_ name: String, _ raw: [String: Int64]) throws -> CANFrame {
    var encoder = try Files.compat().codec(forMessageNamed: name).encoder()
    for (signal, value) in raw { try encoder.set(signal, raw: value) }
    return try encoder.frame()
}

/// An `f_BmsState` report with every other signal zero.
func bmsState(state: Int64, substate: Int64 = 0, connectedStrings: Int64 = 0) throws -> CANFrame {
    let codec = try Files.compat().codec(forMessageNamed: "f_BmsState")
    var raw: [String: Int64] = [:]
    for signal in codec.message.signals { raw[signal.name] = 0 }
    raw["BmsState"] = state
    raw["BmsSubstate"] = substate
    raw["NumberOfConnectedStrings"] = connectedStrings
    return try frame("f_BmsState", raw)
}

let millisecond: Int64 = 1_000_000
let second: Int64 = 1_000_000_000
