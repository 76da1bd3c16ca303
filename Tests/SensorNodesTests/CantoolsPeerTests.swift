import CANCore
import CANDatabase
import CellPack
import Foundation
import SensorNodes
import Testing

/// python3 with the independent peer libraries (cantools, python-can).
enum PeerPython {
    static let modules = ["cantools", "can"]

    /// `true` when python3 imports every module.
    static let isAvailable: Bool = (try? run(["-c", modules.map { "import \($0)" }.joined(separator: "; ")])) != nil

    /// Peers are mandatory in CI (`BMSEMU_REQUIRE_PEERS=1`): then a missing peer fails instead of skipping.
    static var isRequired: Bool { ProcessInfo.processInfo.environment["BMSEMU_REQUIRE_PEERS"] == "1" }

    struct Failure: Error, CustomStringConvertible {
        let status: Int32
        let output: String
        var description: String { "python3 exited with \(status):\n\(output)" }
    }

    /// Runs python3 with `arguments`; returns stdout, throws on a non-zero exit.
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else { throw Failure(status: process.terminationStatus, output: text + errorText) }
        return text
    }
}

@Suite("Peer check with cantools")
struct CantoolsPeerTests {
    /// A run that makes every node send every message and page: changing truth, BMS commands including IVT
    /// commands (for each response kind) and a healing profile, past the gas warm-up and the IMD self test.
    func recordedRun() throws -> [(time: Int64, frame: CANFrame)] {
        var rig = Rig(nodes: try Fixtures.nodes(seed: 2026))
        var contactor = try CommandBuilder("BMS_ContactorCommand")
        var charger = try CommandBuilder("BMS_ChargerCommand")
        var profile = try CommandBuilder("BMS_ChargerProfile")
        var balancing = try CommandBuilder("BMS_BalancingCommand")
        var ivt = try CommandBuilder("IVT_Msg_Cmd")
        try rig.run(until: 16 * second) { rig in
            let t = Double(rig.now) / 1e9
            rig.cells = (0..<192).map { index in
                Fixtures.cell(volts: 3.5 + 0.006 * Double(index / 2) - 0.01 * t, celsius: 20 + Double(index % 20) + t, thickness: 8 + 0.001 * t)
            }
            let charge = -rig.nodes.actuators.chargerCurrent.averageAmps
            rig.pack = Fixtures.pack(
                volts: 370 + 0.05 * charge, link: 369 + 0.05 * charge, amps: -charge,
                gas: GasAmounts(hydrogen: 5 * t, carbonMonoxide: t, carbonDioxide: 30 * t), smoke: 0.05 * t, isolationOhms: 2e6 - 1e5 * t)
            if rig.now % (50 * millisecond) == 0 {
                rig.send(try contactor.frame([:], raw: [
                    "ContactorCmd_MainPlus": 1, "ContactorCmd_MainMinus": 1, "ContactorCmd_Precharge": t < 1 ? 1 : 0, "ContactorCmd_EmergencyOpen": 0,
                ]))
            }
            if rig.now % (100 * millisecond) == 0 {
                let healing: Int64 = t > 8 ? 1 : 0
                rig.send(try charger.frame(
                    ["ChargerCmd_CurrentSetpoint": 30, "ChargerCmd_VoltageLimit": 400],
                    raw: ["ChargerCmd_Enable": 1, "ChargerCmd_HealingProfile": healing, "ChargerCmd_ProfileSet": 2]))
                let board = Int64(rig.now / (100 * millisecond)) % 8
                rig.send(try balancing.frame([:], raw: ["Balancing_Board": board, "Balancing_MaskCMU\(board + 1)": 0x081]))
            }
            if rig.now == 7 * second {
                rig.send(try profile.frame(
                    ["ChargerProfile_PulseCurrent": 20, "ChargerProfile_ReverseCurrent": 0], raw: ["ChargerProfile_Page": 0, "ChargerProfile_Set": 2]))
                rig.send(try profile.frame([:], raw: ["ChargerProfile_Page": 1, "ChargerProfile_Set": 2, "ChargerProfile_OnTime": 1, "ChargerProfile_OffTime": 3]))
                rig.send(try profile.frame([:], raw: ["ChargerProfile_Page": 2, "ChargerProfile_Set": 2, "ChargerProfile_ReverseTime": 0, "ChargerProfile_PulseCount": 5000]))
            }
            switch rig.now {
            case 2 * second: rig.send(try ivt.frame([:], raw: ["IVT_ID_Cmd": 0x20, "IVT_Cmd_ResultMode": 2, "IVT_Cmd_ResultCycleTime": 10]))
            case 3 * second: rig.send(try ivt.frame([:], raw: ["IVT_ID_Cmd": 0x30, "IVT_Cmd_ResetItems": 3]))
            case 4 * second: rig.send(try ivt.frame([:], raw: ["IVT_ID_Cmd": 0x34, "IVT_Cmd_RunMode": 0]))
            case 4_500 * millisecond: rig.send(try ivt.frame([:], raw: ["IVT_ID_Cmd": 0x34, "IVT_Cmd_RunMode": 1]))
            case 5 * second: rig.send(try CANFrame(id: Fixtures.identifier("IVT_Msg_Cmd"), data: [0x99, 0, 0, 0, 0, 0, 0, 0]))
            default: break
            }
        }
        #expect(rig.nodes.encodeFailures == 0)
        return rig.log
    }

    @Test(.enabled(if: PeerPython.isAvailable || PeerPython.isRequired, "python3 with cantools and python-can is not installed"))
    func everyNodeSignalDecodesWithinItsRange() throws {
        guard PeerPython.isAvailable else {
            Issue.record("python3 with cantools and python-can is required (BMSEMU_REQUIRE_PEERS=1) but not available")
            return
        }
        let log = try recordedRun()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sensornodes-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nodes.log")
        let start: UInt64 = 1_700_000_000_000_000_000
        let lines = log.map {
            CANLogRecord(timestamp: CANTimestamp(totalNanoseconds: start + UInt64($0.time)), interface: "vcan0", frame: $0.frame).description
        }
        try (lines.joined(separator: "\n") + "\n").write(to: path, atomically: true, encoding: .utf8)
        let script = Fixtures.testsDirectory.appendingPathComponent("Peers/check_node_frames.py").path
        let output: String
        do {
            output = try PeerPython.run([script, path.path, Fixtures.databasePath])
        } catch let failure as PeerPython.Failure {
            Issue.record("cantools found problems:\n\(failure.output)")
            return
        }
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(report["frames"] as? Int == log.count)
        let nodeNames = Set((1...8).map { "CMU\($0)" } + ["IVT", "GAS", "PRESS", "SMOKE", "IMD", "CHARGER", "CONTACTORS"])
        let nodeMessages = try Fixtures.database().messages.filter { !Set($0.senders).isDisjoint(with: nodeNames) }
        #expect(nodeMessages.count == 31)
        #expect(report["messages"] as? Int == nodeMessages.count)
        #expect(report["signals"] as? Int == nodeMessages.reduce(0) { $0 + $1.signals.count })
        #expect((report["missing"] as? [String])?.isEmpty == true, "\(report["missing"] ?? "")")
        #expect((report["out_of_range"] as? [String])?.isEmpty == true, "\(report["out_of_range"] ?? "")")
    }
}
