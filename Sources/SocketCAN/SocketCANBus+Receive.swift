#if os(Linux)
import CANCore
public import CANTransport
internal import CSocketCAN
import Glibc
import Synchronization
import SystemPackage

/// Receive-side state of a bus: events decoded but not yet returned, and the drop counter.
struct ReceiveState {
    /// Events already read from the socket, returned before the next read.
    var pending: [CANBusEvent] = []
    var pendingIndex = 0
    /// The last cumulative `SO_RXQ_OVFL` value seen (the kernel counts from 0 for each socket).
    var lastKernelDropCount: UInt32 = 0
    var statistics = SocketCANBus.Statistics()

    mutating func takePending() -> CANBusEvent? {
        guard pendingIndex < pending.count else { return nil }
        let event = pending[pendingIndex]
        pendingIndex += 1
        if pendingIndex == pending.count {
            pending.removeAll(keepingCapacity: true)
            pendingIndex = 0
        }
        return event
    }
}

/// The outcome of one non-blocking read.
enum ReadOutcome {
    /// Nothing to read now.
    case wouldBlock
    /// One message, decoded into its events (a drop report first, when the drop counter moved).
    case events(dropped: UInt64, event: CANBusEvent)
    /// The message was not a valid frame; the error says why.
    case malformed(dropped: UInt64, SocketCANFrameCodec.DecodingError)
}

extension SocketCANBus {
    /// Returns the next event, waiting up to `timeoutNanoseconds` (0 or less: only what is already
    /// queued); `nil` when nothing arrived in time.
    ///
    /// Waits in `poll(2)` on the socket and the close signal, so ``close()`` from another thread ends
    /// the wait at once. When the kernel dropped frames since the last read (socket buffer full), a
    /// ``CANTransport/CANBusEvent/framesDropped(count:)`` event comes before the next frame. The kernel
    /// stamps its drop counter on each frame it queues, so drops are reported with the first frame
    /// queued after them.
    ///
    /// - Throws: `.closed` after ``close()``; `.system(errno: EBADMSG)` for a read whose bytes are not a
    ///   valid frame (counted in ``Statistics/malformedReads``; the next call carries on); other
    ///   errors of `recvmsg`/`poll` (`ENETDOWN` when the interface went down).
    public func receive(timeoutNanoseconds: Int64) throws(CANTransportError) -> CANBusEvent? {
        if let event = receiveState.withLock({ $0.takePending() }) { return event }
        return try handle.withDescriptor(operation: "receive") { (descriptor) throws(CANTransportError) -> CANBusEvent? in
            let deadline = system_monotonicNanoseconds().addingReportingOverflow(max(timeoutNanoseconds, 0))
            while true {
                if let event = try readOne(descriptor) { return event }
                guard timeoutNanoseconds > 0 else { return nil }
                let remaining = deadline.overflow ? Int64.max : deadline.partialValue - system_monotonicNanoseconds()
                guard remaining > 0 else { return nil }
                switch try handle.waitReadable(descriptor, extra: nil, timeoutNanoseconds: remaining) {
                case .readable, .timedOut: continue
                case .closed, .stopped: throw CANTransportError(.closed, "receive on \(interfaceName): the socket was closed")
                }
            }
        }
    }

    /// Reads one message without blocking and turns it into the event to return (queuing a second one
    /// when a drop report precedes the frame).
    private func readOne(_ descriptor: CInt) throws(CANTransportError) -> CANBusEvent? {
        switch try readMessage(descriptor) {
        case .wouldBlock:
            return nil
        case .events(let dropped, let event):
            guard dropped > 0 else { return event }
            receiveState.withLock { $0.pending.append(event) }
            return .framesDropped(count: dropped)
        case .malformed(let dropped, let error):
            if dropped > 0 { receiveState.withLock { $0.pending.append(.framesDropped(count: dropped)) } }
            throw CANTransportError(
                .system(errno: Errno.badMessage.rawValue), "receive on \(interfaceName): malformed read: \(error)")
        }
    }

