#if os(Linux)
import CANTransport
internal import CSocketCAN
import Glibc
import Synchronization
import SystemPackage

/// Owns a socket descriptor and the eventfd that wakes its waiters, and closes both exactly once.
///
/// Operations run inside ``withDescriptor(operation:_:)``, which counts them as in flight. ``close()``
/// marks the handle closed and wakes every waiter through the eventfd; the descriptors are released by
/// whoever finishes last, so no thread ever polls or reads a descriptor number that was closed (and
/// possibly reused). Sendable because all mutable state is inside `state` (a `Mutex`).
final class SocketHandle: Sendable {
    /// The socket.
    let descriptor: CInt
    /// An eventfd that becomes readable (and stays readable) when the handle closes.
    let closeSignal: CInt
    /// Interface name, for error messages.
    let interfaceName: String

    private struct State {
        var isClosed = false
        var operationsInFlight = 0
        var isReleased = false
        /// Reader threads still running, keyed by id; `close()` joins them.
        /// (`nil` while the creating thread has not stored the `pthread_t` yet).
        var readerThreads: [Int: pthread_t?] = [:]
        var nextReaderID = 0
    }

    private let state = Mutex(State())

    init(descriptor: CInt, closeSignal: CInt, interfaceName: String) {
        self.descriptor = descriptor
        self.closeSignal = closeSignal
        self.interfaceName = interfaceName
    }

    /// `true` once ``close()`` was called.
    var isClosed: Bool { state.withLock { $0.isClosed } }

    /// Runs `body` with the descriptor, which stays open until `body` returns.
    ///
    /// - Throws: ``CANTransportError/Kind/closed`` if the handle is closed.
    func withDescriptor<R>(
        operation: String, _ body: (CInt) throws(CANTransportError) -> R
    ) throws(CANTransportError) -> R {
        let admitted = state.withLock { state -> Bool in
            guard !state.isClosed else { return false }
            state.operationsInFlight += 1
            return true
        }
        guard admitted else { throw CANTransportError(.closed, "\(operation) on \(interfaceName): the socket is closed") }
        defer { finishOperation() }
        return try body(descriptor)
    }

    private func finishOperation() {
        state.withLock { state in
            state.operationsInFlight -= 1
            if state.isClosed && state.operationsInFlight == 0 { releaseDescriptors(&state) }
        }
    }

    /// Closes the socket (idempotent). Waiters in `receive` or a reader thread wake and stop; reader
    /// threads are joined before this returns, so their streams have finished.
    func close() {
        let threads = state.withLock { state -> [pthread_t] in
            if !state.isClosed {
                state.isClosed = true
                if state.operationsInFlight == 0 {
                    releaseDescriptors(&state)
                } else {
                    signalClose()
                }
            }
            let threads = state.readerThreads.values.compactMap { $0 }
            state.readerThreads.removeAll()
            return threads
        }
        for thread in threads where !isCurrentThread(thread) {
            _ = pthread_join(thread, nil)
        }
    }

    private func signalClose() {
        var one: UInt64 = 1
        _ = withUnsafeBytes(of: &one) { bytes in valueOrErrno { system_write(closeSignal, bytes) } }
    }

    private func releaseDescriptors(_ state: inout State) {
        guard !state.isReleased else { return }
        state.isReleased = true
        _ = system_close(descriptor)
        _ = system_close(closeSignal)
    }

    // MARK: Reader threads

    /// Reserves an id for a reader thread about to start.
    func reserveReader() -> Int {
        state.withLock { state in
            let id = state.nextReaderID
            state.nextReaderID += 1
            state.readerThreads[id] = .some(nil)
            return id
        }
    }

    /// Stores the started thread so that `close()` can join it; detaches it if it has already finished.
    func attachReader(id: Int, thread: pthread_t) {
        state.withLock { state in
            if state.readerThreads[id] != nil {
                state.readerThreads[id] = thread
            } else {
                _ = pthread_detach(thread)
            }
        }
    }

    /// Forgets a reserved reader whose thread could not be started.
    func cancelReader(id: Int) {
        _ = state.withLock { $0.readerThreads.removeValue(forKey: id) }
    }

    /// Called by a reader thread as it exits: detaches itself unless `close()` is already joining it.
    func readerFinished(id: Int) {
        state.withLock { state in
            if let entry = state.readerThreads.removeValue(forKey: id), let thread = entry {
                _ = pthread_detach(thread)
            }
        }
    }

    // MARK: Waiting

    /// Why a wait ended.
    enum WaitResult {
        case readable
        case timedOut
        /// The bus was closed.
        case closed
        /// The extra descriptor (a stream's stop signal) became readable.
        case stopped
    }

    /// Waits until the socket is readable, the bus closes, or `extra` becomes readable.
    func waitReadable(_ descriptor: CInt, extra: CInt?, timeoutNanoseconds: Int64) throws(CANTransportError) -> WaitResult {
        var descriptors = [
            pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
            pollfd(fd: closeSignal, events: Int16(POLLIN), revents: 0),
            pollfd(fd: extra ?? -1, events: Int16(POLLIN), revents: 0),
        ]
        let count = extra == nil ? 2 : 3
        let result = descriptors.withUnsafeMutableBufferPointer { buffer in
            valueOrErrno { system_poll(UnsafeMutableBufferPointer(rebasing: buffer[0..<count]), timeoutNanoseconds) }
        }
        switch result {
        case .success(0): return .timedOut
        case .success:
            if descriptors[1].revents != 0 { return .closed }
            if count == 3 && descriptors[2].revents != 0 { return .stopped }
            if descriptors[0].revents & Int16(POLLNVAL) != 0 {
                throw CANTransportError(.closed, "receive on \(interfaceName): the socket is not open")
            }
            return .readable
        case .failure(let code):
            throw CANTransportError.fromErrno(code, operation: "poll", interface: interfaceName)
        }
    }
    private func isCurrentThread(_ thread: pthread_t) -> Bool {
        pthread_equal(thread, pthread_self()) != 0
    }
}
#endif
