/// A pass/fail statement about a run, checked against its trace events and metrics.
public enum Expectation: Hashable, Sendable, CustomStringConvertible {
    /// After the first `from` event, a `to` event follows within the limit ("contactors open within 100 ms of cell OV at MSL").
    case within(from: EventSelector, to: EventSelector, maximumNanoseconds: Int64)
    /// The first `earlier` event precedes the first `later` event by at least the limit ("TR warning ≥ 300 s before venting").
    case leadTime(earlier: EventSelector, later: EventSelector, minimumNanoseconds: Int64)
    /// No matching event in the whole run ("no TR alarm in normal operation").
    case never(EventSelector)
    /// At least one matching event.
    case occurs(EventSelector)
    /// A run metric compared with a bound ("soh.capacity_rmse_percent < 1").
    case metric(name: String, comparison: Comparison, bound: Double)

    /// Comparison operators for metrics.
    public enum Comparison: String, Hashable, Sendable, CaseIterable {
        case lessThan = "<"
        case lessOrEqual = "<="
        case greaterThan = ">"
        case greaterOrEqual = ">="

        func holds(_ value: Double, _ bound: Double) -> Bool {
            switch self {
            case .lessThan: return value < bound
            case .lessOrEqual: return value <= bound
            case .greaterThan: return value > bound
            case .greaterOrEqual: return value >= bound
            }
        }
    }

    public var description: String {
        switch self {
        case .within(let from, let to, let maximum): return "\(to) within \(formatSeconds(maximum)) of \(from)"
        case .leadTime(let earlier, let later, let minimum): return "\(earlier) at least \(formatSeconds(minimum)) before \(later)"
        case .never(let selector): return "never \(selector)"
        case .occurs(let selector): return "\(selector) occurs"
        case .metric(let name, let comparison, let bound): return "\(name) \(comparison.rawValue) \(bound)"
        }
    }

    /// Checks the expectation. `events` must be in time order; `metrics` are values computed by the run.
    public func evaluate(events: [TraceEvent], metrics: [String: Double]) -> ExpectationResult {
        switch self {
        case .within(let from, let to, let maximum):
            guard let start = events.first(where: from.matches) else {
                return ExpectationResult(expectation: self, passed: false, measured: nil, detail: "no \(from) event in the run")
            }
            guard let reaction = events.first(where: { $0.timeNanoseconds >= start.timeNanoseconds && to.matches($0) }) else {
                return ExpectationResult(expectation: self, passed: false, measured: nil, detail: "\(from) at \(formatSeconds(start.timeNanoseconds)), but no \(to) after it")
            }
            let latency = reaction.timeNanoseconds - start.timeNanoseconds
            return ExpectationResult(
                expectation: self, passed: latency <= maximum, measured: Double(latency) / 1e9,
                detail: "\(to) \(formatSeconds(latency)) after \(from) (limit \(formatSeconds(maximum)))")
        case .leadTime(let earlier, let later, let minimum):
            guard let late = events.first(where: later.matches) else {
                return ExpectationResult(expectation: self, passed: false, measured: nil, detail: "no \(later) event in the run")
            }
            guard let early = events.first(where: earlier.matches), early.timeNanoseconds <= late.timeNanoseconds else {
                return ExpectationResult(expectation: self, passed: false, measured: nil, detail: "no \(earlier) before \(later) at \(formatSeconds(late.timeNanoseconds))")
            }
            let lead = late.timeNanoseconds - early.timeNanoseconds
            return ExpectationResult(
                expectation: self, passed: lead >= minimum, measured: Double(lead) / 1e9,
                detail: "\(earlier) \(formatSeconds(lead)) before \(later) (needs \(formatSeconds(minimum)))")
        case .never(let selector):
            if let first = events.first(where: selector.matches) {
                return ExpectationResult(expectation: self, passed: false, measured: nil, detail: "unexpected \(first)")
            }
            return ExpectationResult(expectation: self, passed: true, measured: nil, detail: "no \(selector) event")
        case .occurs(let selector):
            if let first = events.first(where: selector.matches) {
                return ExpectationResult(expectation: self, passed: true, measured: Double(first.timeNanoseconds) / 1e9, detail: "\(first)")
            }
            return ExpectationResult(expectation: self, passed: false, measured: nil, detail: "no \(selector) event in the run")
        case .metric(let name, let comparison, let bound):
            guard let value = metrics[name], value.isFinite else {
                return ExpectationResult(expectation: self, passed: false, measured: nil, detail: "metric \(name) was not produced by this run")
            }
            return ExpectationResult(
                expectation: self, passed: comparison.holds(value, bound), measured: value, detail: "\(name) = \(value)")
        }
    }
}

/// The outcome of one expectation.
public struct ExpectationResult: Hashable, Sendable {
    public var expectation: Expectation
    public var passed: Bool
    /// The measured figure (seconds for timing expectations, the metric's value), if any.
    public var measured: Double?
    /// What was found, in words.
    public var detail: String
}
