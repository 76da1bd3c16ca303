import CellPack
import FirmwareConfig
import Foundation

/// Virtual cell pack throughput against an arithmetic floor measured in the same run:
/// - full-model cell-steps per second per core at 12…1536 cells (1C cycling, 1 s steps; target ≥ 10 M/s),
/// - pulsed current inside 1 s steps (the general two-level forms),
/// - simulated-time speed-up of the 96s2p pack at 1 ms and 1 s steps,
/// - wall time of one 1C/1C cycle of the 96s2p pack at 30 s steps (the ageing-run budget),
/// - the coarse-step check: 100 cycles of one cell at 1 s and 60 s steps.
///
/// `BMSBENCH_PACK_PROFILE=<steps>` runs only a short fixed workload for `valgrind --tool=callgrind` (instruction
/// counts are repeatable where timings are not on a shared machine); `BMSBENCH_PACK_PROFILE_DT` sets its step.
enum CellPackBenchmarks {
    static func run() throws {
        let cell = try CellParameterFile.load(path: "Firmware/cells/li-metal-ncm811-pouch.yaml")
        let topology = try PackParameterFile.load(path: "Firmware/packs/96s2p.yaml")
        if let steps = ProcessInfo.processInfo.environment["BMSBENCH_PACK_PROFILE"].flatMap(Int.init) {
            try profile(cell: cell, topology: topology, steps: steps)
            return
        }

        var floors: [Int: Double] = [:]
        for cells in [12, 96, 384, 1_536] {
            let steps = max(2_000_000 / cells, 200)
            _ = arithmeticFloor(cells: cells, steps: steps)
            floors[cells] = fullArithmeticFloor(cells: cells, steps: steps).nanosecondsPerOperation
        }
        for cells in [12, 96, 384, 1_536] {
            var sized = topology
            sized[.seriesCount] = Double(cells / 2)
            var pack = try VirtualPack(cell: cell, pack: sized, seed: 1, initialStateOfCharge: 0.8)
            // 1C (10 A on two parallel 5 Ah cells) discharge and charge half-hours: normal operation.
            let steps = max(1_000_000 / cells, 100)
            var clock = 0
            let result = Bench.measure("pack: full model, \(cells) cells, 1 s steps (per cell-step)", operations: cells * steps, runs: 3) {
                for _ in 0..<steps {
                    pack.step(cycling(clock, halfSeconds: 1_800), duration: 1)
                    clock += 1
                }
                return pack.truth.packVolts
            }
            let floor = floors[cells] ?? .nan
            let rate = result.operationsPerSecond / 1e6
            Bench.note(
                "  vs full-cell arithmetic floor \(Bench.format(floor, 1)) ns",
                "\(Bench.format(result.nanosecondsPerOperation / floor, 1))x floor, \(Bench.format(rate, 1)) M cell-steps/s/core"
                    + " (target >= 10: \(rate >= 10 ? "met" : "NOT met"))")
        }

        var pulsed = try VirtualPack(cell: cell, pack: topology, seed: 1, initialStateOfCharge: 0.3)
        let pulses = PackInputs(current: .pulses(amps: -20, onSeconds: 0.001, offSeconds: 0.003), contactors: .closed)
        _ = Bench.measure("pack: 1 ms/3 ms pulses inside 1 s steps, 192 cells", operations: 192 * 2_000, runs: 3) {
            for _ in 0..<2_000 { pulsed.step(pulses, duration: 1) }
            return pulsed.truth.packVolts
        }

        // 96s2p driven with 1C charge/discharge half-hours (10 A on a 10 Ah pack), as a regression suite would.
        for (label, dt, steps) in [("1 ms", 0.001, 20_000), ("1 s", 1.0, 7_200)] {
            var pack = try VirtualPack(cell: cell, pack: topology, seed: 1, initialStateOfCharge: 0.8)
            let half = max(Int(1_800 / dt), 1)
            let result = Bench.measure("pack: 96s2p at \(label) steps (per step)", operations: steps, runs: 3) {
                for index in 0..<steps { pack.step(cycling(index, halfSeconds: half), duration: dt) }
                return pack.truth.packVolts
            }
            let speedUp = dt * 1e9 / result.nanosecondsPerOperation
            Bench.note("  simulated-time speed-up at \(label)", "\(Bench.format(speedUp, 0))x real time")
        }

        try ageingBudget(cell: cell, topology: topology)
        try coarseStepCheck(cell: cell, topology: topology)
    }

    /// 1C discharge for `halfSeconds` steps, then 1C charge for as many (10 A on the 96s2p's 10 Ah groups).
    static func cycling(_ step: Int, halfSeconds: Int) -> PackInputs {
        PackInputs(current: .constant((step / halfSeconds) % 2 == 0 ? 10 : -10), contactors: .closed)
    }

