import CANCore
import SeededRandom
import SensorNodes
import Testing

/// The 0x210 heartbeat foxBMS checks: 95...105 ms between frames (src/app/driver/can/can.c).
@Suite("foxBMS state request")
struct FoxBMSStateRequestTests {
    @Test func framesCarryTheRequestInFoxBMSsLayout() throws {
        var sender = try FoxBMSStateRequestSender(database: try Files.compat())
        #expect(sender.periodNanoseconds == 100 * millisecond)
        func text(at milliseconds: Int64) -> String? { sender.step(nowNanoseconds: milliseconds * millisecond)?.candumpText }
        #expect(text(at: 0) == "210#0000000000000000")
        sender.mode = .discharge
        #expect(text(at: 100) == "210#0100000000000000")
        sender.mode = .charge
        sender.balancingActive = true
        sender.balancingThresholdMillivolts = 300  // clamped to the 8-bit field
        sender.requestPersistentFlagReset()
        #expect(text(at: 200) == "210#0601FF0000000000")
        sender.balancingThresholdMillivolts = 10
        sender.chargerConnected = true
        sender.externalPrecharge = true
        sender.insulationMonitoringDisabled = true
        // The reset flag went out once; bits 3, 4, 5 are the precharge type, charger and insulation flags.
        #expect(text(at: 300) == "210#3A010A0000000000")
        let last = sender.step(nowNanoseconds: 400 * millisecond)
        let values = try decode(try #require(last))
        #expect(values["RequestBmsMode"]?.raw == 2 && values["ActivateBalancing"]?.raw == 1 && values["SetBalancingThreshold"]?.raw == 10)
        #expect(sender.framesSent == 5 && sender.encodeFailures == 0)
        #expect(text(at: 450) == nil)
    }

    /// Steps a sender for an hour of simulated time with `nextStep` choosing each step, and returns the intervals.
    func intervals(_ nextStep: (Int64, Int64) -> Int64) throws -> [Int64] {
        var sender = try FoxBMSStateRequestSender(database: try Files.compat(), firstNanoseconds: 3 * millisecond)
        var now: Int64 = 0
        var sent: [Int64] = []
        while now < 3_600 * second {
            if sender.step(nowNanoseconds: now) != nil { sent.append(now) }
            let next = nextStep(now, sender.nextDueNanoseconds)
            precondition(next > now)
            now = next
        }
        #expect(sent.count >= 35_990)
        return zip(sent, sent.dropFirst()).map { $1 - $0 }
    }

    @Test func everyIntervalStaysWithin95To105MillisecondsAtFineAndCoarseSteps() throws {
        var random = Xoshiro256(seed: 2026, stream: 1)
        // Fine steps: 0.05...2 ms, not aligned with the 100 ms grid.
        let fine = try intervals { now, _ in now + 50_000 + Int64(random.next() % 1_950_000) }
        #expect(fine.allSatisfy { (95 * millisecond...105 * millisecond).contains($0) })
        #expect(fine.max()! - fine.min()! <= 4 * millisecond, "fine steps: each send is less than one 2 ms step late")
        // Coarse steps: up to 250 ms at a time, but never past the sender's next deadline.
        let coarse = try intervals { now, due in min(now + 1 + Int64(random.next() % 250_000_000), due) }
        #expect(coarse.allSatisfy { $0 == 100 * millisecond })
        // A woken-up-late driver (a real-time loop with up to 4 ms of wake-up latency): lateness does not accumulate.
        let jittery = try intervals { now, due in max(now + 1, due + Int64(random.next() % 4_000_000)) }
        #expect(jittery.allSatisfy { (96 * millisecond...104 * millisecond).contains($0) })
    }

    /// A stall longer than the tolerance costs one long interval (unavoidable) but no short one and no burst: the
    /// grid restarts at the late frame.
    @Test func aStalledCallerGetsOneFrameThenFullPeriodsNotABurst() throws {
        var sender = try FoxBMSStateRequestSender(database: try Files.compat())
        var sent: [Int64] = []
        var now: Int64 = 0
        while now <= 2 * second {
            let stalled = now >= 300 * millisecond && now < 650 * millisecond
            if !stalled, sender.step(nowNanoseconds: now) != nil { sent.append(now) }
            now += millisecond
        }
        let expected: [Int64] = [0, 100, 200, 650, 750, 850].map { $0 * millisecond }
        #expect(Array(sent.prefix(6)) == expected)
        #expect(sent.count == 17)
    }
}
