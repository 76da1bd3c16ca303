import ArgumentParser
import BMSFirmware
import Emulator
import EmulatorRuntime
import Foundation
import SocketCAN

/// `bmsemu firmware`: the BMS controller alone on a CAN interface.
struct FirmwareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "firmware",
        abstract: "Run the BMS firmware alone on a CAN interface in real time (against real sensor boards or `bmsemu pack`).",
        discussion: """
            The controller reads every bms.dbc message it consumes, runs its cyclic task every --task-ms, and reacts to \
            frames as they arrive (a fault frame is handled within the poll wake-up, not at the next cycle). Ctrl-C \
            stops cleanly and flushes the log.
            """
    )

    @OptionGroup var firmware: FirmwareOptions
    @OptionGroup var role: RoleOptions
    @Option(help: "SocketCAN interface, e.g. vcan0 or can0.") var can: String
    @Option(help: "Firmware task period in milliseconds (default: the configuration's, 10 ms).") var taskMs: Double?
    @Flag(help: "Print no live summary.") var quiet = false

    func run() throws {
        let bundle = try firmware.bundle()
        var scenario = try role.loadScenario(bundle: bundle, defaultName: "firmware")
        if let taskMs { scenario.firmwareTaskMilliseconds = taskMs }
        let participant: FirmwareParticipant
        do { participant = try bundle.makeFirmware(for: scenario) } catch { throw ValidationError(error.description) }
        let bus = try openSocketCAN(can)
        defer { bus.close() }
        try runRealTime(participant, bus: bus, name: "firmware", scenario: scenario, role: role, stepMs: 1, quiet: quiet) { firmware in
            let controller = firmware.node.controller
            return "state \(controller.state.name.rawValue), SOC \(String(format: "%.1f", (controller.cellSOC.reduce(0, +) / Double(max(controller.cellSOC.count, 1))) * 100)) %"
        }
    }
}
