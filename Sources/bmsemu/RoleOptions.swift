import ArgumentParser
import Emulator
import EmulatorRuntime
import Foundation

/// Options shared by the commands that run roles: scenario, seed, logging.
struct RoleOptions: ParsableArguments {
    @Option(help: "Scenario file (YAML) with the pack setup, vehicle program and timeline; default: a healthy pack at 50 % SOC.")
    var scenario: String?
    @Option(help: "Seed for cell spread, sensor noise and faults (overrides the scenario's seed).") var seed: UInt64?
    @Option(help: "Write every frame seen to this candump -L log (flushed and synced on exit, also on Ctrl-C).") var log: String?
    @Option(help: "Stop after this many seconds (default: the scenario's duration, or until Ctrl-C).") var duration: Double?

    /// The scenario to run: from the file, or the default one, with the seed override applied.
    func loadScenario(bundle: FirmwareBundle, defaultName: String) throws -> Scenario {
        var loaded: Scenario
        if let path = scenario {
            do { loaded = try bundle.loadScenario(path: path) } catch { throw ValidationError("\(error)") }
        } else {
            loaded = Scenario(name: defaultName, durationSeconds: .infinity)
        }
        if let seed { loaded.seed = seed }
        return loaded
    }
}

extension FirmwareOptions {
    /// Loads the firmware bundle, turning problems into a validation error (exit code 2).
    func bundle() throws -> FirmwareBundle {
        let directory = try resolved()
        do { return try FirmwareBundle(directory: directory) } catch { throw ValidationError("\(error)") }
    }
}
