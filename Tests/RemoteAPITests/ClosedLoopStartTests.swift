import Emulator
import EmulatorRuntime
import Foundation
import Testing

/// The first four minutes of `bmsemu demo` (the default 96s2p pack, its nodes and the firmware on the
/// virtual bus, charging from 35 %): the closed-loop defects the demo exposed stay fixed. Sensors starting
/// up are no timeouts, the precharge passes with the IVT's channel errors, resistance steps are not learned
/// from the precharge inrush (which skewed block SOCs by 10 %), and the charger is asked for less than the
/// MOL limit: no alarm of any level, and every block's SOC stays near the truth.
@Suite("Closed loop: demo start-up")
struct ClosedLoopStartTests {
    @Test func demoStartsChargingWithoutAnyAlarm() throws {
        var scenario = try Harness.bundle.loadScenario(path: Harness.root.appendingPathComponent("HIL/scenarios/demo.yaml").path)
        scenario.durationSeconds = 240
        var runner = try ScenarioRunner(
            scenario: scenario, vehicle: try Harness.bundle.makeVehicle(for: scenario),
            firmware: try Harness.bundle.makeFirmware(for: scenario), database: Harness.bundle.database)
        while !runner.isFinished { runner.step() }
        let outcome = runner.finish(stopReason: "end of the run")
        let kinds = outcome.events.map(\.kind)
        #expect(kinds.contains("firmware.contactors_closed"))
        let closedAt = outcome.events.first { $0.kind == "firmware.contactors_closed" }.map { Double($0.timeNanoseconds) / 1e9 }
        #expect((closedAt ?? .infinity) < 2, "precharge took \(closedAt ?? -1) s")
        let alarms = outcome.events.filter { $0.kind.hasPrefix("firmware.alarm") || $0.kind.hasPrefix("firmware.tr_") }
        #expect(alarms.isEmpty, "\(alarms)")
        let rmse = try #require(outcome.metrics["soc.rmse_percent"])
        #expect(rmse < 3, "SOC RMSE \(rmse) %")
    }
}
