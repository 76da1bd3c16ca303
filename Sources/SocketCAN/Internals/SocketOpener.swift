#if os(Linux)
import CANCore
import CANTransport
internal import CSocketCAN
import Glibc
import SystemPackage

/// The open sequence of a CAN_RAW socket: socket, interface index, MTU, options, bind, eventfd.
///
/// Every step that fails closes what was opened before it, so a failed open leaks nothing.
struct SocketOpener {
    struct Opened {
        var descriptor: CInt
        var closeSignal: CInt
        var interfaceIndex: Int32
        var mtu: Int
        var isFDEnabled: Bool
        var receiveBufferBytes: Int
    }

    /// Largest interface name: `IFNAMSIZ` (16) minus the terminating NUL.
    static let maximumNameLength = 15
    /// The kernel's limit on `CAN_RAW_FILTER` entries (`CAN_RAW_FILTER_MAX`).
    static let maximumFilterCount = 512

    let interface: String
    let options: SocketCANBus.Options

    func open() throws(CANTransportError) -> Opened {
        try InterfaceName.validate(interface)
        if let filters = options.filters, filters.count > Self.maximumFilterCount {
            throw CANTransportError(
                .invalidArgument,
                "open \(interface): \(filters.count) filters, but the kernel accepts at most \(Self.maximumFilterCount)")
        }
        let descriptor: CInt
        switch valueOrErrno({ system_socket(PF_CAN, CInt(SOCK_RAW.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), CAN_RAW) }) {
        case .success(let value): descriptor = value
        case .failure(let code): throw CANTransportError.fromErrno(code, operation: "socket(PF_CAN, SOCK_RAW, CAN_RAW)", interface: interface)
        }
        do {
            return try configure(descriptor)
        } catch {
            _ = system_close(descriptor)
            throw error
        }
    }

    private func configure(_ descriptor: CInt) throws(CANTransportError) -> Opened {
        let index = try InterfaceName.index(of: interface)
        let mtu = try InterfaceName.mtu(of: interface, using: descriptor)
        let fdEnabled = options.canFD && mtu >= SocketCANFrameCodec.fdFrameSize
        if fdEnabled { try setOption(descriptor, CInt(SOL_CAN_RAW), CInt(CAN_RAW_FD_FRAMES), CInt(1), "CAN_RAW_FD_FRAMES") }
        if let filters = options.filters {
            let raw = filters.map { filter in
                can_filter(can_id: filter.id | (filter.isInverted ? CAN_INV_FILTER : 0), can_mask: filter.mask)
            }
            let result = raw.withUnsafeBytes { bytes in
                Result { () throws(CANTransportError) in
                    try setOption(descriptor, CInt(SOL_CAN_RAW), CInt(CAN_RAW_FILTER), bytes, "CAN_RAW_FILTER")
                }
            }
            try result.get()
        }
        if options.joinFilters { try setOption(descriptor, CInt(SOL_CAN_RAW), CInt(CAN_RAW_JOIN_FILTERS), CInt(1), "CAN_RAW_JOIN_FILTERS") }
        try setOption(descriptor, CInt(SOL_CAN_RAW), CInt(CAN_RAW_ERR_FILTER), can_err_mask_t(options.errorClasses.rawValue), "CAN_RAW_ERR_FILTER")
        try setOption(descriptor, CInt(SOL_CAN_RAW), CInt(CAN_RAW_LOOPBACK), CInt(options.loopback ? 1 : 0), "CAN_RAW_LOOPBACK")
        if options.receiveOwnMessages {
            try setOption(descriptor, CInt(SOL_CAN_RAW), CInt(CAN_RAW_RECV_OWN_MSGS), CInt(1), "CAN_RAW_RECV_OWN_MSGS")
        }
        if options.kernelTimestamps {
            try setOption(descriptor, SOL_SOCKET, CSocketCAN_SO_TIMESTAMPNS(), CInt(1), "SO_TIMESTAMPNS")
        }
        try setOption(descriptor, SOL_SOCKET, CSocketCAN_SO_RXQ_OVFL(), CInt(1), "SO_RXQ_OVFL")
        let bufferBytes = try applyReceiveBuffer(descriptor)
        try bind(descriptor, index: index)
        let closeSignal: CInt
        switch valueOrErrno({ system_eventfd(0, CInt(EFD_CLOEXEC) | CInt(EFD_NONBLOCK)) }) {
        case .success(let value): closeSignal = value
        case .failure(let code): throw CANTransportError.fromErrno(code, operation: "eventfd", interface: interface)
        }
        return Opened(
            descriptor: descriptor, closeSignal: closeSignal, interfaceIndex: index, mtu: mtu,
            isFDEnabled: fdEnabled, receiveBufferBytes: bufferBytes)
    }

