import CANCore
import CANTransport
import Emulator
import EmulatorRuntime
import Testing

/// Counts its steps and sends one frame per cyclic step.
struct Beacon: SimulationParticipant {
    var name = "beacon"
    var receiveFilters: [CANFilter] = [.all]
    var steps = 0
    var lastTime: Int64 = -1
    var monotonic = true

    mutating func step(nowNanoseconds: Int64, inbox: [CANBusEvent], output: inout StepOutput) {
        if nowNanoseconds < lastTime { monotonic = false }
        lastTime = nowNanoseconds
        steps += 1
        output.frames.append(try! CANFrame(id: CANID(standard: 0x42), data: [UInt8(truncatingIfNeeded: steps)]))
        output.events.append(TraceEvent(timeNanoseconds: nowNanoseconds, kind: "beacon.step"))
    }
}

@Suite("RealTimeParticipantLoop")
struct RealTimeParticipantLoopTests {
    @Test func stepsOnItsCycleAndSendsThroughTheBus() throws {
        let bus = VirtualCANBus()
        let port = bus.port(for: bus.attach(name: "beacon"))
        let listener = bus.attach(name: "listener")
        var loop = RealTimeParticipantLoop(participant: Beacon(), bus: port, periodNanoseconds: 5_000_000)
        var events = 0
        var sent = 0
        try loop.run(untilNanoseconds: 52_000_000, shouldStop: { false }, onEvent: { _ in events += 1 }, onFrame: { _, _, isSent in if isSent { sent += 1 } })
        // On a loaded machine whole periods can be missed; they are skipped and counted, never run late in a burst.
        #expect((9...11).contains(loop.participant.steps + Int(loop.scheduler.missedCycles)))
        #expect(loop.participant.steps >= 2)
        #expect(loop.participant.monotonic)
        #expect(events == loop.participant.steps)
        #expect(sent == loop.participant.steps)
        #expect(bus.pendingFrameCount(for: listener) == loop.participant.steps)
        #expect(loop.scheduler.cycles == UInt64(loop.participant.steps))
    }
}

/// Takes longer than its period every step and records what it received.
struct Overloaded: SimulationParticipant {
    var name = "overloaded"
    var receiveFilters: [CANFilter] = [.all]
    var received = 0

    mutating func step(nowNanoseconds: Int64, inbox: [CANBusEvent], output: inout StepOutput) {
        received += inbox.count
        let until = MonotonicClock.nanoseconds() + 2_000_000
        while MonotonicClock.nanoseconds() < until {}
    }
}

@Suite("RealTimeParticipantLoop under overload")
struct RealTimeOverloadTests {
    @Test func anOverloadedLoopStillReadsTheBus() throws {
        let bus = VirtualCANBus()
        let port = bus.port(for: bus.attach(name: "overloaded"))
        let sender = bus.attach(name: "sender")
        for index in 0..<50 { try bus.send(CANFrame(id: CANID(standard: 0x100), data: [UInt8(index)]), from: sender) }
        var loop = RealTimeParticipantLoop(participant: Overloaded(), bus: port, periodNanoseconds: 1_000_000)
        try loop.run(untilNanoseconds: 20_000_000, shouldStop: { false })
        #expect(loop.participant.received == 50)
    }
}
