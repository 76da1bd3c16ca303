import CANCore
import CANTransport
import Emulator
import Testing

/// Sends a counter frame every `periodNanoseconds` and records what it receives.
struct Ticker: SimulationParticipant {
    let name: String
    let id: UInt32
    let periodNanoseconds: Int64
    var receiveFilters: [CANFilter] = [.all]
    var nextSendNanoseconds: Int64 = 0
    var counter: UInt8 = 0
    var received: [String] = []

    mutating func step(nowNanoseconds: Int64, inbox: [CANBusEvent], output: inout StepOutput) {
        for event in inbox {
            if case .frame(let frame, _, _) = event { received.append(frame.candumpText) }
        }
        if nowNanoseconds >= nextSendNanoseconds {
            output.frames.append(try! CANFrame(id: CANID(standard: id), data: [counter]))
            output.events.append(TraceEvent(timeNanoseconds: nowNanoseconds, kind: "ticker.sent", subject: name, value: Double(counter), source: name))
            counter &+= 1
            nextSendNanoseconds += periodNanoseconds
        }
    }
}

@Suite("Lock-step simulation")
struct LockstepSimulationTests {
    func makeSimulation() -> LockstepSimulation {
        var simulation = LockstepSimulation(stepNanoseconds: 1_000_000)
        simulation.add(Ticker(name: "a", id: 0x100, periodNanoseconds: 10_000_000, nextSendNanoseconds: 10_000_000))
        simulation.add(Ticker(name: "b", id: 0x200, periodNanoseconds: 25_000_000, nextSendNanoseconds: 25_000_000))
        return simulation
    }

    @Test func participantsSeeEachOthersFramesAndTheTapRecordsThem() throws {
        var simulation = makeSimulation()
        simulation.run(untilNanoseconds: 100_000_000)
        let a = try #require(simulation.participant(at: 0) as? Ticker)
        let b = try #require(simulation.participant(at: 1) as? Ticker)
        #expect(a.counter == 10)
        #expect(b.counter == 4)
        #expect(b.received.count == 10)
        // b's fourth frame is sent at 100 ms after a already stepped: a sees it at its next step.
        #expect(a.received == ["200#00", "200#01", "200#02"])
        #expect(simulation.recordedFrames.count == 14)
        #expect(simulation.recordedFrames.first?.description == "(1700000000.010000) vcan0 100#00")
        #expect(simulation.events.filter { $0.kind == "ticker.sent" }.count == 14)
    }

    @Test func runsAreBitForBitRepeatable() {
        var first = makeSimulation()
        var second = makeSimulation()
        first.run(untilNanoseconds: 1_000_000_000)
        second.run(untilNanoseconds: 1_000_000_000)
        #expect(CandumpLog.format(first.recordedFrames) == CandumpLog.format(second.recordedFrames))
        #expect(first.events == second.events)
    }

    @Test func theRunnerCanReachIntoAParticipant() {
        var simulation = makeSimulation()
        simulation.modifyParticipant(at: 0, as: Ticker.self) { $0.counter = 100 }
        simulation.run(untilNanoseconds: 10_000_000)
        #expect(simulation.recordedFrames.map(\.frame.candumpText) == ["100#64"])
    }
}
