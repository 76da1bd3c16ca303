#if os(Linux)
import CANTransport
internal import CSocketCAN
import Glibc
import SystemPackage

/// Interface-name checks and look-ups shared by the socket and interface control.
enum InterfaceName {
    /// Rejects names the kernel cannot hold: empty, longer than 15 bytes, or with `/`, spaces or control bytes.
    static func validate(_ name: String) throws(CANTransportError) {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= SocketOpener.maximumNameLength else {
            throw CANTransportError(
                .invalidArgument, "interface name '\(name)' must have 1 to \(SocketOpener.maximumNameLength) bytes")
        }
        for byte in bytes where byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "/") || byte == UInt8(ascii: ":") {
            throw CANTransportError(.invalidArgument, "interface name '\(name)' contains a space, '/', ':' or a control byte")
        }
    }

    /// The interface index (`if_nametoindex`).
    ///
    /// - Throws: `.interfaceNotFound` when no interface has that name.
    static func index(of name: String) throws(CANTransportError) -> Int32 {
        var savedErrno: CInt = 0
        let index = name.withCString { pointer -> CUnsignedInt in
            let value = system_if_nametoindex(pointer)
            savedErrno = errno
            return value
        }
        guard index != 0 else {
            let code = Errno(rawValue: savedErrno == 0 ? ENODEV : savedErrno)
            if code == .operationNotSupportedByDevice || code == .noSuchAddressOrDevice {
                throw CANTransportError(
                    .interfaceNotFound,
                    "no interface named '\(name)' (create a virtual one with: ip link add dev \(name) type vcan && ip link set up \(name))")
            }
            throw CANTransportError.fromErrno(code, operation: "if_nametoindex", interface: name)
        }
        guard let value = Int32(exactly: index) else {
            throw CANTransportError(.invalidArgument, "interface '\(name)' has index \(index), beyond Int32")
        }
        return value
    }

    /// The interface MTU via `SIOCGIFMTU` on `descriptor` (any socket); the name is copied with a bound.
    static func mtu(of name: String, using descriptor: CInt) throws(CANTransportError) -> Int {
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { target in
            let source = Array(name.utf8.prefix(target.count - 1))
            target.copyBytes(from: source)
            target[source.count] = 0
        }
        let result = withUnsafeMutablePointer(to: &request) { pointer in
            valueOrErrno { system_ioctl(descriptor, CSocketCAN_SIOCGIFMTU(), UnsafeMutableRawPointer(pointer)) }
        }
        if case .failure(let code) = result {
            throw CANTransportError.fromErrno(code, operation: "ioctl(SIOCGIFMTU)", interface: name)
        }
        return Int(request.ifr_ifru.ifru_mtu)
    }
}
#endif
