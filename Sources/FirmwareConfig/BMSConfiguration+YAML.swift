public import BMSFirmware

/// The `Firmware/` files a ``BMSConfiguration`` is read from.
public struct BMSConfigurationFiles: Sendable, Hashable {
    public var limits: String
    public var diagnosis: String
    public var cellModel: String
    public var controller: String
    public var thermalRunaway: String
    public var dendriteDiagnosis: String
    public var healingProfiles: String

    /// The standard layout under `directory` for one cell type:
    /// `limits/<cell>.yaml`, `diagnosis.yaml`, `estimation/<cell>.yaml`, `controller.yaml`,
    /// `thermal-runaway.yaml`, `dendrite-diagnosis.yaml`, `healing-profiles.yaml`.
    public init(directory: String, cell: String = "li-metal-ncm811") {
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        limits = base + "limits/\(cell).yaml"
        diagnosis = base + "diagnosis.yaml"
        cellModel = base + "estimation/\(cell).yaml"
        controller = base + "controller.yaml"
        thermalRunaway = base + "thermal-runaway.yaml"
        dendriteDiagnosis = base + "dendrite-diagnosis.yaml"
        healingProfiles = base + "healing-profiles.yaml"
    }

    /// The path of one file.
    public func path(of file: ConfigurationFile) -> String {
        switch file {
        case .limits: limits
        case .diagnosis: diagnosis
        case .cellModel: cellModel
        case .controller: controller
        case .thermalRunaway: thermalRunaway
        case .dendriteDiagnosis: dendriteDiagnosis
        case .healingProfiles: healingProfiles
        }
    }
}

extension BMSConfiguration {
    /// Loads and validates the firmware configuration from `Firmware/` (or another directory).
    ///
    /// - Throws: a ``ConfigError`` naming file, line, column, key and reason for a syntax error, a missing
    ///   or unknown key, a value out of range, or a broken rule (e.g. an MSL below its MOL).
    public static func load(firmwareDirectory: String, cell: String = "li-metal-ncm811") throws(ConfigError) -> BMSConfiguration {
        try load(files: BMSConfigurationFiles(directory: firmwareDirectory, cell: cell))
    }

    /// Loads and validates the firmware configuration from explicit files.
    public static func load(files: BMSConfigurationFiles) throws(ConfigError) -> BMSConfiguration {
        var documents: [ConfigurationFile: ConfigDocument] = [:]
        for file in ConfigurationFile.allCases { documents[file] = try ConfigDocument.load(path: files.path(of: file)) }
        return try parse(documents: documents)
    }

    /// Parses already-read documents (one per ``ConfigurationFile``) and validates the result.
    public static func parse(documents: [ConfigurationFile: ConfigDocument]) throws(ConfigError) -> BMSConfiguration {
        func root(_ file: ConfigurationFile) throws(ConfigError) -> ConfigNode {
            guard let document = documents[file] else {
                throw ConfigError(file: file.rawValue, line: 0, column: 0, key: "", reason: "document missing")
            }
            return document.root
        }
        let estimationRoot = try root(.cellModel)
        let controllerRoot = try root(.controller)
        let configuration = BMSConfiguration(
            topology: try YAMLReader.topology(try controllerRoot.required("topology")),
            limits: try YAMLReader.limits(try root(.limits)),
            diagnosis: try YAMLReader.diagnosis(try root(.diagnosis)),
            cell: try YAMLReader.cell(try estimationRoot.required("cell")),
            estimation: try YAMLReader.estimation(estimationRoot),
            contactors: try YAMLReader.contactors(try controllerRoot.required("contactors")),
            measurements: try YAMLReader.measurements(controllerRoot),
            balancing: try YAMLReader.balancing(try controllerRoot.required("balancing")),
            charging: try YAMLReader.charging(try controllerRoot.required("charging")),
            reporting: try YAMLReader.reporting(try controllerRoot.required("reporting")),
            thermalRunaway: try YAMLReader.thermalRunaway(try root(.thermalRunaway)),
            dendrite: try YAMLReader.dendrite(try root(.dendriteDiagnosis)),
            healing: try YAMLReader.healing(try root(.healingProfiles)))
        if let issue = configuration.validate().first {
            throw YAMLReader.locate(issue, in: try root(issue.file))
        }
        return configuration
    }
}
