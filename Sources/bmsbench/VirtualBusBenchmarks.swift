import CANCore
import CANTransport

/// Virtual bus throughput: one sender, four receivers, 8-byte classic frames; every frame is sent,
/// fanned out and read back by all four receivers. Reference: the floor of appending the same frames
/// to four plain arrays (no filters, no queues, no statistics).
enum VirtualBusBenchmarks {
    static func run() throws {
        let count = 1_000_000
        let frames = try (0..<256).map { index in
            try CANFrame(id: CANID(standard: UInt32(0x100 + index)), data: (0..<8).map { UInt8(truncatingIfNeeded: index &+ $0) })
        }

        let floor = Bench.measure("floor: append to 4 arrays + read back", operations: count) { () -> Int in
            var sinks = [[CANFrame]](repeating: [], count: 4)
            for index in sinks.indices { sinks[index].reserveCapacity(1024) }
            var checksum = 0
            for index in 0..<count {
                let frame = frames[index & 255]
                for sink in sinks.indices { sinks[sink].append(frame) }
                if index & 1023 == 1023 {
                    for sink in sinks.indices {
                        for received in sinks[sink] { checksum &+= Int(received.id.value) }
                        sinks[sink].removeAll(keepingCapacity: true)
                    }
                }
            }
            return checksum
        }

        let ideal = try Bench.measure("virtual bus: 1 -> 4, ideal (no bus model)", operations: count) { () -> Int in
            let bus = VirtualCANBus(configuration: .init(receiveQueueCapacity: 2048))
            let sender = bus.attach(name: "sender")
            let receivers = (0..<4).map { bus.attach(name: "rx\($0)") }
            return try pump(bus, sender: sender, receivers: receivers, frames: frames, count: count)
        }

        let modelled = try Bench.measure("virtual bus: 1 -> 4, 1 Mbit/s bus model", operations: count / 4) { () -> Int in
            let bus = VirtualCANBus(configuration: .init(busModel: .init(nominalBitRate: 1_000_000), receiveQueueCapacity: 2048, transmitQueueCapacity: 2048))
            let sender = bus.attach(name: "sender")
            let receivers = (0..<4).map { bus.attach(name: "rx\($0)") }
            return try pump(bus, sender: sender, receivers: receivers, frames: frames, count: count / 4, stepNanoseconds: 140_000)
        }

        Bench.note("ideal bus vs floor", Bench.format(ideal.nanosecondsPerOperation / floor.nanosecondsPerOperation, 2) + "x the floor's time per frame")
        Bench.note("bus model vs ideal", Bench.format(modelled.nanosecondsPerOperation / ideal.nanosecondsPerOperation, 2) + "x the ideal bus's time per frame")
    }

    /// Sends `count` frames in batches of 1024, advancing time and draining every receiver after each batch.
    static func pump(
        _ bus: VirtualCANBus, sender: VirtualCANBus.NodeID, receivers: [VirtualCANBus.NodeID], frames: [CANFrame],
        count: Int, stepNanoseconds: Int64 = 0
    ) throws -> Int {
        var checksum = 0
        var time: Int64 = 0
        for index in 0..<count {
            try bus.send(frames[index & 255], from: sender)
            if index & 1023 == 1023 || index == count - 1 {
                time += stepNanoseconds * 1024
                bus.advance(toNanoseconds: time)
                for receiver in receivers {
                    while let event = bus.receive(for: receiver) {
                        if case .frame(let frame, _, _) = event { checksum &+= Int(frame.id.value) }
                    }
                }
            }
        }
        return checksum
    }
}
