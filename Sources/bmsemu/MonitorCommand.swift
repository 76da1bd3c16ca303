import ArgumentParser
import CANCore
import CANDatabase
import CANTransport
import EmulatorRuntime
import Foundation
import SocketCAN

/// `bmsemu monitor`: decode traffic with the CAN database.
struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Decode CAN traffic with Firmware/bms.dbc: signals with units and value names, E2E checks.",
        discussion: """
            Reads live traffic from a SocketCAN interface (--can vcan0) until Ctrl-C, or a recorded log \
            (--log, candump -L or .asc). Unknown identifiers, malformed frames and E2E failures are shown and counted.
            """
    )

    @OptionGroup var firmware: FirmwareOptions
    @Option(help: "DBC file (default: <firmware>/bms.dbc).") var dbc: String?
    @Option(help: "Recorded log to decode (.log or .asc).") var log: String?
    @Option(help: "SocketCAN interface to listen on, e.g. vcan0 or can0.") var can: String?
    @Option(help: "Stop after this many seconds (live mode).") var duration: Double?
    @Option(help: "Show only these messages (name, repeatable).") var message: [String] = []
    @Flag(help: "Print only the summary counts.") var summary = false

    func validate() throws {
        guard (log == nil) != (can == nil) else { throw ValidationError("give exactly one of --log FILE or --can INTERFACE") }
    }

    func run() throws {
        let database = try loadDatabase(dbc: dbc, firmware: firmware)
        var decoder = TrafficDecoder(database: database)
        if let can { return try monitorLive(interface: can, decoder: &decoder) }
        guard let log else { return }
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

extension MonitorCommand {
    func monitorLive(interface: String, decoder: inout TrafficDecoder) throws {
        ShutdownSignal.install()
        let bus: SocketCANBus
        do {
            bus = try SocketCANBus(interface: interface, options: .init(canFD: true))
        } catch {
            throw RuntimeFailure("cannot open \(interface): \(error)")
        }
        defer { bus.close() }
        let start = MonotonicClock.nanoseconds()
        var frames = 0
        while !ShutdownSignal.isRequested {
            if let duration, Double(MonotonicClock.nanoseconds() - start) / 1e9 >= duration { break }
            let event: CANBusEvent?
            do { event = try bus.receive(timeoutNanoseconds: 200_000_000) } catch {
                if ShutdownSignal.isRequested { break }
                throw RuntimeFailure("\(interface): \(error)")
            }
            switch event {
            case .frame(let frame, let timestamp, _)?:
                frames += 1
                guard let line = decoder.decode(frame) else { continue }
                if !summary, message.isEmpty || message.contains(line.message ?? "") { print("(\(timestamp)) \(interface) \(line)") }
            case .busError(let error, let timestamp)?:
                print("(\(timestamp)) \(interface) bus error: \(error)")
            case .framesDropped(let count)?:
                print("\(interface): \(count) frames dropped by the kernel (receive queue overflow)")
            case nil:
                continue
            }
        }
        let s = decoder.statistics
        print("\(frames) frames: \(s.decoded) decoded, \(s.unknownIdentifiers) unknown identifiers, \(s.malformed) malformed, \(s.e2eFailures) E2E failures")
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
