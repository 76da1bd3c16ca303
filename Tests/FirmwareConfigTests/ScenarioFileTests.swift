import CANCore
import CANTransport
import CellPack
import Emulator
import FirmwareConfig
import Foundation
import Testing

@Suite("ScenarioFile")
struct ScenarioFileTests {
    static let firmware = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Firmware").path

    func load(_ yaml: String, check: @escaping (String) -> String? = { _ in nil }) throws(ParameterFileError) -> Scenario {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString).yaml").path
        try? yaml.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try ScenarioFile.load(path: path, firmwareDirectory: Self.firmware, checkSensorFault: check)
    }

    @Test func aCompleteScenarioLoads() throws {
        let scenario = try load("""
            name: cell-ov
            summary: overcharge one group
            seed: 7
            duration_s: 120
            step_ms: 1
            bus: {bitrate: 500000}
            pack: {initial_soc: 0.9, ambient_celsius: 30}
            vehicle:
              request: charge
              load: {profile: profiles/urban-drive.csv, scale: 2, repeat: true}
            timeline:
              - at: 60
                pack_fault: {internal_short: {cell: 12, ohms: 0.05}}
              - at_ms: 1500
                sensor_fault: "cmu3.voltage[5] stuck 4300 mV"
              - at: 70
                bus_fault: {action: drop, id: 0x201, probability: 0.5, duration_s: 5}
              - at: 80
                request: {mode: heal, protocol: asymmetric_bidirectional}
              - at: 90
                environment: {ambient_celsius: 45, cooling: failed}
            expect:
              - within: {from: "pack.cell_voltage_above_msl[*]", to: firmware.contactors_opened, ms: 100}
              - lead_time: {earlier: firmware.tr_warning, later: "pack.cell_vented[*]", s: 300}
              - never: firmware.tr_alarm
              - metric: "soh.capacity_rmse_percent < 1"
            """)
        #expect(scenario.name == "cell-ov" && scenario.seed == 7 && scenario.stepMilliseconds == 1)
        #expect(scenario.busModel?.nominalBitRate == 500_000)
        #expect(scenario.pack.initialStateOfCharge == 0.9)
        #expect(scenario.vehicle.initialRequest == .charge)
        guard case .profile(let name, let points, let scale, let repeats) = scenario.vehicle.initialLoad else {
            Issue.record("profile load expected"); return
        }
        #expect(name == "profiles/urban-drive.csv" && points.count > 100 && scale == 2 && repeats)
        #expect(scenario.timeline.map(\.atSeconds) == [1.5, 60, 70, 80, 90])  // sorted by time
        #expect(scenario.timeline[1].action == .packFault(.internalShort(cell: 12, ohms: 0.05)))
        #expect(scenario.timeline[3].action == .request(.heal, healing: .asymmetricBidirectional))
        #expect(scenario.expectations.count == 4)
        #expect(scenario.expectations[3] == .metric(name: "soh.capacity_rmse_percent", comparison: .lessThan, bound: 1))
    }

    @Test func everyProblemIsReportedWithLineAndKey() {
        do {
            _ = try load("""
                name: broken
                duration_s: 10
                colour: blue
                pack: {initial_soc: 1.5}
                timeline:
                  - at: 5
                    pack_fault: {internal_short: {cell: 3}}
                  - at: 20
                    request: standby
                  - at: 1
                    launch: rockets
                  - at: 2
                    sensor_fault: "cmu99 silent"
                expect:
                  - within: {from: "bad selector!", to: x, ms: 10}
                  - metric: "soh about 1"
                """, check: { $0.contains("cmu99") ? "board 99 does not exist" : nil })
            Issue.record("broken scenario accepted")
        } catch {
            let text = error.description
            #expect(text.contains(":3:1: colour: unknown key"), "\(text)")
            #expect(text.contains("pack.initial_soc: 1.5 is outside the allowed range"))
            #expect(text.contains("missing required key 'ohms'"))
            #expect(text.contains("after the end of the run"))
            #expect(text.contains("unknown action 'launch'"))
            #expect(text.contains("board 99 does not exist"))
            #expect(text.contains("is not an event selector"))
            #expect(text.contains("a metric expectation reads"))
            #expect(error.problems.count == 8)
            #expect(error.problems.allSatisfy { $0.line > 0 || $0.reason.contains("after the end") })
        }
    }

    @Test func missingFilesAndBadProfilesAreNamed() {
        do {
            _ = try load("""
                name: files
                duration_s: 10
                pack: {cell: cells/none.yaml}
                vehicle: {load: {profile: profiles/none.csv}}
                """)
            Issue.record("missing files accepted")
        } catch {
            #expect(error.description.contains("no such file under the firmware directory"))
            #expect(error.description.contains("cannot read the profile"))
        }
    }

    @Test func syntaxErrorsAreLocated() {
        do {
            _ = try load("name: [unclosed\nduration_s: 1\n")
            Issue.record("syntax error accepted")
        } catch {
            #expect(error.problems.first?.reason.hasPrefix("YAML syntax") == true)
            #expect((error.problems.first?.line ?? 0) >= 1)
        }
    }
}
