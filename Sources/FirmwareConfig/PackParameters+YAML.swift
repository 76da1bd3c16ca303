public import CellPack
import Yams

/// Reads pack parameter files (`Firmware/packs/<topology>.yaml`) into ``PackParameters``.
///
/// The file has a `name` and one section per ``PackParameterKey`` section (`topology`, `spread`, `electrical`,
/// `thermal`, `mechanical`, `enclosure`) with `key: {value: <number>, source: "<citation>"}` entries. Every problem
/// is reported together, each with file, line, column and key.
public enum PackParameterFile {
    /// Reads and validates the file at `path`.
    public static func load(path: String) throws(ParameterFileError) -> PackParameters {
        try parse(ParameterFileError.document(path: path).root)
    }

    /// Parses and validates YAML text; `file` names it in errors.
    public static func parse(yaml text: String, file: String) throws(ParameterFileError) -> PackParameters {
        try parse(ParameterFileError.document(yaml: text, file: file).root)
    }

    static func parse(_ root: ConfigNode) throws(ParameterFileError) -> PackParameters {
        var reader = SourcedValueReader(root: root)
        let sections = PackParameterKey.allCases.reduce(into: [String]()) { if !$0.contains($1.section) { $0.append($1.section) } }
        guard root.node.mapping != nil else {
            throw ParameterFileError(problems: [root.error("expected a mapping with name and the sections \(sections.joined(separator: ", "))")])
        }
        reader.rejectUnknown(root, allowed: Set(sections + ["name"]))
        var name = ""
        do { name = try root.required("name").string() } catch { reader.record(error) }
        var values: [PackParameterKey: Double] = [:]
        var sources: [PackParameterKey: String] = [:]
        for sectionName in sections {
            let keys = PackParameterKey.allCases.filter { $0.section == sectionName }
            guard let section = reader.section(sectionName) else { continue }
            reader.rejectUnknown(section, allowed: Set(keys.map(\.name)))
            for key in keys {
                if let entry = reader.entry(key.name, in: section, keyPath: key.rawValue) {
                    values[key] = entry.value
                    sources[key] = entry.source
                }
            }
        }
        let parameters = PackParameters(name: name, values: values, sources: sources)
        if reader.problems.isEmpty {
            for problem in parameters.validate() { reader.locate(key: problem.key, reason: problem.reason) }
        }
        guard reader.problems.isEmpty else { throw ParameterFileError(problems: reader.problems) }
        return parameters
    }
}
