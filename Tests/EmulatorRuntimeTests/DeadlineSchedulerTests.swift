import EmulatorRuntime
import Testing

@Suite("DeadlineScheduler")
struct DeadlineSchedulerTests {
    @Test func deadlinesAreExactMultiplesOfThePeriod() {
        let start = MonotonicClock.nanoseconds()
        var scheduler = DeadlineScheduler(periodNanoseconds: 2_000_000, startNanoseconds: start)
        var deadlines: [Int64] = []
        for _ in 0..<10 { deadlines.append(scheduler.waitForNextCycle()) }
        // Every deadline lies on the start + n × period grid (no drift), strictly increasing; on a loaded
        // machine a late wake-up may skip whole periods, which are counted, never run in a burst.
        #expect(deadlines.allSatisfy { ($0 - start) % 2_000_000 == 0 })
        #expect(zip(deadlines, deadlines.dropFirst()).allSatisfy { $0 < $1 })
        #expect(deadlines.last == start + Int64(10 + scheduler.missedCycles) * 2_000_000)
        #expect(scheduler.cycles == 10)
        #expect(MonotonicClock.nanoseconds() >= deadlines.last!)
        #expect(scheduler.jitterSummary.cycles == 10)
    }

    @Test func overrunsSkipWholePeriodsInsteadOfBursting() {
        // Starting 50 periods in the past: the scheduler must not run 50 cycles back to back.
        let period: Int64 = 1_000_000
        var scheduler = DeadlineScheduler(periodNanoseconds: period, startNanoseconds: MonotonicClock.nanoseconds() - 50 * period)
        let deadline = scheduler.waitForNextCycle()
        #expect(scheduler.missedCycles >= 48)
        #expect(MonotonicClock.nanoseconds() - deadline < 10 * period)
    }
}
