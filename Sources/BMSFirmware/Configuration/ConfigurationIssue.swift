/// A configuration value that violates a rule the controller depends on (a tier out of order, an empty
/// table, a disabled safety row).
///
/// `keyPath` names the offending value the way the `Firmware/` YAML files spell it, e.g.
/// `["cell_voltage", "maximum", "rsl_mv"]`, so the shell can point at file, line and column.
public struct ConfigurationIssue: Error, Hashable, Sendable, CustomStringConvertible {
    /// Which `Firmware/` file the value lives in (e.g. `limits`, `diagnosis`, `controller`).
    public var file: ConfigurationFile
    /// Key path inside that file.
    public var keyPath: [String]
    /// What is wrong, in words a user can act on.
    public var reason: String

    public init(file: ConfigurationFile, keyPath: [String], reason: String) {
        self.file = file
        self.keyPath = keyPath
        self.reason = reason
    }

    public var description: String { "\(file.rawValue): \(keyPath.joined(separator: ".")): \(reason)" }
}

/// The firmware data files a ``BMSConfiguration`` is built from.
public enum ConfigurationFile: String, CaseIterable, Hashable, Sendable {
    case limits
    case diagnosis
    case cellModel = "cell-model"
    case controller
    case thermalRunaway = "thermal-runaway"
    case dendriteDiagnosis = "dendrite-diagnosis"
    case healingProfiles = "healing-profiles"
}

/// Collects issues while a configuration validates itself.
struct IssueCollector {
    var issues: [ConfigurationIssue] = []
    let file: ConfigurationFile

    mutating func check(_ condition: Bool, _ keyPath: [String], _ reason: @autoclosure () -> String) {
        if !condition { issues.append(ConfigurationIssue(file: file, keyPath: keyPath, reason: reason())) }
    }
}
