/// A network interface as rtnetlink describes it (`RTM_NEWLINK`): what `ip -details link show` prints.
public struct NetworkLinkInfo: Hashable, Sendable {
    /// Interface index.
    public var index: Int32
    /// Interface name (`IFLA_IFNAME`).
    public var name: String?
    /// Hardware type (`ifi_type`); 280 (`ARPHRD_CAN`) for every CAN interface.
    public var hardwareType: UInt16
    /// Interface flags (`ifi_flags`, `IFF_*`).
    public var flags: UInt32
    /// MTU (`IFLA_MTU`): 16 classic CAN, 72 CAN FD.
    public var mtu: UInt32?
    /// Link kind (`IFLA_INFO_KIND`): `vcan`, `vxcan`, `can` (a controller driven by the CAN device
    /// layer), or `nil` when the driver registers none.
    public var kind: String?

    /// `ARPHRD_CAN`.
    public static let canHardwareType: UInt16 = 280

    /// `true` for a CAN interface of any kind.
    public var isCAN: Bool { hardwareType == Self.canHardwareType }
    /// `true` for `vcan` and `vxcan`, which have no CAN controller (no bit timing, states or bus-off).
    public var isVirtualCAN: Bool { kind == "vcan" || kind == "vxcan" }
    /// `true` when the interface is administratively up (`IFF_UP`).
    public var isUp: Bool { flags & 0x1 != 0 }
}

/// Builds rtnetlink `RTM_GETLINK` requests and decodes the replies. Pure byte work: decoding checks
/// every length and never traps on malformed input.
public enum RouteNetlink {
    static let messageHeaderSize = 16
    static let interfaceInfoSize = 16
    static let typeGetLink: UInt16 = 18
    static let typeNewLink: UInt16 = 16
    static let typeError: UInt16 = 2
    static let typeDone: UInt16 = 3
    static let flagRequest: UInt16 = 0x1
    static let attributeName: UInt16 = 3
    static let attributeMTU: UInt16 = 4
    static let attributeLinkInfo: UInt16 = 18
    static let linkInfoKind: UInt16 = 1
    /// Type bits of an attribute (the top two bits flag nesting and byte order).
    static let attributeTypeMask: UInt16 = 0x3FFF

    /// Why a reply could not be used.
    public enum ReplyError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The kernel answered with an error (`NLMSG_ERROR`); the value is the positive errno.
        case kernelError(errno: Int32)
        /// The bytes are not a well-formed `RTM_NEWLINK` message; `reason` says where.
        case malformed(reason: String)

        public var description: String {
            switch self {
            case .kernelError(let code): return "rtnetlink answered errno \(code)"
            case .malformed(let reason): return "malformed rtnetlink reply: \(reason)"
            }
        }
    }

    /// The request for one interface by index: `nlmsghdr` + `ifinfomsg`.
    public static func getLinkRequest(index: Int32, sequence: UInt32) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: messageHeaderSize + interfaceInfoSize)
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt32(messageHeaderSize + interfaceInfoSize), toByteOffset: 0, as: UInt32.self)
            raw.storeBytes(of: typeGetLink, toByteOffset: 4, as: UInt16.self)
            raw.storeBytes(of: flagRequest, toByteOffset: 6, as: UInt16.self)
            raw.storeBytes(of: sequence, toByteOffset: 8, as: UInt32.self)
            // ifinfomsg: family AF_UNSPEC (0), type 0, index, flags 0, change 0.
            raw.storeBytes(of: index, toByteOffset: messageHeaderSize + 4, as: Int32.self)
        }
        return bytes
    }

    /// Decodes the first message of a reply to ``getLinkRequest(index:sequence:)``.
    public static func parseLinkReply(_ bytes: UnsafeRawBufferPointer) -> Result<NetworkLinkInfo, ReplyError> {
        guard bytes.count >= messageHeaderSize else { return .failure(.malformed(reason: "\(bytes.count) bytes, shorter than a header")) }
        let length = Int(bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self))
        let type = bytes.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        guard length >= messageHeaderSize, length <= bytes.count else {
            return .failure(.malformed(reason: "message length \(length) outside 16...\(bytes.count)"))
        }
        let body = UnsafeRawBufferPointer(rebasing: bytes[messageHeaderSize..<length])
        switch type {
        case typeError:
            guard body.count >= 4 else { return .failure(.malformed(reason: "error message without a code")) }
            let code = body.loadUnaligned(as: Int32.self)
            guard code != 0, code != Int32.min else { return .failure(.malformed(reason: "error message with code \(code)")) }
            return .failure(.kernelError(errno: -code))
        case typeNewLink:
            return parseLink(body)
        default:
            return .failure(.malformed(reason: "message type \(type), expected RTM_NEWLINK"))
        }
    }

    /// Decodes a reply held in an array (tests).
    public static func parseLinkReply(_ bytes: [UInt8]) -> Result<NetworkLinkInfo, ReplyError> {
        bytes.withUnsafeBytes { parseLinkReply($0) }
    }

    private static func parseLink(_ body: UnsafeRawBufferPointer) -> Result<NetworkLinkInfo, ReplyError> {
        guard body.count >= interfaceInfoSize else { return .failure(.malformed(reason: "ifinfomsg truncated")) }
        var info = NetworkLinkInfo(
            index: body.loadUnaligned(fromByteOffset: 4, as: Int32.self),
            name: nil,
            hardwareType: body.loadUnaligned(fromByteOffset: 2, as: UInt16.self),
            flags: body.loadUnaligned(fromByteOffset: 8, as: UInt32.self),
            mtu: nil,
            kind: nil)
        let attributes = UnsafeRawBufferPointer(rebasing: body[interfaceInfoSize...])
        let result = forEachAttribute(attributes) { type, payload in
            switch type {
            case attributeName: info.name = cString(payload)
            case attributeMTU where payload.count >= 4: info.mtu = payload.loadUnaligned(as: UInt32.self)
            case attributeLinkInfo:
                return forEachAttribute(payload) { nestedType, nestedPayload in
                    if nestedType == linkInfoKind { info.kind = cString(nestedPayload) }
                    return nil
                }
            default: break
            }
            return nil
        }
        if let problem = result { return .failure(.malformed(reason: problem)) }
        return .success(info)
    }

    /// Walks `rtattr` records; returns a description of the first malformed record, or `nil`.
    private static func forEachAttribute(
        _ bytes: UnsafeRawBufferPointer, _ body: (UInt16, UnsafeRawBufferPointer) -> String?
    ) -> String? {
        var offset = 0
        while bytes.count - offset >= 4 {
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            let type = bytes.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & attributeTypeMask
            guard length >= 4, length <= bytes.count - offset else {
                return "attribute at offset \(offset) has length \(length) (room: \(bytes.count - offset))"
            }
            if let problem = body(type, UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + length)])) {
                return problem
            }
            let aligned = (length + 3) & ~3
            offset += min(aligned, bytes.count - offset)
        }
        return nil
    }

    private static func cString(_ bytes: UnsafeRawBufferPointer) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.count
        return String(decoding: bytes[0..<end], as: UTF8.self)
    }
}
