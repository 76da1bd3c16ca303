/// Picks trace events by kind, and optionally by subject prefix, source and value.
///
/// Written in scenario files as `contactors.opened`, `cell.vented[12]`, `tr.warning@firmware`, or
/// `cell.voltage_msl_crossed[*]`: kind, then an optional `[subject]` (`*` or a prefix ending in `*`
/// for any), then an optional `@source`.
public struct EventSelector: Hashable, Sendable, CustomStringConvertible {
    public var kind: String
    /// Exact subject, a prefix when it ends in `*`, or `nil` for any.
    public var subject: String?
    public var source: String?

    public init(kind: String, subject: String? = nil, source: String? = nil) {
        self.kind = kind
        self.subject = subject
        self.source = source
    }

    /// Parses the scenario-file form; returns `nil` for an empty or malformed selector.
    public init?(parsing text: String) {
        var rest = Substring(text)
        var source: String?
        if let at = rest.lastIndex(of: "@") {
            source = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        }
        var subject: String?
        if let open = rest.firstIndex(of: "[") {
            guard rest.last == "]" else { return nil }
            subject = String(rest[rest.index(after: open)..<rest.index(before: rest.endIndex)])
            rest = rest[..<open]
            if subject == "*" { subject = nil }
        }
        guard !rest.isEmpty, rest.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-" }) else { return nil }
        if let source, source.isEmpty { return nil }
        self.init(kind: String(rest), subject: subject, source: source)
    }

    /// `true` if `event` matches.
    public func matches(_ event: TraceEvent) -> Bool {
        guard event.kind == kind else { return false }
        if let source, event.source != source { return false }
        if let subject {
            if subject.hasSuffix("*") {
                guard event.subject.hasPrefix(subject.dropLast()) else { return false }
            } else if event.subject != subject {
                return false
            }
        }
        return true
    }

    public var description: String {
        var text = kind
        if let subject { text += "[\(subject)]" }
        if let source { text += "@\(source)" }
        return text
    }
}