    private func applyReceiveBuffer(_ descriptor: CInt) throws(CANTransportError) -> Int {
        if let requested = options.receiveBufferBytes {
            guard requested > 0, requested <= Int(CInt.max / 2) else {
                throw CANTransportError(.invalidArgument, "open \(interface): receive buffer of \(requested) bytes is out of range")
            }
            let value = CInt(requested)
            // SO_RCVBUFFORCE passes rmem_max but needs CAP_NET_ADMIN; without it fall back to SO_RCVBUF.
            let forced = withUnsafeBytes(of: value) { bytes in
                valueOrErrno { system_setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, bytes.baseAddress, socklen_t(bytes.count)) }
            }
            switch forced {
            case .success: break
            case .failure(let code) where code == .notPermitted || code == .permissionDenied:
                try setOption(descriptor, SOL_SOCKET, SO_RCVBUF, value, "SO_RCVBUF")
            case .failure(let code):
                throw CANTransportError.fromErrno(code, operation: "setsockopt(SO_RCVBUFFORCE)", interface: interface)
            }
        }
        var granted: CInt = 0
        var length = socklen_t(MemoryLayout<CInt>.size)
        switch valueOrErrno({ system_getsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &granted, &length) }) {
        case .success: return Int(granted)
        case .failure(let code): throw CANTransportError.fromErrno(code, operation: "getsockopt(SO_RCVBUF)", interface: interface)
        }
    }

    private func bind(_ descriptor: CInt, index: Int32) throws(CANTransportError) {
        var address = sockaddr_can()
        address.can_family = sa_family_t(AF_CAN)
        address.can_ifindex = index
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                valueOrErrno { system_bind(descriptor, socketAddress, socklen_t(MemoryLayout<sockaddr_can>.size)) }
            }
        }
        switch result {
        case .success: return
        case .failure(let code) where code == .operationNotSupportedByDevice:
            // raw_bind answers ENODEV when the interface exists but is not a CAN device.
            throw CANTransportError(
                .notSupported, "bind on \(interface) failed: \(interface) is not a CAN interface (ip -details link show \(interface))")
        case .failure(let code):
            throw CANTransportError.fromErrno(code, operation: "bind", interface: interface)
        }
    }

    private func setOption<T>(
        _ descriptor: CInt, _ level: CInt, _ option: CInt, _ value: T, _ name: String
    ) throws(CANTransportError) {
        try withUnsafeBytes(of: value) { (bytes) throws(CANTransportError) in
            try setOption(descriptor, level, option, bytes, name)
        }
    }

    private func setOption(
        _ descriptor: CInt, _ level: CInt, _ option: CInt, _ bytes: UnsafeRawBufferPointer, _ name: String
    ) throws(CANTransportError) {
        let result = valueOrErrno {
            system_setsockopt(descriptor, level, option, bytes.baseAddress, socklen_t(bytes.count))
        }
        if case .failure(let code) = result {
            throw CANTransportError.fromErrno(code, operation: "setsockopt(\(name))", interface: interface)
        }
    }
}
#endif
