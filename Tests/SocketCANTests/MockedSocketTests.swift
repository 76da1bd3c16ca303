#if ENABLE_MOCKING
import CANCore
import CANTransport
import CSocketCAN
import Glibc
@testable import SocketCAN
import Synchronization
import Testing

/// The open/bind/setsockopt/read/write sequences and errno handling, with every system call answered
/// by a scripted `MockingDriver` (no AF_CAN needed).
@Suite("SocketCAN with mocked system calls")
struct MockedSocketTests {
    static let socketFD = 33
    static let eventFD = 34

    /// A counter a `@Sendable` handler can change.
    final class Counter: Sendable {
        private let value = Mutex(0)
        func next() -> Int { value.withLock { $0 += 1; return $0 } }
    }

    /// Answers the open sequence like a kernel with vcan0 (index 7) of the given MTU; `override` may
    /// answer any call first.
    static func kernel(mtu: Int32 = 72, override: (@Sendable (MockCall) -> MockOutcome?)? = nil) -> MockingDriver.Handler {
        { call in
            if let answer = override?(call) { return answer }
            switch call {
            case .socket: return .value(socketFD)
            case .interfaceIndex(let name): return name == "vcan0" ? .value(7) : .fail(errno: ENODEV)
            case .ioctl(_, _, let argument):
                argument.storeBytes(of: mtu, toByteOffset: 16, as: Int32.self)
                return .value(0)
            case .getsockopt(_, _, _, let value):
                value.storeBytes(of: CInt(8_388_608), as: CInt.self)
                return .value(0)
            case .eventfd: return .value(eventFD)
            case .write(_, let bytes): return .value(bytes.count)
            case .recvmsg: return .fail(errno: EAGAIN)
            case .poll: return .value(0)
            default: return .value(0)
            }
        }
    }

    static func names(_ trace: [MockTraceEntry]) -> [String] { trace.map(\.name) }

