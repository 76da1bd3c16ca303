import CANCore
import EmulatorRuntime
import Foundation
import Testing

@Suite("CandumpLogWriter")
struct CandumpLogWriterTests {
    @Test func closedLogsParseBackCompletely() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bmsemu-writer-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try CandumpLogWriter(path: path)
        writer.writeComment("scenario: test")
        let records = try (0..<1000).map { index in
            CANLogRecord(timestamp: CANTimestamp(seconds: UInt64(index)), interface: "vcan0",
                         frame: try CANFrame(id: CANID(standard: UInt32(index % 0x7FF)), data: [UInt8(index % 256)]))
        }
        records.forEach(writer.write)
        writer.close()
        writer.write(records[0])  // ignored after close
        let parsed = CandumpLog.parse(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(parsed.errors.isEmpty)
        #expect(parsed.records == records)
        #expect(parsed.comments.map(\.text) == ["scenario: test"])
    }

    @Test func unwritablePathsAreErrors() {
        #expect(throws: RuntimeError.self) { try CandumpLogWriter(path: "/nonexistent-dir/x.log") }
    }
}