    /// One non-blocking `recvmsg`: the frame, its kernel timestamp, own-echo flag and the drop counter.
    func readMessage(_ descriptor: CInt) throws(CANTransportError) -> ReadOutcome {
        try withUnsafeTemporaryAllocation(byteCount: 256, alignment: 16) { (scratch) throws(CANTransportError) -> ReadOutcome in
            let frameBuffer = UnsafeMutableRawBufferPointer(rebasing: scratch[0..<SocketCANFrameCodec.fdFrameSize])
            let controlBuffer = UnsafeMutableRawBufferPointer(rebasing: scratch[128..<256])
            var vector = iovec(iov_base: frameBuffer.baseAddress, iov_len: frameBuffer.count)
            return try withUnsafeMutablePointer(to: &vector) { (vectorPointer) throws(CANTransportError) -> ReadOutcome in
                var message = msghdr()
                message.msg_iov = vectorPointer
                message.msg_iovlen = 1
                message.msg_control = controlBuffer.baseAddress
                message.msg_controllen = controlBuffer.count
                let count: Int
                switch valueOrErrno({ system_recvmsg(descriptor, &message, CInt(MSG_DONTWAIT)) }) {
                case .success(let value): count = value
                case .failure(let code) where code == .wouldBlock || code == .resourceTemporarilyUnavailable:
                    return .wouldBlock
                case .failure(let code):
                    throw CANTransportError.fromErrno(code, operation: "recvmsg", interface: interfaceName)
                }
                let control = ControlMessages(parsing: &message)
                let isTruncated = message.msg_flags & CInt(MSG_TRUNC) != 0
                // raw_rcv sets MSG_DONTROUTE on every frame sent from this host and MSG_CONFIRM only on
                // frames this very socket sent: the latter is "our own echo".
                let isOwnEcho = message.msg_flags & CInt(MSG_CONFIRM) != 0
                let bytes = UnsafeRawBufferPointer(rebasing: frameBuffer[0..<min(max(count, 0), frameBuffer.count)])
                return decodeMessage(
                    bytes, truncated: isTruncated, isOwnEcho: isOwnEcho,
                    timestamp: control.timestamp, kernelDropCount: control.dropCount)
            }
        }
    }

    /// Turns the parts of one received message into an outcome and updates the counters.
    func decodeMessage(
        _ bytes: UnsafeRawBufferPointer, truncated: Bool, isOwnEcho: Bool, timestamp: CANTimestamp?, kernelDropCount: UInt32?
    ) -> ReadOutcome {
        let decoded = truncated ? .failure(.unexpectedSize(Int.max)) : SocketCANFrameCodec.decode(bytes)
        let time = timestamp ?? SocketCANBus.softwareTimestamp()
        return receiveState.withLock { state -> ReadOutcome in
            var dropped: UInt64 = 0
            if let counter = kernelDropCount {
                dropped = UInt64(counter &- state.lastKernelDropCount)
                state.lastKernelDropCount = counter
                state.statistics.framesDropped &+= dropped
            }
            switch decoded {
            case .success(let frame):
                if frame.isErrorFrame, let busError = CANBusError(frame: frame) {
                    state.statistics.busErrors &+= 1
                    return .events(dropped: dropped, event: .busError(busError, timestamp: time))
                }
                state.statistics.framesReceived &+= 1
                return .events(dropped: dropped, event: .frame(frame, timestamp: time, isOwnEcho: isOwnEcho))
            case .failure(let error):
                state.statistics.malformedReads &+= 1
                return .malformed(dropped: dropped, error)
            }
        }
    }

    static func softwareTimestamp() -> CANTimestamp {
        let now = system_realtime()
        return CANTimestamp(seconds: UInt64(max(now.tv_sec, 0)), nanoseconds: UInt32(clamping: now.tv_nsec))
    }
}
#endif