    @Test func openSequenceSetsEveryOptionThenBinds() throws {
        try MockingDriver.withMocking(Self.kernel()) { driver in
            let filters = [CANFilter.exact(try CANID(standard: 0x123)), CANFilter(id: 0x100, mask: 0x700, inverted: true)]
            let bus = try SocketCANBus(
                interface: "vcan0", options: .init(filters: filters, joinFilters: true, receiveOwnMessages: true))
            #expect(bus.isFDEnabled)
            #expect(bus.interfaceIndex == 7)
            #expect(bus.receiveBufferBytes == 8_388_608)
            let trace = driver.trace
            #expect(
                Self.names(trace) == [
                    "socket", "if_nametoindex", "ioctl", "setsockopt", "setsockopt", "setsockopt", "setsockopt",
                    "setsockopt", "setsockopt", "setsockopt", "setsockopt", "setsockopt", "getsockopt", "bind", "eventfd",
                ])
            #expect(trace[0].arguments == [29, 3 | 0o4000 | 0o2000000, 1])  // PF_CAN, SOCK_RAW|NONBLOCK|CLOEXEC, CAN_RAW
            #expect(trace[1].text == "vcan0")
            #expect(trace[2].arguments == [Self.socketFD, 0x8921])  // SIOCGIFMTU
            let options = trace.filter { $0.name == "setsockopt" }.map { [$0.arguments[1], $0.arguments[2]] }
            #expect(
                options == [
                    [101, 5], [101, 1], [101, 6], [101, 2], [101, 3], [101, 4], [1, 35], [1, 40], [1, 33],
                ])  // FD, FILTER, JOIN, ERR_FILTER, LOOPBACK, RECV_OWN, SO_TIMESTAMPNS, SO_RXQ_OVFL, SO_RCVBUFFORCE
            let filterBytes = trace.first { $0.name == "setsockopt" && $0.arguments[2] == 1 }?.bytes ?? []
            #expect(filterBytes == [0x23, 0x01, 0, 0, 0xFF, 0x07, 0, 0xC0, 0x00, 0x01, 0, 0x20, 0x00, 0x07, 0, 0])
            let errorMask = trace.first { $0.name == "setsockopt" && $0.arguments[2] == 2 }?.bytes ?? []
            #expect(errorMask == [0xFF, 0x03, 0, 0])
            bus.close()
            bus.close()
            #expect(driver.trace.filter { $0.name == "close" }.map(\.arguments) == [[Self.socketFD], [Self.eventFD]])
        }
    }

    @Test func classicInterfaceLeavesFDOff() throws {
        try MockingDriver.withMocking(Self.kernel(mtu: 16)) { driver in
            let bus = try SocketCANBus(interface: "vcan0")
            #expect(!bus.isFDEnabled)
            #expect(!driver.trace.contains { $0.name == "setsockopt" && $0.arguments[2] == 5 })
            let fd = try CANFrame(fdID: CANID(standard: 0x10), data: [1, 2, 3])
            let error = #expect(throws: CANTransportError.self) { try bus.send(fd) }
            #expect(error?.kind == .notSupported)
            #expect(error?.detail.contains("MTU 16") == true)
            #expect(!driver.trace.contains { $0.name == "write" })
        }
    }

    @Test func kernelWithoutAFCANSaysSo() {
        MockingDriver.withMocking({ call in
            if case .socket = call { return .fail(errno: EAFNOSUPPORT) }
            return .value(0)
        }) { driver in
            let error = #expect(throws: CANTransportError.self) { try SocketCANBus(interface: "vcan0") }
            #expect(error?.kind == .notSupported)
            #expect(error?.detail.contains("lacks SocketCAN") == true)
            #expect(Self.names(driver.trace) == ["socket"])
        }
    }

    @Test func everyFailingStepClosesTheSocket() {
        // Fail each step of the open sequence in turn; the socket must be closed exactly once each time.
        let steps: [(String, @Sendable (MockCall) -> Bool)] = [
            ("if_nametoindex", { if case .interfaceIndex = $0 { return true }; return false }),
            ("ioctl", { if case .ioctl = $0 { return true }; return false }),
            ("setsockopt", { if case .setsockopt = $0 { return true }; return false }),
            ("getsockopt", { if case .getsockopt = $0 { return true }; return false }),
            ("bind", { if case .bind = $0 { return true }; return false }),
            ("eventfd", { if case .eventfd = $0 { return true }; return false }),
        ]
        for (name, matches) in steps {
            MockingDriver.withMocking(Self.kernel(override: { matches($0) ? .fail(errno: ENODEV) : nil })) { driver in
                #expect(throws: CANTransportError.self, "\(name)") { try SocketCANBus(interface: "vcan0") }
                let closes = driver.trace.filter { $0.name == "close" }
                #expect(closes.map(\.arguments) == [[Self.socketFD]], "failing \(name): \(driver.trace)")
            }
        }
    }

    @Test func missingInterfaceIsInterfaceNotFound() {
        MockingDriver.withMocking(Self.kernel()) { driver in
            let error = #expect(throws: CANTransportError.self) { try SocketCANBus(interface: "vcan9") }
            #expect(error?.kind == .interfaceNotFound)
            #expect(error?.detail.contains("vcan9") == true)
        }
    }

    @Test func bindToANonCANInterfaceIsNotSupported() {
        MockingDriver.withMocking(Self.kernel(override: { if case .bind = $0 { return .fail(errno: ENODEV) }; return nil })) { _ in
            let error = #expect(throws: CANTransportError.self) { try SocketCANBus(interface: "vcan0") }
            #expect(error?.kind == .notSupported)
            #expect(error?.detail.contains("not a CAN interface") == true)
        }
    }

    @Test func invalidNamesAreRejectedBeforeAnySystemCall() {
        MockingDriver.withMocking(Self.kernel()) { driver in
            for name in ["", "a-very-long-name0", "vcan 0", "../x"] {
                let error = #expect(throws: CANTransportError.self) { try SocketCANBus(interface: name) }
                #expect(error?.kind == .invalidArgument)
            }
            #expect(driver.trace.isEmpty)
        }
    }

    @Test func tooManyFiltersAreRejected() {
        MockingDriver.withMocking(Self.kernel()) { driver in
            let filters = [CANFilter](repeating: .all, count: 513)
            let error = #expect(throws: CANTransportError.self) { try SocketCANBus(interface: "vcan0", options: .init(filters: filters)) }
            #expect(error?.kind == .invalidArgument)
            #expect(driver.trace.isEmpty)
        }
    }

    @Test func receiveBufferFallsBackWithoutCapNetAdmin() throws {
        try MockingDriver.withMocking(
            Self.kernel(override: { call in
                if case .setsockopt(_, _, let option, _) = call, option == SO_RCVBUFFORCE { return .fail(errno: EPERM) }
                return nil
            })
        ) { driver in
            _ = try SocketCANBus(interface: "vcan0", options: .init(receiveBufferBytes: 1 << 20))
            let options = driver.trace.filter { $0.name == "setsockopt" && $0.arguments[1] == 1 }.map { $0.arguments[2] }
            #expect(options.suffix(2) == [33, 8])  // SO_RCVBUFFORCE refused, then SO_RCVBUF
        }
    }

    @Test func sendRetriesInterruptedWrites() throws {
        let writes = Counter()
        try MockingDriver.withMocking(
            Self.kernel(override: { call in
                if case .write(let fd, _) = call, fd == Self.socketFD, writes.next() <= 2 { return .fail(errno: EINTR) }
                return nil
            })
        ) { driver in
            let bus = try SocketCANBus(interface: "vcan0")
            let frame = try CANFrame(id: CANID(standard: 0x321), data: [9, 8, 7])
            try bus.send(frame)
            let sent = driver.trace.filter { $0.name == "write" }
            #expect(sent.count == 3)
            #expect(sent.last?.bytes == SocketCANFrameCodec.encode(frame))
            #expect(bus.statistics.framesSent == 1)
        }
    }

    @Test(arguments: [(ENOBUFS, CANTransportError.Kind.transmitQueueFull), (EAGAIN, .transmitQueueFull), (ENETDOWN, .system(errno: ENETDOWN))])
    func sendMapsErrnos(code: Int32, kind: CANTransportError.Kind) throws {
        try MockingDriver.withMocking(
            Self.kernel(override: { call in
                if case .write(let fd, _) = call, fd == Self.socketFD { return .fail(errno: code) }
                return nil
            })
        ) { _ in
            let bus = try SocketCANBus(interface: "vcan0")
            let error = #expect(throws: CANTransportError.self) { try bus.send(try CANFrame(id: CANID(standard: 1), data: [])) }
            #expect(error?.kind == kind)
            #expect(error?.detail.contains("vcan0") == true)
            if code == ENETDOWN { #expect(error?.detail.contains("ip link set up vcan0") == true) }
        }
    }

    @Test func sendAfterCloseIsClosed() throws {
        try MockingDriver.withMocking(Self.kernel()) { driver in
            let bus = try SocketCANBus(interface: "vcan0")
            bus.close()
            let error = #expect(throws: CANTransportError.self) { try bus.send(try CANFrame(id: CANID(standard: 1), data: [])) }
            #expect(error?.kind == .closed)
            #expect(!driver.trace.contains { $0.name == "write" })
            #expect(throws: CANTransportError.self) { _ = try bus.receive(timeoutNanoseconds: 0) }
        }
    }

    /// Fills a recvmsg call with `frame`, a kernel timestamp and a drop counter, like the kernel does.
    static func deliver(_ frame: [UInt8], to message: UnsafeMutablePointer<msghdr>, seconds: Int, nanoseconds: Int, drops: UInt32?, flags: CInt = 0) -> MockOutcome {
        let target = UnsafeMutableRawBufferPointer(start: message.pointee.msg_iov.pointee.iov_base, count: message.pointee.msg_iov.pointee.iov_len)
        target.copyBytes(from: frame.prefix(target.count))
        let control = UnsafeMutableRawBufferPointer(start: message.pointee.msg_control, count: message.pointee.msg_controllen)
        var offset = 0
        func append(type: Int32, payload: [UInt8]) {
            let length = 16 + payload.count
            control.storeBytes(of: length, toByteOffset: offset, as: Int.self)
            control.storeBytes(of: Int32(SOL_SOCKET), toByteOffset: offset + 8, as: Int32.self)
            control.storeBytes(of: type, toByteOffset: offset + 12, as: Int32.self)
            for (index, byte) in payload.enumerated() { control[offset + 16 + index] = byte }
            offset += (length + 7) & ~7
        }
        append(type: 35, payload: withUnsafeBytes(of: timespec(tv_sec: seconds, tv_nsec: nanoseconds), Array.init))
        if let drops { append(type: 40, payload: withUnsafeBytes(of: drops, Array.init)) }
        message.pointee.msg_controllen = offset
        message.pointee.msg_flags = flags
        return .value(frame.count)
    }

    @Test func receiveDecodesTimestampEchoAndDropDeltas() throws {
        let reads = Counter()
        let frame = try CANFrame(id: CANID(standard: 0x5A5), data: [1, 2, 3, 4])
        let bytes = SocketCANFrameCodec.encode(frame)
        try MockingDriver.withMocking(
            Self.kernel(override: { call in
                guard case .recvmsg(_, let message, _) = call else { return nil }
                switch reads.next() {
                case 1: return .fail(errno: EINTR)  // retried at once
                case 2: return Self.deliver(bytes, to: message, seconds: 1_700_000_000, nanoseconds: 123_456_789, drops: 0)
                case 3: return Self.deliver(bytes, to: message, seconds: 1_700_000_001, nanoseconds: 5, drops: 3, flags: CInt(MSG_CONFIRM | MSG_DONTROUTE))
                case 4: return Self.deliver(bytes, to: message, seconds: 1_700_000_002, nanoseconds: 0, drops: 3)
                default: return .fail(errno: EAGAIN)
                }
            })
        ) { driver in
            let bus = try SocketCANBus(interface: "vcan0")
            let first = try bus.receive(timeoutNanoseconds: 0)
            #expect(first == .frame(frame, timestamp: CANTimestamp(seconds: 1_700_000_000, nanoseconds: 123_456_789), isOwnEcho: false))
            #expect(try bus.receive(timeoutNanoseconds: 0) == .framesDropped(count: 3))
            #expect(try bus.receive(timeoutNanoseconds: 0) == .frame(frame, timestamp: CANTimestamp(seconds: 1_700_000_001, nanoseconds: 5), isOwnEcho: true))
            guard case .frame? = try bus.receive(timeoutNanoseconds: 0) else {
                Issue.record("an unchanged drop counter must not report drops")
                return
            }
            #expect(try bus.receive(timeoutNanoseconds: 0) == nil)
            let stats = bus.statistics
            #expect(stats.framesReceived == 3)
            #expect(stats.framesDropped == 3)
            #expect(driver.trace.filter { $0.name == "poll" }.isEmpty)  // a zero timeout never waits
        }
    }

    @Test func malformedReadIsATypedErrorAndReadingContinues() throws {
        let reads = Counter()
        let good = try CANFrame(id: CANID(standard: 0x5A6), data: [7])
        try MockingDriver.withMocking(
            Self.kernel(override: { call in
                guard case .recvmsg(_, let message, _) = call else { return nil }
                switch reads.next() {
                case 1: return Self.deliver([UInt8](repeating: 0xFF, count: 20), to: message, seconds: 1, nanoseconds: 0, drops: nil)
                case 2:
                    var bad = [UInt8](repeating: 0, count: 16)
                    bad[4] = 12
                    return Self.deliver(bad, to: message, seconds: 1, nanoseconds: 0, drops: nil)
                case 3: return Self.deliver(SocketCANFrameCodec.encode(good), to: message, seconds: 2, nanoseconds: 0, drops: nil)
                default: return .fail(errno: EAGAIN)
                }
            })
        ) { _ in
            let bus = try SocketCANBus(interface: "vcan0")
            for expected in ["read 20 bytes", "classic frame with length 12"] {
                let error = #expect(throws: CANTransportError.self) { _ = try bus.receive(timeoutNanoseconds: 0) }
                #expect(error?.kind == .system(errno: EBADMSG))
                #expect(error?.detail.contains(expected) == true, "\(error?.detail ?? "")")
            }
            guard case .frame(let frame, _, _)? = try bus.receive(timeoutNanoseconds: 0) else {
                Issue.record("the good frame after malformed reads must arrive")
                return
            }
            #expect(frame == good)
            #expect(bus.statistics.malformedReads == 2)
        }
    }

    @Test func receiveWaitsInPollUntilTheDeadline() throws {
        try MockingDriver.withMocking(Self.kernel()) { driver in
            let bus = try SocketCANBus(interface: "vcan0")
            #expect(try bus.receive(timeoutNanoseconds: 1_000_000) == nil)
            let polls = driver.trace.filter { $0.name == "poll" }
            #expect(!polls.isEmpty)
            #expect(polls.allSatisfy { Array($0.arguments.prefix(2)) == [Self.socketFD, Self.eventFD] && $0.arguments[2] <= 1_000_000 })
        }
    }

    @Test func closeWhileWaitingWakesTheReceiver() throws {
        try MockingDriver.withMocking(
            Self.kernel(override: { call in
                // The close signal is readable: the bus was closed by another thread.
                if case .poll(let descriptors, _) = call {
                    descriptors[1].revents = Int16(POLLIN)
                    return .value(1)
                }
                return nil
            })
        ) { driver in
            let bus = try SocketCANBus(interface: "vcan0")
            let error = #expect(throws: CANTransportError.self) { _ = try bus.receive(timeoutNanoseconds: 1_000_000_000) }
            #expect(error?.kind == .closed)
        }
    }

    @Test func interfaceControlMapsLibsocketcanFailures() throws {
        // The link query is answered as for a CAN controller ("can"), so libsocketcan is called.
        let reply = RouteNetlinkTests.newLinkMessage(name: "vcan0", kind: "can", mtu: 16, index: 7)
        try MockingDriver.withMocking(
            Self.kernel(override: { call in
                switch call {
                case .recv(_, let buffer, _):
                    buffer.copyBytes(from: reply)
                    return .value(reply.count)
                case .poll: return .value(1)
                case .libsocketcan: return .fail(errno: EPERM)
                default: return nil
                }
            })
        ) { driver in
            let control = try CANInterfaceControl(interface: "vcan0")
            let error = #expect(throws: CANTransportError.self) { try control.setBitRate(500_000) }
            #expect(error?.kind == .system(errno: EPERM))
            #expect(error?.detail.contains("CAP_NET_ADMIN") == true)
            #expect(driver.trace.contains { $0.name == "can_set_bitrate" && $0.text == "vcan0" })
            #expect(driver.trace.filter { $0.name == "close" }.count == 1)  // the netlink socket
        }
    }
}
#endif
