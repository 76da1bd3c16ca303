import ArgumentParser
import CANCore
import CANTransport
import Emulator
import EmulatorRuntime
import Foundation
import SocketCAN

/// `bmsemu replay`: play a recorded log into a bus with its original timing.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a candump -L or ASC log into a SocketCAN interface, or into the firmware as a labelled regression (--into-firmware).",
        discussion: """
            --into-firmware LOG feeds the log's sensor and vehicle frames (everything the BMS does not send itself) \
            into the emulated firmware on simulated time, records what it sends, and checks the reaction the log's \
            label asks for: from a `label: X` header comment or the file name's last `_` part (`capture_cell-ov.log`). \
            Labels: normal (no fault), cell-ov, cell-uv, overtemp (contactors open in state Error within the \
            diagnosis debounce + reaction delay of Firmware/diagnosis.yaml after the first frame showing the \
            condition), tr-warning (the thermal-runaway warning is raised). Exit 0 pass, 1 fail, 2 bad input. \
            --output writes the firmware's frames as a candump log.

            Otherwise frames are sent at their recorded offsets (absolute deadlines, so timing does not drift), scaled by \
            --speed. Malformed log lines are reported with their line numbers and skipped. Late sends and \
            refused frames are counted and reported; Ctrl-C stops cleanly.
            """
    )

    @Argument(help: "Log file (.log or .asc).") var log: String
    @Option(help: "SocketCAN interface to send on, e.g. vcan0.") var can: String?
    @Flag(help: "Replay into the emulated firmware on simulated time and check the log's label (no interface needed).") var intoFirmware = false
    @Option(help: "Label to check instead of the one in the log (normal, cell-ov, cell-uv, overtemp, tr-warning).") var label: String?
    @Option(help: "With --into-firmware: write the firmware's frames to this candump -L log.") var output: String?
    @OptionGroup var firmware: FirmwareOptions
    @Option(help: "Replay speed factor (2 = twice as fast), or 0 for as fast as possible.") var speed: Double = 1
    @Option(help: "Replay only records of this interface (candump logs with several interfaces).") var onlyInterface: String?
    @Option(help: "Repeat the log this many times.") var loops: Int = 1

    func validate() throws {
        guard speed >= 0, speed.isFinite else { throw ValidationError("--speed must be 0 (as fast as possible) or positive") }
        guard loops >= 1 else { throw ValidationError("--loops must be at least 1") }
        if intoFirmware == (can != nil) { throw ValidationError("give either --can INTERFACE or --into-firmware") }
        if let label, ReplayLabel(rawValue: label) == nil {
            throw ValidationError("--label is one of \(ReplayLabel.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let data = try readFile(log)
        if intoFirmware { return try replayIntoFirmware(data) }
        guard let can else { throw ValidationError("--can is required") }
        var records: [(offset: Int64, frame: CANFrame)] = []
        switch LogFormat(path: log) {
        case .candump:
            let parsed = CandumpLog.parse(data)
            for error in parsed.errors { printError("\(log):\(error)") }
            let selected = parsed.records.filter { onlyInterface == nil || $0.interface == onlyInterface }
            let first = selected.first.map { Int64(clamping: $0.timestamp.totalNanoseconds) } ?? 0
            records = selected.map { (Int64(clamping: $0.timestamp.totalNanoseconds) - first, $0.frame) }
        case .asc:
            let parsed = AscLog.parse(data)
            for error in parsed.errors { printError("\(log):\(error)") }
            let first = parsed.records.first.map { Int64(clamping: $0.timestamp.totalNanoseconds) } ?? 0
            records = parsed.records.map { (Int64(clamping: $0.timestamp.totalNanoseconds) - first, $0.frame) }
        case nil:
            throw ValidationError("cannot tell the format of '\(log)': use a .log or .asc file name")
        }
        let sendable = records.filter { !$0.frame.isErrorFrame }
        ShutdownSignal.install()
        let bus: SocketCANBus
        do {
            bus = try SocketCANBus(interface: can, options: .init(canFD: sendable.contains { $0.frame.format == .fd }))
        } catch {
            throw RuntimeFailure("cannot open \(can): \(error)")
        }
        defer { bus.close() }
        var sent = 0
        var refused = 0
        var late = 0
        var worstLateness: Int64 = 0
        let span = (sendable.last?.offset ?? 0) + 1
        let start = MonotonicClock.nanoseconds() + 1_000_000
        replay: for loop in 0..<loops {
            for record in sendable {
                if ShutdownSignal.isRequested { break replay }
                if speed > 0 {
                    let due = start + Int64(Double(Int64(loop) * span + record.offset) / speed)
                    MonotonicClock.sleep(untilNanoseconds: due, interruptible: { ShutdownSignal.isRequested })
                    let lateness = MonotonicClock.nanoseconds() - due
                    if lateness > 1_000_000 { late += 1 }
                    worstLateness = max(worstLateness, lateness)
                }
                do {
                    try bus.send(record.frame)
                    sent += 1
                } catch {
                    refused += 1
                    if error.kind == .transmitQueueFull {
                        MonotonicClock.sleep(untilNanoseconds: MonotonicClock.nanoseconds() + 1_000_000)
                    }
                }
            }
        }
        let skippedErrors = records.count - sendable.count
        print("\(log): sent \(sent) frames on \(can), \(refused) refused by the interface, \(late) more than 1 ms late (worst \(worstLateness / 1000) µs)"
            + (skippedErrors > 0 ? ", \(skippedErrors) error frames not sent" : ""))
        if refused > 0 { throw ExitCode(3) }
    }
}
