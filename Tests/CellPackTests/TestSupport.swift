import CellPack
import FirmwareConfig
import Foundation

/// Shared fixtures: the shipped parameter files and small laboratory protocols (a cycler, an ARC).
enum Fixture {
    /// Package root, derived from this file's path (tests never depend on the working directory).
    static let packageRoot: String = {
        let path = #filePath
        guard let range = path.range(of: "/Tests/CellPackTests/") else { return "." }
        return String(path[..<range.lowerBound])
    }()

    static let cellPath = packageRoot + "/Firmware/cells/li-metal-ncm811-pouch.yaml"
    static let packPath = packageRoot + "/Firmware/packs/96s2p.yaml"

    static func cell() throws -> CellParameters { try CellParameterFile.load(path: cellPath) }
    static func pack() throws -> PackParameters { try PackParameterFile.load(path: packPath) }

    /// A 1s1p pack without production spread: one cell on a cycler, cooled by the pack's cold plate.
    static func singleCell(_ cell: CellParameters, stateOfCharge: Double = 0, celsius: Double = 25, seed: UInt64 = 7) throws -> VirtualPack {
        var pack = try pack()
        pack[.seriesCount] = 1
        pack[.parallelCount] = 1
        pack[.capacitySpread] = 0
        pack[.resistanceSpread] = 0
        pack[.selfDischargeSpread] = 0
        return try VirtualPack(cell: cell, pack: pack, seed: seed, initialStateOfCharge: stateOfCharge, initialCelsius: celsius)
    }

    /// A laboratory cell as in the healing literature: thick lithium and flooded electrolyte (so neither runs
    /// out during a long cycling test [S0:L229, L287]).
    static func labCell() throws -> CellParameters {
        var cell = try cell()
        cell[.lithiumThickness] = 250
        cell[.electrolytePerCapacity] = 40
        cell[.cellMass] = 260
        return cell
    }
}

/// Result of one cycler cycle.
struct CycleRecord {
    var dischargeAh: Double
    var shorted: Bool
}

extension VirtualPack {
    /// One cycler cycle on cell 0 of a 1s1p pack: charge with `charge` until `upperVolts`, taper the current by 20 %
    /// per step at the limit down to C/20, rest 10 min, discharge at `dischargeAmps` to 3.0 V, rest 10 min.
    mutating func cycle(charge: CurrentWaveform, dischargeAmps: Double, upperVolts: Double = 4.2, step seconds: Double = 60) -> CycleRecord {
        var inputs = PackInputs(current: charge, contactors: .closed)
        var scale = 1.0
        for _ in 0..<100_000 {
            var waveform = charge
            waveform.firstAmps *= scale
            waveform.secondAmps *= scale
            inputs.current = waveform
            step(inputs, duration: seconds)
            guard let cell = cell(0) else { break }
            if cell.hardShort { return CycleRecord(dischargeAh: 0, shorted: true) }
            if cell.terminalVolts >= upperVolts || cell.openCircuitVolts >= upperVolts {
                scale *= 0.8
                if abs(charge.averageAmps) * scale < 0.25 { break }
            }
        }
        inputs.current = .rest
        step(inputs, duration: 600)
        var discharged = 0.0
        inputs.current = .constant(dischargeAmps)
        for _ in 0..<100_000 {
            step(inputs, duration: seconds)
            discharged += dischargeAmps * seconds / 3_600
            if (cell(0)?.terminalVolts ?? 0) <= 3.0 { break }
        }
        inputs.current = .rest
        step(inputs, duration: 600)
        return CycleRecord(dischargeAh: discharged, shorted: cell(0)?.hardShort ?? true)
    }

    /// Charges cell 0 at `amps` until its OCV reaches 4.2 V (100 % SOC), then rests one second.
    mutating func chargeToFull(amps: Double = 2.5) {
        let inputs = PackInputs(current: .constant(-amps), contactors: .closed)
        for _ in 0..<100_000 where (cell(0)?.openCircuitVolts ?? 5) < 4.2 { step(inputs, duration: 10) }
        step(PackInputs(current: .rest, contactors: .open), duration: 1)
    }
}

/// Accelerating-rate calorimetry (heat–wait–seek) on cell 0, the way Jiang et al. 2022 measured Li-metal pouch
/// cells: heat 5 K, wait 10 min, seek 10 min; once self-heating exceeds 0.02 K/min track the cell adiabatically
/// (the surroundings follow the surface) until dT/dt ≥ 1 K/s.
struct AcceleratingRateCalorimeter {
    /// Surface temperature where self-heating was first detected, °C.
    var onsetCelsius = Double.nan
    /// Surface temperature where dT/dt first reached 1 K/s (thermal runaway), °C.
    var runawayCelsius = Double.nan

    mutating func run(_ pack: inout VirtualPack, limitHours: Double = 150) {
        var inputs = PackInputs(current: .rest, contactors: .open, cooling: .failed, heaterWatts: [0])
        var time = 0.0
        @inline(__always)
        func advance(_ seconds: Double) {
            inputs.ambientCelsius = pack.cell(0)?.surfaceCelsius ?? 25
            pack.step(inputs, duration: seconds)
            time += seconds
        }
        while time < limitHours * 3_600, onsetCelsius.isNaN {
            let target = (pack.cell(0)?.surfaceCelsius ?? 0) + 5
            inputs.heaterWatts[0] = 20
            while (pack.cell(0)?.surfaceCelsius ?? 999) < target { advance(5) }
            inputs.heaterWatts[0] = 0
            for _ in 0..<60 { advance(10) }
            let start = pack.cell(0)?.surfaceCelsius ?? 0
            for _ in 0..<60 { advance(10) }
            let rate = ((pack.cell(0)?.surfaceCelsius ?? 0) - start) / 10
            if rate >= 0.02 { onsetCelsius = start }
            if start > 350 { return }
        }
        var last = pack.cell(0)?.surfaceCelsius ?? 0
        while time < limitHours * 3_600 {
            advance(1)
            let now = pack.cell(0)?.surfaceCelsius ?? 0
            if now - last >= 1 {
                runawayCelsius = last
                return
            }
            last = now
        }
    }
}
