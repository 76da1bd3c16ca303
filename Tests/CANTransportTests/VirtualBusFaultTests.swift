import CANCore
import CANTransport
import Testing

@Suite("Virtual bus: fault injection")
struct VirtualBusFaultTests {
    func setUp(seed: UInt64 = 1) -> (VirtualCANBus, VirtualCANBus.NodeID, VirtualCANBus.NodeID) {
        let bus = VirtualCANBus(configuration: .init(seed: seed))
        return (bus, bus.attach(name: "s"), bus.attach(name: "r"))
    }

    @Test func dropHitsOnlyMatchingFramesInItsWindow() throws {
        let (bus, s, r) = setUp()
        bus.addFault(VirtualBusFault(action: .drop, filter: .exact(try CANID(standard: 0x111)),
                                     activeFromNanoseconds: 1_000, activeUntilNanoseconds: 2_000))
        try bus.send(frame("111#01"), from: s)
        bus.advance(toNanoseconds: 1_500)
        try bus.send(frame("111#02"), from: s)
        try bus.send(frame("222#03"), from: s)
        bus.advance(toNanoseconds: 2_000)
        try bus.send(frame("111#04"), from: s)
        #expect(frames(drain(bus, r)) == ["111#01", "222#03", "111#04"])
        #expect(bus.statistics.framesDroppedByFaults == 1)
    }

    @Test func probabilisticFaultsRepeatForASeed() throws {
        func survivors(seed: UInt64) throws -> [String] {
            let (bus, s, r) = setUp(seed: seed)
            bus.addFault(VirtualBusFault(action: .drop, probability: 0.5))
            for index in 0..<200 { try bus.send(frame(format3(index) + "#00"), from: s) }
            return frames(drain(bus, r))
        }
        let first = try survivors(seed: 7)
        #expect(try survivors(seed: 7) == first)
        #expect(try survivors(seed: 8) != first)
        #expect((70...130).contains(first.count))
    }

    @Test func delayCorruptAndDuplicate() throws {
        let (bus, s, r) = setUp()
        bus.addFault(VirtualBusFault(action: .delay(nanoseconds: 5_000), filter: .exact(try CANID(standard: 0x100))))
        bus.addFault(VirtualBusFault(action: .corrupt(xorMask: CANPayload([0xFF, 0x01])!), filter: .exact(try CANID(standard: 0x200))))
        bus.addFault(VirtualBusFault(action: .duplicate, filter: .exact(try CANID(standard: 0x300))))
        try bus.send(frame("100#01"), from: s)
        try bus.send(frame("200#0F0F0F"), from: s)
        try bus.send(frame("300#03"), from: s)
        #expect(frames(drain(bus, r)) == ["200#F00E0F", "300#03", "300#03"])
        bus.advance(toNanoseconds: 4_999)
        #expect(drain(bus, r).isEmpty)
        bus.advance(toNanoseconds: 5_000)
        let late = drain(bus, r)
        #expect(frames(late) == ["100#01"])
        guard case .frame(_, let timestamp, _)? = late.first else { return }
        #expect(timestamp.totalNanoseconds == 5_000)
    }

    @Test func senderSpecificFaults() throws {
        let bus = VirtualCANBus()
        let good = bus.attach(name: "good")
        let bad = bus.attach(name: "bad")
        let r = bus.attach(name: "r")
        bus.addFault(VirtualBusFault(action: .drop, sender: bad))
        try bus.send(frame("001#01"), from: good)
        try bus.send(frame("001#02"), from: bad)
        #expect(frames(drain(bus, r)) == ["001#01"])
    }

    @Test func busOffRefusesSendsAndReportsToTheNode() throws {
        let (bus, s, r) = setUp()
        bus.setBusOff(true, for: s)
        #expect(throws: CANTransportError.self) { try bus.send(frame("123#00"), from: s) }
        guard case .busError(let error, _)? = bus.receive(for: s) else { Issue.record("no bus-off report"); return }
        #expect(error.isBusOff)
        bus.setBusOff(false, for: s)
        guard case .busError(let restarted, _)? = bus.receive(for: s) else { Issue.record("no restart report"); return }
        #expect(restarted.conditions == [.restartedAfterBusOff])
        try bus.send(frame("123#00"), from: s)
        #expect(frames(drain(bus, r)) == ["123#00"])
    }

    @Test func aDisconnectedBusDeliversNothingAndSendersSeeNoAck() throws {
        let (bus, s, r) = setUp()
        bus.setDisconnected(true)
        try bus.send(frame("123#00"), from: s)
        #expect(drain(bus, r).isEmpty)
        guard case .busError(let error, _)? = bus.receive(for: s) else { Issue.record("no error"); return }
        #expect(error.conditions.contains(.noAcknowledgement))
        bus.setDisconnected(false)
        try bus.send(frame("123#01"), from: s)
        #expect(frames(drain(bus, r)) == ["123#01"])
    }

    @Test func removingFaultsRestoresTraffic() throws {
        let (bus, s, r) = setUp()
        let id = bus.addFault(VirtualBusFault(action: .drop))
        try bus.send(frame("123#00"), from: s)
        bus.removeFault(id)
        try bus.send(frame("123#01"), from: s)
        #expect(frames(drain(bus, r)) == ["123#01"])
    }
}
