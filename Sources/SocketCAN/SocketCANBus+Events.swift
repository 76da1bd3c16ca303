#if os(Linux)
public import CANTransport
internal import CSocketCAN
import Glibc
import Synchronization
import SystemPackage

extension SocketCANBus {
    /// An asynchronous stream of received events, fed by a dedicated reader thread.
    ///
    /// The thread blocks in `poll(2)` on the socket, the bus's close signal and the stream's own stop
    /// eventfd: no busy waiting and no task left running. The stream finishes when ``close()`` is called
    /// (normally), when the consumer stops iterating or cancels (the thread is woken and exits), or with
    /// a thrown ``CANTransport/CANTransportError`` when reading fails (for example `ENETDOWN`).
    ///
    /// Events wait in a buffer of `bufferLimit` entries; when a slow consumer lets it fill, newer events
    /// are dropped, counted in ``Statistics/framesDropped`` and reported as one
    /// ``CANTransport/CANBusEvent/framesDropped(count:)`` as soon as there is room again. A malformed
    /// read (see ``SocketCANFrameCodec/DecodingError``) is reported as one dropped frame and counted in
    /// ``Statistics/malformedReads``. Do not call ``receive(timeoutNanoseconds:)`` while a stream runs.
    public func events(bufferLimit: Int = 65_536) -> AsyncThrowingStream<CANBusEvent, any Error> {
        let (stream, continuation) = AsyncThrowingStream<CANBusEvent, any Error>.makeStream(
            bufferingPolicy: .bufferingOldest(max(bufferLimit, 1)))
        let stop: StopSignal
        switch valueOrErrno({ system_eventfd(0, CInt(EFD_CLOEXEC) | CInt(EFD_NONBLOCK)) }) {
        case .success(let descriptor): stop = StopSignal(descriptor: descriptor)
        case .failure(let code):
            continuation.finish(throwing: CANTransportError.fromErrno(code, operation: "eventfd", interface: interfaceName))
            return stream
        }
        let reader = EventReader(bus: self, continuation: continuation, stop: stop)
        continuation.onTermination = { _ in stop.signal() }
        reader.start()
        return stream
    }
}

/// An eventfd that tells one reader thread to stop; written and closed under a lock so a late
/// `signal()` never touches a closed (and possibly reused) descriptor. Sendable through `state` (a `Mutex`).
final class StopSignal: Sendable {
    private let state: Mutex<CInt?>

    init(descriptor: CInt) { state = Mutex(descriptor) }

    var descriptor: CInt? { state.withLock { $0 } }

    func signal() {
        state.withLock { descriptor in
            guard let descriptor else { return }
            var one: UInt64 = 1
            _ = withUnsafeBytes(of: &one) { bytes in valueOrErrno { system_write(descriptor, bytes) } }
        }
    }

    func close() {
        state.withLock { descriptor in
            if let open = descriptor { _ = system_close(open) }
            descriptor = nil
        }
    }
}

/// The reader thread behind ``SocketCANBus/events(bufferLimit:)``.
///
/// Holds the bus's socket handle (not the bus), so dropping the last reference to the bus closes the
/// socket, which wakes and ends this thread. `@unchecked Sendable` is not needed: every stored property
/// is Sendable (the continuation, the handle with its `Mutex`, the stop signal with its `Mutex`).
final class EventReader: Sendable {
    private let bus: WeakBus
    private let handle: SocketHandle
    private let continuation: AsyncThrowingStream<CANBusEvent, any Error>.Continuation
    private let stop: StopSignal
    #if ENABLE_MOCKING
    private let mockingDriver: MockingDriver?
    #endif

    init(bus: SocketCANBus, continuation: AsyncThrowingStream<CANBusEvent, any Error>.Continuation, stop: StopSignal) {
        self.bus = WeakBus(bus)
        self.handle = bus.handle
        self.continuation = continuation
        self.stop = stop
        #if ENABLE_MOCKING
        self.mockingDriver = MockingDriver.current
        #endif
    }

    func start() {
        let id = handle.reserveReader()
        let context = Unmanaged.passRetained(ReaderContext(reader: self, id: id)).toOpaque()
        var thread = pthread_t()
        let created = system_pthread_create(&thread, { raw in
            guard let raw else { return nil }
            let context = Unmanaged<ReaderContext>.fromOpaque(raw).takeRetainedValue()
            context.reader.runThread(id: context.id)
            return nil
        }, context)
        if created == 0 {
            handle.attachReader(id: id, thread: thread)
        } else {
            Unmanaged<ReaderContext>.fromOpaque(context).release()
            handle.cancelReader(id: id)
            stop.close()
            continuation.finish(
                throwing: CANTransportError(.system(errno: created), "events on \(handle.interfaceName): cannot start the reader thread"))
        }
    }

    private func runThread(id: Int) {
        #if ENABLE_MOCKING
        MockingDriver.$current.withValue(mockingDriver) { runLoop() }
        #else
        runLoop()
        #endif
        stop.close()
        handle.readerFinished(id: id)
    }

    private func runLoop() {
        guard let stopDescriptor = stop.descriptor else { return continuation.finish() }
        do {
            try handle.withDescriptor(operation: "events") { (descriptor) throws(CANTransportError) in
                var undelivered: UInt64 = 0
                while true {
                    switch try handle.waitReadable(descriptor, extra: stopDescriptor, timeoutNanoseconds: -1) {
                    case .closed, .stopped: return
                    case .timedOut: continue
                    case .readable: break
                    }
                    guard let bus = bus.value else { return }
                    // Drain what is queued now, then wait again.
                    drain: while true {
                        let outcome = try bus.readMessage(descriptor)
                        var events: [CANBusEvent] = []
                        switch outcome {
                        case .wouldBlock: break drain
                        case .events(let dropped, let event):
                            if dropped > 0 { events.append(.framesDropped(count: dropped)) }
                            events.append(event)
                        case .malformed(let dropped, _):
                            events.append(.framesDropped(count: dropped &+ 1))
                        }
                        for event in events {
                            if undelivered > 0, case .enqueued = continuation.yield(.framesDropped(count: undelivered)) {
                                undelivered = 0
                            }
                            switch continuation.yield(event) {
                            case .enqueued: break
                            case .dropped:
                                undelivered &+= 1
                                bus.countUndelivered(1)
                            case .terminated: return
                            @unknown default: return
                            }
                        }
                    }
                }
            }
            continuation.finish()
        } catch let error where error.kind == .closed {
            continuation.finish()
        } catch {
            continuation.finish(throwing: error)
        }
    }
}

/// Retains the reader for the thread start routine.
private final class ReaderContext {
    let reader: EventReader
    let id: Int
    init(reader: EventReader, id: Int) {
        self.reader = reader
        self.id = id
    }
}

/// A weak reference to the bus, so a running stream does not keep the bus (and its socket) alive.
/// Sendable: `SocketCANBus` is Sendable and `weak let` cannot be reassigned.
final class WeakBus: Sendable {
    weak let value: SocketCANBus?
    init(_ value: SocketCANBus) { self.value = value }
}

extension SocketCANBus {
    /// Counts events a stream consumer was too slow to take.
    func countUndelivered(_ count: UInt64) {
        receiveState.withLock { $0.statistics.framesDropped &+= count }
    }
}
#endif
