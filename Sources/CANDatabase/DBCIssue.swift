/// A problem found by ``CANDatabase/consistencyIssues()``: where (message, signal, line) and what.
public struct DBCIssue: Hashable, Sendable, CustomStringConvertible {
    /// How bad an issue is.
    public enum Severity: String, Hashable, Sendable {
        /// The database cannot be used as intended (frames would be misread or cannot be built).
        case error
        /// Legal but probably unintended, or incomplete for budgeting (missing cycle time).
        case warning
    }

    /// Which check found the issue.
    public enum Kind: String, Hashable, Sendable {
        case duplicateIdentifier
        case duplicateMessageName
        case invalidLength
        case duplicateSignalName
        case signalOutsidePayload
        case overlappingSignals
        case invalidFloatLength
        case multiplexedWithoutMultiplexer
        case multiplexerCycle
        case multiplexerTooDeep
        case missingTiming
        case unknownNode
        case invalidE2E
        case zeroFactor
        case rangeNotRepresentable
    }

    /// Error or warning.
    public var severity: Severity
    /// The check that found it.
    public var kind: Kind
    /// Message name, if the issue belongs to one.
    public var message: String?
    /// Signal name, if the issue belongs to one.
    public var signal: String?
    /// 1-based line of the statement (0 when unknown).
    public var line: Int
    /// What is wrong, in words.
    public var reason: String

    public init(
        _ severity: Severity, _ kind: Kind, message: String? = nil, signal: String? = nil, line: Int = 0, reason: String
    ) {
        self.severity = severity
        self.kind = kind
        self.message = message
        self.signal = signal
        self.line = line
        self.reason = reason
    }

    public var description: String {
        var text = severity.rawValue
        if line > 0 { text += " (line \(line))" }
        if let message { text += " " + message + (signal.map { "." + $0 } ?? "") }
        return text + ": " + reason
    }
}
