import ArgumentParser
import CANCore
import Emulator
import EmulatorRuntime
import Foundation
import SocketCAN

/// `bmsemu run`: every role together, on the embedded virtual bus or a SocketCAN interface.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run firmware, pack, nodes and vehicle together, on the embedded virtual bus or on a CAN interface.",
        discussion: """
            --can virtual runs everything in one process in lock-step: --speed max as fast as the CPU allows \
            (bit-for-bit repeatable), --speed realtime or a factor paced by absolute deadlines. With --rpc-port a \
            pytest suite drives the run over the remote test API (pause, step, read and write model variables, \
            inject faults, capture signals; HIL/remote-api.md); --paused starts it paused. --can vcan0 runs \
            the firmware and the pack side on two sockets of that interface in real time, so candump, python-can or \
            SavvyCAN see the real traffic. Ctrl-C stops cleanly; the log stays complete.
            """
    )

    @OptionGroup var firmware: FirmwareOptions
    @OptionGroup var role: RoleOptions
    @Option(help: "virtual (embedded bus) or a SocketCAN interface such as vcan0.") var can: String = "virtual"
    @Option(help: "realtime, max, or a speed factor such as 10 (virtual bus only).") var speed: String = "realtime"
    @Option(help: "Seconds of simulated time between summary lines.") var summaryEvery: Double = 10
    @Flag(help: "Print no live summary.") var quiet = false
    @Option(help: "Serve the remote test API (JSON-RPC 2.0, one JSON object per line, HIL/remote-api.md) on this TCP port; 0 picks a free one (--can virtual only).")
    var rpcPort: UInt16?
    @Option(help: "Address the remote test API listens on.") var rpcBind: String = "127.0.0.1"
    @Flag(help: "Start paused: simulated time advances only through the remote API's sim.step (needs --rpc-port).") var paused = false

    func validate() throws {
        guard speed == "realtime" || speed == "max" || (Double(speed).map { $0 > 0 && $0.isFinite } ?? false) else {
            throw ValidationError("--speed is realtime, max or a positive factor")
        }
        if can != "virtual", speed != "realtime" { throw ValidationError("--speed other than realtime needs --can virtual") }
        if can != "virtual", rpcPort != nil { throw ValidationError("--rpc-port needs --can virtual (the API steps the lock-step simulation)") }
        if paused, rpcPort == nil { throw ValidationError("--paused needs --rpc-port (nothing else could resume the run)") }
    }

    func run() throws {
        let bundle = try firmware.bundle()
        let scenario = try role.loadScenario(bundle: bundle, defaultName: "run")
        if can == "virtual" {
            try runVirtual(bundle: bundle, scenario: scenario)
        } else {
            try runOnInterface(bundle: bundle, scenario: scenario)
        }
    }

    func runVirtual(bundle: FirmwareBundle, scenario: Scenario) throws {
        var scenario = scenario
        if let duration = role.duration { scenario.durationSeconds = duration }
        var runner: ScenarioRunner
        do {
            runner = try ScenarioRunner(scenario: scenario, vehicle: try bundle.makeVehicle(for: scenario), firmware: try bundle.makeFirmware(for: scenario), database: bundle.database)
        } catch {
            throw ValidationError("\(error)")
        }
        ShutdownSignal.install()
        let writer: CandumpLogWriter?
        do { writer = try role.log.map { try CandumpLogWriter(path: $0) } } catch { throw RuntimeFailure("\(error)") }
        writer?.writeComment("bmsemu run on the virtual bus, scenario \(scenario.name), seed \(scenario.seed)")
        defer { writer?.close() }
        if let rpcPort {
            try serveRemote(runner: runner, port: rpcPort, bundle: bundle, writer: writer)
            return
        }
        let factor = speed == "max" ? nil : (speed == "realtime" ? 1 : Double(speed))
        var scheduler = factor.map { DeadlineScheduler(periodNanoseconds: Int64(scenario.stepMilliseconds * 1e6 / $0)) }
        let start = MonotonicClock.nanoseconds()
        var nextSummary = 0.0
        var eventCount = 0
        while !runner.isFinished, !ShutdownSignal.isRequested {
            if scheduler != nil { _ = scheduler!.waitForNextCycle(interruptible: { ShutdownSignal.isRequested }) }
            runner.step { writer?.write($0) }
            if !quiet {
                for event in runner.simulation.events.dropFirst(eventCount) where event.kind != "vehicle.phase" {
                    print("  \(event)")
                }
            }
            eventCount = runner.simulation.events.count
            if !quiet, runner.simulatedSeconds >= nextSummary {
                print(LiveSummary.line(runner))
                nextSummary += summaryEvery
            }
        }
        let outcome = runner.finish(stopReason: ShutdownSignal.isRequested ? "stopped by request" : "end of the run")
        let wall = Double(MonotonicClock.nanoseconds() - start) / 1e9
        print(String(format: "ran %.0f s of simulated time in %.1f s (%.0fx real time); %@", outcome.simulatedSeconds, wall, outcome.simulatedSeconds / max(wall, 1e-9), outcome.stopReason))
        if let scheduler { print("cycle jitter: \(scheduler.jitterSummary)") }
        for result in outcome.results { print("  \(result.passed ? "✓" : "✗") \(result.expectation): \(result.detail)") }
        if !outcome.results.allSatisfy(\.passed) { throw ExitCode(1) }
    }

    func runOnInterface(bundle: FirmwareBundle, scenario: Scenario) throws {
        ShutdownSignal.install()
        var vehicle: VehicleParticipant
        let firmwareRole: FirmwareParticipant
        do {
            vehicle = try bundle.makeVehicle(for: scenario)
            firmwareRole = try bundle.makeFirmware(for: scenario)
        } catch {
            throw ValidationError("\(error)")
        }
        vehicle.play(scenario.timeline.filter { if case .busFault = $0.action { return false } else { return true } })
        let duration = role.duration ?? scenario.durationSeconds
        let recorder = try BusRecorder(interface: can, path: role.log)
        let packSide = vehicle
        let threads = [
            RoleThread(name: "pack", interface: can, duration: duration) { bus, until in
                var loop = RealTimeParticipantLoop(participant: packSide, bus: bus, periodNanoseconds: 1_000_000)
                try loop.run(untilNanoseconds: until)
                return "pack: \(loop.scheduler.jitterSummary)"
            },
            RoleThread(name: "firmware", interface: can, duration: duration) { bus, until in
                var loop = RealTimeParticipantLoop(participant: firmwareRole, bus: bus, periodNanoseconds: 1_000_000)
                try loop.run(untilNanoseconds: until)
                return "firmware: \(loop.scheduler.jitterSummary)"
            },
        ]
        threads.forEach { $0.start() }
        threads.forEach { $0.join() }
        let frames = recorder.stop()
        for thread in threads { print(thread.result) }
        print("recorded \(frames) frames on \(can)\(role.log.map { " to \($0)" } ?? "")")
        if threads.contains(where: \.failed) { throw ExitCode(3) }
    }
}
