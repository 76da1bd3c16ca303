import CANCore
import CANTransport
import Testing

func frame(_ text: String) -> CANFrame { try! CANFrame(candumpText: text) }

func drain(_ bus: VirtualCANBus, _ node: VirtualCANBus.NodeID) -> [CANBusEvent] {
    var events: [CANBusEvent] = []
    while let event = bus.receive(for: node) { events.append(event) }
    return events
}

func frames(_ events: [CANBusEvent]) -> [String] {
    events.compactMap { if case .frame(let f, _, _) = $0 { return f.candumpText } else { return nil } }
}

@Suite("Virtual bus: fan-out")
struct VirtualBusFanOutTests {
    @Test func everyOtherNodeReceivesInSendOrder() throws {
        let bus = VirtualCANBus()
        let sender = bus.attach(name: "sender")
        let receivers = (0..<4).map { bus.attach(name: "rx\($0)") }
        for text in ["100#01", "7FF#02", "00000001#03"] { try bus.send(frame(text), from: sender) }
        for receiver in receivers {
            #expect(frames(drain(bus, receiver)) == ["100#01", "7FF#02", "00000001#03"])
        }
        #expect(drain(bus, sender).isEmpty)
        #expect(bus.statistics.framesDelivered == 12)
    }

    @Test func receiveOwnFramesAreMarkedAsEchoes() throws {
        let bus = VirtualCANBus()
        let node = bus.attach(name: "a", receiveOwnFrames: true)
        let other = bus.attach(name: "b")
        try bus.send(frame("123#AA"), from: node)
        guard case .frame(_, _, let echo)? = bus.receive(for: node) else { Issue.record("no echo"); return }
        #expect(echo)
        guard case .frame(_, _, let fromOther)? = bus.receive(for: other) else { Issue.record("no frame"); return }
        #expect(!fromOther)
    }

    @Test func filtersSelectWhatEachNodeSees() throws {
        let bus = VirtualCANBus()
        let sender = bus.attach(name: "s")
        let onlyIVT = bus.attach(name: "ivt", filters: [try CANFilter(candumpSyntax: "520:7F0")])
        let nothing = bus.attach(name: "deaf", filters: [])
        for text in ["521#01", "530#02", "52F#03"] { try bus.send(frame(text), from: sender) }
        #expect(frames(drain(bus, onlyIVT)) == ["521#01", "52F#03"])
        #expect(drain(bus, nothing).isEmpty)
    }

    @Test func fullReceiveQueuesDropAndReportTheCount() throws {
        let bus = VirtualCANBus(configuration: .init(receiveQueueCapacity: 3))
        let sender = bus.attach(name: "s")
        let slow = bus.attach(name: "slow")
        for index in 0..<10 { try bus.send(frame(String(format3(index)) + "#00"), from: sender) }
        let events = drain(bus, slow)
        #expect(events.first == .framesDropped(count: 7))
        #expect(frames(events) == ["000#00", "001#00", "002#00"])
        #expect(bus.statistics.framesDroppedByReceivers == 7)
    }

    @Test func portsSpeakTheCANBusProtocol() throws {
        let bus = VirtualCANBus(configuration: .init(interfaceName: "virtual0"))
        let a: any CANBus = bus.port(for: bus.attach(name: "a"))
        let b: any CANBus = bus.port(for: bus.attach(name: "b"))
        try a.send(frame("321#BEEF"))
        #expect(b.interfaceName == "virtual0")
        guard case .frame(let received, _, _)? = try b.receive(timeoutNanoseconds: 0) else { Issue.record("nothing received"); return }
        #expect(received.candumpText == "321#BEEF")
        #expect(try b.receive(timeoutNanoseconds: 1_000_000) == nil)
    }

    @Test func errorFramesCannotBeSent() {
        let bus = VirtualCANBus()
        let node = bus.attach(name: "a")
        #expect(throws: CANTransportError.self) { try bus.send(frame("20000040#0000000000000000"), from: node) }
    }
}

func format3(_ value: Int) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
}
