import CANCore
import CANTransport
import Glibc
import SocketCAN
import Testing

/// Whether the real-vcan tests run, and helpers to drive can-utils as an independent peer.
///
/// The tests run when `vcan0` exists and a CAN_RAW socket opens on it. With `BMSEMU_REQUIRE_VCAN=1`
/// (set by `HIL/test.sh`) they always run, so a missing vcan FAILS them instead of skipping them.
enum VCAN {
    static let interface = "vcan0"
    /// A second interface that is always classic CAN (MTU 16); `HIL/vcan-run.sh` creates it.
    static let classicInterface = "vcan1"

    static let isRequired: Bool = {
        guard let value = getenv("BMSEMU_REQUIRE_VCAN") else { return false }
        return String(cString: value) == "1"
    }()

    static let isUsable: Bool = {
        guard (try? SocketCANBus(interface: interface)) != nil else { return false }
        return true
    }()

    static let shouldRun = isRequired || isUsable

    /// Wall-clock nanoseconds (kernel receive timestamps use the same clock).
    static func wallClockNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Runs a tool (found on PATH) to completion; returns its exit status and standard output.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let child = try ChildProcess([tool] + arguments)
        let status = child.waitForExit()
        return (status, child.outputText)
    }

    /// Receives events until `count` frames arrived or nothing came for `idleNanoseconds`.
    static func collectFrames(
        _ bus: SocketCANBus, count: Int, idleNanoseconds: Int64 = 2_000_000_000
    ) throws -> (frames: [(CANFrame, CANTimestamp, Bool)], dropped: UInt64, errors: [CANBusError]) {
        var frames: [(CANFrame, CANTimestamp, Bool)] = []
        var dropped: UInt64 = 0
        var errors: [CANBusError] = []
        while frames.count < count, let event = try bus.receive(timeoutNanoseconds: idleNanoseconds) {
            switch event {
            case .frame(let frame, let timestamp, let isOwnEcho): frames.append((frame, timestamp, isOwnEcho))
            case .framesDropped(let n): dropped += n
            case .busError(let error, _): errors.append(error)
            }
        }
        return (frames, dropped, errors)
    }

    /// Sends, pausing 0.1 ms whenever the transmit queue is full.
    static func sendRetrying(_ bus: SocketCANBus, _ frame: CANFrame) throws {
        while true {
            let result = Result { () throws(CANTransportError) in try bus.send(frame) }
            switch result {
            case .success: return
            case .failure(let error) where error.kind == .transmitQueueFull:
                var pause = timespec(tv_sec: 0, tv_nsec: 100_000)
                nanosleep(&pause, nil)
            case .failure(let error): throw error
            }
        }
    }
}

/// A running `candump -L` whose output is collected for parsing with ``CandumpLog``.
final class CandumpCapture {
    private let child: ChildProcess

    /// Starts candump on `interface` with a candump filter such as `5A0:7F0`, then sends marker frames
    /// (`marker`, which must pass the filter) from `sender` until candump prints one, so that nothing
    /// sent afterwards is missed.
    init(interface: String, filter: String, marker: CANFrame, sender: SocketCANBus) throws {
        child = try ChildProcess(["candump", "-L", "\(interface),\(filter)"])
        let deadline = VCAN.wallClockNanoseconds() + 10_000_000_000
        while !child.outputText.contains(marker.candumpText) {
            guard VCAN.wallClockNanoseconds() < deadline else {
                throw CANTransportError(.system(errno: ETIMEDOUT), "candump did not start within 10 s")
            }
            try sender.send(marker)
            child.readOutput(timeoutMilliseconds: 20)
        }
    }

    /// Waits until `count` lines other than the marker arrived (or 5 s passed), stops candump and parses its log.
    func finish(expectingLines count: Int, excluding marker: CANFrame) -> CandumpLog.ParseResult {
        let deadline = VCAN.wallClockNanoseconds() + 5_000_000_000
        while records(excluding: marker).records.count < count && VCAN.wallClockNanoseconds() < deadline {
            child.readOutput(timeoutMilliseconds: 20)
        }
        child.terminate()
        _ = child.waitForExit()
        return records(excluding: marker)
    }

    private func records(excluding marker: CANFrame) -> CandumpLog.ParseResult {
        var result = CandumpLog.parse(child.output)
        result.records.removeAll { $0.frame == marker }
        return result
    }
}
