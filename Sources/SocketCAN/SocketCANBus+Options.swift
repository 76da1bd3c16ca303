#if os(Linux)
public import CANCore

extension SocketCANBus {
    /// How a ``SocketCANBus`` sets up its CAN_RAW socket.
    ///
    /// The defaults suit an emulator node or a logger: CAN FD when the interface supports it, every
    /// frame, every error class, kernel timestamps, local loopback on (other programs on this machine
    /// see what we send) and our own frames not echoed back to us.
    public struct Options: Hashable, Sendable {
        /// Use CAN FD when the interface supports it (MTU 72, `CAN_RAW_FD_FRAMES`). On a classic
        /// interface (MTU 16) the socket stays classic and ``SocketCANBus/send(_:)`` rejects FD frames.
        public var canFD: Bool
        /// Kernel receive filters (`CAN_RAW_FILTER`, at most 512); `nil` keeps the kernel default
        /// (pass everything), an empty list receives no data frames at all.
        public var filters: [CANFilter]?
        /// A frame must match *all* filters instead of any (`CAN_RAW_JOIN_FILTERS`).
        public var joinFilters: Bool
        /// Error classes delivered as ``CANTransport/CANBusEvent/busError(_:timestamp:)`` events
        /// (`CAN_RAW_ERR_FILTER`); empty receives no error frames.
        public var errorClasses: CANErrorClass
        /// Frames we send are looped back to other sockets on this host (`CAN_RAW_LOOPBACK`, kernel default on).
        public var loopback: Bool
        /// Our own sent frames come back to this socket, flagged `isOwnEcho` (`CAN_RAW_RECV_OWN_MSGS`).
        /// Needs ``loopback``.
        public var receiveOwnMessages: Bool
        /// Receive timestamps from the kernel (`SO_TIMESTAMPNS`); otherwise the time of the read.
        public var kernelTimestamps: Bool
        /// Socket receive buffer in bytes (`SO_RCVBUFFORCE` when permitted, else `SO_RCVBUF`, which the
        /// kernel caps at `net.core.rmem_max`). Default 4 MiB, room for a burst of several thousand
        /// frames; `nil` keeps the kernel default (about 200 frames). Each queued frame costs about
        /// 1 KiB of buffer; frames beyond it are dropped and reported
        /// through `SO_RXQ_OVFL` as ``CANTransport/CANBusEvent/framesDropped(count:)``.
        public var receiveBufferBytes: Int?

        /// Creates options; every parameter has the default described on its property.
        public init(
            canFD: Bool = true,
            filters: [CANFilter]? = nil,
            joinFilters: Bool = false,
            errorClasses: CANErrorClass = .all,
            loopback: Bool = true,
            receiveOwnMessages: Bool = false,
            kernelTimestamps: Bool = true,
            receiveBufferBytes: Int? = 4 << 20
        ) {
            self.canFD = canFD
            self.filters = filters
            self.joinFilters = joinFilters
            self.errorClasses = errorClasses
            self.loopback = loopback
            self.receiveOwnMessages = receiveOwnMessages
            self.kernelTimestamps = kernelTimestamps
            self.receiveBufferBytes = receiveBufferBytes
        }
    }

    /// Counters of one bus endpoint since it was opened.
    public struct Statistics: Hashable, Sendable {
        /// Frames handed to the kernel.
        public var framesSent: UInt64 = 0
        /// Data and remote frames delivered (including own echoes).
        public var framesReceived: UInt64 = 0
        /// Error frames delivered as bus errors.
        public var busErrors: UInt64 = 0
        /// Frames the kernel dropped before we read them (`SO_RXQ_OVFL`), plus events an
        /// ``SocketCANBus/events(bufferLimit:)`` consumer was too slow to take.
        public var framesDropped: UInt64 = 0
        /// Reads whose bytes were not a valid frame (see ``SocketCANFrameCodec/DecodingError``).
        public var malformedReads: UInt64 = 0
    }
}
#endif
