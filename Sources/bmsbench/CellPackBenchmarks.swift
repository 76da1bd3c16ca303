import CellPack
import FirmwareConfig
import Foundation

/// Virtual cell pack throughput: full-model cell-steps per second per core at 12…1536 cells, simulated-time
/// speed-up of the 96s2p pack at 1 ms and 1 s steps, and an arithmetic floor measured in the same run (a bare
/// 2RC zero-order-hold update with lumped thermal over structure-of-arrays columns of the same size).
enum CellPackBenchmarks {
    static func run() throws {
        let cell = try CellParameterFile.load(path: "Firmware/cells/li-metal-ncm811-pouch.yaml")
        let topology = try PackParameterFile.load(path: "Firmware/packs/96s2p.yaml")

        var floors: [Int: Double] = [:]
        for cells in [12, 96, 384, 1_536] {
            let steps = max(2_000_000 / cells, 200)
            _ = arithmeticFloor(cells: cells, steps: steps)
            floors[cells] = fullArithmeticFloor(cells: cells, steps: steps).nanosecondsPerOperation
        }
        for cells in [12, 96, 384, 1_536] {
            var sized = topology
            sized[.seriesCount] = Double(cells / 2)
            var pack = try VirtualPack(cell: cell, pack: sized, seed: 1, initialStateOfCharge: 0.3)
            let steps = max(1_000_000 / cells, 100)
            let charge = PackInputs(current: .constant(-5), contactors: .closed)
            let result = Bench.measure("pack: full model, \(cells) cells, 1 s steps (per cell-step)", operations: cells * steps, runs: 3) {
                for _ in 0..<steps { pack.step(charge, duration: 1) }
                return pack.truth.packVolts
            }
            let floor = floors[cells] ?? .nan
            Bench.note(
                "  vs full-cell arithmetic floor \(Bench.format(floor, 1)) ns",
                "\(Bench.format(result.nanosecondsPerOperation / floor, 1))x floor, \(Bench.format(result.operationsPerSecond / 1e6, 1)) M cell-steps/s/core")
        }

        var pulsed = try VirtualPack(cell: cell, pack: topology, seed: 1, initialStateOfCharge: 0.3)
        let pulses = PackInputs(current: .pulses(amps: -20, onSeconds: 0.001, offSeconds: 0.003), contactors: .closed)
        _ = Bench.measure("pack: 1 ms/3 ms pulses inside 1 s steps, 192 cells", operations: 192 * 2_000, runs: 3) {
            for _ in 0..<2_000 { pulsed.step(pulses, duration: 1) }
            return pulsed.truth.packVolts
        }

        // 96s2p driven with 1C discharge and 1C charge half-hours (10 A on a 10 Ah pack), as a regression suite would.
        for (label, dt, steps) in [("1 ms", 0.001, 20_000), ("1 s", 1.0, 7_200)] {
            var pack = try VirtualPack(cell: cell, pack: topology, seed: 1, initialStateOfCharge: 0.8)
            let discharge = PackInputs(current: .constant(10), contactors: .closed)
            let charge = PackInputs(current: .constant(-10), contactors: .closed)
            let half = max(Int(1_800 / dt), 1)
            let result = Bench.measure("pack: 96s2p at \(label) steps (per step)", operations: steps, runs: 3) {
                for index in 0..<steps { pack.step((index / half) % 2 == 0 ? discharge : charge, duration: dt) }
                return pack.truth.packVolts
            }
            let speedUp = dt * 1e9 / result.nanosecondsPerOperation
            Bench.note("  simulated-time speed-up at \(label)", "\(Bench.format(speedUp, 0))x real time")
        }
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
