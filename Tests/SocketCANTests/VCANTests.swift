import CANCore
import CANTransport
import Glibc
import SocketCAN
import Testing

/// Real SocketCAN on vcan0/vcan1 with can-utils as the independent peer. Serialized: the tests share
/// vcan0, and each uses its own identifier range (0x5A0...0x5FF, extended 0x15Axxxxx) and kernel filters.
@Suite(
    "SocketCAN on real vcan", .serialized,
    .enabled(if: VCAN.shouldRun, "vcan0 is missing or the kernel lacks AF_CAN (run: bash HIL/vcan-run.sh --fd -- swift test)"))
struct VCANTests {
    @Test func vcanIsAvailableWhenRequired() throws {
        // Under BMSEMU_REQUIRE_VCAN=1 this fails (rather than the suite being skipped) when vcan is missing.
        let bus = try SocketCANBus(interface: VCAN.interface)
        #expect(bus.interfaceIndex > 0)
        #expect(bus.isFDEnabled, "HIL/test.sh runs with --fd, so vcan0 must have MTU 72")
    }

    @Test func framesWeSendAppearInCandump() throws {
        let sender = try SocketCANBus(interface: VCAN.interface)
        let marker = try CANFrame(id: CANID(standard: 0x5AF), data: [0xAA])
        let capture = try CandumpCapture(interface: VCAN.interface, filter: "5A0:7F0", marker: marker, sender: sender)
        let frames = [
            try CANFrame(id: CANID(standard: 0x5A1), data: [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]),
            try CANFrame(id: CANID(standard: 0x5A2), data: []),
            try CANFrame(remoteRequest: CANID(standard: 0x5A3), length: 4),
            try CANFrame(fdID: CANID(standard: 0x5A4), data: Array(0..<48), flags: .bitRateSwitch),
            try CANFrame(id: CANID(extended: 0x0000_05A5), data: [1, 2, 3]),
        ]
        let before = VCAN.wallClockNanoseconds()
        for frame in frames { try sender.send(frame) }
        let log = capture.finish(expectingLines: frames.count, excluding: marker)
        #expect(log.errors.isEmpty, "\(log.errors)")
        // candump on Linux 6.x adds the FDF flag to received FD frames: compare without it.
        #expect(log.records.map { withoutFDF($0.frame) } == frames)
        #expect(log.records.allSatisfy { $0.interface == VCAN.interface })
        #expect(log.records.allSatisfy { $0.timestamp.totalNanoseconds + 1_000_000 >= before / 1000 * 1000 })
    }

    @Test(arguments: [
        "5B1#1122334455667788", "5B2#", "5B3#R", "5B4#DEADBEEF", "15B10001#CAFE", "15B10002#R",
        "5B5##1" + String(repeating: "A5", count: 64), "5B6##0112233", "15B10003##3" + String(repeating: "0F", count: 12),
    ])
    func framesFromCansendArriveIntactWithKernelTimestamps(text: String) throws {
        let receiver = try SocketCANBus(
            interface: VCAN.interface,
            options: .init(filters: [CANFilter(id: 0x5B0, mask: 0x7F0 | CANFrame.extendedFlag), CANFilter(id: 0x15B1_0000 | CANFrame.extendedFlag, mask: 0x1FFF_FF00 | CANFrame.extendedFlag)]))
        let expected = try CANFrame(candumpText: text)
        let before = VCAN.wallClockNanoseconds()
        let result = try VCAN.run("cansend", [VCAN.interface, text])
        #expect(result.status == 0)
        let after = VCAN.wallClockNanoseconds()
        guard case .frame(let frame, let timestamp, let isOwnEcho)? = try receiver.receive(timeoutNanoseconds: 3_000_000_000) else {
            Issue.record("no frame from cansend \(text)")
            return
        }
        #expect(withoutFDF(frame) == withoutFDF(expected))
        #expect(frame.format == expected.format)
        #expect(!isOwnEcho)
        #expect(timestamp.totalNanoseconds >= before && timestamp.totalNanoseconds <= after, "kernel timestamp \(timestamp) outside the send window")
        #expect(try receiver.receive(timeoutNanoseconds: 0) == nil)
    }

