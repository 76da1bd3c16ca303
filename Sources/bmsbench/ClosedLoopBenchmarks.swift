import CellPack
import Emulator
import EmulatorRuntime
import FirmwareConfig
import Foundation

/// Issue 7: simulated-time speed of the whole closed loop for the default pack, against the pack physics
/// alone in the same run.
///
/// The loop is what `bmsemu scenario run` runs for a cycling scenario: the 96s2p pack, its sensor nodes,
/// the vehicle, the virtual bus and the firmware in lock-step on 30 s steps, 1C (10 A) discharges to
/// 3050 mV, 10 min rests and charger charges, healing off (the shape of an ageing regression). The
/// reference steps the same ``VirtualPack`` through the pack current the loop produced, step by step
/// (recorded in an untimed run): the arithmetic floor under the loop. Both are reported as wall seconds
/// per 1000 cycles (target: under a minute for the loop) and as a ratio.
///
/// `BMSBENCH_CLOSED_LOOP_CYCLES` sets the cycles per timed run (default 10).
enum ClosedLoopBenchmarks {
    static let stepMilliseconds = 30_000.0

    static func run() throws {
        let bundle: FirmwareBundle
        do {
            bundle = try FirmwareBundle(directory: "Firmware")
        } catch {
            print("closed-loop: cannot load Firmware/ (run from the package root): \(error)")
            return
        }
        let cycles = environmentInteger("BMSBENCH_CLOSED_LOOP_CYCLES").map { max($0, 1) } ?? 10
        let scenario = ageingScenario(cycles: cycles)

        // Untimed run: the pack current of every step, for the physics-only reference.
        var recorder = try makeRunner(scenario, bundle: bundle)
        var currents: [Double] = []
        while !recorder.isFinished {
            recorder.step()
            currents.append(recorder.vehicle.pack.lastStepAverageCurrentAmps)
        }
        let completed = recorder.vehicle.vehicle.completedCycles
        guard completed == cycles else {
            print("closed-loop: the loop completed \(completed) of \(cycles) cycles; no figures")
            return
        }

        var runners: [ScenarioRunner] = []
        for _ in 0..<3 { runners.append(try makeRunner(scenario, bundle: bundle)) }
        var next = 0
        let loop = Bench.measure("closed loop: 96s2p, nodes, bus, firmware (per 30 s step)", operations: currents.count, runs: 3) {
            defer { next += 1 }
            while !runners[next].isFinished { runners[next].step() }
            return runners[next].simulation.nowNanoseconds
        }

        let seconds = stepMilliseconds / 1000
        let cell = bundle.directory + "/" + scenario.pack.cellFile
        let topology = bundle.directory + "/" + scenario.pack.packFile
        var packs: [VirtualPack] = []
        for _ in 0..<3 {
            packs.append(
                try VirtualPack(
                    cell: try CellParameterFile.load(path: cell), pack: try PackParameterFile.load(path: topology), seed: scenario.seed,
                    initialStateOfCharge: scenario.pack.initialStateOfCharge, initialCelsius: scenario.pack.initialCelsius))
        }
        next = 0
        let physics = Bench.measure("reference: pack physics alone, same currents", operations: currents.count, runs: 3) {
            defer { next += 1 }
            for amps in currents { packs[next].step(PackInputs(current: .constant(amps), contactors: .closed), duration: seconds) }
            return packs[next].truth.packVolts
        }

        let stepsPerCycle = Double(currents.count) / Double(cycles)
        let loopPerThousand = loop.nanosecondsPerOperation * stepsPerCycle * 1_000 / 1e9
        let physicsPerThousand = physics.nanosecondsPerOperation * stepsPerCycle * 1_000 / 1e9
        Bench.note("  \(cycles) cycles, \(currents.count) steps", "\(Bench.format(stepsPerCycle, 1)) steps per cycle")
        Bench.note(
            "  1000 cycles, closed loop",
            "\(Bench.format(loopPerThousand, 1)) s wall (target < 60: \(loopPerThousand < 60 ? "met" : "NOT met")), "
                + "\(Bench.format(seconds * 1e9 / loop.nanosecondsPerOperation, 0))x real time")
        Bench.note("  1000 cycles, pack physics alone", "\(Bench.format(physicsPerThousand, 1)) s wall")
        Bench.note("  closed loop / physics alone", "\(Bench.format(loopPerThousand / physicsPerThousand, 1))x")
    }

    /// Cycling as in an ageing regression: 1C discharge to 3050 mV, 10 min rests, charger charge (6 h timeout).
    static func ageingScenario(cycles: Int) -> Scenario {
        let program = CyclingProgram(
            cycles: cycles, dischargeAmps: 10, dischargeCutoffMillivolts: 3_050, restSeconds: 600, chargeTimeoutSeconds: 21_600)
        return Scenario(
            name: "closed-loop-bench", summary: "issue 7 speed", seed: 3,
            durationSeconds: Double(cycles) * (2 * program.restSeconds + program.chargeTimeoutSeconds + 36_000),
            stepMilliseconds: stepMilliseconds, pack: PackSetup(initialStateOfCharge: 0.5),
            vehicle: VehicleProgram(healingAllowed: false, cycling: program), samplePeriodSeconds: 600)
    }

    static func makeRunner(_ scenario: Scenario, bundle: FirmwareBundle) throws -> ScenarioRunner {
        try ScenarioRunner(
            scenario: scenario, vehicle: try bundle.makeVehicle(for: scenario), firmware: try bundle.makeFirmware(for: scenario),
            database: bundle.database)
    }

    static func environmentInteger(_ name: String) -> Int? {
        ProcessInfo.processInfo.environment[name].flatMap { Int($0) }
    }
}
