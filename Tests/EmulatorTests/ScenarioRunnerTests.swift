import CANCore
import CANDatabase
import CANTransport
import CellPack
import Emulator
import BMSFirmware
import FirmwareConfig
import Foundation
import SensorNodes
import Testing

/// Builds the pack side from the shipped Firmware/ files, as the shell does.
enum ShippedFirmware {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Firmware").path

    static let database: CANDatabase = {
        let bytes = FileManager.default.contents(atPath: directory + "/bms.dbc")!
        return try! CANDatabase.parse(bytes)
    }()

    static func vehicle(_ scenario: Scenario) throws -> VehicleParticipant {
        let pack = try VirtualPack(
            cell: CellParameterFile.load(path: directory + "/" + scenario.pack.cellFile),
            pack: PackParameterFile.load(path: directory + "/" + scenario.pack.packFile), seed: scenario.seed,
            initialStateOfCharge: scenario.pack.initialStateOfCharge, initialCelsius: scenario.pack.initialCelsius)
        let nodes = try PackNodes(configuration: NodeConfigurationFile.load(path: directory + "/" + scenario.pack.nodesFile), database: database, seed: scenario.seed)
        let vehicle = try VehicleController(program: scenario.vehicle, database: database)
        let monitor = TruthMonitor(
            limits: .init(cellVoltageMaximumMillivolts: 4250, cellVoltageMinimumMillivolts: 2800, temperatureMaximumCelsius: 60),
            seriesCount: pack.seriesCount, cellCount: pack.cellCount)
        return VehicleParticipant(pack: pack, nodes: nodes, vehicle: vehicle, monitor: monitor, ambientCelsius: 25, coolantCelsius: 25)
    }
}

@Suite("ScenarioRunner")
struct ScenarioRunnerTests {
    @Test func packSideRunsItsTimelineAndIsRepeatable() throws {
        var scenario = Scenario(name: "pack-only", seed: 3, durationSeconds: 3, stepMilliseconds: 10)
        scenario.timeline = [
            TimelineEntry(atSeconds: 1, action: .sensorFault("cmu2 silent")),
            TimelineEntry(atSeconds: 1.5, action: .busFault(BusFaultSpec(action: .drop, filter: .exact(try CANID(standard: 0x521)), durationSeconds: 0.5))),
        ]
        scenario.expectations = [
            .occurs(EventSelector(kind: "scenario.action")),
            .never(EventSelector(kind: "pack.cell_vented")),
            .metric(name: "pack.max_cell_celsius", comparison: .lessThan, bound: 40),
        ]
        func run() throws -> ScenarioOutcome {
            var runner = try ScenarioRunner(scenario: scenario, vehicle: try ShippedFirmware.vehicle(scenario), firmware: nil,
                                            database: ShippedFirmware.database, recordsFrames: true)
            return runner.run()
        }
        let first = try run()
        #expect(first.passed, "\(first.results.filter { !$0.passed }.map(\.detail))")
        #expect(first.simulatedSeconds >= 3)
        let cmu2 = first.frames.filter { $0.frame.id.value == 0x202 }
        #expect(!cmu2.isEmpty && cmu2.allSatisfy { $0.timestamp.totalNanoseconds < 1_700_000_001_010_000_000 })
        let current = first.frames.filter { $0.frame.id.value == 0x521 }.map { Double($0.timestamp.totalNanoseconds - 1_700_000_000_000_000_000) / 1e9 }
        #expect(!current.contains { $0 > 1.51 && $0 < 1.99 })
        #expect(current.contains { $0 > 2.0 })
        let second = try run()
        #expect(CandumpLog.format(second.frames) == CandumpLog.format(first.frames))
        #expect(second.events == first.events)
    }
}

@Suite("Closed loop: pack, nodes and firmware")
struct ClosedLoopTests {
    static func firmware(_ scenario: Scenario) throws -> FirmwareParticipant {
        let configuration = try BMSConfiguration.load(firmwareDirectory: ShippedFirmware.directory)
        return FirmwareParticipant(node: try BMSFirmwareNode(configuration: configuration, database: ShippedFirmware.database))
    }

    @Test func theCurrentSensorCountsEveryStepsCharge() throws {
        var scenario = Scenario(name: "count", seed: 5, durationSeconds: 6, stepMilliseconds: 1)
        scenario.vehicle = VehicleProgram(initialRequest: .discharge, initialLoad: .constant(amps: 20))
        var runner = try ScenarioRunner(scenario: scenario, vehicle: try ShippedFirmware.vehicle(scenario), firmware: try Self.firmware(scenario),
                                        database: ShippedFirmware.database, recordsFrames: true)
        let outcome = runner.run()
        #expect(outcome.events.contains { $0.kind == "firmware.contactors_closed" })
        // Last IVT coulomb-counter frame (0x527, As, Motorola int32 in bytes 2...5) vs the integrated truth.
        let counter = try #require(outcome.frames.last { $0.frame.id.value == 0x527 })
        let bytes = Array(counter.frame.data)
        let raw = Int32(bitPattern: UInt32(bytes[2]) << 24 | UInt32(bytes[3]) << 16 | UInt32(bytes[4]) << 8 | UInt32(bytes[5]))
        let measuredAs = -Double(raw)  // bms.dbc: positive charges the pack; the load discharged it
        let truthAs = runner.vehicle.netDischargedAmpereSeconds
        #expect(truthAs > 80)
        // The IVT's own gain/offset (0.1 % class) and the last frame's age (100 ms at 20 A) bound the difference.
        #expect(abs(measuredAs - truthAs) < 2.5 + 0.005 * truthAs, "IVT \(measuredAs) As vs truth \(truthAs) As")
    }
}
