/// How many cells and sensors the pack has and how they sit next to each other.
///
/// A measured "cell" is a block of `parallelCells` cells in parallel; blocks are numbered 0..<seriesCells
/// along the string and grouped in modules of `cellsPerModule`. Temperature sensors are spread evenly
/// over the blocks; two blocks are neighbours when their indices differ by one inside a module.
public struct PackTopology: Hashable, Sendable {
    public var seriesCells: Int
    public var parallelCells: Int
    public var cellsPerModule: Int
    public var temperatureSensors: Int
    /// A second, redundant temperature channel per sensor (compared for plausibility).
    public var redundantTemperatures: Bool
    public var gasSensors: Int
    public var pressureSensors: Int
    public var smokeSensors: Int

    public init(
        seriesCells: Int, parallelCells: Int, cellsPerModule: Int, temperatureSensors: Int,
        redundantTemperatures: Bool, gasSensors: Int, pressureSensors: Int, smokeSensors: Int
    ) {
        self.seriesCells = seriesCells
        self.parallelCells = parallelCells
        self.cellsPerModule = cellsPerModule
        self.temperatureSensors = temperatureSensors
        self.redundantTemperatures = redundantTemperatures
        self.gasSensors = gasSensors
        self.pressureSensors = pressureSensors
        self.smokeSensors = smokeSensors
    }

    /// The block a temperature sensor sits on.
    public func cell(forTemperatureSensor sensor: Int) -> Int {
        min(seriesCells - 1, (sensor * seriesCells + seriesCells / 2) / max(temperatureSensors, 1))
    }

    /// The temperature sensor nearest to a block.
    public func temperatureSensor(forCell cell: Int) -> Int {
        min(temperatureSensors - 1, cell * temperatureSensors / max(seriesCells, 1))
    }

    /// Neighbouring blocks (same module, index ±1), in ascending order.
    public func neighbours(ofCell cell: Int) -> [Int] {
        var result: [Int] = []
        let module = cell / cellsPerModule
        if cell > 0, (cell - 1) / cellsPerModule == module { result.append(cell - 1) }
        if cell + 1 < seriesCells, (cell + 1) / cellsPerModule == module { result.append(cell + 1) }
        return result
    }

    func validate(into collector: inout IssueCollector) {
        let path = ["topology"]
        collector.check((1...1024).contains(seriesCells), path + ["series_cells"], "must lie in 1...1024")
        collector.check((1...64).contains(parallelCells), path + ["parallel_cells"], "must lie in 1...64")
        collector.check(cellsPerModule >= 1 && cellsPerModule <= max(seriesCells, 1), path + ["cells_per_module"], "must lie in 1...series_cells")
        collector.check(
            temperatureSensors >= 1 && temperatureSensors <= max(seriesCells, 1) * 4, path + ["temperature_sensors"],
            "must lie in 1...4 × series_cells")
        collector.check((0...64).contains(gasSensors), path + ["gas_sensors"], "must lie in 0...64")
        collector.check((0...64).contains(pressureSensors), path + ["pressure_sensors"], "must lie in 0...64")
        collector.check((0...64).contains(smokeSensors), path + ["smoke_sensors"], "must lie in 0...64")
    }
}
