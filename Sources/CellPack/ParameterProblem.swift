/// One thing wrong with a parameter set: the key as written in the parameter file, and why.
///
/// `validate()` on ``CellParameters`` and ``PackParameters`` returns every problem at once, so a user
/// fixes a file in one pass. The shell loader turns each problem into a located error (file, line, key).
public struct ParameterProblem: Hashable, Sendable, CustomStringConvertible {
    /// Dotted key path, e.g. `design.nominal_capacity_ah` or `ocv.volts`.
    public let key: String
    /// What is wrong, in words a user can act on.
    public let reason: String

    public init(key: String, reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "\(key): \(reason)" }
}

/// Thrown when a pack is built from parameters that do not validate.
public struct InvalidParameters: Error, Sendable, CustomStringConvertible {
    /// Every problem found, in key order.
    public let problems: [ParameterProblem]

    public init(problems: [ParameterProblem]) { self.problems = problems }

    public var description: String {
        "invalid parameters:\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
