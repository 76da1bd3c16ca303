import CANCore
import CANTransport
import EmulatorRuntime
import Foundation
import SocketCAN
import Synchronization

/// Runs one real-time role on its own thread and its own socket, so roles in one process still talk
/// through the interface like separate processes would.
final class RoleThread: Sendable {
    let name: String
    let interface: String
    let duration: Double
    let body: @Sendable (SocketCANBus, Int64) throws -> String
    private let state = Mutex<(result: String, failed: Bool, done: Bool)>(("", false, false))
    private let finished = DispatchSemaphore(value: 0)

    init(name: String, interface: String, duration: Double, body: @escaping @Sendable (SocketCANBus, Int64) throws -> String) {
        self.name = name
        self.interface = interface
        self.duration = duration
        self.body = body
    }

    var result: String { state.withLock { $0.result } }
    var failed: Bool { state.withLock { $0.failed } }

    func start() {
        let thread = Thread { [self] in
            do {
                let bus = try SocketCANBus(interface: interface, options: .init(canFD: true))
                defer { bus.close() }
                let until = duration.isFinite ? Int64(duration * 1e9) : Int64.max
                let text = try body(bus, until)
                state.withLock { $0 = (text, false, true) }
            } catch {
                state.withLock { $0 = ("\(name): \(error)", true, true) }
                ShutdownSignal.request()
            }
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    func join() { finished.wait() }
}

/// Records everything on an interface with kernel timestamps (like `candump -L`) on a background thread.
final class BusRecorder: Sendable {
    private let bus: SocketCANBus
    private let count = Atomic<Int>(0)
    private let done = DispatchSemaphore(value: 0)
    private let stopFlag = Atomic<Bool>(false)

    init(interface: String, path: String?) throws {
        bus = try openSocketCAN(interface)
        let opened = DispatchSemaphore(value: 0)
        let openError = Mutex<String?>(nil)
        let thread = Thread { [self] in
            // The writer lives and dies on this thread.
            let writer: CandumpLogWriter?
            do {
                writer = try path.map { try CandumpLogWriter(path: $0) }
            } catch {
                openError.withLock { $0 = "\(error)" }
                opened.signal()
                done.signal()
                return
            }
            opened.signal()
            while !stopFlag.load(ordering: .relaxed) {
                guard let event = try? bus.receive(timeoutNanoseconds: 100_000_000) else { continue }
                if case .frame(let frame, let timestamp, _) = event {
                    writer?.write(CANLogRecord(timestamp: timestamp, interface: bus.interfaceName, frame: frame))
                    count.add(1, ordering: .relaxed)
                }
            }
            writer?.close()
            done.signal()
        }
        thread.start()
        opened.wait()
        if let message = openError.withLock({ $0 }) {
            bus.close()
            throw RuntimeFailure(message)
        }
    }

    /// Stops recording, closes the log and returns the number of frames recorded.
    func stop() -> Int {
        stopFlag.store(true, ordering: .relaxed)
        done.wait()
        bus.close()
        return count.load(ordering: .relaxed)
    }
}
