import CANCore
import CANDatabase
import CellPack
import Foundation
import SeededRandom
import SensorNodes
import Testing

/// python3 with the independent peers (cantools 45.1.0, python-can 4.6.1).
enum Peer {
    static let isAvailable: Bool = (try? python(["-c", "import cantools, can"])) != nil

    /// Peers are mandatory in CI (`BMSEMU_REQUIRE_PEERS=1`): then a missing peer fails instead of skipping.
    static var isRequired: Bool { ProcessInfo.processInfo.environment["BMSEMU_REQUIRE_PEERS"] == "1" }

    struct Failed: Error, CustomStringConvertible {
        let output: String
        var description: String { output }
    }

    /// Runs python3; returns stdout, throws with stdout and stderr on a non-zero exit.
    static func python(_ arguments: [String]) throws -> String {
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
        guard process.terminationStatus == 0 else { throw Failed(output: text + errorText) }
        return text
    }
}

@Suite("foxBMS profile against cantools")
struct FoxBMSPeerTests {
    static let peerTrait = Testing.ConditionTrait.enabled(if: Peer.isAvailable || Peer.isRequired, "python3 with cantools and python-can is not installed")

    static let faultsAt: Int64 = 2 * second
    static let faultsSettled: Int64 = 4 * second
    static let invalidVoltages = [2, 15, 16] + Array(36...47)
    static let invalidTemperatures = [1] + Array(36...47)

    /// bmsemu's decode of a frame: signal → [raw, physical].
    func ours(_ frame: CANFrame) -> [String: [Double]]? {
        guard let decoded = try? decode(frame) else { return nil }
        var result: [String: [Double]] = [:]
        for (name, value) in decoded { result[name] = [Double(value.raw), value.physical] }
        return result
    }

    /// Eight seconds of the foxBMS profile on the 96s2p pack at rest with heated groups, exact sensors, faults at
    /// 2 s, bench IVT commands, and the 0x210 sender changing its request.
    func recordedTraffic() throws -> (log: [(time: Int64, frame: CANFrame)], truth: [[String: Double]]) {
        let exact: [NodeParameterKey: Double] = [
            .cellTotalError: 0, .cellNoise: 0, .thermistorResistanceTolerance: 0, .thermistorBetaTolerance: 0, .openWireCheckPeriod: 1,
        ]
        var rig = try Rig(nodes: try Files.nodes(profile: try Files.profile(contactors: .open), changes: exact), pack: try Files.virtualPack())
        for cell in rig.heaterWatts.indices where (cell / 2) % 5 == 0 { rig.heaterWatts[cell] = 1 }
        var truth: [[String: Double]] = []
        // The truth beside each AFE frame logged since the last call (the pack has not stepped since).
        func captureTruth(_ rig: Rig) {
            while truth.count < rig.log.count {
                var values: [String: Double] = [:]
                if rig.log[truth.count].frame.id.value == 0x270 || rig.log[truth.count].frame.id.value == 0x280 {
                    for group in 0..<96 {
                        values["CellVoltage_" + String(group).leftPadded(3)] = (rig.pack.groupVolts(group) ?? .nan) * 1000
                        values["CellTemperature_" + String(group).leftPadded(3)] = rig.pack.surfaceCelsius(group * 2) ?? .nan
                    }
                }
                truth.append(values)
            }
        }
        try rig.run(until: 8 * second) { rig in
            captureTruth(rig)
            switch rig.now {
            case 1 * second:
                rig.send(try frame("IVT_Msg_Cmd", ["IVT_ID_Cmd": 0x21, "IVT_Cmd_ResultMode": 2, "IVT_Cmd_ResultCycleTime": 20]))
            case 1_500 * millisecond:
                rig.send(try frame("IVT_Msg_Cmd", ["IVT_ID_Cmd": 0x30, "IVT_Cmd_ResetItems": 3]))
            case 1_700 * millisecond:
                rig.send(try CANFrame(id: try Files.identifier("IVT_Msg_Cmd"), data: [0x99, 0, 0, 0, 0, 0, 0, 0]))
            case Self.faultsAt:
                for text in ["cmu2.wire[4] open", "cmu1.voltage[3] dropout", "cmu1.temperature[2] open", "cmu4 silent"] {
                    try rig.nodes.inject(try SensorFault(parsing: text))
                }
            case 3 * second:
                rig.request.mode = .discharge
                rig.request.balancingActive = true
                rig.request.balancingThresholdMillivolts = 20
            case 5 * second:
                rig.request.mode = .charge
                rig.request.requestPersistentFlagReset()
            default:
                break
            }
        }
        captureTruth(rig)
        #expect(rig.nodes.encodeFailures == 0)
        return (rig.log, truth)
    }

