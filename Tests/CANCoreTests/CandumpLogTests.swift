import CANCore
import Foundation
import Testing

@Suite("candump log")
struct CandumpLogTests {
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/candump-2020.11-vcan.log")

    @Test func logWrittenByCandumpRoundTripsByteForByte() throws {
        // Recorded with can-utils 2020.11 `candump -L vcan0` on a real vcan (UML guest) while
        // cansend/cangen sent classic, extended, remote and CAN FD frames.
        let original = try Data(contentsOf: Self.fixture)
        let parsed = CandumpLog.parse(original)
        #expect(parsed.errors.isEmpty, "\(parsed.errors)")
        #expect(parsed.records.count == 99)
        #expect(parsed.records.contains { $0.frame.format == .fd && $0.frame.length == 64 })
        #expect(parsed.records.contains { $0.frame.isRemoteRequest && $0.frame.length == 8 })
        #expect(parsed.records.contains { $0.frame.id.isExtended })
        #expect(CandumpLog.format(parsed.records) == String(decoding: original, as: UTF8.self))
    }

    @Test func malformedLinesAreReportedAndNothingElseIsLost() {
        let text = """
            # label: cell-ov
            (1699999999.123456) vcan0 123#DEADBEEF
            (1699999999.1234x6) vcan0 123#00
            garbage line
            (1699999999.200000) can0 1F334455#R T

            (1699999999.300000) vcan0 123#0
            (1699999999.400000) vcan0 456##1AA
            """
        let result = CandumpLog.parse(text: text)
        #expect(result.records.map(\.frame.candumpText) == ["123#DEADBEEF", "1F334455#R", "456##1AA"])
        #expect(result.records[1].direction == .transmit)
        #expect(result.records[1].interface == "can0")
        #expect(result.comments.map(\.text) == ["label: cell-ov"])
        #expect(result.errors.map(\.line) == [3, 4, 7])
        #expect(result.errors[0].column == 17)
        #expect(result.errors[1].reason.contains("'('"))
        #expect(result.errors[2].reason.contains("two hex digits"))
    }

    @Test func timestampsKeepTheirWrittenForm() throws {
        let lines = [
            "(1699999999.123456) vcan0 123#00",
            "(0.000000) vcan0 123#00",
            "(1699999999.123456789) vcan0 123#00",
            "(0000000012.5) vcan0 123#00",
        ]
        for line in lines {
            let result = CandumpLog.parse(text: line)
            #expect(result.errors.isEmpty)
            #expect(result.records.first?.description == line)
        }
        let nanos = try #require(CandumpLog.parse(text: lines[2]).records.first).timestamp
        #expect(nanos.totalNanoseconds == 1_699_999_999_123_456_789)
    }

    @Test func timestampLimitsAreErrorsNotTraps() {
        let result = CandumpLog.parse(text: """
            (99999999999999999999999.0) vcan0 123#00
            (1.1234567890) vcan0 123#00
            (1.) vcan0 123#00
            (.5) vcan0 123#00
            (1.5)vcan0 123#00
            (1.5) vcan0_with_a_long_name 123#00
            """)
        #expect(result.records.isEmpty)
        #expect(result.errors.map(\.line) == [1, 2, 3, 4, 5, 6])
    }

    @Test func splitterHandlesChunksAndCRLF() {
        var splitter = LineSplitter()
        splitter.append(Array("(1.000000) vcan0 12".utf8))
        #expect(splitter.nextLine() == nil)
        splitter.append(Array("3#01\r\n(2.0".utf8))
        let first = splitter.nextLine()
        #expect(first?.0 == 1)
        #expect(first.map { String(decoding: $0.1, as: UTF8.self) } == "(1.000000) vcan0 123#01")
        splitter.append(Array("00000) vcan0 123#02".utf8))
        #expect(splitter.nextLine() == nil)
        splitter.finish()
        #expect(splitter.nextLine()?.0 == 2)
    }
}
