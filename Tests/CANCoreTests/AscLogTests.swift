@testable import CANCore
import Foundation
import Testing

@Suite("Vector ASC log")
struct AscLogTests {
    static let start: Int64 = 1_795_424_560_101_000_000  // 2026-11-23 (UTC), whole milliseconds

    static func sampleRecords() throws -> [AscLog.Record] {
        func at(_ micros: Int64) -> CANTimestamp { CANTimestamp(totalNanoseconds: UInt64(start + micros * 1000)) }
        return [
            AscLog.Record(timestamp: at(0), channel: 1, frame: try CANFrame(candumpText: "123#DEADBEEF")),
            AscLog.Record(timestamp: at(1_234), channel: 1, frame: try CANFrame(candumpText: "1F334455#1122334455667788"), direction: .transmit),
            AscLog.Record(timestamp: at(2_000), channel: 2, frame: try CANFrame(candumpText: "7FF#R4")),
            AscLog.Record(timestamp: at(3_000), channel: 1, frame: try CANFrame(candumpText: "123#")),
            AscLog.Record(timestamp: at(4_500), channel: 1, frame: try CANFrame(candumpText: "456##3" + String(repeating: "A5", count: 64))),
            AscLog.Record(timestamp: at(5_000), channel: 1, frame: try CANFrame(candumpText: "00000012##0112233")),
            AscLog.Record(timestamp: at(6_000_000), channel: 1, frame: try CANFrame(errorClass: 0x80, data: [UInt8]())),
        ]
    }

    @Test func writtenFilesReadBackIdentically() throws {
        let records = try Self.sampleRecords()
        let text = AscLog.format(records)
        #expect(text.hasPrefix("date Mon Nov 23 "))
        let parsed = AscLog.parse(text: text)
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        #expect(parsed.records == records)
        #expect(parsed.startNanoseconds == Self.start)
    }

    @Test func startTimesBetweenMillisecondsStayExact() throws {
        let record = AscLog.Record(timestamp: CANTimestamp(seconds: 1_795_424_560, nanoseconds: 101_209_000),
                                   channel: 1, frame: try CANFrame(candumpText: "123#01"))
        let parsed = AscLog.parse(text: AscLog.format([record]))
        #expect(parsed.records == [record])
        #expect(parsed.startNanoseconds == 1_795_424_560_101_000_000)
    }

    @Test func headerDatesUseTheCANoeForm() {
        // 2026-11-23 09:02:40.101 UTC; 1970-01-01 was a Thursday.
        #expect(AscLog.headerDate(Self.start) == "Mon Nov 23 09:02:40.101 am 2026")
        #expect(AscLog.headerDate(0) == "Thu Jan 01 12:00:00.000 am 1970")
        #expect(AscLog.headerDate(13 * 3_600_000_000_000) == "Thu Jan 01 01:00:00.000 pm 1970")
    }

    @Test func canoeStyleFilesWithOtherEventsAreRead() {
        let text = """
            date Wed Mar 23 10:45:01.123 am 2022
            base dec  timestamps absolute
            no internal events logged
            // version 13.0.0
            Begin Triggerblock Wed Mar 23 10:45:01.123 am 2022
               0.000000 Start of measurement
               0.010000 1  291             Rx   d 2 17 34  Length = 228000 BitCount = 116 ID = 291
               0.020000 1  Statistic: D 0 R 0 XD 0 XR 0 E 0 O 0 B 0.00%
               0.030000 CAN 1 Status:chip status error active
               0.040000 1  ErrorFrame ECC: 10100010
               0.050000 1  291             Rx   d 9 1 2 3 4 5 6 7 8
            End TriggerBlock
            """
        let parsed = AscLog.parse(text: text)
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        #expect(parsed.records.map(\.frame.candumpText) == ["123#1122", "20000080#", "123#0102030405060708"])
        #expect(parsed.ignoredLines == 4)  // comment, start marker, statistic, chip status
        #expect(parsed.records[0].timestamp.totalNanoseconds == UInt64(CivilTime(year: 2022, month: 3, day: 23, hour: 10, minute: 45, second: 1, millisecond: 133).unixNanoseconds!))
    }

