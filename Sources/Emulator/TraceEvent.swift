/// Something that happened in a simulation, for reports and scenario expectations.
///
/// `kind` is a dotted name (`contactors.opened`, `fault.injected`, `cell.vented`, `tr.warning`);
/// `subject` narrows it (a cell index, a fault name); `value` carries a number where one exists.
public struct TraceEvent: Hashable, Sendable, CustomStringConvertible {
    public var timeNanoseconds: Int64
    public var kind: String
    public var subject: String
    public var value: Double?
    /// Who reported it (participant name or `scenario`).
    public var source: String

    public init(timeNanoseconds: Int64, kind: String, subject: String = "", value: Double? = nil, source: String = "") {
        self.timeNanoseconds = timeNanoseconds
        self.kind = kind
        self.subject = subject
        self.value = value
        self.source = source
    }

    public var description: String {
        var text = "t=\(formatSeconds(timeNanoseconds)) \(kind)"
        if !subject.isEmpty { text += "[\(subject)]" }
        if let value { text += "=\(value)" }
        if !source.isEmpty { text += " (\(source))" }
        return text
    }
}

/// Seconds with millisecond resolution, e.g. `12.345 s`, for messages.
public func formatSeconds(_ nanoseconds: Int64) -> String {
    let milliseconds = nanoseconds / 1_000_000
    let whole = milliseconds / 1000
    let fraction = abs(milliseconds % 1000)
    let fractionText = fraction < 10 ? "00\(fraction)" : fraction < 100 ? "0\(fraction)" : "\(fraction)"
    return "\(nanoseconds < 0 && whole == 0 ? "-" : "")\(whole).\(fractionText) s"
}
