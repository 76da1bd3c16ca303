#if os(Linux)
import CANTransport
import SystemPackage

extension CANTransportError {
    /// Maps an errno from `operation` on `interface` to a typed error whose detail names both.
    ///
    /// `ENODEV`/`ENXIO` become ``CANTransportError/Kind/interfaceNotFound``, `EAFNOSUPPORT` and
    /// `EPROTONOSUPPORT` ``CANTransportError/Kind/notSupported`` (the kernel lacks AF_CAN),
    /// `ENOBUFS`/`EAGAIN` ``CANTransportError/Kind/transmitQueueFull``, and everything else
    /// ``CANTransportError/Kind/system(errno:)`` with the strerror text and a hint where one helps.
    static func fromErrno(_ code: Errno, operation: String, interface: String) -> CANTransportError {
        let what = "\(operation) on \(interface) failed: \(code) (errno \(code.rawValue))"
        switch code {
        case .addressFamilyNotSupported, .protocolNotSupported:
            return CANTransportError(
                .notSupported,
                "\(what): this kernel lacks SocketCAN (AF_CAN/CAN_RAW); load the can and can-raw modules "
                    + "(modprobe can-raw) or run inside HIL/vcan-run.sh")
        case .operationNotSupportedByDevice, .noSuchAddressOrDevice:
            return CANTransportError(.interfaceNotFound, "\(what): no such CAN interface (ip link show \(interface))")
        case .noBufferSpace, .resourceTemporarilyUnavailable:
            return CANTransportError(.transmitQueueFull, "\(what): transmit queue full, frame not sent")
        case .networkDown:
            return CANTransportError(
                .system(errno: code.rawValue), "\(what): interface is down (ip link set up \(interface))")
        case .badFileDescriptor:
            return CANTransportError(.closed, "\(what): socket is closed")
        default:
            return CANTransportError(.system(errno: code.rawValue), what)
        }
    }
}
#endif
