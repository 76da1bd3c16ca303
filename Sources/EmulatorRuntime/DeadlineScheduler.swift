public import Histogram

/// A periodic task timer that schedules by absolute deadlines, so periods never drift, and measures
/// how late each wake-up was (cycle jitter).
///
/// Each call to ``waitForNextCycle()`` sleeps until `start + n × period`. If the task overran so far
/// that whole periods were missed, those cycles are skipped and counted (``missedCycles``) rather
/// than run back to back.
public struct DeadlineScheduler {
    /// Cycle period in nanoseconds.
    public let periodNanoseconds: Int64
    /// Deadline of the cycle being waited for.
    public private(set) var nextDeadlineNanoseconds: Int64
    /// Cycles completed.
    public private(set) var cycles: UInt64 = 0
    /// Cycles skipped because the task overran whole periods.
    public private(set) var missedCycles: UInt64 = 0
    /// Wake-up lateness (actual wake-up minus deadline), nanoseconds.
    public private(set) var lateness = Histogram<UInt64>(highestTrackableValue: 10_000_000_000, numberOfSignificantValueDigits: .three)

    /// Starts a schedule whose first deadline is one period from `startNanoseconds` (monotonic clock).
    public init(periodNanoseconds: Int64, startNanoseconds: Int64 = MonotonicClock.nanoseconds()) {
        self.periodNanoseconds = max(periodNanoseconds, 1)
        nextDeadlineNanoseconds = startNanoseconds + self.periodNanoseconds
    }

    /// Sleeps until the next deadline and returns it (the cycle's nominal start, monotonic ns).
    public mutating func waitForNextCycle(interruptible: () -> Bool = { false }) -> Int64 {
        let now = MonotonicClock.nanoseconds()
        if now > nextDeadlineNanoseconds + periodNanoseconds {
            let behind = (now - nextDeadlineNanoseconds) / periodNanoseconds
            missedCycles &+= UInt64(behind)
            nextDeadlineNanoseconds += behind * periodNanoseconds
        }
        MonotonicClock.sleep(untilNanoseconds: nextDeadlineNanoseconds, interruptible: interruptible)
        let woke = MonotonicClock.nanoseconds()
        _ = lateness.record(UInt64(max(woke - nextDeadlineNanoseconds, 0)))
        let deadline = nextDeadlineNanoseconds
        nextDeadlineNanoseconds += periodNanoseconds
        cycles &+= 1
        return deadline
    }

    /// Marks the current cycle as started at `wokeAtNanoseconds` (for loops that wait by other means,
    /// e.g. `poll` with a timeout until the deadline) and returns its deadline. Records the lateness and
    /// skips whole missed periods like ``waitForNextCycle(interruptible:)``.
    public mutating func completeCycle(wokeAtNanoseconds woke: Int64) -> Int64 {
        if woke > nextDeadlineNanoseconds + periodNanoseconds {
            let behind = (woke - nextDeadlineNanoseconds) / periodNanoseconds
            missedCycles &+= UInt64(behind)
            nextDeadlineNanoseconds += behind * periodNanoseconds
        }
        _ = lateness.record(UInt64(max(woke - nextDeadlineNanoseconds, 0)))
        let deadline = nextDeadlineNanoseconds
        nextDeadlineNanoseconds += periodNanoseconds
        cycles &+= 1
        return deadline
    }

    /// Lateness percentiles in microseconds: p50, p90, p99, p99.9 and maximum.
    public var jitterSummary: JitterSummary {
        JitterSummary(
            cycles: cycles, missedCycles: missedCycles,
            p50Microseconds: Double(lateness.valueAtPercentile(50)) / 1000,
            p90Microseconds: Double(lateness.valueAtPercentile(90)) / 1000,
            p99Microseconds: Double(lateness.valueAtPercentile(99)) / 1000,
            p999Microseconds: Double(lateness.valueAtPercentile(99.9)) / 1000,
            maximumMicroseconds: Double(lateness.max) / 1000)
    }
}

/// Cycle-jitter figures of a periodic task.
public struct JitterSummary: Hashable, Sendable, CustomStringConvertible {
    public var cycles: UInt64
    public var missedCycles: UInt64
    public var p50Microseconds: Double
    public var p90Microseconds: Double
    public var p99Microseconds: Double
    public var p999Microseconds: Double
    public var maximumMicroseconds: Double

    public var description: String {
        func f(_ v: Double) -> String { String(Int(v.rounded())) }
        return "\(cycles) cycles, \(missedCycles) missed; lateness p50 \(f(p50Microseconds)) µs, p90 \(f(p90Microseconds)) µs, "
            + "p99 \(f(p99Microseconds)) µs, p99.9 \(f(p999Microseconds)) µs, max \(f(maximumMicroseconds)) µs"
    }
}
