#if os(Linux)
import CANTransport
internal import CSocketCAN
import Glibc
import SystemPackage

/// Asks rtnetlink about one interface (`RTM_GETLINK`), as `ip -details link show` does.
enum NetlinkLinkQuery {
    /// How long to wait for the kernel's answer (it answers at once; this bounds a broken kernel).
    static let replyTimeoutNanoseconds: Int64 = 2_000_000_000

    static func query(index: Int32, interface: String) throws(CANTransportError) -> NetworkLinkInfo {
        let descriptor: CInt
        switch valueOrErrno({ system_socket(AF_NETLINK, CInt(SOCK_RAW.rawValue) | CInt(SOCK_CLOEXEC.rawValue), NETLINK_ROUTE) }) {
        case .success(let value): descriptor = value
        case .failure(let code): throw CANTransportError.fromErrno(code, operation: "socket(AF_NETLINK)", interface: interface)
        }
        defer { _ = system_close(descriptor) }
        let request = RouteNetlink.getLinkRequest(index: index, sequence: 1)
        let sent = request.withUnsafeBytes { bytes in valueOrErrno { system_send(descriptor, bytes, 0) } }
        if case .failure(let code) = sent {
            throw CANTransportError.fromErrno(code, operation: "send(RTM_GETLINK)", interface: interface)
        }
        var pollDescriptor = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
        let ready = pollDescriptor.withUnsafeMutableBufferPointer { buffer in
            valueOrErrno { system_poll(buffer, replyTimeoutNanoseconds) }
        }
        switch ready {
        case .success(0):
            throw CANTransportError(.system(errno: Errno.timedOut.rawValue), "rtnetlink did not answer about \(interface)")
        case .success: break
        case .failure(let code): throw CANTransportError.fromErrno(code, operation: "poll(netlink)", interface: interface)
        }
        var reply = [UInt8](repeating: 0, count: 16_384)
        let received = reply.withUnsafeMutableBytes { buffer in
            valueOrErrno { system_recv(descriptor, buffer, CInt(MSG_DONTWAIT)) }
        }
        let count: Int
        switch received {
        case .success(let value): count = value
        case .failure(let code): throw CANTransportError.fromErrno(code, operation: "recv(netlink)", interface: interface)
        }
        let parsed = reply.withUnsafeBytes { bytes in
            RouteNetlink.parseLinkReply(UnsafeRawBufferPointer(rebasing: bytes[0..<min(max(count, 0), bytes.count)]))
        }
        switch parsed {
        case .success(let info): return info
        case .failure(.kernelError(let code)):
            throw CANTransportError.fromErrno(Errno(rawValue: code), operation: "RTM_GETLINK", interface: interface)
        case .failure(let error):
            throw CANTransportError(.system(errno: Errno.badMessage.rawValue), "RTM_GETLINK on \(interface): \(error)")
        }
    }
}
#endif