    @Test func burstOfTenThousandFromCangenArrivesOrIsCounted() throws {
        let receiver = try SocketCANBus(
            interface: VCAN.interface,
            options: .init(filters: [.exact(try CANID(standard: 0x5C0))], receiveBufferBytes: 16 << 20))
        // cangen -D i: the 8 data bytes count up per frame; -p 10 waits on ENOBUFS instead of losing frames.
        let generator = try ChildProcess(["cangen", VCAN.interface, "-g", "0", "-n", "10000", "-I", "5C0", "-L", "8", "-D", "i", "-p", "10"])
        let collected = try VCAN.collectFrames(receiver, count: 10_000)
        #expect(generator.waitForExit() == 0)
        #expect(UInt64(collected.frames.count) + collected.dropped == 10_000, "received \(collected.frames.count), dropped \(collected.dropped)")
        #expect(receiver.statistics.framesDropped == collected.dropped)
        // Received frames are in order: the counter in the payload increases.
        let counters = collected.frames.map { $0.0.data.littleEndianWord0 }
        #expect(zip(counters, counters.dropFirst()).allSatisfy { $0 < $1 })
        #expect(collected.frames.count >= 5_000, "a 16 MiB buffer should hold most of the burst")
    }

    @Test func kernelDropsAreCountedAndReported() throws {
        // A tiny receive buffer that is not read while 2,000 frames arrive must overflow, and every
        // lost frame must be reported through SO_RXQ_OVFL. The kernel stamps its drop counter on each
        // frame it queues, so drops after the last queued frame show up with the next frame: the
        // sentinel sent after draining.
        let id = try CANID(standard: 0x5C1)
        let receiver = try SocketCANBus(interface: VCAN.interface, options: .init(filters: [.exact(id)], receiveBufferBytes: 1))
        let sender = try SocketCANBus(interface: VCAN.interface)
        for index in 0..<2_000 {
            try VCAN.sendRetrying(sender, try CANFrame(id: id, data: withUnsafeBytes(of: UInt64(index).littleEndian, Array.init)))
        }
        let queued = try VCAN.collectFrames(receiver, count: 2_000, idleNanoseconds: 200_000_000)
        let sentinel = try CANFrame(id: id, data: [0xFF])
        try sender.send(sentinel)
        let after = try VCAN.collectFrames(receiver, count: 1, idleNanoseconds: 2_000_000_000)
        #expect(after.frames.map(\.0) == [sentinel])
        let dropped = queued.dropped + after.dropped
        #expect(dropped > 0)
        #expect(UInt64(queued.frames.count) + dropped == 2_000, "queued \(queued.frames.count), dropped \(dropped)")
        #expect(receiver.statistics.framesDropped == dropped)
    }

    @Test func kernelFiltersPassAndBlock() throws {
        let standard = try CANID(standard: 0x5D1)
        let extendedSameValue = try CANID(extended: 0x5D1)
        let extended = try CANID(extended: 0x15D0_0001)
        let exact = try SocketCANBus(interface: VCAN.interface, options: .init(filters: [.exact(standard)]))
        let inverted = try SocketCANBus(
            interface: VCAN.interface,
            options: .init(filters: [.masked(try CANID(standard: 0x5D0), mask: 0x7F0), CANFilter(id: 0x5D1, mask: 0x7FF | CANFrame.extendedFlag, inverted: true)], joinFilters: true))
        let extendedOnly = try SocketCANBus(interface: VCAN.interface, options: .init(filters: [.exact(extended)]))
        let nothing = try SocketCANBus(interface: VCAN.interface, options: .init(filters: [], errorClasses: []))
        let sender = try SocketCANBus(interface: VCAN.interface)
        let sent = [
            try CANFrame(id: standard, data: [1]), try CANFrame(id: CANID(standard: 0x5D2), data: [2]),
            try CANFrame(id: extendedSameValue, data: [3]), try CANFrame(id: extended, data: [4]),
            try CANFrame(remoteRequest: standard, length: 1),
        ]
        for frame in sent { try sender.send(frame) }
        func received(_ bus: SocketCANBus) throws -> [CANFrame] {
            try VCAN.collectFrames(bus, count: sent.count, idleNanoseconds: 300_000_000).frames.map(\.0)
        }
        #expect(try received(exact) == [sent[0]])  // exact() excludes the extended 0x5D1 and the RTR
        #expect(try received(inverted) == [sent[1]])  // 0x5D0-0x5DF standard, except 0x5D1 (data or RTR)
        #expect(try received(extendedOnly) == [sent[3]])
        #expect(try received(nothing).isEmpty)
    }

