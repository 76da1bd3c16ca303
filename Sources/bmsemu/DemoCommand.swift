import ArgumentParser
import Emulator
import EmulatorRuntime
import Foundation
import ScenarioReports

/// `bmsemu demo`: the main job of the quick start.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the default 96s2p pack, its nodes and the firmware on the embedded virtual bus: a charge, a healing dose and a drive.",
        discussion: """
            Plays HIL/scenarios/demo.yaml as fast as the CPU allows, prints a live summary (what the BMS reports next \
            to the model's truth) and every notable event, writes the bus traffic as a candump -L log, and checks the \
            scenario's expectations. Open the log with `bmsemu monitor --log <file>`, candump tools or SavvyCAN.
            """
    )

    @OptionGroup var firmware: FirmwareOptions
    @Option(help: "Where to write the candump -L log of the run.") var log: String = "bmsemu-demo.log"
    @Option(help: "Also write an HTML report with plots here.") var report: String?
    @Option(help: "Seconds of simulated time between summary lines.") var summaryEvery: Double = 120
    @Option(help: "Seed (cell spread, sensor noise).") var seed: UInt64?

    func run() throws {
        let bundle = try firmware.bundle()
        let root = URL(fileURLWithPath: bundle.directory).deletingLastPathComponent().path
        let path = root + "/HIL/scenarios/demo.yaml"
        var scenario: Scenario
        do { scenario = try bundle.loadScenario(path: path) } catch { throw ValidationError("\(error)") }
        if let seed { scenario.seed = seed }
        var runner: ScenarioRunner
        do {
            runner = try ScenarioRunner(scenario: scenario, vehicle: try bundle.makeVehicle(for: scenario), firmware: try bundle.makeFirmware(for: scenario), database: bundle.database)
        } catch {
            throw ValidationError("\(error)")
        }
        ShutdownSignal.install()
        let writer: CandumpLogWriter
        do { writer = try CandumpLogWriter(path: log) } catch { throw RuntimeFailure("\(error)") }
        writer.writeComment("bmsemu demo: \(scenario.summary); seed \(scenario.seed)")
        defer { writer.close() }
        print("bmsemu demo — \(scenario.summary)")
        print("pack 96s2p Li-metal|NCM811, 8 cell-monitoring boards, IVT-S current sensor, gas/pressure/smoke/IMD, charger, contactors; firmware on the embedded virtual bus\n")
        let start = MonotonicClock.nanoseconds()
        var nextSummary = 0.0
        var eventCount = 0
        var frames = 0
        let shown: Set<String> = [
            "scenario.action", "firmware.state", "firmware.contactors_closed", "firmware.contactors_opened", "firmware.alarm",
            "firmware.healing_started", "firmware.healing_outcome", "firmware.healing_record", "firmware.tr_warning", "firmware.tr_alarm",
            "pack.cell_vented", "pack.cell_voltage_above_msl",
        ]
        while !runner.isFinished, !ShutdownSignal.isRequested {
            runner.step { record in
                writer.write(record)
                frames += 1
            }
            for event in runner.simulation.events.dropFirst(eventCount) where shown.contains(event.kind) {
                print("    \(event)")
            }
            eventCount = runner.simulation.events.count
            if runner.simulatedSeconds >= nextSummary {
                print(LiveSummary.line(runner))
                nextSummary += summaryEvery
            }
        }
        let outcome = runner.finish(stopReason: ShutdownSignal.isRequested ? "stopped by request" : "end of the scenario")
        let wall = Double(MonotonicClock.nanoseconds() - start) / 1e9
        print("")
        for result in outcome.results { print("  \(result.passed ? "✓" : "✗") \(result.expectation): \(result.detail)") }
        print(String(format: "\n%.0f s simulated in %.1f s (%.0fx real time); %d frames written to %@", outcome.simulatedSeconds, wall, outcome.simulatedSeconds / max(wall, 1e-9), frames, log))
        if let report { try writeFile(report, ScenarioReportBuilder.html([(outcome, wall)]).html) }
        if !outcome.passed { throw ExitCode(1) }
    }
}
