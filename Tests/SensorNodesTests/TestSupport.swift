import CANCore
import CANDatabase
import CellPack
import FirmwareConfig
import Foundation
import SensorNodes
import Testing

/// Files next to the tests and in the package (tests may use Foundation; the module may not).
enum Fixtures {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let packageRoot = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
    static let databasePath = packageRoot.appendingPathComponent("Firmware/bms.dbc").path
    static let configurationPath = packageRoot.appendingPathComponent("Firmware/nodes/default.yaml").path

    private static let loadedDatabase: Result<CANDatabase, any Error> = Result {
        try CANDatabase.parse([UInt8](Data(contentsOf: URL(fileURLWithPath: databasePath))))
    }
    private static let loadedConfiguration: Result<NodeConfiguration, any Error> = Result {
        try NodeConfigurationFile.load(path: configurationPath)
    }
    /// A real pack's truth, as templates for synthetic cells and packs (CellTruth and PackTruth have no public
    /// initializers; every field is settable).
    private static let templates: Result<(cell: CellTruth, pack: PackTruth), any Error> = Result {
        let cell = try CellParameterFile.load(path: packageRoot.appendingPathComponent("Firmware/cells/li-metal-ncm811-pouch.yaml").path)
        let pack = try PackParameterFile.load(path: packageRoot.appendingPathComponent("Firmware/packs/96s2p.yaml").path)
        let virtual = try VirtualPack(cell: cell, pack: pack, seed: 1)
        guard let first = virtual.cell(0) else { throw TestFailure("the pack has no cell 0") }
        return (first, virtual.truth)
    }

    static func database() throws -> CANDatabase { try loadedDatabase.get() }
    static func configuration() throws -> NodeConfiguration { try loadedConfiguration.get() }

    /// The default configuration with some values replaced.
    static func configuration(_ changes: [NodeParameterKey: Double]) throws -> NodeConfiguration {
        var config = try configuration()
        for (key, value) in changes { config[key] = value }
        return config
    }

    static func nodes(seed: UInt64 = 7, _ changes: [NodeParameterKey: Double] = [:]) throws -> PackNodes {
        try PackNodes(configuration: configuration(changes), database: database(), seed: seed)
    }

    /// A cell with the fields the nodes read set; the rest from a new cell of the default pack.
    static func cell(volts: Double = 3.7, celsius: Double = 25, thickness: Double = 8) -> CellTruth {
        var cell = try! templates.get().cell
        cell.terminalVolts = volts
        cell.openCircuitVolts = volts
        cell.surfaceCelsius = celsius
        cell.coreCelsius = celsius
        cell.thicknessMillimetres = thickness
        return cell
    }

    /// 96 groups × 2 cells.
    static func cells(volts: (Int) -> Double = { _ in 3.7 }, celsius: (Int) -> Double = { _ in 25 }) -> [CellTruth] {
        (0..<192).map { index in cell(volts: volts(index / 2), celsius: celsius(index / 2)) }
    }

    static func pack(
        volts: Double = 355.2, link: Double = 355.2, amps: Double = 0, gas: GasAmounts = GasAmounts(), smoke: Double = 0,
        isolationOhms: Double = 5e6
    ) -> PackTruth {
        var pack = try! templates.get().pack
        pack.packVolts = volts
        pack.linkVolts = link
        pack.packCurrentAmps = amps
        pack.averageCurrentAmps = amps
        pack.inrushPeakAmps = 0
        pack.enclosureGasPPM = gas
        pack.smokeMilligramsPerCubicMetre = smoke
        pack.isolationOhms = isolationOhms
        return pack
    }

    static let codecs: Result<DatabaseCodec, any Error> = Result { DatabaseCodec(try database()) }

    /// A frame decoded with bms.dbc.
    static func decode(_ frame: CANFrame) throws -> DecodedFrame {
        guard let result = try codecs.get().decode(frame) else { throw TestFailure("no message for \(frame)") }
        return try result.get()
    }

    /// Signal values of a frame by name (physical).
    static func values(_ frame: CANFrame) throws -> [String: Double] {
        var result: [String: Double] = [:]
        for signal in try decode(frame).signals { result[signal.name] = signal.physical }
        return result
    }

    static func identifier(_ name: String) throws -> CANID {
        guard let message = try database().message(named: name) else { throw TestFailure("no message \(name)") }
        return message.id
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Builds command frames as the BMS would: from signal names, with E2E counter and CRC.
struct CommandBuilder {
    let codec: MessageCodec
    var encoder: MessageEncoder
    var sender: E2ESender?

    init(_ name: String) throws {
        codec = try Fixtures.database().codec(forMessageNamed: name)
        encoder = codec.encoder()
        if codec.message.signals.contains(where: { $0.e2eRole == .counter }) {
            sender = E2ESender(profile: try E2EProfile(codec: codec))
        }
    }

    /// A frame with `values` (physical) set, counter and CRC filled in.
    mutating func frame(_ values: [String: Double], raw: [String: Int64] = [:]) throws -> CANFrame {
        encoder.reset()
        for (name, value) in values { try encoder.set(name, value) }
        for (name, value) in raw { try encoder.set(name, raw: value) }
        if var sender {
            let frame = try sender.protect(&encoder)
            self.sender = sender
            return frame
        }
        return try encoder.frame()
    }
}

/// A closed loop of nodes and synthetic truth, stepped in simulated time with a recorded frame log.
struct Rig {
    var nodes: PackNodes
    var cells: [CellTruth]
    var pack: PackTruth
    var now: Int64 = 0
    var log: [(time: Int64, frame: CANFrame)] = []

    init(nodes: PackNodes, cells: [CellTruth] = Fixtures.cells(), pack: PackTruth = Fixtures.pack()) {
        self.nodes = nodes
        self.cells = cells
        self.pack = pack
    }

    /// Steps every `step` ns until `end` (inclusive), calling `before` ahead of each node step.
    mutating func run(until end: Int64, step: Int64 = 1_000_000, before: (inout Rig) throws -> Void = { _ in }) rethrows {
        while now <= end {
            try before(&self)
            for frame in nodes.step(nowNanoseconds: now, cells: cells, pack: pack) { log.append((now, frame)) }
            now += step
        }
    }

    mutating func send(_ frame: CANFrame) { nodes.receive(frame, atNanoseconds: now) }

    /// Logged frames with this identifier.
    func frames(_ name: String) throws -> [(time: Int64, frame: CANFrame)] {
        let id = try Fixtures.identifier(name)
        return log.filter { $0.frame.id == id }
    }
}

/// Mean and standard deviation.
func statistics(_ values: [Double]) -> (mean: Double, sigma: Double) {
    let mean = values.reduce(0, +) / Double(values.count)
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(values.count - 1, 1))
    return (mean, variance.squareRoot())
}

let millisecond: Int64 = 1_000_000
let second: Int64 = 1_000_000_000
