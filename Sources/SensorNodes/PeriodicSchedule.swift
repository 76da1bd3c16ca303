/// A periodic event on a node's own clock: first at `phase`, then every `period`.
///
/// When a step arrives late (the emulator steps coarser than the period), the event fires once and the
/// schedule skips to the next slot of its grid after `now`: missed slots are dropped, not replayed, like
/// a real-time task that overran. A node's clock error is folded into `period`.
struct PeriodicSchedule: Hashable, Sendable {
    /// Next time the event is due, ns.
    private(set) var dueNanoseconds: Int64
    /// Period on this node's clock, ns (> 0).
    let periodNanoseconds: Int64

    init(phaseNanoseconds: Int64, periodNanoseconds: Int64) {
        self.dueNanoseconds = phaseNanoseconds
        self.periodNanoseconds = max(periodNanoseconds, 1)
    }

    /// `true` (and the schedule advances past `now`) when the event is due at `now`.
    @inline(__always)
    mutating func fire(at now: Int64) -> Bool {
        guard now >= dueNanoseconds else { return false }
        let late = now - dueNanoseconds
        let slots = late / periodNanoseconds + 1
        let (advance, overflow) = slots.multipliedReportingOverflow(by: periodNanoseconds)
        if overflow {
            dueNanoseconds = now &+ periodNanoseconds
        } else {
            dueNanoseconds = dueNanoseconds &+ advance
        }
        return true
    }

    /// The number of slots that elapsed up to `now` (0 when not due); the schedule advances past `now`.
    /// For multiplexed messages: a late step sends each page whose slot passed, up to one full cycle.
    @inline(__always)
    mutating func fireSlots(at now: Int64) -> Int64 {
        guard now >= dueNanoseconds else { return 0 }
        let slots = (now - dueNanoseconds) / periodNanoseconds + 1
        _ = fire(at: now)
        return slots
    }

    /// Moves the next due time to `time` (e.g. restarting a cycle after a command).
    mutating func reschedule(to time: Int64) { dueNanoseconds = time }
}
