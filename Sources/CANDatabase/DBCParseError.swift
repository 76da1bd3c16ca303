/// Why a DBC file could not be read, and where: 1-based line and byte column.
///
/// The parser stops at the first malformed statement it must understand (a broken `BO_` or `SG_`
/// line); sections it does not use are skipped and reported as ``DBCWarning`` instead.
public struct DBCParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// 1-based line number.
    public let line: Int
    /// 1-based byte column where the offending token starts.
    public let column: Int
    /// What is wrong, in words.
    public let reason: String

    public init(line: Int, column: Int, reason: String) {
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String { "line \(line), column \(column): \(reason)" }
}

/// Something in a DBC file that was accepted but not used: an unknown or unsupported section, or an
/// attribute, comment or value table that names a message or signal the file does not define.
public struct DBCWarning: Hashable, Sendable, CustomStringConvertible {
    /// 1-based line number.
    public let line: Int
    /// 1-based byte column.
    public let column: Int
    /// What was skipped and why.
    public let reason: String

    public init(line: Int, column: Int, reason: String) {
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String { "line \(line), column \(column): \(reason)" }
}
