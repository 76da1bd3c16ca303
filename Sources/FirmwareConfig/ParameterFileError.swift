import Yams

/// Every problem found in one parameter file, each located by file, line, column and key.
public struct ParameterFileError: Error, Sendable, CustomStringConvertible {
    /// The problems, in file order where the parser found them, then validation order.
    public let problems: [ConfigError]

    public init(problems: [ConfigError]) { self.problems = problems }

    /// One `file:line:column: key: reason` line per problem.
    public var description: String { problems.map(\.description).joined(separator: "\n") }

    /// The YAML document at `path`; a read or syntax error becomes the file's one problem.
    static func document(path: String) throws(ParameterFileError) -> ConfigDocument {
        do { return try ConfigDocument.load(path: path) } catch { throw ParameterFileError(problems: [error]) }
    }

    /// The YAML document in `text` (`file` names it in errors); a syntax error becomes its one problem.
    static func document(yaml text: String, file: String) throws(ParameterFileError) -> ConfigDocument {
        do { return try ConfigDocument(yaml: text, file: file) } catch { throw ParameterFileError(problems: [error]) }
    }
}

/// Reads the `{value: …, source: "…"}` entries of a parameter file section by section, collecting every problem
/// instead of stopping at the first, and remembers where each key was so validation problems can be located.
struct SourcedValueReader {
    let root: ConfigNode
    private(set) var problems: [ConfigError] = []
    private(set) var locations: [String: ConfigNode] = [:]

    init(root: ConfigNode) { self.root = root }

    /// A sub-mapping of the root, or nil (with a problem recorded) when it is missing or not a mapping.
    mutating func section(_ name: String) -> ConfigNode? {
        do {
            let node = try root.required(name)
            guard node.node.mapping != nil else {
                problems.append(node.error("expected a mapping of {value, source} entries"))
                return nil
            }
            // Problems of the section as a whole (a missing entry) point at the section's own key.
            let keyNode = root.node.mapping?.keys.first { $0.string == name }
            locations[name] = keyNode.map { ConfigNode(node: $0, file: root.file, keyPath: name) } ?? node
            return node
        } catch {
            problems.append(error)
            return nil
        }
    }

    /// Rejects keys of `node` not in `allowed`, recording each unknown key.
    mutating func rejectUnknown(_ node: ConfigNode, allowed: Set<String>) {
        do {
            for key in try node.keys() where !allowed.contains(key) {
                let located = (try? node.entries().first { $0.key == key }?.value) ?? node
                problems.append(located.error("unknown key '\(key)'; expected one of: \(allowed.sorted().joined(separator: ", "))"))
            }
        } catch {
            problems.append(error)
        }
    }

    /// The `{value, source}` entry `name` of `section`: its number and its source; nil (with a problem recorded)
    /// when malformed. A missing entry returns nil without a problem: validation reports it, located at the section.
    mutating func entry(_ name: String, in section: ConfigNode, keyPath: String) -> (value: Double, source: String)? {
        do {
            guard let node = try section.optional(name) else { return nil }
            locations[keyPath] = node
            guard node.node.mapping != nil else {
                problems.append(node.error("expected {value: <number>, source: \"<citation>\"}"))
                return nil
            }
            rejectUnknown(node, allowed: ["value", "source"])
            let valueNode = try node.required("value")
            locations[keyPath] = valueNode
            let value = try valueNode.double()
            let source = try node.required("source").string()
            guard !source.trimmingWhitespace.isEmpty else {
                problems.append(node.error("every value needs a non-empty source"))
                return nil
            }
            return (value, source)
        } catch {
            problems.append(error)
            return nil
        }
    }

    /// Records a problem.
    mutating func record(_ problem: ConfigError) { problems.append(problem) }

    /// Remembers where `keyPath` is written, for locating validation problems.
    mutating func setLocation(_ keyPath: String, _ node: ConfigNode) { locations[keyPath] = node }

    /// Records a validation problem at the node of its key (or the nearest enclosing section, or the root).
    mutating func locate(key: String, reason: String) {
        var path = key
        while true {
            if let node = locations[path] {
                problems.append(ConfigError(file: node.file, line: node.node.mark?.line ?? 0, column: node.node.mark?.column ?? 0, key: key, reason: reason))
                return
            }
            guard let dot = path.lastIndex(of: ".") else { break }
            path = String(path[..<dot])
        }
        problems.append(ConfigError(file: root.file, line: 0, column: 0, key: key, reason: reason))
    }
}

extension String {
    var trimmingWhitespace: Substring {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let end = scalars.lastIndex(where: { !$0.properties.isWhitespace }) ?? start
        return Substring(scalars[start...end])
    }
}
