/// How bad a diagnosed condition is (foxBMS `DIAG_SEVERITY_e`).
public enum DiagnosisSeverity: String, Hashable, Sendable, CaseIterable, Comparable {
    /// Recorded and reported; no reaction.
    case info
    /// Recorded, reported, current limits derated where the row's quantity asks for it.
    case warning
    /// Contactors open after the row's reaction delay; the controller enters `fault`.
    case fatal

    public static func < (lhs: DiagnosisSeverity, rhs: DiagnosisSeverity) -> Bool {
        let order: [DiagnosisSeverity] = [.info, .warning, .fatal]
        return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
    }
}

/// One row of the diagnosis table (foxBMS `DIAG_ID_CFG_s`): debounce threshold, severity, reaction delay.
public struct DiagnosisRule: Hashable, Sendable {
    public var id: DiagnosisID
    /// Net "not OK" evaluations at the table's nominal evaluation period before the flag sets; the same
    /// number of net "OK" evaluations clears it again. The controller counts in time (threshold ×
    /// ``DiagnosisTable/evaluationPeriodMilliseconds``), so the debounce time holds at any task period.
    public var threshold: Int
    public var severity: DiagnosisSeverity
    /// For fatal rows: time between the flag setting and the contactors opening (lets the vehicle
    /// ramp the current down first). Ignored while the contactors are open.
    public var reactionDelayMilliseconds: Int64
    /// Disabled rows are never evaluated (safety-critical rows cannot be disabled).
    public var enabled: Bool

    public init(id: DiagnosisID, threshold: Int, severity: DiagnosisSeverity, reactionDelayMilliseconds: Int64, enabled: Bool) {
        self.id = id
        self.threshold = threshold
        self.severity = severity
        self.reactionDelayMilliseconds = reactionDelayMilliseconds
        self.enabled = enabled
    }
}

/// The full diagnosis table: exactly one ``DiagnosisRule`` per ``DiagnosisID``.
public struct DiagnosisTable: Hashable, Sendable {
    /// Rules indexed by ``DiagnosisID/rawValue``.
    public private(set) var rules: [DiagnosisRule]

    /// The nominal evaluation period the thresholds count in (`evaluation_period_ms`, 10 ms: foxBMS's task).
    public var evaluationPeriodMilliseconds: Int64

    /// Builds the table; rows may come in any order. Missing or duplicated ids are reported by ``validate()``.
    public init(rules: [DiagnosisRule], evaluationPeriodMilliseconds: Int64 = 10) {
        self.evaluationPeriodMilliseconds = evaluationPeriodMilliseconds
        var ordered: [DiagnosisRule] = []
        for id in DiagnosisID.allCases {
            ordered.append(
                rules.first { $0.id == id }
                    ?? DiagnosisRule(id: id, threshold: 0, severity: .info, reactionDelayMilliseconds: 0, enabled: false))
        }
        self.rules = ordered
        self.providedIDs = rules.map(\.id)
    }

    /// Ids in the order they were provided (to detect duplicates and omissions).
    let providedIDs: [DiagnosisID]

    public subscript(id: DiagnosisID) -> DiagnosisRule { rules[id.rawValue] }

    /// How long a condition must persist (net) before the row's flag sets, and be gone before it clears.
    public func debounceMilliseconds(_ id: DiagnosisID) -> Int64 {
        let (product, overflow) = Int64(rules[id.rawValue].threshold).multipliedReportingOverflow(by: evaluationPeriodMilliseconds)
        return overflow ? .max : product
    }

    /// Checks that every id appears exactly once, thresholds are positive, delays are not negative and
    /// safety-critical rows are enabled and fatal.
    public func validate() -> [ConfigurationIssue] {
        var collector = IssueCollector(file: .diagnosis)
        collector.check(
            evaluationPeriodMilliseconds >= 1 && evaluationPeriodMilliseconds <= 1000, ["evaluation_period_ms"], "must lie in 1...1000")
        for id in DiagnosisID.allCases {
            let count = providedIDs.filter { $0 == id }.count
            collector.check(count > 0, ["rows", id.name], "missing row (every diagnosis id needs one)")
            collector.check(count <= 1, ["rows", id.name], "row appears \(count) times")
        }
        for rule in rules where providedIDs.contains(rule.id) {
            let path = ["rows", rule.id.name]
            collector.check(rule.threshold >= 1 && rule.threshold <= 100_000, path + ["threshold"], "must lie in 1...100000")
            collector.check(rule.reactionDelayMilliseconds >= 0, path + ["reaction_delay_ms"], "must not be negative")
            if rule.id.isSafetyCritical {
                collector.check(rule.enabled, path + ["enabled"], "safety-critical row cannot be disabled")
                collector.check(rule.severity == .fatal, path + ["severity"], "safety-critical row must be fatal")
            }
        }
        return collector.issues
    }
}