    @Test func errorFramesArriveAsTypedBusErrors() throws {
        let receiver = try SocketCANBus(interface: VCAN.interface, options: .init(filters: []))
        let deaf = try SocketCANBus(interface: VCAN.interface, options: .init(filters: [.exact(try CANID(standard: 0x5E9))], errorClasses: []))
        let injector = try SocketCANBus(interface: VCAN.interface)
        // Bus-off plus controller error-passive (TX) with counters TEC 128, REC 16, as a driver reports it.
        let errorFrame = try CANFrame(
            errorClass: CANErrorClass([.busOff, .controller, .errorCounters]).rawValue, data: [0, 0x20, 0, 0, 0, 0, 128, 16])
        try injector.send(errorFrame)
        guard case .busError(let error, _)? = try receiver.receive(timeoutNanoseconds: 2_000_000_000) else {
            Issue.record("no error frame arrived")
            return
        }
        #expect(error.isBusOff)
        #expect(error.conditions == [.busOff, .errorPassive(transmit: true, receive: false)])
        #expect(error.transmitErrorCount == 128 && error.receiveErrorCount == 16)
        #expect(receiver.statistics.busErrors == 1)
        // A socket without an error mask does not see it, but still sees data frames.
        try injector.send(try CANFrame(id: CANID(standard: 0x5E9), data: [1]))
        guard case .frame(let frame, _, _)? = try deaf.receive(timeoutNanoseconds: 2_000_000_000) else {
            Issue.record("the data frame after the error frame did not arrive")
            return
        }
        #expect(frame.id == (try CANID(standard: 0x5E9)))
    }

