import ArgumentParser
import CANCore
import CANDatabase
import Foundation

/// `bmsemu monitor`: decode traffic with the CAN database.
struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Decode CAN traffic with Firmware/bms.dbc: signals with units and value names, E2E checks.",
        discussion: "Reads a recorded log (--log, candump -L or .asc). Unknown identifiers, malformed frames and E2E failures are shown and counted."
    )

    @OptionGroup var firmware: FirmwareOptions
    @Option(help: "DBC file (default: <firmware>/bms.dbc).") var dbc: String?
    @Option(help: "Recorded log to decode (.log or .asc).") var log: String
    @Option(help: "Show only these messages (name, repeatable).") var message: [String] = []
    @Flag(help: "Print only the summary counts.") var summary = false

    func run() throws {
        let database = try loadDatabase(dbc: dbc, firmware: firmware)
        var decoder = TrafficDecoder(database: database)
        let data = try readFile(log)
        var records: [CANLogRecord] = []
        switch LogFormat(path: log) {
        case .candump:
            let parsed = CandumpLog.parse(data)
            for error in parsed.errors { printError("\(log):\(error)") }
            records = parsed.records
        case .asc:
            let parsed = AscLog.parse(data)
            for error in parsed.errors { printError("\(log):\(error)") }
            records = parsed.records.map { CANLogRecord(timestamp: $0.timestamp, interface: "can\($0.channel - 1)", frame: $0.frame) }
        case nil:
            throw ValidationError("cannot tell the format of '\(log)': use a .log or .asc file name")
        }
        for record in records {
            guard let line = decoder.decode(record.frame) else {
                if !summary, let error = CANBusError(frame: record.frame) { print("(\(record.timestamp)) \(record.interface) error frame: \(error)") }
                continue
            }
            if summary { continue }
            if !message.isEmpty, !message.contains(line.message ?? "") { continue }
            print("(\(record.timestamp)) \(record.interface) \(line)")
        }
        let s = decoder.statistics
        print("\(records.count) frames: \(s.decoded) decoded, \(s.unknownIdentifiers) unknown identifiers, \(s.malformed) malformed, \(s.e2eFailures) E2E failures, \(s.errorFrames) error frames")
    }
}

/// Parses a DBC file (the default is `<firmware>/bms.dbc`), turning errors into `file:line:column: reason`.
func loadDatabase(dbc: String?, firmware: FirmwareOptions) throws -> CANDatabase {
    let path = try dbc ?? (firmware.resolved() + "/bms.dbc")
    let data = try readFile(path)
    do {
        return try CANDatabase.parse(data)
    } catch {
        throw ValidationError("\(path):\(error.line):\(error.column): \(error.reason)")
    }
}
