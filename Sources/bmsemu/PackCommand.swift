import ArgumentParser
import CANCore
import CellPack
import Emulator
import EmulatorRuntime
import Foundation
import SensorNodes
import SocketCAN

/// `bmsemu pack`: the virtual pack and its sensor nodes alone on a bus (restbus for a real BMS).
struct PackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pack",
        abstract: "Run the virtual pack, its sensor nodes, charger, contactors and the vehicle on a CAN interface in real time.",
        discussion: """
            Restbus simulation for a BMS under test (a real board on can0, or `bmsemu firmware` on vcan0): the nodes \
            send what bms.dbc describes and act on the BMS's contactor, charger and balancing commands. With --no-vcu \
            the state requests come from elsewhere (python-can, a real VCU). Ctrl-C stops cleanly and flushes the log.

            With --profile foxbms the pack side speaks the bus of a foxBMS 2 master instead (HIL/foxbms.md): AFE pages \
            0x270/0x280, the IVT-S on 0x521...0x528, the vehicle's 0x210 every 100 ms; the vehicle reads 0x220 and \
            0x231...0x233 and keeps its load within foxBMS's MaximumDischargeCurrent; the virtual contactors follow \
            --foxbms-contactors. Timeline actions foxBMS's bus cannot carry are refused (scenario.action_refused).
            """
    )

    @OptionGroup var firmware: FirmwareOptions
    @OptionGroup var role: RoleOptions
    @OptionGroup var bus: PackProfileOptions
    @Option(help: "SocketCAN interface, e.g. vcan0 or can0.") var can: String
    @Flag(help: "Do not send VCU state requests (another tool sends them).") var noVCU = false
    @Option(help: "Simulation step in milliseconds (pack physics and node sampling).") var stepMs: Double = 1
    @Flag(help: "Print no live summary.") var quiet = false

    func validate() throws {
        guard stepMs >= 0.1, stepMs <= 1000 else { throw ValidationError("--step-ms must be between 0.1 and 1000") }
    }

    func run() throws {
        let bundle = try firmware.bundle()
        var scenario = try role.loadScenario(bundle: bundle, defaultName: "pack")
        if noVCU { scenario.vehicle.sendsStateRequests = false }
        try bus.apply(to: &scenario.pack)
        var vehicle: VehicleParticipant
        do { vehicle = try bundle.makeVehicle(for: scenario) } catch { throw ValidationError(error.description) }
        vehicle.play(scenario.timeline)
        let socket = try openSocketCAN(can)
        defer { socket.close() }
        try runRealTime(vehicle, bus: socket, name: "pack", scenario: scenario, role: role, stepMs: stepMs, quiet: quiet) { vehicle in
            let truth = vehicle.pack.truth
            if let status = vehicle.vehicle.foxBMSStatus {
                return String(
                    format: "pack %.2f V, %.2f A, foxBMS %@ (strings %@, max discharge %@ A%@), contactors %@, 0x210 sent %d", truth.packVolts,
                    truth.packCurrentAmps, status.state ?? "silent", status.connectedStrings.map { "\($0)" } ?? "-",
                    status.maximumDischargeAmps.map { String(format: "%.2f", $0) } ?? "-", status.canTimingError == true ? ", CAN timing error" : "",
                    vehicle.nodes.actuators.contactors.summary, vehicle.vehicle.foxBMSRequestsSent)
            }
            return String(format: "pack %.2f V, %.2f A, BMS %@, vented %d", truth.packVolts, truth.packCurrentAmps, vehicle.vehicle.reportedState ?? "silent", truth.ventedCells)
        }
    }
}

/// Opens a SocketCAN interface (with CAN FD when the interface supports it), as a failure with exit code 3.
func openSocketCAN(_ name: String) throws -> SocketCANBus {
    do {
        return try SocketCANBus(interface: name, options: .init(canFD: true))
    } catch {
        throw RuntimeFailure("cannot open \(name): \(error)")
    }
}

/// Runs one participant in real time on a SocketCAN bus, logging frames and printing a summary each second.
func runRealTime<P: SimulationParticipant>(
    _ participant: P, bus: SocketCANBus, name: String, scenario: Scenario, role: RoleOptions, stepMs: Double, quiet: Bool,
    summary: (P) -> String
) throws {
    ShutdownSignal.install()
    let writer: CandumpLogWriter?
    do { writer = try role.log.map { try CandumpLogWriter(path: $0) } } catch { throw RuntimeFailure("\(error)") }
    writer?.writeComment("bmsemu \(name) on \(bus.interfaceName), scenario \(scenario.name), seed \(scenario.seed)")
    defer { writer?.close() }
    var loop = RealTimeParticipantLoop(participant: participant, bus: bus, periodNanoseconds: Int64(stepMs * 1_000_000))
    let end = role.duration ?? scenario.durationSeconds
    let endNanoseconds = end.isFinite ? Int64(end * 1e9) : Int64.max
    var second: Int64 = 1
    var events = 0
    do {
        while !ShutdownSignal.isRequested {
            let until = min(second * 1_000_000_000, endNanoseconds)
            try loop.run(
                untilNanoseconds: until,
                onEvent: { event in
                    events += 1
                    if !quiet, event.kind.hasPrefix("pack.") || event.kind.hasPrefix("scenario.") || event.kind.hasPrefix("firmware.") {
                        print("  \(event)")
                    }
                },
                onFrame: { frame, timestamp, _ in
                    writer?.write(CANLogRecord(timestamp: timestamp, interface: bus.interfaceName, frame: frame))
                })
            if !quiet { print("[\(second) s] \(summary(loop.participant))") }
            writer?.flush()
            if until >= endNanoseconds { break }
            second += 1
        }
    } catch {
        throw RuntimeFailure("\(name) on \(bus.interfaceName): \(error)")
    }
    let jitter = loop.scheduler.jitterSummary
    print("\(name): \(jitter); \(loop.framesDropped) frames dropped by the kernel, \(loop.sendFailures) sends refused\(loop.lastSendFailure.map { " (last: \($0))" } ?? "")")
}
