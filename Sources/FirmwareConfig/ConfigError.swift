/// A problem in a configuration, parameter or scenario file, located by file, line, column and key.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file as given by the caller (usually a path relative to the package root).
    public let file: String
    /// 1-based line, 0 when unknown.
    public let line: Int
    /// 1-based column, 0 when unknown.
    public let column: Int
    /// Dotted key path, e.g. `cell.capacity_ah` or `timeline[3].at`; empty for the whole document.
    public let key: String
    /// What is wrong, in words a user can act on.
    public let reason: String

    public init(file: String, line: Int, column: Int, key: String, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.reason = reason
    }

    /// `file:line:column: key: reason`, the form compilers use, so editors can jump to it.
    public var description: String {
        var text = file
        if line > 0 { text += ":\(line)" }
        if column > 0 { text += ":\(column)" }
        text += ": "
        if !key.isEmpty { text += "\(key): " }
        return text + reason
    }
}
