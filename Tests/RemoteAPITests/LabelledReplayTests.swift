import CANCore
import Emulator
import EmulatorRuntime
import Foundation
import Testing

@Suite("Labelled log replay")
struct LabelledReplayTests {
    static let directory = Harness.root.appendingPathComponent("HIL/replay")

    static var fixtures: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".log") }.sorted()
    }

    func replay(_ name: String, as label: ReplayLabel? = nil) throws -> ReplayVerdict {
        let data = try Data(contentsOf: Self.directory.appendingPathComponent(name))
        let parsed = CandumpLog.parse([UInt8](data))
        #expect(parsed.errors.isEmpty)
        let chosen = try #require(label ?? ReplayLabel.find(fileName: name, comments: parsed.comments.map(\.text)))
        let bundle = Harness.bundle
        let replay = LabelledReplay(database: bundle.database, configuration: bundle.controller)
        return try replay.run(records: parsed.records, label: chosen, firmware: try bundle.makeFirmware(for: Scenario(name: "replay", durationSeconds: 0)))
    }

    @Test func fixturesCoverTheLabelsAndStaySmall() throws {
        let labels = Set(Self.fixtures.compactMap { ReplayLabel.find(fileName: $0, comments: []) })
        #expect(labels.isSuperset(of: [.normal, .cellOvervoltage, .cellUndervoltage]))
        for name in Self.fixtures {
            let size = try FileManager.default.attributesOfItem(atPath: Self.directory.appendingPathComponent(name).path)[.size] as? Int ?? .max
            #expect(size < 1_000_000, "\(name) is \(size) bytes")
        }
    }

    @Test(arguments: fixtures)
    func everyFixturePassesItsLabel(_ name: String) throws {
        let verdict = try replay(name)
        #expect(verdict.passed, "\(name): \(verdict.message)")
        #expect(!verdict.firmwareFrames.isEmpty)
        if let reaction = verdict.reactionSeconds { #expect(reaction > 0.5, "faster than the 500 ms debounce: \(reaction) s") }
    }

    @Test func aWrongLabelFails() throws {
        #expect(!(try replay("fixture_normal.log", as: .cellOvervoltage)).passed)
        #expect(!(try replay("fixture_cell-ov.log", as: .normal)).passed)
        #expect(!(try replay("fixture_cell-ov.log", as: .cellUndervoltage)).passed)
        #expect(!(try replay("fixture_normal.log", as: .thermalRunawayWarning)).passed)
    }

    @Test func replayIsDeterministic() throws {
        let first = try replay("fixture_cell-ov.log")
        let second = try replay("fixture_cell-ov.log")
        #expect(first.firmwareFrames == second.firmwareFrames)
        #expect(first.message == second.message)
    }

    @Test func labelsComeFromACommentOrTheFileName() {
        #expect(ReplayLabel.find(fileName: "dir/field-2024_cell-ov.log", comments: []) == .cellOvervoltage)
        #expect(ReplayLabel.find(fileName: "capture_overtemp.asc", comments: []) == .overtemperature)
        #expect(ReplayLabel.find(fileName: "capture_cell-ov.log", comments: [" label: normal"]) == .normal)
        #expect(ReplayLabel.find(fileName: "capture.log", comments: ["bmsemu run"]) == nil)
        #expect(ReplayLabel.find(fileName: "capture_unknown.log", comments: []) == nil)
    }
}
