public import CANCore

/// Something that carries CAN frames: an endpoint of the in-process virtual bus or a SocketCAN socket.
///
/// The interface is deliberately small (embedded-hal style): send one frame, receive the next event.
/// Both calls are synchronous. `receive` waits at most `timeoutNanoseconds` (0 polls) without
/// busy-waiting, so a cyclic task can wait for "the next frame or my next deadline, whichever is
/// first" and stay on schedule. Async adapters are built on top in the shell.
public protocol CANBus: AnyObject {
    /// Interface name as it appears in logs, e.g. `vcan0` or `virtual`.
    var interfaceName: String { get }

    /// Queues one frame for transmission.
    ///
    /// - Throws: ``CANTransportError`` when the bus cannot take the frame (bus-off, closed, FD frame on a
    ///   classic interface, transmit queue full, system error).
    func send(_ frame: CANFrame) throws(CANTransportError)

    /// Returns the next received event, waiting up to `timeoutNanoseconds`; `nil` when none arrived in time.
    func receive(timeoutNanoseconds: Int64) throws(CANTransportError) -> CANBusEvent?
}

/// What a bus endpoint delivers: frames, controller error reports, and counts of frames lost before delivery.
public enum CANBusEvent: Hashable, Sendable {
    /// A received frame with its receive timestamp (kernel or simulated) and whether this endpoint sent it.
    case frame(CANFrame, timestamp: CANTimestamp, isOwnEcho: Bool)
    /// A controller error report (SocketCAN error frame, or an injected fault on the virtual bus).
    case busError(CANBusError, timestamp: CANTimestamp)
    /// Frames the receiver lost (socket queue overflow, `SO_RXQ_OVFL`, or a full virtual queue) since the last report.
    case framesDropped(count: UInt64)
}

/// Why a bus operation failed. `kind` is the small shared vocabulary; `detail` says what happened.
public struct CANTransportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure, shared by every transport (in the spirit of embedded-can `ErrorKind`).
    public enum Kind: Hashable, Sendable {
        /// No interface of that name exists.
        case interfaceNotFound
        /// The kernel or device lacks the feature (no AF_CAN, FD on a classic interface, a vcan control call).
        case notSupported
        /// The controller is bus-off; nothing can be sent until it restarts.
        case busOff
        /// The transmit queue is full (`ENOBUFS`/`EAGAIN`); the frame was not sent.
        case transmitQueueFull
        /// The endpoint was closed.
        case closed
        /// The frame or argument is not valid for this bus.
        case invalidArgument
        /// The operating system reported another error (`errno`).
        case system(errno: Int32)
    }

    /// The kind of failure.
    public let kind: Kind
    /// Human-readable detail naming the operation and interface.
    public let detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }
}
