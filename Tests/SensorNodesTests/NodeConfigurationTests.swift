import CANDatabase
import CellPack
import FirmwareConfig
import Foundation
import SensorNodes
import Testing

@Suite("Node configuration")
struct NodeConfigurationTests {
    @Test func defaultFileLoadsValidatesAndSourcesEveryNumber() throws {
        let config = try Fixtures.configuration()
        #expect(config.name == "default")
        #expect(config.validate().isEmpty)
        #expect(config.values.count == NodeParameterKey.allCases.count)
        for key in NodeParameterKey.allCases {
            let source = try #require(config.sources[key], "\(key.rawValue) has no source")
            #expect(source.count >= 10, "\(key.rawValue): source '\(source)' says too little")
        }
        #expect(config.boardCount == 8 && config.groupsPerBoard == 12 && config.seriesGroupCount == 96)
        // Datasheet figures the brief names.
        #expect(config[.cellADCResolution] == 0.1)
        #expect(config[.cellTotalError] == 2.2)
    }

    @Test func layoutMatchesTheDatabase() throws {
        let config = try Fixtures.configuration()
        let database = try Fixtures.database()
        for board in 1...config.boardCount {
            let message = try #require(database.message(named: "CMU\(board)_CellVoltages"))
            let cells = message.signals.filter { $0.name.hasPrefix("CellVoltage") }
            #expect(cells.count == config.groupsPerBoard)
        }
        #expect(database.message(named: "CMU\(config.boardCount + 1)_CellVoltages") == nil)
        // The contactor timeout is the one the DBC comment promises.
        let comment = try #require(database.message(named: "BMS_ContactorCommand")?.comment)
        #expect(comment.contains("\(Int(config[.contactorCommandTimeout])) ms"))
    }

    func load(_ yaml: String) throws(ParameterFileError) -> NodeConfiguration {
        try NodeConfigurationFile.parse(yaml: yaml, file: "nodes.yaml")
    }

    /// The default file's text with one line replaced.
    func defaultText(replacing old: String, with new: String) throws -> String {
        let text = try String(contentsOfFile: Fixtures.configurationPath, encoding: .utf8)
        #expect(text.contains(old), "fixture line '\(old)' not found")
        return text.replacingOccurrences(of: old, with: new)
    }

    /// The first problem loading `yaml` reports, or a recorded issue when it loads.
    func loadError(_ yaml: String, _ what: String) -> ConfigError? {
        do {
            _ = try load(yaml)
            Issue.record("\(what) accepted")
            return nil
        } catch {
            #expect(!error.problems.isEmpty)
            return error.problems.first
        }
    }

    @Test func badFilesGiveLocatedErrors() throws {
        // Out of range: validate() problem located at the value.
        if let error = loadError(try defaultText(replacing: "boards: {value: 8,", with: "boards: {value: 80,"), "80 boards") {
            #expect(error.key == "cell_monitoring.boards")
            #expect(error.line == 10 && error.column > 0)
            #expect(error.reason.contains("outside"))
            #expect(error.description.hasPrefix("nodes.yaml:10:"))
        }
        // Not a number.
        if let error = loadError(try defaultText(replacing: "noise_mv: {value: 0.3,", with: "noise_mv: {value: lots,"), "a non-number") {
            #expect(error.key == "cell_monitoring.noise_mv.value")
            #expect(error.reason.contains("not a finite number"))
        }
        // Unknown key (typo) at any depth.
        if let error = loadError(try defaultText(replacing: "    beta_k:", with: "    betta_k:"), "a typo") {
            #expect(error.key == "cell_monitoring.ntc.betta_k")
            #expect(error.reason.contains("unknown key"))
        }
        // A number without its source.
        if let error = loadError(try defaultText(replacing: "close_ms: {value: 20, source:", with: "close_ms: {value: 20, sauce:"), "no source") {
            #expect(error.key == "contactors.close_ms.sauce")
        }
        // A bare number instead of {value, source}.
        let bare = try defaultText(
            replacing: "open_ms: {value: 12, source: \"TE Kilovac EV200 datasheet: release time 12 ms max [recalled]\"}", with: "open_ms: 12")
        if let error = loadError(bare, "a bare number") {
            #expect(error.key == "contactors.open_ms")
            #expect(error.reason.contains("source"))
        }
        // A missing key.
        if let error = loadError("name: x\ncell_monitoring: {}\n", "an empty file") {
            #expect(error.reason.contains("missing"))
        }
        // Inconsistent pair: the alarm threshold above the warning threshold.
        if let error = loadError(try defaultText(replacing: "alarm_kohm: {value: 100,", with: "alarm_kohm: {value: 300,"), "alarm above warning") {
            #expect(error.key == "insulation.alarm_kohm")
            #expect(error.line > 0)
        }
        // Broken YAML.
        #expect(throws: ParameterFileError.self) { try load("name: [unclosed") }
    }

    @Test func everyProblemIsReportedAtOnce() throws {
        var text = try defaultText(replacing: "boards: {value: 8,", with: "boards: {value: 80,")
        text = text.replacingOccurrences(of: "    beta_k:", with: "    betta_k:")
        text = text.replacingOccurrences(of: "close_ms: {value: 20, source:", with: "close_ms: {value: twenty, source:")
        do {
            _ = try load(text)
            Issue.record("broken file accepted")
        } catch {
            let keys = error.problems.map(\.key)
            #expect(keys.contains("cell_monitoring.ntc.betta_k"))
            #expect(keys.contains("contactors.close_ms.value"))
            #expect(error.problems.allSatisfy { $0.line > 0 && $0.file == "nodes.yaml" })
            #expect(error.description.split(separator: "\n").count == error.problems.count)
        }
    }

    @Test func validateReportsEveryProblem() throws {
        var config = try Fixtures.configuration()
        config.values[.cellNoise] = nil
        config[.boardCount] = 2.5
        config.sources[.chargerSlewRate] = "  "
        config[.pressureFirstGroup] = 20
        let problems = config.validate().map(\.key)
        #expect(problems.contains("cell_monitoring.noise_mv"))
        #expect(problems.contains("cell_monitoring.boards"))
        #expect(problems.contains("charger.slew_a_per_ms"))
        // Cross checks run once the single values are fine.
        config = try Fixtures.configuration()
        config[.pressureFirstGroup] = 20
        config[.pressureLastGroup] = 10
        #expect(config.validate().map(\.key) == ["pressure.first_group"])
        #expect(throws: NodeSetupError.self) {
            _ = try PackNodes(configuration: config, database: try Fixtures.database(), seed: 1)
        }
    }

    @Test func missingDatabaseMessagesAreSetupErrors() throws {
        var database = try Fixtures.database()
        database = CANDatabase(
            version: database.version, nodes: database.nodes,
            messages: database.messages.filter { $0.name != "CMU5_CellTemperatures" }, valueTables: database.valueTables,
            attributeDefinitions: database.attributeDefinitions, attributes: database.attributes)
        let config = try Fixtures.configuration()
        do {
            _ = try PackNodes(configuration: config, database: database, seed: 1)
            Issue.record("missing message accepted")
        } catch {
            #expect(error.reason.contains("CMU5_CellTemperatures"))
        }
    }
}