    @Test func corruptFrameLinesAreErrorsAndTheRestIsKept() {
        let text = """
            base hex  timestamps absolute
            Begin Triggerblock
               0.001000 1  123             Rx   d 4 11 22
               0.002000 1  12G             Rx   d 1 11
               0.003000 1  123             Rx   d 1 11
               0.004000 CANFD   1 Rx        123  1 0 9 16 00
               0.005000 1  800             Rx   d 1 11
               0.006000 1  1FFFFFFFFx      Rx   d 1 11
            """
        let parsed = AscLog.parse(text: text)
        #expect(parsed.records.map(\.frame.candumpText) == ["123#11"])
        #expect(parsed.errors.map(\.line) == [3, 4, 6, 7, 8])
        #expect(parsed.errors[0].reason.contains("expected 4 data bytes"))
        #expect(parsed.errors[2].reason.contains("DLC 9 means 12 bytes"))
    }

    @Test func randomLinesNeverTrap() {
        var state: UInt64 = 0x1234
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let words = ["0.001", "1", "CANFD", "Rx", "Tx", "d", "r", "8", "123", "1Fx", "FF", "ErrorFrame", "Begin", "date", "base", "dec", "-1", "99999999999.9", "0", "1", "f", "64"]
        for _ in 0..<20_000 {
            let line = (0..<Int(next() % 14)).map { _ in words[Int(next() % UInt64(words.count))] }.joined(separator: " ")
            _ = AscLog.parse(text: line)
        }
    }

    @Test func pythonCanReadsOurFilesAndWeReadItsFiles() throws {
        guard let python = PythonPeer.available(module: "can") else { return }
        let records = try Self.sampleRecords()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bmsemu-asc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ours = directory.appendingPathComponent("ours.asc")
        try AscLog.format(records).write(to: ours, atomically: true, encoding: .utf8)
        let theirs = directory.appendingPathComponent("theirs.asc")
        // python-can reads our file, prints what it saw, and writes the same messages with its ASCWriter.
        let output = try python.run(script: """
            import sys, can
            msgs = list(can.ASCReader(sys.argv[1], relative_timestamp=True))
            w = can.ASCWriter(sys.argv[2])
            for m in msgs:
                kind = 'E' if m.is_error_frame else ('R' if m.is_remote_frame else ('F' if m.is_fd else 'D'))
                print(f"{m.timestamp:.6f} {kind} {m.arbitration_id:X} {int(m.is_extended_id)} {m.dlc} {m.data.hex().upper()} {int(m.bitrate_switch)} {int(m.error_state_indicator)} {int(m.is_rx)}")
                w.on_message_received(m)
            w.stop()
            """, arguments: [ours.path, theirs.path])
        let expected = records.map { record -> String in
            let f = record.frame
            let offset = Double(Int64(record.timestamp.totalNanoseconds) - Self.start) / 1e9
            let kind = f.isErrorFrame ? "E" : f.isRemoteRequest ? "R" : f.format == .fd ? "F" : "D"
            let id = f.isErrorFrame ? "0" : String(f.id.value, radix: 16, uppercase: true)
            let ext = f.isErrorFrame ? 1 : (f.id.isExtended ? 1 : 0)  // python-can marks error frames extended by default
            let dlc = f.isErrorFrame ? 0 : f.length
            let data = f.isRemoteRequest || f.isErrorFrame ? "" : f.data.hexString()
            return "\(String(format: "%.6f", offset)) \(kind) \(id) \(ext) \(dlc) \(data) \(f.fdFlags.contains(.bitRateSwitch) ? 1 : 0) \(f.fdFlags.contains(.errorStateIndicator) ? 1 : 0) \(record.direction == .receive ? 1 : 0)"
        }
        #expect(output.split(separator: "\n").map(String.init) == expected)
        let back = AscLog.parse(try Data(contentsOf: theirs))
        #expect(back.errors.isEmpty, "\(back.errors)")
        #expect(back.records.map(\.frame) == records.map(\.frame))
        #expect(back.records.map(\.direction) == records.map(\.direction))
    }
}

/// Runs python3 scripts against independent peer libraries (python-can, cantools).
struct PythonPeer {
    let executable: String

    /// The peer if python3 can import `module`. When `BMSEMU_REQUIRE_PEERS=1` a missing peer fails the test.
    static func available(module: String) -> PythonPeer? {
        let peer = PythonPeer(executable: "/usr/bin/env")
        if (try? peer.run(script: "import \(module)", arguments: [])) != nil { return peer }
        if ProcessInfo.processInfo.environment["BMSEMU_REQUIRE_PEERS"] == "1" {
            Issue.record("python3 with '\(module)' is required (BMSEMU_REQUIRE_PEERS=1) but not available")
        }
        return nil
    }

    func run(script: String, arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["python3", "-c", script] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw PeerFailure(message: errorText) }
        return String(decoding: data, as: UTF8.self)
    }

    struct PeerFailure: Error, CustomStringConvertible { let message: String; var description: String { message } }
}
