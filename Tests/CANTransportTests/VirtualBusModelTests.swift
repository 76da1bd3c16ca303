import CANCore
import CANTransport
import Testing

@Suite("Virtual bus: timing model")
struct VirtualBusModelTests {
    func timestamps(_ events: [CANBusEvent]) -> [UInt64] {
        events.compactMap { if case .frame(_, let t, _) = $0 { return t.totalNanoseconds } else { return nil } }
    }

    @Test func framesTakeTheirWorstCaseBitTime() throws {
        let bus = VirtualCANBus(configuration: .init(busModel: .init(nominalBitRate: 500_000)))
        let sender = bus.attach(name: "s")
        let receiver = bus.attach(name: "r")
        try bus.send(frame("123#1122334455667788"), from: sender)
        bus.advance(toNanoseconds: 269_999)
        #expect(bus.receive(for: receiver) == nil)
        bus.advance(toNanoseconds: 270_000)  // 135 bits × 2 µs
        #expect(timestamps(drain(bus, receiver)) == [270_000])
    }

    @Test func simultaneousFramesArbitrateByIdentifier() throws {
        let bus = VirtualCANBus(configuration: .init(busModel: .init()))
        let a = bus.attach(name: "a")
        let b = bus.attach(name: "b")
        let c = bus.attach(name: "c")
        let listener = bus.attach(name: "listener")
        try bus.send(frame("300#00"), from: a)  // starts at once: the bus is idle
        try bus.send(frame("200#00"), from: b)
        try bus.send(frame("00000010#00"), from: c)  // extended, base id 0 → wins next
        try bus.send(frame("100#00"), from: a)  // behind 300 in a's FIFO until 300 is on the wire
        bus.advance(toNanoseconds: 10_000_000)
        // 300 started on an idle bus; then the extended frame with base id 0 wins; then a's new head
        // (100) beats b's 200.
        #expect(frames(drain(bus, listener)) == ["300#00", "00000010#00", "100#00", "200#00"])
        #expect(bus.statistics.queuingLatency.count == 4)
        #expect(bus.statistics.queuingLatency.maximumNanoseconds > 0)
    }

    @Test func busLoadIsBusyTimeOverElapsedTime() throws {
        let bus = VirtualCANBus(configuration: .init(busModel: .init(nominalBitRate: 500_000)))
        let sender = bus.attach(name: "s")
        _ = bus.attach(name: "r")
        // 8-byte standard frame every 1 ms: 270 µs busy per ms → 27 % load.
        for millisecond in 0..<1000 {
            bus.advance(toNanoseconds: Int64(millisecond) * 1_000_000)
            try bus.send(frame("123#0011223344556677"), from: sender)
        }
        bus.advance(toNanoseconds: 1_000_000_000)
        #expect(abs(bus.statistics.load(overNanoseconds: 1_000_000_000) - 0.27) < 1e-9)
        #expect(bus.statistics.queuingLatency.maximumNanoseconds == 0)
    }

    @Test func overloadedBusBuildsQueuingLatency() throws {
        let bus = VirtualCANBus(configuration: .init(busModel: .init(nominalBitRate: 125_000), transmitQueueCapacity: 1000))
        let sender = bus.attach(name: "s")
        let receiver = bus.attach(name: "r")
        for _ in 0..<100 { try bus.send(frame("123#0011223344556677"), from: sender) }
        bus.advance(toNanoseconds: 1_000_000_000)
        let times = timestamps(drain(bus, receiver))
        #expect(times.count == 100)
        #expect(times.last == 100 * 1_080_000)  // 135 bits × 8 µs each, back to back
        #expect(bus.statistics.queuingLatency.maximumNanoseconds == 99 * 1_080_000)
        #expect(bus.statistics.queuingLatency.quantileUpperBoundNanoseconds(0.5) >= 49 * 1_080_000)
    }

    @Test func fdFramesWithBitRateSwitchAreFaster() throws {
        let bus = VirtualCANBus(configuration: .init(busModel: .init(nominalBitRate: 500_000, dataBitRate: 2_000_000)))
        let sender = bus.attach(name: "s")
        let receiver = bus.attach(name: "r")
        let payload = String(repeating: "AA", count: 64)
        try bus.send(frame("123##1" + payload), from: sender)
        try bus.send(frame("124##0" + payload), from: sender)
        bus.advance(toNanoseconds: 10_000_000)
        let times = timestamps(drain(bus, receiver))
        let brs = times[0]
        let noBRS = times[1] - times[0]
        #expect(brs < noBRS / 2)
    }

    @Test func fullTransmitQueueRefusesFrames() throws {
        let bus = VirtualCANBus(configuration: .init(busModel: .init(), transmitQueueCapacity: 2))
        let sender = bus.attach(name: "s")
        try bus.send(frame("001#00"), from: sender)  // goes on the bus at once
        try bus.send(frame("002#00"), from: sender)
        try bus.send(frame("003#00"), from: sender)
        do {
            try bus.send(frame("004#00"), from: sender)
            Issue.record("queue overflow accepted")
        } catch {
            #expect(error.kind == .transmitQueueFull)
        }
    }
}
