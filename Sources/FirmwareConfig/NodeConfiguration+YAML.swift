public import SensorNodes
import CellPack
import Yams

/// Reads node configuration files (`Firmware/nodes/<name>.yaml`) into ``NodeConfiguration``.
///
/// The file has a `name` and nested sections following the dotted ``NodeParameterKey`` paths
/// (`cell_monitoring.ntc.beta_k`, `gas.h2.t90_s`, ...), each number written as
/// `key: {value: <number>, source: "<citation>"}`. Unknown keys, missing sources, malformed numbers and every
/// problem ``NodeConfiguration/validate()`` finds are reported together, each with file, line, column and key.
///
/// ```swift
/// let nodes = try NodeConfigurationFile.load(path: "Firmware/nodes/default.yaml")
/// ```
public enum NodeConfigurationFile {
    /// Reads and validates the file at `path`.
    public static func load(path: String) throws(ParameterFileError) -> NodeConfiguration {
        try parse(ParameterFileError.document(path: path).root)
    }

    /// Parses and validates YAML text; `file` names it in errors.
    public static func parse(yaml text: String, file: String) throws(ParameterFileError) -> NodeConfiguration {
        try parse(ParameterFileError.document(yaml: text, file: file).root)
    }

    static func parse(_ root: ConfigNode) throws(ParameterFileError) -> NodeConfiguration {
        var reader = SourcedValueReader(root: root)
        guard root.node.mapping != nil else {
            throw ParameterFileError(problems: [root.error("expected a mapping with name and the node sections")])
        }
        rejectUnknownKeys(in: root, prefix: "", reader: &reader)
        var name = ""
        do { name = try root.required("name").string() } catch { reader.record(error) }
        var values: [NodeParameterKey: Double] = [:]
        var sources: [NodeParameterKey: String] = [:]
        var missingSections: Set<String> = []
        for key in NodeParameterKey.allCases {
            let components = key.rawValue.split(separator: ".").map(String.init)
            var node = root
            var path = ""
            var found = true
            for component in components.dropLast() {
                path = path.isEmpty ? component : path + "." + component
                guard let child = try? node.optional(component), child.node.mapping != nil else {
                    if missingSections.insert(path).inserted {
                        reader.record(node.error("missing section '\(component)' (a mapping of {value, source} entries)"))
                    }
                    found = false
                    break
                }
                reader.setLocation(path, child)
                node = child
            }
            guard found, let entry = reader.entry(components[components.count - 1], in: node, keyPath: key.rawValue) else { continue }
            values[key] = entry.value
            sources[key] = entry.source
        }
        let configuration = NodeConfiguration(name: name, values: values, sources: sources)
        if reader.problems.isEmpty {
            for problem in configuration.validate() { reader.locate(key: problem.key, reason: problem.reason) }
        }
        guard reader.problems.isEmpty else { throw ParameterFileError(problems: reader.problems) }
        return configuration
    }

    /// Records every key that no ``NodeParameterKey`` path (or `name`) uses, so a typo is an error.
    private static func rejectUnknownKeys(in node: ConfigNode, prefix: String, reader: inout SourcedValueReader) {
        var children: Set<String> = prefix.isEmpty ? ["name"] : []
        for key in NodeParameterKey.allCases {
            let path = key.rawValue
            guard prefix.isEmpty || path.hasPrefix(prefix + ".") else { continue }
            let rest = prefix.isEmpty ? Substring(path) : path.dropFirst(prefix.count + 1)
            if let component = rest.split(separator: ".").first { children.insert(String(component)) }
        }
        reader.rejectUnknown(node, allowed: children)
        guard let entries = try? node.entries() else { return }
        for (key, value) in entries where children.contains(key) && key != "name" {
            let path = prefix.isEmpty ? key : prefix + "." + key
            if NodeParameterKey(rawValue: path) == nil, value.node.mapping != nil {
                rejectUnknownKeys(in: value, prefix: path, reader: &reader)
            }
        }
    }
}
