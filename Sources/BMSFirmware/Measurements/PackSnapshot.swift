/// The classified view of the pack at one tick: which readings are valid, extremes, current, rest.
/// Rebuilt in place every tick from the ``MeasurementStore`` and the trackers.
struct PackSnapshot: Sendable {
    var cellVolts: [Double]
    var cellValid: [Bool]
    /// A new voltage arrived for the block since the last tick.
    var cellFresh: [Bool]
    /// Classified open wire (by the node or by the low/high neighbour signature).
    var cellOpenWire: [Bool]
    var cellOutOfRange: [Bool]
    var cellStale: [Bool]
    var validCellCount = 0
    var minimumCellMillivolts: Int32 = 0
    var minimumCell = 0
    var maximumCellMillivolts: Int32 = 0
    var maximumCell = 0
    var meanCellVolts = 0.0
    var sumCellMillivolts: Int64 = 0

    /// Per block: its own sensor's temperature when valid, else the mean of the valid sensors.
    var cellCelsius: [Double]
    var validSensorCount = 0
    var minimumDeciCelsius: Int32 = 0
    var minimumSensor = 0
    var maximumDeciCelsius: Int32 = 0
    var maximumSensor = 0

    var currentAmperes = 0.0
    var currentMilliamperes: Int32 = 0
    var currentValid = false
    var currentStale = true
    var packMillivolts: Int32 = 0
    var packVoltageValid = false
    var linkMillivolts: Int32 = 0
    var linkVoltageValid = false

    var atRest = false
    var restSince = Time.never
    var smoke = false
    var smokeFault = false

    init(topology: PackTopology) {
        let cells = topology.seriesCells
        cellVolts = Array(repeating: 0, count: cells)
        cellValid = Array(repeating: false, count: cells)
        cellFresh = Array(repeating: false, count: cells)
        cellOpenWire = Array(repeating: false, count: cells)
        cellOutOfRange = Array(repeating: false, count: cells)
        cellStale = Array(repeating: true, count: cells)
        cellCelsius = Array(repeating: 25, count: cells)
    }

    /// Rest duration at `now` (0 when not at rest).
    func restMilliseconds(at now: Int64) -> Int64 { atRest ? max(0, Time.elapsed(from: restSince, to: now)) : 0 }

    /// True when every block has a valid voltage.
    var allCellsValid: Bool { validCellCount == cellValid.count }
}
