import Foundation
import Yams

/// A parsed YAML file: its root node, plus loading that turns every failure into a ``ConfigError``.
public struct ConfigDocument: Sendable {
    /// The root node (a mapping for every file this project defines).
    public let root: ConfigNode

    /// Parses YAML text; `file` names it in errors.
    public init(yaml text: String, file: String) throws(ConfigError) {
        let parsed: Node?
        do {
            parsed = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigDocument.locate(error, file: file)
        } catch {
            throw ConfigError(file: file, line: 0, column: 0, key: "", reason: "\(error)")
        }
        guard let node = parsed else {
            throw ConfigError(file: file, line: 1, column: 1, key: "", reason: "the file is empty")
        }
        root = ConfigNode(node: node, file: file, keyPath: "")
    }

    /// Reads and parses a YAML file.
    public static func load(path: String) throws(ConfigError) -> ConfigDocument {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(file: path, line: 0, column: 0, key: "", reason: "cannot read the file (\(error.localizedDescription))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: 0, column: 0, key: "", reason: "the file is not valid UTF-8")
        }
        return try ConfigDocument(yaml: text, file: path)
    }

    private static func locate(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return ConfigError(file: file, line: mark.line, column: mark.column, key: "", reason: "YAML syntax: \(prefix)\(problem)")
        default:
            return ConfigError(file: file, line: 0, column: 0, key: "", reason: "YAML: \(error)")
        }
    }
}
