@testable import BMSFirmware
import SeededRandom

/// A string of synthetic blocks for controller-level scenarios: each block its own truth cell, an
/// optional leak (internal short), a temperature, and sensor noise from a seeded generator.
struct SyntheticPack {
    var cells: [SyntheticCell]
    /// Extra discharge current of each block through an internal (soft) short, A.
    var leakAmperes: [Double]
    var celsius: [Double]
    var random: Xoshiro256
    var voltageNoiseVolts = 0.002
    var temperatureNoiseCelsius = 0.1

    init(configuration: BMSConfiguration, soc: Double, seed: UInt64) {
        let count = configuration.topology.seriesCells
        let parallel = Double(configuration.topology.parallelCells)
        var random = Xoshiro256(seed: seed)
        cells = (0..<count).map { _ in
            var cell = SyntheticCell(
                configuration: configuration, soc: soc + 0.01 * random.nextGaussian(),
                capacityAmpereHours: configuration.cell.nominalCapacityAmpereHours * parallel * (1 + 0.01 * random.nextGaussian()),
                seriesOhms: configuration.cell.seriesResistanceOhms / parallel)
            cell.ocvOffsetVolts = 0
            return cell
        }
        leakAmperes = Array(repeating: 0, count: count)
        celsius = Array(repeating: 25, count: configuration.topology.temperatureSensors)
        self.random = random
    }

    mutating func step(packAmperes: Double, seconds: Double) {
        for index in cells.indices { cells[index].step(amperes: packAmperes + leakAmperes[index], seconds: seconds) }
    }

    mutating func millivolts(packAmperes: Double) -> [Int32] {
        cells.indices.map { index in
            let volts = cells[index].terminalVolts(amperes: packAmperes + leakAmperes[index]) + voltageNoiseVolts * random.nextGaussian()
            return Int32((volts * 1000).rounded())
        }
    }

    mutating func deciCelsius() -> [Int32] {
        celsius.map { Int32((($0 + temperatureNoiseCelsius * random.nextGaussian()) * 10).rounded()) }
    }
}

extension Rig {
    /// Drives the rig's measurements from a synthetic pack for `milliseconds` per tick.
    @discardableResult
    mutating func tick(plant: inout SyntheticPack, _ milliseconds: Int64 = 100) -> [BMSCommand] {
        let amperes = Double(currentMilliamperes) / 1000
        plant.step(packAmperes: amperes, seconds: Double(milliseconds) / 1000)
        cellMillivolts = plant.millivolts(packAmperes: amperes)
        temperatures = plant.deciCelsius()
        return tick(milliseconds)
    }
}

extension Fixtures {
    /// One 12-block module (neighbours on both sides), 1 parallel cell, no reports.
    static let module: BMSConfiguration = {
        var configuration = shipped
        configuration.topology = PackTopology(
            seriesCells: 12, parallelCells: 1, cellsPerModule: 12, temperatureSensors: 12, redundantTemperatures: false, gasSensors: 1,
            pressureSensors: 1, smokeSensors: 1)
        configuration.reporting = .silent
        return configuration
    }()
}