    /// One 1C/1C cycle of the 96s2p pack at 30 s steps: 1C discharge for 54 min (95 % → 5 %), 10 min rest, 1C
    /// charge for 54 min, 10 min rest (256 steps, 2 h 8 min simulated). Wall time per cycle and for 1000.
    static func ageingBudget(cell: CellParameters, topology: PackParameters) throws {
        var pack = try VirtualPack(cell: cell, pack: topology, seed: 1, initialStateOfCharge: 0.95)
        let phases: [(Double, Int)] = [(10, 108), (0, 20), (-10, 108), (0, 20)]
        let result = Bench.measure("pack: one 1C/1C cycle of 96s2p at 30 s steps", operations: 1, runs: 5) {
            for (amps, steps) in phases {
                let inputs = PackInputs(current: .constant(amps), contactors: .closed)
                for _ in 0..<steps { pack.step(inputs, duration: 30) }
            }
            return pack.truth.packVolts
        }
        let perCycle = result.bestNanoseconds / 1e9
        Bench.note(
            "  1000 such cycles (pack physics only)",
            "\(Bench.format(perCycle * 1_000, 2)) s wall, \(Bench.format(7_680 / perCycle, 0))x real time")
    }

    /// 100 cycles of one cell (C/2 charge 96 min, 1C discharge 48 min, 10 min rests, 10-90 % SOC) at 1 s and at
    /// 60 s steps: the capacity and end-of-charge voltage they reach, and their differences.
    static func coarseStepCheck(cell: CellParameters, topology: PackParameters) throws {
        var single = topology
        single[.seriesCount] = 1
        single[.parallelCount] = 1
        single[.capacitySpread] = 0
        single[.resistanceSpread] = 0
        single[.selfDischargeSpread] = 0
        var results: [(capacity: Double, endOfCharge: Double, dead: Double)] = []
        for seconds in [1.0, 60.0] {
            var pack = try VirtualPack(cell: cell, pack: single, seed: 7, initialStateOfCharge: 0.1)
            var endOfCharge = 0.0
            for _ in 0..<100 {
                for (amps, duration) in [(-2.5, 5_760.0), (0, 600), (5, 2_880), (0, 600)] {
                    let inputs = PackInputs(current: .constant(amps), contactors: .closed)
                    for _ in 0..<Int(duration / seconds) { pack.step(inputs, duration: seconds) }
                    if amps < 0 { endOfCharge = pack.cell(0)?.terminalVolts ?? .nan }
                }
            }
            let aged = pack.cell(0)
            results.append((aged?.capacityAh ?? .nan, endOfCharge, aged?.lithium.dead ?? .nan))
        }
        let (fine, coarse) = (results[0], results[1])
        Bench.note(
            "pack: 100 cycles of one cell, 1 s vs 60 s steps",
            "capacity \(Bench.format(fine.capacity, 4)) vs \(Bench.format(coarse.capacity, 4)) Ah ("
                + "\(Bench.format(abs(fine.capacity - coarse.capacity) / 5 * 100, 3)) % of rating), end of charge "
                + "\(Bench.format(fine.endOfCharge, 4)) vs \(Bench.format(coarse.endOfCharge, 4)) V ("
                + "\(Bench.format(abs(fine.endOfCharge - coarse.endOfCharge) * 1_000, 2)) mV), dead Li "
                + "\(Bench.format(abs(fine.dead - coarse.dead) / fine.dead * 100, 3)) % apart")
    }

    /// A short fixed workload for `valgrind --tool=callgrind`: the 96s2p pack (or `BMSBENCH_PACK_PROFILE_CELLS`
    /// cells, two in parallel) in 1C discharge and charge half-hours, `steps` steps of `BMSBENCH_PACK_PROFILE_DT`
    /// seconds (default 1); with `BMSBENCH_PACK_PROFILE_PULSES` set, 20 A 1 ms/3 ms charge pulses instead.
    static func profile(cell: CellParameters, topology: PackParameters, steps: Int) throws {
        let environment = ProcessInfo.processInfo.environment
        let dt = environment["BMSBENCH_PACK_PROFILE_DT"].flatMap(Double.init) ?? 1
        var sized = topology
        if let cells = environment["BMSBENCH_PACK_PROFILE_CELLS"].flatMap(Int.init) { sized[.seriesCount] = Double(max(cells / 2, 1)) }
        var pack = try VirtualPack(cell: cell, pack: sized, seed: 1, initialStateOfCharge: 0.8)
        let half = max(Int(1_800 / dt), 1)
        let clock = ContinuousClock()
        let start = clock.now
        let pulses = PackInputs(current: .pulses(amps: -20, onSeconds: 0.001, offSeconds: 0.003), contactors: .closed)
        let pulsed = environment["BMSBENCH_PACK_PROFILE_PULSES"] != nil
        for index in 0..<steps { pack.step(pulsed ? pulses : cycling(index, halfSeconds: half), duration: dt) }
        let (seconds, attoseconds) = (clock.now - start).components
        let nanoseconds = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        print(
            "profile: \(steps) steps of \(dt) s, \(pack.cellCount) cells, pack \(Bench.format(pack.truth.packVolts, 3)) V, "
                + "\(Bench.format(nanoseconds / Double(max(steps, 1) * pack.cellCount), 1)) ns per cell-step")
    }

