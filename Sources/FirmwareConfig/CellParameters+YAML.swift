public import CellPack
import Yams

/// Reads cell parameter files (`Firmware/cells/<chemistry>-<format>.yaml`) into ``CellParameters``.
///
/// The file has a `name`, an `ocv` table (`source`, `soc`, `volts`, `entropic_mv_per_k`) and one section per
/// ``CellParameterKey/section`` whose entries are `key: {value: <number>, source: "<citation>"}`. Unknown keys,
/// missing sources, malformed numbers and every problem ``CellParameters/validate()`` finds are reported together,
/// each with file, line, column and key.
///
/// ```swift
/// let cell = try CellParameterFile.load(path: "Firmware/cells/li-metal-ncm811-pouch.yaml")
/// ```
public enum CellParameterFile {
    /// Reads and validates the file at `path`.
    public static func load(path: String) throws(ParameterFileError) -> CellParameters {
        try parse(ParameterFileError.document(path: path).root)
    }

    /// Parses and validates YAML text; `file` names it in errors.
    public static func parse(yaml text: String, file: String) throws(ParameterFileError) -> CellParameters {
        try parse(ParameterFileError.document(yaml: text, file: file).root)
    }

    static func parse(_ root: ConfigNode) throws(ParameterFileError) -> CellParameters {
        var reader = SourcedValueReader(root: root)
        let sections = CellParameterKey.allCases.reduce(into: [String]()) { if !$0.contains($1.section) { $0.append($1.section) } }
        guard root.node.mapping != nil else {
            throw ParameterFileError(problems: [root.error("expected a mapping with name, ocv and the sections \(sections.joined(separator: ", "))")])
        }
        reader.rejectUnknown(root, allowed: Set(sections + ["name", "ocv"]))
        var name = ""
        do { name = try root.required("name").string() } catch { reader.record(error) }
        let ocv = readOCV(&reader)
        var values: [CellParameterKey: Double] = [:]
        var sources: [CellParameterKey: String] = [:]
        for sectionName in sections {
            let keys = CellParameterKey.allCases.filter { $0.section == sectionName }
            guard let section = reader.section(sectionName) else { continue }
            reader.rejectUnknown(section, allowed: Set(keys.map(\.name)))
            for key in keys {
                if let entry = reader.entry(key.name, in: section, keyPath: key.rawValue) {
                    values[key] = entry.value
                    sources[key] = entry.source
                }
            }
        }
        let parameters = CellParameters(name: name, values: values, sources: sources, ocv: ocv)
        if reader.problems.isEmpty {
            for problem in parameters.validate() { reader.locate(key: problem.key, reason: problem.reason) }
        }
        guard reader.problems.isEmpty else { throw ParameterFileError(problems: reader.problems) }
        return parameters
    }

    private static func readOCV(_ reader: inout SourcedValueReader) -> OCVTable {
        var table = OCVTable(soc: [], volts: [], entropicMillivoltsPerKelvin: [], source: "")
        guard let node = reader.section("ocv") else { return table }
        reader.rejectUnknown(node, allowed: ["source", "soc", "volts", "entropic_mv_per_k"])
        func list(_ key: String) -> [Double] {
            do {
                let child = try node.required(key)
                reader.setLocation("ocv." + key, child)
                return try child.doubles()
            } catch {
                reader.record(error)
                return []
            }
        }
        do {
            let sourceNode = try node.required("source")
            reader.setLocation("ocv.source", sourceNode)
            table.source = try sourceNode.string()
        } catch {
            reader.record(error)
        }
        table.soc = list("soc")
        table.volts = list("volts")
        table.entropicMillivoltsPerKelvin = list("entropic_mv_per_k")
        return table
    }
}
