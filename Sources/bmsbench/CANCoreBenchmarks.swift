import CANCore

/// candump log throughput: parsing and writing `-L` lines (what `bmsemu replay` and recorders do).
enum CANCoreBenchmarks {
    static func run() throws {
        let id = try CANID(standard: 0x250)
        var records: [CANLogRecord] = []
        for index in 0..<10_000 {
            let bytes = (0..<8).map { UInt8(truncatingIfNeeded: index &* 31 &+ $0) }
            let frame = try CANFrame(id: id, data: bytes)
            records.append(CANLogRecord(timestamp: CANTimestamp(seconds: 1_700_000_000 + UInt64(index)), interface: "vcan0", frame: frame))
        }
        let text = CandumpLog.format(records)
        let bytes = Array(text.utf8)
        _ = Bench.measure("candump: format 8-byte records", operations: records.count) { CandumpLog.format(records).utf8.count }
        _ = Bench.measure("candump: parse 8-byte records", operations: records.count) { CandumpLog.parse(bytes).records.count }
    }
}
