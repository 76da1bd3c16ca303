import BMSFirmware
import Foundation
import FirmwareConfig
import Testing

/// The shipped `Firmware/` files load; broken ones are rejected with file, line, key and reason.
@Suite("Firmware configuration")
struct ConfigurationTests {
    static func documents(replacing file: ConfigurationFile? = nil, with transform: (String) -> String = { $0 }) throws
        -> [ConfigurationFile: ConfigDocument]
    {
        let files = BMSConfigurationFiles(directory: Fixtures.firmwareDirectory)
        var documents: [ConfigurationFile: ConfigDocument] = [:]
        for kind in ConfigurationFile.allCases {
            let path = files.path(of: kind)
            var text = try String(contentsOfFile: path, encoding: .utf8)
            if kind == file { text = transform(text) }
            documents[kind] = try ConfigDocument(yaml: text, file: path)
        }
        return documents
    }

    static func rejection(_ file: ConfigurationFile, _ transform: (String) -> String) throws -> ConfigError {
        let documents = try documents(replacing: file, with: transform)
        do {
            _ = try BMSConfiguration.parse(documents: documents)
        } catch {
            return error
        }
        throw ConfigError(file: file.rawValue, line: 0, column: 0, key: "", reason: "accepted a broken file")
    }

    @Test func shippedFilesLoadAndValidate() throws {
        let configuration = try BMSConfiguration.load(firmwareDirectory: Fixtures.firmwareDirectory)
        #expect(configuration.validate().isEmpty)
        #expect(configuration.topology.seriesCells == 96 && configuration.topology.parallelCells == 2)
        #expect(configuration.limits.cellVoltageMaximum.maximumSafety == 4_250)
        #expect(configuration.limits.cellVoltageMaximum.recommendedSafety == 4_220)
        #expect(configuration.limits.cellVoltageMaximum.maximumOperating == 4_200)
        #expect(configuration.limits.cellVoltageMinimum.maximumSafety == 2_800)
        #expect(configuration.contactors.prechargeTries == 3)
        #expect(configuration.contactors.prechargeVoltageThresholdMillivolts == 2_000)
        #expect(configuration.contactors.prechargeTimeoutMilliseconds == 2_000)
        #expect(configuration.diagnosis[.cellOvervoltageMSL].threshold == 50)
        #expect(configuration.diagnosis[.cellOvervoltageMSL].reactionDelayMilliseconds == 200)
        #expect(configuration.healing.selfHeating.currentDensityMilliamperesPerSquareCentimetre >= 9)
        #expect(configuration.healing.pulseCharging.onMilliseconds == 1 && configuration.healing.pulseCharging.offMilliseconds == 3)
        #expect(configuration.thermalRunaway.confirmationVoltageDropFraction == 0.25)
        #expect(configuration.thermalRunaway.confirmationRateHoldMilliseconds == 3_000)
        #expect(configuration.cell.openCircuitVoltage.volts.count == 101)
        _ = try BMSController(configuration: configuration)
    }

    @Test func mslBelowMolIsRejectedWithFileLineAndKey() throws {
        let error = try Self.rejection(.limits) { $0.replacingOccurrences(of: "msl_mv: 4250", with: "msl_mv: 4150") }
        #expect(error.file.hasSuffix("limits/li-metal-ncm811.yaml"))
        #expect(error.key == "cell_voltage.maximum.rsl_mv" || error.key == "cell_voltage.maximum.msl_mv")
        #expect(error.line > 0)
        #expect(error.reason.contains("MSL"))
    }

    @Test func lowerLimitOutOfOrderIsRejected() throws {
        let error = try Self.rejection(.limits) { $0.replacingOccurrences(of: "msl_mv: 2800", with: "msl_mv: 2950") }
        #expect(error.key.hasPrefix("cell_voltage.minimum"))
        #expect(error.reason.contains("must not be above"))
    }

    @Test func missingKeyIsRejected() throws {
        let error = try Self.rejection(.controller) { $0.replacingOccurrences(of: "  precharge_tries: 3\n", with: "") }
        #expect(error.key == "contactors")
        #expect(error.reason.contains("missing required key 'precharge_tries'"))
    }

    @Test func unknownKeyIsRejected() throws {
        let error = try Self.rejection(.controller) { $0.replacingOccurrences(of: "  precharge_tries: 3\n", with: "  precharge_tries: 3\n  precharge_trys: 4\n") }
        #expect(error.key == "contactors.precharge_trys")
        #expect(error.reason.contains("unknown key"))
    }

    @Test func disablingASafetyRowIsRejected() throws {
        let error = try Self.rejection(.diagnosis) {
            $0.replacingOccurrences(
                of: "{id: cell_overvoltage_msl, threshold: 50, severity: fatal, reaction_delay_ms: 200, enabled: true}",
                with: "{id: cell_overvoltage_msl, threshold: 50, severity: fatal, reaction_delay_ms: 200, enabled: false}")
        }
        #expect(error.key == "rows.cell_overvoltage_msl.enabled")
        #expect(error.reason.contains("cannot be disabled"))
        #expect(error.line > 0)
    }

    @Test func unknownOrMissingDiagnosisRowsAreRejected() throws {
        let unknown = try Self.rejection(.diagnosis) { $0.replacingOccurrences(of: "id: charger_fault", with: "id: charger_faul") }
        #expect(unknown.reason.contains("unknown diagnosis id 'charger_faul'"))
        let missing = try Self.rejection(.diagnosis) {
            $0.replacingOccurrences(of: "  - {id: charger_fault, threshold: 10, severity: warning, reaction_delay_ms: 0, enabled: true}\n", with: "")
        }
        #expect(missing.key == "rows.charger_fault")
        #expect(missing.reason.contains("missing row"))
    }

    @Test func healingBelowTheSelfHeatingThresholdIsRejected() throws {
        let error = try Self.rejection(.healingProfiles) {
            $0.replacingOccurrences(of: "current_density_ma_per_cm2: 10.0", with: "current_density_ma_per_cm2: 5.0")
        }
        #expect(error.key == "self_heating_dose.current_density_ma_per_cm2")
        #expect(error.reason.contains("9 mA/cm²"))
    }

    @Test func nonMonotoneOCVIsRejected() throws {
        let error = try Self.rejection(.cellModel) { $0.replacingOccurrences(of: "3.5715, 3.5771", with: "3.5715, 3.5600") }
        #expect(error.key.hasPrefix("cell.ocv_v."))
        #expect(error.reason.contains("increase strictly"))
    }

    @Test func syntaxErrorsNameTheirLine() throws {
        let error = try Self.rejectionOfText(.thermalRunaway, "confirmation: [1, 2\nsampling: 3\n")
        #expect(error.line >= 1)
        #expect(error.reason.hasPrefix("YAML syntax"))
    }

    static func rejectionOfText(_ file: ConfigurationFile, _ text: String) throws -> ConfigError {
        do {
            _ = try ConfigDocument(yaml: text, file: file.rawValue)
        } catch {
            return error
        }
        throw ConfigError(file: file.rawValue, line: 0, column: 0, key: "", reason: "accepted")
    }

    @Test func invalidConfigurationCannotBuildAController() {
        var configuration = Fixtures.small
        configuration.limits.chargeCurrentPerCell.maximumSafety = 0
        #expect(throws: ConfigurationIssue.self) { try BMSController(configuration: configuration) }
    }
}
