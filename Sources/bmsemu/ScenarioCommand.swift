import ArgumentParser
import CANCore
import Emulator
import EmulatorRuntime
import Foundation
import ScenarioReports

/// `bmsemu scenario …`: regression scenarios on simulated time.
struct ScenarioCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Run regression scenarios (YAML) on simulated time and report for CI.",
        subcommands: [Run.self, Check.self]
    )

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run scenario files in lock-step simulation, as fast as the CPU allows, and check their expectations.",
            discussion: """
                Each scenario runs the virtual pack, its nodes and the firmware on the embedded virtual bus. Results go to \
                the terminal, and optionally to JUnit XML (--junit), a self-contained HTML report with plots (--report) and \
                one candump log per scenario (--log-dir). Exit code 0 when every expectation holds, 1 when one fails, \
                2 for a malformed scenario, 3 for a runtime failure. Ctrl-C stops after the current step; logs stay complete.
                """
        )

        @OptionGroup var firmware: FirmwareOptions
        @Argument(help: "Scenario files (YAML), e.g. HIL/scenarios/*.yaml.") var files: [String]
        @Option(help: "Write a JUnit XML report here.") var junit: String?
        @Option(help: "Write an HTML report with plots here.") var report: String?
        @Option(help: "Write one candump -L log per scenario into this directory.") var logDir: String?
        @Option(help: "Override every scenario's seed.") var seed: UInt64?
        @Flag(help: "Print no progress lines.") var quiet = false

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("give at least one scenario file") }
        }

        func run() throws {
            let bundle = try firmware.bundle()
            // Read every scenario first: a malformed file fails the run before anything is simulated.
            var scenarios: [(path: String, scenario: Scenario)] = []
            var problems: [String] = []
            for path in files {
                do {
                    var scenario = try bundle.loadScenario(path: path)
                    if let seed { scenario.seed = seed }
                    scenarios.append((path, scenario))
                } catch {
                    problems.append(error.description)
                }
            }
            guard problems.isEmpty else {
                for problem in problems { printError(problem) }
                throw ExitCode(2)
            }
            if let logDir {
                do { try FileManager.default.createDirectory(atPath: logDir, withIntermediateDirectories: true) } catch {
                    throw RuntimeFailure("cannot create \(logDir): \(error.localizedDescription)")
                }
            }
            ShutdownSignal.install()
            var outcomes: [(outcome: ScenarioOutcome, wallSeconds: Double)] = []
            for (path, scenario) in scenarios {
                if ShutdownSignal.isRequested { break }
                let result = try runOne(scenario, path: path, bundle: bundle)
                outcomes.append(result)
            }
            try writeReports(outcomes)
            let failed = outcomes.filter { !$0.outcome.passed }.count
            print("\(outcomes.count - failed) of \(outcomes.count) scenarios passed" + (ShutdownSignal.isRequested ? " (interrupted)" : ""))
            if failed > 0 || ShutdownSignal.isRequested { throw ExitCode(1) }
        }

        func runOne(_ scenario: Scenario, path: String, bundle: FirmwareBundle) throws -> (outcome: ScenarioOutcome, wallSeconds: Double) {
            var runner: ScenarioRunner
            do {
                runner = try ScenarioRunner(
                    scenario: scenario, vehicle: try bundle.makeVehicle(for: scenario), firmware: try bundle.makeFirmware(for: scenario),
                    database: bundle.database)
            } catch {
                throw RuntimeFailure("\(path): \(error)")
            }
            let writer: CandumpLogWriter?
            do {
                writer = try logDir.map { try CandumpLogWriter(path: "\($0)/\(scenario.name).log") }
            } catch {
                throw RuntimeFailure("\(error)")
            }
            writer?.writeComment("bmsemu scenario \(scenario.name) (\(path)), seed \(scenario.seed)")
            defer { writer?.close() }
            if !quiet { print("▶ \(scenario.name): \(scenario.summary)") }
            let start = MonotonicClock.nanoseconds()
            var lastReport = start
            let outcome = runner.run(
                shouldStop: { ShutdownSignal.isRequested },
                frameSink: { writer?.write($0) },
                progress: { fraction, simulated in
                    let now = MonotonicClock.nanoseconds()
                    guard !quiet, now - lastReport > 5_000_000_000 else { return }
                    lastReport = now
                    let wall = Double(now - start) / 1e9
                    print(String(format: "  %3.0f %%  %.0f s simulated in %.1f s (%.0fx real time)", fraction * 100, simulated, wall, simulated / max(wall, 1e-9)))
                })
            let wall = Double(MonotonicClock.nanoseconds() - start) / 1e9
            if !quiet {
                for result in outcome.results { print("  \(result.passed ? "✓" : "✗") \(result.expectation): \(result.detail)") }
                print(String(format: "  %@ in %.1f s wall, %.0f s simulated (%.0fx real time); %@", outcome.passed ? "passed" : "FAILED", wall, outcome.simulatedSeconds, outcome.simulatedSeconds / max(wall, 1e-9), outcome.stopReason))
            }
            return (outcome, wall)
        }

        func writeReports(_ outcomes: [(outcome: ScenarioOutcome, wallSeconds: Double)]) throws {
            if let junit {
                try writeFile(junit, ScenarioReportBuilder.junit(outcomes).xml)
            }
            if let report {
                try writeFile(report, ScenarioReportBuilder.html(outcomes).html)
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check scenario files without running them (schema, files, fault texts).")

        @OptionGroup var firmware: FirmwareOptions
        @Argument(help: "Scenario files (YAML).") var files: [String]

        func run() throws {
            let bundle = try firmware.bundle()
            var bad = 0
            for path in files {
                do {
                    let scenario = try bundle.loadScenario(path: path)
                    print("\(path): ok (\(scenario.name), \(scenario.timeline.count) timeline entries, \(scenario.expectations.count) expectations)")
                } catch {
                    bad += 1
                    printError(error.description)
                }
            }
            if bad > 0 { throw ExitCode(2) }
        }
    }
}
