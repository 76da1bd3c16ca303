import Emulator
import FirmwareConfig
import Foundation
import Testing

/// The regression suite in `HIL/scenarios/` (run in full by `HIL/test.sh` with the release binary): every file
/// loads, names itself after its file, states expectations, and together they cover what issue 7 lists.
@Suite("Shipped scenario suite")
struct ShippedScenarioSuiteTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = root.appendingPathComponent("HIL/scenarios")

    static func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    @Test func everyScenarioLoadsWithExpectations() throws {
        let files = try Self.files()
        #expect(files.count >= 20)
        for file in files {
            let path = Self.directory.appendingPathComponent(file).path
            let scenario = try ScenarioFile.load(path: path, firmwareDirectory: Self.root.appendingPathComponent("Firmware").path)
            #expect(scenario.name + ".yaml" == file, "\(file) is named \(scenario.name)")
            #expect(!scenario.expectations.isEmpty, "\(file) checks nothing")
            #expect(!scenario.summary.isEmpty, "\(file) has no summary")
        }
    }

    /// Every protection, each thermal-runaway trigger, each healing protocol, sensor and bus faults, ageing.
    @Test func theSuiteCoversTheRequiredCases() throws {
        let names = Set(try Self.files().map { String($0.dropLast(5)) })
        let required = [
            "protection-cell-overvoltage", "protection-cell-undervoltage", "protection-overtemperature", "protection-undertemperature",
            "protection-overcurrent-charge", "protection-overcurrent-discharge", "protection-pack-voltage", "protection-insulation",
            "tr-overcharge", "tr-internal-short", "tr-nail-penetration", "tr-external-heating", "tr-cooling-failure",
            "healing-pulse-charging", "healing-self-heating-pulse-train", "healing-asymmetric-bidirectional", "healing-rest-stcr",
            "sensor-thermistor-open", "sensor-thermistor-stuck-hot", "sensor-sense-wire-open", "sensor-cmu-silent", "sensor-current-offset",
            "bus-cell-frames-corrupted", "bus-state-request-lost", "aging-1000-cycles",
        ]
        for name in required { #expect(names.contains(name), "missing \(name).yaml") }
    }
}
