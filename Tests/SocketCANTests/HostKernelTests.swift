import CANTransport
import CSocketCAN
import Glibc
import SocketCAN
import Testing

/// Behaviour against the running kernel that needs no CAN: rtnetlink and the no-AF_CAN answer.
@Suite("SocketCAN against the host kernel")
struct HostKernelTests {
    static let kernelLacksCAN: Bool = {
        let descriptor = socket(PF_CAN, CInt(SOCK_RAW.rawValue), CInt(CAN_RAW))
        if descriptor >= 0 {
            close(descriptor)
            return false
        }
        return errno == EAFNOSUPPORT
    }()

    @Test(.enabled(if: kernelLacksCAN, "this kernel has AF_CAN"))
    func kernelWithoutCANGivesAClearNotSupported() {
        let error = #expect(throws: CANTransportError.self) { try SocketCANBus(interface: "vcan0") }
        #expect(error?.kind == .notSupported)
        #expect(error?.detail.contains("errno 97") == true)
        #expect(error?.detail.contains("lacks SocketCAN") == true)
    }

    @Test func loopbackLinkIsReadFromRTNetlink() throws {
        let control = try CANInterfaceControl(interface: "lo")
        let link = try control.link()
        #expect(link.name == "lo")
        #expect(link.hardwareType == 772)  // ARPHRD_LOOPBACK
        #expect(!link.isCAN && !link.isVirtualCAN)
        let error = #expect(throws: CANTransportError.self) { _ = try control.state() }
        #expect(error?.kind == .notSupported)
        #expect(error?.detail.contains("not a CAN interface") == true)
    }

    @Test func interfaceControlOnAMissingInterface() throws {
        let control = try CANInterfaceControl(interface: "nosuchcan7")
        let error = #expect(throws: CANTransportError.self) { _ = try control.link() }
        #expect(error?.kind == .interfaceNotFound)
    }
}