    @Test func fdFramesAreRefusedOnAClassicInterface() throws {
        let bus = try SocketCANBus(interface: VCAN.classicInterface)
        #expect(bus.interfaceMTU == 16)
        #expect(!bus.isFDEnabled)
        let error = #expect(throws: CANTransportError.self) {
            try bus.send(try CANFrame(fdID: CANID(standard: 0x5E1), data: [1, 2, 3]))
        }
        #expect(error?.kind == .notSupported)
        #expect(error?.detail.contains("MTU 16") == true)
        #expect(error?.detail.contains("mtu 72") == true)
        try bus.send(try CANFrame(id: CANID(standard: 0x5E1), data: [1, 2, 3]))  // classic still works
        // With canFD: false an FD-capable interface stays classic too.
        let classicOnly = try SocketCANBus(interface: VCAN.interface, options: .init(canFD: false))
        #expect(!classicOnly.isFDEnabled)
        #expect(throws: CANTransportError.self) { try classicOnly.send(try CANFrame(fdID: CANID(standard: 0x5E1), data: [1])) }
    }

    @Test func ownMessagesAndLoopback() throws {
        let id = try CANID(standard: 0x5E2)
        let echoing = try SocketCANBus(interface: VCAN.interface, options: .init(filters: [.exact(id)], receiveOwnMessages: true))
        let listener = try SocketCANBus(interface: VCAN.interface, options: .init(filters: [.exact(id)]))
        let frame = try CANFrame(id: id, data: [0xEC])
        try echoing.send(frame)
        #expect(try echoing.receive(timeoutNanoseconds: 2_000_000_000) == nil ? false : true)
        try echoing.send(frame)
        let echoes = try VCAN.collectFrames(echoing, count: 1, idleNanoseconds: 1_000_000_000)
        #expect(echoes.frames.first?.2 == true, "own frame flagged isOwnEcho (MSG_CONFIRM)")
        let heard = try VCAN.collectFrames(listener, count: 2, idleNanoseconds: 1_000_000_000)
        #expect(heard.frames.count == 2 && heard.frames.allSatisfy { !$0.2 })
        // Without loopback, other sockets on this host do not see our frames.
        let silent = try SocketCANBus(interface: VCAN.interface, options: .init(loopback: false))
        try silent.send(try CANFrame(id: id, data: [0x0F]))
        #expect(try listener.receive(timeoutNanoseconds: 200_000_000) == nil)
    }

    @Test func receiveTimesOutAndCloseWakesAWaiter() async throws {
        let bus = try SocketCANBus(interface: VCAN.interface, options: .init(filters: [.exact(try CANID(standard: 0x5E3))]))
        let start = VCAN.wallClockNanoseconds()
        #expect(try bus.receive(timeoutNanoseconds: 50_000_000) == nil)
        #expect(VCAN.wallClockNanoseconds() - start >= 50_000_000)
        let waiter = Task.detached { () -> CANTransportError? in
            do {
                _ = try bus.receive(timeoutNanoseconds: 30_000_000_000)
                return nil
            } catch let error as CANTransportError {
                return error
            } catch {
                return nil
            }
        }
        var pause = timespec(tv_sec: 0, tv_nsec: 100_000_000)
        nanosleep(&pause, nil)
        let closedAt = VCAN.wallClockNanoseconds()
        bus.close()
        let error = await waiter.value
        #expect(error?.kind == .closed)
        #expect(VCAN.wallClockNanoseconds() - closedAt < 5_000_000_000)
        bus.close()  // idempotent
    }

    @Test func eventStreamDeliversAndFinishesOnClose() async throws {
        let id = try CANID(standard: 0x5E4)
        let bus = try SocketCANBus(interface: VCAN.interface, options: .init(filters: [.exact(id)]))
        let sender = try SocketCANBus(interface: VCAN.interface)
        let stream = bus.events()
        for index in 0..<500 { try VCAN.sendRetrying(sender, try CANFrame(id: id, data: [UInt8(index % 256)])) }
        var received: [UInt8] = []
        for try await event in stream {
            if case .frame(let frame, _, _) = event { received.append(frame.data.first ?? 0) }
            if received.count == 500 { bus.close() }
        }
        #expect(received == (0..<500).map { UInt8($0 % 256) })
    }

    @Test func cancellingTheStreamStopsTheReader() async throws {
        let id = try CANID(standard: 0x5E5)
        let bus = try SocketCANBus(interface: VCAN.interface, options: .init(filters: [.exact(id)]))
        let sender = try SocketCANBus(interface: VCAN.interface)
        for _ in 0..<3 { try sender.send(try CANFrame(id: id, data: [1])) }
        var count = 0
        for try await event in bus.events() {
            if case .frame = event { count += 1 }
            if count == 3 { break }  // ends the stream: its reader thread wakes and exits
        }
        // The socket is still usable for plain receive afterwards.
        try sender.send(try CANFrame(id: id, data: [2]))
        guard case .frame(let frame, _, _)? = try bus.receive(timeoutNanoseconds: 2_000_000_000) else {
            Issue.record("receive after the stream ended got nothing")
            return
        }
        #expect(frame.data.first == 2)
        bus.close()
    }

    @Test func missingInterfaceIsInterfaceNotFound() {
        let error = #expect(throws: CANTransportError.self) { try SocketCANBus(interface: "vcan97") }
        #expect(error?.kind == .interfaceNotFound)
        #expect(error?.detail.contains("vcan97") == true)
    }

    @Test func loopbackIsNotACANInterface() {
        let error = #expect(throws: CANTransportError.self) { try SocketCANBus(interface: "lo") }
        #expect(error?.kind == .notSupported)
        #expect(error?.detail.contains("not a CAN interface") == true)
    }

    @Test(arguments: [VCAN.interface, VCAN.classicInterface])
    func interfaceControlDoesNotApplyToVCAN(name: String) throws {
        let control = try CANInterfaceControl(interface: name)
        let link = try control.link()
        #expect(link.kind == "vcan")
        #expect(link.isCAN && link.isVirtualCAN && link.isUp)
        #expect(link.mtu == (name == VCAN.interface ? 72 : 16))
        let operations: [(String, () throws -> Void)] = [
            ("state", { _ = try control.state() }),
            ("restart", { try control.restart() }),
            ("bitTiming", { _ = try control.bitTiming() }),
            ("setBitRate", { try control.setBitRate(500_000) }),
            ("start", { try control.start() }),
            ("stop", { try control.stop() }),
            ("restartDelay", { _ = try control.restartDelayMilliseconds() }),
            ("setRestartDelay", { try control.setRestartDelay(milliseconds: 100) }),
            ("errorCounters", { _ = try control.errorCounters() }),
            ("deviceStatistics", { _ = try control.deviceStatistics() }),
        ]
        for (label, operation) in operations {
            let error = #expect(throws: CANTransportError.self, "\(label)") { try operation() }
            #expect(error?.kind == .notSupported, "\(label)")
            #expect(error?.detail.contains("virtual CAN interface (vcan)") == true, "\(label): \(error?.detail ?? "")")
            #expect(error?.detail.contains("no bit timing") == true)
        }
        #expect(try control.link().isUp, "stop() must not have taken the interface down")
    }
}

/// The frame without the `CANFD_FDF` marker the kernel adds on receive.
func withoutFDF(_ frame: CANFrame) -> CANFrame {
    guard frame.format == .fd, frame.fdFlags.contains(.fdFormat) else { return frame }
    return (try? CANFrame(fdID: frame.id, payload: frame.data, flags: frame.fdFlags.subtracting(.fdFormat))) ?? frame
}