    /// A bare 2RC ZOH + lumped-thermal update over SoA columns: the arithmetic a cell-step cannot go below.
    static func arithmeticFloor(cells: Int, steps: Int) -> Bench.Result {
        var soc = Array(repeating: 0.5, count: cells)
        var v1 = Array(repeating: 0.0, count: cells)
        var v2 = Array(repeating: 0.0, count: cells)
        var temperature = Array(repeating: 298.15, count: cells)
        let r0 = 0.008, r1 = 0.006, r2 = 0.006, tau1 = 10.0, tau2 = 300.0, capacity = 5.0 * 3_600
        let heatCapacity = 52.0, conductance = 1.0, ambient = 298.15
        return Bench.measure("pack: arithmetic floor, \(cells) cells (2RC ZOH + thermal)", operations: cells * steps, runs: 3) {
            var sum = 0.0
            for step in 0..<steps {
                let current = step % 2 == 0 ? -5.0 : -4.0
                let dt = 1.0
                let a1 = exp(-dt / tau1)
                let a2 = exp(-dt / tau2)
                for index in 0..<cells {
                    soc[index] -= current * dt / capacity
                    v1[index] = a1 * v1[index] + r1 * (1 - a1) * current
                    v2[index] = a2 * v2[index] + r2 * (1 - a2) * current
                    let heat = current * current * r0 + current * (v1[index] + v2[index])
                    temperature[index] += dt * (heat - conductance * (temperature[index] - ambient)) / heatCapacity
                }
                sum += v1[0] + temperature[cells - 1]
            }
            return sum + soc[0] + v2[0]
        }
    }

    /// The arithmetic of a full cell-step without the model's structure: per-cell Arrhenius factor, SOC-dependent
    /// RC time constants (2 exp), one-state hysteresis (1 exp), calendar + throughput degradation (sqrt) and a
    /// 101-point OCV lookup — the "≈36 ns per full cell-step" reference of models-and-estimation 6.1.
    static func fullArithmeticFloor(cells: Int, steps: Int) -> Bench.Result {
        var soc = Array(repeating: 0.5, count: cells)
        var v1 = Array(repeating: 0.0, count: cells)
        var v2 = Array(repeating: 0.0, count: cells)
        var hysteresis = Array(repeating: 0.0, count: cells)
        var temperature = Array(repeating: 298.15, count: cells)
        var loss = Array(repeating: 0.0, count: cells)
        var voltage = Array(repeating: 0.0, count: cells)
        let table = (0...100).map { 3.0 + 1.2 * Double($0) / 100 }
        let capacity = 5.0 * 3_600
        return Bench.measure("pack: full-cell arithmetic floor, \(cells) cells", operations: cells * steps, runs: 3) {
            var sum = 0.0
            for step in 0..<steps {
                let current = step % 2 == 0 ? -5.0 : -4.0
                let dt = 1.0
                for index in 0..<cells {
                    let kelvin = temperature[index]
                    let arrhenius = exp(2_405 * (1 / kelvin - 1 / 298.15))
                    let r0 = 0.008 * arrhenius
                    let tau1 = 10 * (1 + 0.2 * soc[index])
                    let tau2 = 300 * (1 + 0.2 * soc[index])
                    let a1 = exp(-dt / tau1)
                    let a2 = exp(-dt / tau2)
                    v1[index] = a1 * v1[index] + 0.006 * arrhenius * (1 - a1) * current
                    v2[index] = a2 * v2[index] + 0.006 * arrhenius * (1 - a2) * current
                    let decay = exp(-abs(current) * dt * 20 / capacity)
                    hysteresis[index] = decay * hysteresis[index] - (1 - decay) * (current > 0 ? 1 : -1)
                    soc[index] -= current * dt / capacity
                    loss[index] = (loss[index] * loss[index] + 1e-12 * arrhenius * dt).squareRoot() + 1e-7 * abs(current) * dt
                    let position = min(max(soc[index], 0), 1) * 100
                    let lower = min(Int(position), 99)
                    let ocv = table[lower] + (position - Double(lower)) * (table[lower + 1] - table[lower])
                    voltage[index] = ocv + 0.01 * hysteresis[index] - v1[index] - v2[index] - r0 * current
                    let heat = current * current * r0 + current * (v1[index] + v2[index])
                    temperature[index] += dt * (heat - (temperature[index] - 298.15)) / 52
                }
                sum += voltage[0] + temperature[cells - 1]
            }
            return sum + loss[0]
        }
    }
}
