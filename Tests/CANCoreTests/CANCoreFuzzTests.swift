import CANCore
import PropertyBased
import SeededRandom
import Testing

/// Property and fuzz tests: any bytes give a frame or an error, never a trap, and every frame
/// round-trips through its text form.
@Suite("CANCore fuzz")
struct CANCoreFuzzTests {
    static func randomFrame(_ rng: inout Xoshiro256) -> CANFrame {
        let extended = rng.next() & 1 == 0
        let id = try! CANID(UInt32(truncatingIfNeeded: rng.next()) & (extended ? 0x1FFF_FFFF : 0x7FF), extended: extended)
        switch rng.next() % 4 {
        case 0:
            return try! CANFrame(remoteRequest: id, length: Int(rng.next() % 9))
        case 1:
            let length = CANFrame.fdLengths[Int(rng.next() % 16)]
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return try! CANFrame(fdID: id, data: bytes, flags: CANFDFlags(rawValue: UInt8(rng.next() % 8)))
        case 2:
            let bytes = (0..<8).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return try! CANFrame(errorClass: UInt32(rng.next() % 0x3FF) + 1, data: bytes)
        default:
            let bytes = (0..<Int(rng.next() % 9)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return try! CANFrame(id: id, data: bytes)
        }
    }

    @Test func everyFrameRoundTripsThroughText() {
        var rng = Xoshiro256(seed: 0xC0FFEE)
        for _ in 0..<20_000 {
            let frame = Self.randomFrame(&rng)
            #expect((try? CANFrame(candumpText: frame.candumpText)) == frame, "\(frame.candumpText)")
        }
    }

    @Test func everyRecordRoundTripsThroughALogLine() {
        var rng = Xoshiro256(seed: 7)
        var records: [CANLogRecord] = []
        for _ in 0..<5_000 {
            let timestamp = CANTimestamp(
                seconds: rng.next() % 4_000_000_000, nanoseconds: UInt32(rng.next() % 1_000_000) * 1_000)
            records.append(CANLogRecord(timestamp: timestamp, interface: "vcan\(rng.next() % 4)", frame: Self.randomFrame(&rng)))
        }
        let parsed = CandumpLog.parse(text: CandumpLog.format(records))
        #expect(parsed.errors.isEmpty)
        #expect(parsed.records == records)
    }

    @Test func randomBytesNeverTrap() {
        var rng = Xoshiro256(seed: 42)
        let alphabet = Array("0123456789ABCDEFabcdefRr#._() vcan\t\r-xT".utf8)
        var accepted = 0
        for _ in 0..<50_000 {
            let length = Int(rng.next() % 80)
            let line: [UInt8] = (0..<length).map { _ in
                rng.next() % 4 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : alphabet[Int(rng.next() % UInt64(alphabet.count))]
            }
            if case .success? = CandumpLog.parseLine(line, lineNumber: 1) { accepted += 1 }
            _ = try? CANFrame(candumpText: String(decoding: line, as: UTF8.self))
        }
        #expect(accepted < 50_000)
    }

    @Test func mutatedValidLinesGiveValueOrError() {
        var rng = Xoshiro256(seed: 99)
        for _ in 0..<20_000 {
            let record = CANLogRecord(
                timestamp: CANTimestamp(seconds: rng.next() % 10_000), interface: "vcan0", frame: Self.randomFrame(&rng))
            var line = Array(record.description.utf8)
            for _ in 0..<Int(1 + rng.next() % 3) where !line.isEmpty {
                let position = Int(rng.next() % UInt64(line.count))
                switch rng.next() % 3 {
                case 0: line[position] = UInt8(truncatingIfNeeded: rng.next())
                case 1: line.remove(at: position)
                default: line.insert(UInt8(truncatingIfNeeded: rng.next()), at: position)
                }
            }
            switch CandumpLog.parseLine(line, lineNumber: 3) {
            case .failure(let error)?:
                #expect(error.line == 3 && error.column >= 1 && error.column <= line.count + 1)
            case .success(.record(let parsed))?:
                // A mutation may still be valid text; then it must re-print to a line that parses to the same record.
                #expect(CandumpLog.parseLine(Array(parsed.description.utf8), lineNumber: 1) == .success(.record(parsed)))
            default: break
            }
        }
    }

    @Test func fdFrameConstructionPropertiesHold() async {
        await propertyCheck(input: Gen.int(in: 0...80)) { length in
            let bytes = [UInt8](repeating: 0xA5, count: length)
            let id = try! CANID(standard: 0x100)
            let frame = try? CANFrame(fdID: id, data: bytes)
            #expect((frame != nil) == CANFrame.isValidFDLength(length))
            if let frame { #expect(CANFrame.fdLengths[Int(frame.dataLengthCode)] == length) }
        }
    }
}
