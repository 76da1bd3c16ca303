#if os(Linux)
public import CANCore
public import CANTransport
internal import CSocketCAN
import Glibc
import Synchronization
import SystemPackage

/// A CAN_RAW socket bound to one SocketCAN interface (`vcan0`, `can0`, ...), as a ``CANTransport/CANBus``.
///
/// ```swift
/// let bus = try SocketCANBus(interface: "vcan0")
/// try bus.send(CANFrame(id: CANID(standard: 0x123), data: [0xDE, 0xAD]))
/// if case .frame(let frame, let timestamp, _)? = try bus.receive(timeoutNanoseconds: 100_000_000) { ... }
/// for try await event in bus.events() { ... }   // or: an async stream fed by a reader thread
/// ```
///
/// - Sending never blocks: a full transmit queue throws ``CANTransport/CANTransportError/Kind/transmitQueueFull``.
/// - ``receive(timeoutNanoseconds:)`` waits in `poll(2)` (no busy waiting) and returns frames with
///   kernel timestamps, error frames as typed ``CANCore/CANBusError`` events, and counts of frames the
///   kernel dropped (`SO_RXQ_OVFL`) as ``CANTransport/CANBusEvent/framesDropped(count:)``.
/// - ``close()`` is idempotent and wakes a waiting receiver; `deinit` closes too.
///
/// The class is `Sendable`: one task may send while another receives. Use either `receive` or one
/// ``events(bufferLimit:)`` stream at a time for reading; two readers would split the frames between them.
public final class SocketCANBus: CANBus, Sendable {
    /// The interface name, e.g. `vcan0`.
    public let interfaceName: String
    /// The kernel's interface index the socket is bound to.
    public let interfaceIndex: Int32
    /// The interface MTU when opened: 16 for classic CAN, 72 for CAN FD.
    public let interfaceMTU: Int
    /// `true` when the socket sends and receives CAN FD frames (FD requested and the interface supports it).
    public let isFDEnabled: Bool
    /// The options the socket was opened with.
    public let options: Options
    /// The receive buffer the kernel granted (`SO_RCVBUF` as read back; the kernel doubles the request).
    public let receiveBufferBytes: Int

    let handle: SocketHandle
    let receiveState = Mutex(ReceiveState())
    let sentCount = Atomic<UInt64>(0)

    /// Opens a CAN_RAW socket on `interface` and applies `options`.
    ///
    /// - Throws: ``CANTransport/CANTransportError`` with kind `.notSupported` when the kernel lacks
    ///   AF_CAN or the interface is not a CAN interface, `.interfaceNotFound` when there is no such
    ///   interface, `.invalidArgument` for a malformed name or more than 512 filters, and `.system`
    ///   for other failures. Nothing stays open after a failure.
    public init(interface: String, options: Options = Options()) throws(CANTransportError) {
        let opened = try SocketOpener(interface: interface, options: options).open()
        self.interfaceName = interface
        self.interfaceIndex = opened.interfaceIndex
        self.interfaceMTU = opened.mtu
        self.isFDEnabled = opened.isFDEnabled
        self.options = options
        self.receiveBufferBytes = opened.receiveBufferBytes
        self.handle = SocketHandle(descriptor: opened.descriptor, closeSignal: opened.closeSignal, interfaceName: interface)
    }

    deinit {
        handle.close()
    }

    /// Closes the socket. Idempotent; a thread waiting in ``receive(timeoutNanoseconds:)`` wakes with
    /// ``CANTransport/CANTransportError/Kind/closed`` and an ``events(bufferLimit:)`` stream finishes.
    public func close() {
        handle.close()
    }

    /// `true` after ``close()``.
    public var isClosed: Bool { handle.isClosed }

    /// Counters since the socket was opened.
    public var statistics: Statistics {
        var result = receiveState.withLock { $0.statistics }
        result.framesSent = sentCount.load(ordering: .relaxed)
        return result
    }

    /// Queues one frame for transmission; never blocks.
    ///
    /// - Throws: `.notSupported` for an FD frame on a classic socket, `.transmitQueueFull` when the
    ///   queue is full (`ENOBUFS`/`EAGAIN`; retry later), `.closed` after ``close()``, `.system` for
    ///   other errors (`ENETDOWN` says the interface is down).
    public func send(_ frame: CANFrame) throws(CANTransportError) {
        if frame.format == .fd && !isFDEnabled {
            throw CANTransportError(.notSupported, fdRejection)
        }
        try handle.withDescriptor(operation: "send") { (descriptor) throws(CANTransportError) in
            try withUnsafeTemporaryAllocation(byteCount: SocketCANFrameCodec.fdFrameSize, alignment: 8) {
                (buffer) throws(CANTransportError) in
                let size = SocketCANFrameCodec.encode(frame, into: buffer) ?? 0
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<size])
                switch valueOrErrno({ system_write(descriptor, bytes) }) {
                case .success(let written) where written == size:
                    sentCount.add(1, ordering: .relaxed)
                case .success(let written):
                    throw CANTransportError(
                        .system(errno: Errno.ioError.rawValue), "send on \(interfaceName): wrote \(written) of \(size) bytes")
                case .failure(let code):
                    throw CANTransportError.fromErrno(code, operation: "send", interface: interfaceName)
                }
            }
        }
    }

    private var fdRejection: String {
        if options.canFD {
            return "send on \(interfaceName): CAN FD frame on a classic CAN interface (MTU \(interfaceMTU)); "
                + "CAN FD needs MTU 72 (ip link set \(interfaceName) mtu 72)"
        }
        return "send on \(interfaceName): CAN FD frame, but the socket was opened with canFD: false"
    }
}
#endif
