public import SensorNodes
import CellPack
import Yams

extension NodeConfiguration {
    /// Loads and validates a node configuration file (`Firmware/nodes/default.yaml`).
    ///
    /// Every number is written as `{value: 12, source: "where it comes from"}` under its dotted key path
    /// (``NodeParameterKey``); a `name` names the set.
    ///
    /// - Throws: ``ConfigError`` (`file:line:column: key: reason`) for unreadable YAML, a missing or unknown
    ///   key, a value that is not a number, a missing source, or the first problem ``validate()`` reports.
    public static func load(path: String) throws(ConfigError) -> NodeConfiguration {
        try NodeConfiguration(document: ConfigDocument.load(path: path))
    }

    /// Reads a node configuration from a parsed YAML document (see ``load(path:)``).
    public init(document: ConfigDocument) throws(ConfigError) {
        let root = document.root
        try Self.rejectUnknownKeys(in: root, prefix: "")
        let name = try root.required("name").string()
        var values: [NodeParameterKey: Double] = [:]
        var sources: [NodeParameterKey: String] = [:]
        var locations: [NodeParameterKey: ConfigNode] = [:]
        for key in NodeParameterKey.allCases {
            var node = root
            for component in key.rawValue.split(separator: ".") { node = try node.required(String(component)) }
            guard node.node.mapping != nil else {
                throw node.error("write this number as {value: ..., source: \"...\"} so its source is recorded")
            }
            try node.rejectUnknownKeys(["value", "source"])
            let valueNode = try node.required("value")
            values[key] = try valueNode.double()
            sources[key] = try node.required("source").string()
            locations[key] = valueNode
        }
        self.init(name: name, values: values, sources: sources)
        if let problem = validate().first {
            let located = NodeParameterKey(rawValue: problem.key).flatMap { locations[$0] } ?? root
            throw ConfigError(
                file: located.file, line: located.node.mark?.line ?? 0, column: located.node.mark?.column ?? 0,
                key: problem.key, reason: problem.reason)
        }
    }

    /// Throws for the first key that no ``NodeParameterKey`` path (or `name`) uses, so a typo is an error.
    private static func rejectUnknownKeys(in node: ConfigNode, prefix: String) throws(ConfigError) {
        var children: Set<String> = prefix.isEmpty ? ["name"] : []
        for key in NodeParameterKey.allCases {
            let path = key.rawValue
            guard prefix.isEmpty || path.hasPrefix(prefix + ".") else { continue }
            let rest = prefix.isEmpty ? Substring(path) : path.dropFirst(prefix.count + 1)
            if let component = rest.split(separator: ".").first { children.insert(String(component)) }
        }
        try node.rejectUnknownKeys(children)
        for (key, value) in try node.entries() where key != "name" {
            let path = prefix.isEmpty ? key : prefix + "." + key
            if NodeParameterKey(rawValue: path) == nil, value.node.mapping != nil {
                try rejectUnknownKeys(in: value, prefix: path)
            }
        }
    }
}
