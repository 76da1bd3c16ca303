import SeededRandom
import SocketCAN
import Testing

/// rtnetlink link replies: the fields we use are read correctly and malformed replies never trap.
@Suite("rtnetlink link replies")
struct RouteNetlinkTests {
    /// An RTM_NEWLINK message as the kernel sends for vcan0 (name, MTU, IFLA_LINKINFO/IFLA_INFO_KIND).
    static func newLinkMessage(name: String, kind: String?, mtu: UInt32, type: UInt16 = 280, index: Int32 = 5) -> [UInt8] {
        func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
            var bytes = withUnsafeBytes(of: UInt16(4 + payload.count).littleEndian, Array.init)
            bytes += withUnsafeBytes(of: type.littleEndian, Array.init)
            bytes += payload
            while bytes.count % 4 != 0 { bytes.append(0) }
            return bytes
        }
        var body: [UInt8] = [0, 0] + withUnsafeBytes(of: type.littleEndian, Array.init) + withUnsafeBytes(of: index.littleEndian, Array.init)
        body += withUnsafeBytes(of: UInt32(0x41).littleEndian, Array.init) + [0, 0, 0, 0]
        body += attribute(3, Array(name.utf8) + [0])
        body += attribute(4, withUnsafeBytes(of: mtu.littleEndian, Array.init))
        if let kind { body += attribute(18 | 0x8000, attribute(1, Array(kind.utf8) + [0])) }
        var message = withUnsafeBytes(of: UInt32(16 + body.count).littleEndian, Array.init)
        message += withUnsafeBytes(of: UInt16(16).littleEndian, Array.init) + [0, 0] + [UInt8](repeating: 0, count: 8)
        return message + body
    }

    @Test func readsVirtualCANLink() throws {
        let info = try RouteNetlink.parseLinkReply(Self.newLinkMessage(name: "vcan0", kind: "vcan", mtu: 72)).get()
        #expect(info.name == "vcan0")
        #expect(info.kind == "vcan")
        #expect(info.mtu == 72)
        #expect(info.index == 5)
        #expect(info.isCAN && info.isVirtualCAN && info.isUp)
    }

    @Test func readsControllerAndNonCANLinks() throws {
        let can0 = try RouteNetlink.parseLinkReply(Self.newLinkMessage(name: "can0", kind: "can", mtu: 16)).get()
        #expect(can0.isCAN && !can0.isVirtualCAN)
        let loopback = try RouteNetlink.parseLinkReply(Self.newLinkMessage(name: "lo", kind: nil, mtu: 65536, type: 772)).get()
        #expect(!loopback.isCAN && loopback.kind == nil)
    }

    @Test func kernelErrorsAreReported() {
        var message = withUnsafeBytes(of: UInt32(36).littleEndian, Array.init)
        message += [2, 0, 0, 0] + [UInt8](repeating: 0, count: 8)
        message += withUnsafeBytes(of: Int32(-19).littleEndian, Array.init) + [UInt8](repeating: 0, count: 16)
        #expect(RouteNetlink.parseLinkReply(message) == .failure(.kernelError(errno: 19)))
    }

    @Test func requestLayout() {
        let request = RouteNetlink.getLinkRequest(index: 7, sequence: 1)
        #expect(request.count == 32)
        #expect(Array(request[0..<8]) == [32, 0, 0, 0, 18, 0, 1, 0])
        #expect(Array(request[20..<24]) == [7, 0, 0, 0])
    }

    @Test func mutatedRepliesNeverTrap() {
        var rng = Xoshiro256(seed: 0x4E4C)
        let valid = Self.newLinkMessage(name: "vcan0", kind: "vcan", mtu: 72)
        var parsed = 0
        var rejected = 0
        for round in 0..<30_000 {
            var bytes = valid
            if round % 3 == 0 {
                bytes = (0..<Int(rng.next() % 96)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                for _ in 0..<Int(1 + rng.next() % 4) {
                    let position = Int(rng.next() % UInt64(bytes.count))
                    bytes[position] = UInt8(truncatingIfNeeded: rng.next())
                }
                if rng.next() % 4 == 0 { bytes.removeLast(Int(rng.next() % UInt64(bytes.count))) }
            }
            switch RouteNetlink.parseLinkReply(bytes) {
            case .success: parsed += 1
            case .failure: rejected += 1
            }
        }
        #expect(parsed > 100)
        #expect(rejected > 100)
    }
}