    /// Random payloads for every page of every message of foxbms-compat.dbc (multiplexer set to a declared value).
    func randomFrames() throws -> [CANFrame] {
        var random = Xoshiro256(seed: 45_1_0, stream: 9)
        var frames: [CANFrame] = []
        for message in try Files.compat().messages {
            let multiplexer = message.signals.first { $0.isMultiplexer }
            let pages: [Int64] = multiplexer == nil ? [0]
                : Array(Set(message.signals.flatMap { $0.multiplexCondition?.values.flatMap { Array($0) } ?? [] })).sorted()
            for page in pages {
                for _ in 0..<3 {
                    var bytes = (0..<message.length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                    if let multiplexer {
                        // Every multiplexer here is one byte or less, Motorola, within byte 0.
                        let shift = multiplexer.startBit - multiplexer.length + 1
                        let mask = UInt8((1 << multiplexer.length) - 1) << UInt8(shift)
                        bytes[0] = (bytes[0] & ~mask) | (UInt8(page) << UInt8(shift))
                    }
                    frames.append(try CANFrame(id: message.id, data: bytes))
                }
            }
        }
        return frames
    }

    @Test(peerTrait) func cantoolsReadsTheTrafficAsBmsemuDoesAndFindsEveryCell() throws {
        guard Peer.isAvailable else {
            Issue.record("python3 with cantools and python-can is required (BMSEMU_REQUIRE_PEERS=1) but not available")
            return
        }
        let (log, truth) = try recordedTraffic()
        let randoms = try randomFrames()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("foxbms-peer-\(ProcessInfo.processInfo.processIdentifier)-\(UInt64.random(in: 0...UInt64.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let start: UInt64 = 1_000_000_000
        func write(_ frames: [(time: Int64, frame: CANFrame)], to name: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            let lines = frames.map {
                CANLogRecord(timestamp: CANTimestamp(totalNanoseconds: start + UInt64($0.time)), interface: "can0", frame: $0.frame).description
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let trafficPath = try write(log, to: "traffic.log")
        let randomPath = try write(randoms.enumerated().map { (Int64($0.offset) * millisecond, $0.element) }, to: "random.log")
        func entry(_ frame: CANFrame) -> [String: Any] {
            // A frame bmsemu cannot decode (the wrong IVT command code) carries null: cantools must refuse it too.
            ["id": Int(frame.id.value), "data": frame.data.map { String($0, radix: 16, uppercase: true).leftPadded(2) }.joined(),
             "signals": ours(frame) as Any]
        }
        var traffic: [[String: Any]] = []
        for (index, record) in log.enumerated() {
            var item = entry(record.frame)
            item["truth"] = truth[index]
            traffic.append(item)
        }
        let expectations: [String: Any] = [
            "traffic": traffic, "random": randoms.map(entry),
            "cell_blocks": 96, "sensors": 96, "voltage_pages": 24, "temperature_pages": 16,
            "faults_at_ns": Int(start) + Int(Self.faultsAt), "faults_settled_ns": Int(start) + Int(Self.faultsSettled),
            "invalid_voltages": Self.invalidVoltages, "invalid_temperatures": Self.invalidTemperatures,
            // Exact sensors: 1 mV and 1 degC steps on the wire plus the AFE's 0.1 mV LSB; a frame carries the last sample
            // (temperatures every 200 ms through a 2 s thermistor lag while the heated cells warm).
            "voltage_tolerance_mv": 0.55, "temperature_tolerance_degc": 0.6,
        ]
        let expectationsPath = directory.appendingPathComponent("expectations.json")
        try JSONSerialization.data(withJSONObject: expectations).write(to: expectationsPath)
        let script = Files.testsDirectory.appendingPathComponent("Peers/check_foxbms_traffic.py").path
        let output: String
        do {
            output = try Peer.python([script, Files.compatPath, trafficPath, randomPath, expectationsPath.path])
        } catch {
            Issue.record("cantools found problems:\n\(error)")
            return
        }
        let report = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        #expect(report["traffic_frames"] as? Int == log.count)
        #expect(report["random_messages"] as? Int == 30 && report["dbc_messages"] as? Int == 30)
        #expect(report["cell_blocks_seen"] as? Int == 96 && report["sensors_seen"] as? Int == 96)
        #expect(report["state_requests"] as? Int == 81)
        #expect(report["ivt_responses"] as? Int == 3)
        #expect((report["problems"] as? [String])?.isEmpty == true, "\(report["problems"] ?? "")")
    }

    /// The generator reproduces the committed DBC (nobody edited one without the other).
    @Test(peerTrait) func committedDatabaseIsWhatTheGeneratorWrites() throws {
        guard Peer.isAvailable else {
            Issue.record("python3 is required (BMSEMU_REQUIRE_PEERS=1) but not available")
            return
        }
        #expect(throws: Never.self) { try Peer.python([Files.generatorPath, "--check"]) }
    }
}
