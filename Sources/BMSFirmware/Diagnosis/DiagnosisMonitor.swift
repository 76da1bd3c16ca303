/// Debounced diagnosis flags (foxBMS `DIAG_Handler`), counted in time so that a row means the same at
/// any task period: each evaluation counts the time it stands for "not OK" up or "OK" down; a flag
/// sets when its count reaches the row's debounce time and clears when it is back at 0.
///
/// A row's debounce time is its `threshold` × the table's nominal evaluation period (10 ms: threshold 50
/// = 500 ms, as in `Firmware/diagnosis.yaml`). The cyclic task evaluates with ``evaluationWeightMilliseconds``
/// set to the time since the previous tick, so at the nominal period every evaluation counts one step
/// exactly as foxBMS counts events, at 1 ms a condition must persist for the same 500 ms, and at a 30 s
/// period it sets at the first tick that sees it. Event-driven rows (end-to-end failures, precharge
/// failure) count one nominal evaluation per event.
struct DiagnosisMonitor: Sendable {
    let table: DiagnosisTable
    private(set) var counters: [Int64]
    private(set) var active: [Bool]
    private(set) var location: [Int?]
    private(set) var activatedAt: [Int64]
    /// Debounce time per row (ms).
    private let debounce: [Int64]
    /// The time one ``evaluate(_:ok:location:now:into:)`` stands for (ms); the nominal period unless the
    /// cyclic task set it.
    var evaluationWeightMilliseconds: Int64

    init(table: DiagnosisTable) {
        self.table = table
        let count = DiagnosisID.allCases.count
        counters = Array(repeating: 0, count: count)
        active = Array(repeating: false, count: count)
        location = Array(repeating: nil, count: count)
        activatedAt = Array(repeating: Time.never, count: count)
        debounce = DiagnosisID.allCases.map { table.debounceMilliseconds($0) }
        evaluationWeightMilliseconds = table.evaluationPeriodMilliseconds
    }

    /// Counts one evaluation of `id` (``evaluationWeightMilliseconds`` of time); appends a transition when
    /// the flag sets or clears.
    @inline(__always)
    mutating func evaluate(
        _ id: DiagnosisID, ok: Bool, location where: Int? = nil, now: Int64, into transitions: inout [DiagnosisTransition]
    ) {
        evaluate(id, ok: ok, location: `where`, now: now, weight: evaluationWeightMilliseconds, into: &transitions)
    }

    /// Counts an evaluation standing for `weight` milliseconds of the condition.
    @inline(__always)
    mutating func evaluate(
        _ id: DiagnosisID, ok: Bool, location where: Int? = nil, now: Int64, weight: Int64, into transitions: inout [DiagnosisTransition]
    ) {
        let index = id.rawValue
        let rule = table.rules[index]
        guard rule.enabled else { return }
        let step = max(weight, 0)
        let limit = debounce[index]
        if ok {
            if counters[index] == 0 { return }
            counters[index] = max(0, counters[index] - step)
            if counters[index] == 0, active[index] {
                active[index] = false
                transitions.append(
                    DiagnosisTransition(id: id, severity: rule.severity, active: false, location: location[index], atMilliseconds: now))
                location[index] = nil
            }
        } else {
            let reached = Time.adding(step, to: counters[index])
            counters[index] = min(limit, reached)
            if let `where` { location[index] = `where` }
            if counters[index] >= limit, !active[index] {
                active[index] = true
                // The flag set when the count passed the limit, inside this evaluation's interval: at a slow
                // task that is up to one period before now (the reaction delay counts from there).
                activatedAt[index] = Time.adding(-min(max(reached - limit, 0), step), to: now)
                transitions.append(
                    DiagnosisTransition(id: id, severity: rule.severity, active: true, location: location[index], atMilliseconds: now))
            }
        }
    }

    @inline(__always)
    func isActive(_ id: DiagnosisID) -> Bool { active[id.rawValue] }

    /// Active rows of a severity, in table order.
    func activeIDs(severity: DiagnosisSeverity) -> [DiagnosisID] {
        DiagnosisID.allCases.filter { active[$0.rawValue] && table.rules[$0.rawValue].severity == severity }
    }

    func activeCount(severity: DiagnosisSeverity) -> Int {
        var count = 0
        for index in active.indices where active[index] && table.rules[index].severity == severity { count += 1 }
        return count
    }

    /// True when any fatal row is active.
    var fatalActive: Bool { activeCount(severity: .fatal) > 0 }

    /// True when an enabled fatal row is counting towards its debounce time: its condition is present but not
    /// yet confirmed. The contactors are not closed then (a pack cold-soaked at −25 °C must not be connected
    /// for the 5 s a temperature row needs to set).
    var fatalPending: Bool {
        for index in counters.indices where counters[index] > 0 {
            let rule = table.rules[index]
            if rule.enabled, rule.severity == .fatal { return true }
        }
        return false
    }

    /// The active fatal row whose reaction deadline comes first (ties: table order), with that deadline.
    func earliestFatalDeadline() -> (id: DiagnosisID, deadline: Int64)? {
        var best: (DiagnosisID, Int64)?
        for id in DiagnosisID.allCases where active[id.rawValue] {
            let rule = table.rules[id.rawValue]
            guard rule.severity == .fatal else { continue }
            let deadline = Time.adding(rule.reactionDelayMilliseconds, to: activatedAt[id.rawValue])
            if best == nil || deadline < best!.1 { best = (id, deadline) }
        }
        return best.map { (id: $0.0, deadline: $0.1) }
    }

    /// The first active fatal row in table order.
    var firstActiveFatal: DiagnosisID? {
        DiagnosisID.allCases.first { active[$0.rawValue] && table.rules[$0.rawValue].severity == .fatal }
    }

    /// True when an active warning-or-worse row exists.
    var warningOrWorseActive: Bool { activeCount(severity: .warning) + activeCount(severity: .fatal) > 0 }
}
