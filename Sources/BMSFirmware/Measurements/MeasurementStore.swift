/// The controller's database (foxBMS `database` module): the latest raw value of every input, when it
/// arrived (controller time of the last tick), and node-reported sensor faults. Only stores; never decides.
struct MeasurementStore: Sendable {
    var cellMillivolts: [Int32]
    var cellVoltageReceivedAt: [Int64]
    /// Set when a block's voltage arrives; consumed by the estimators on the next tick.
    var cellVoltageFresh: [Bool]
    var openWireReported: [Bool]

    var temperatureDeciCelsius: [Int32]
    var temperatureReceivedAt: [Int64]
    var redundantDeciCelsius: [Int32]
    var redundantReceivedAt: [Int64]
    var temperatureFaultReported: [Bool]

    var currentMilliamperes: Int32 = 0
    var currentReceivedAt: Int64 = Time.never
    var currentFaultReported = false

    var packMillivolts: Int32 = 0
    var packVoltageReceivedAt: Int64 = Time.never
    var linkMillivolts: Int32 = 0
    var linkVoltageReceivedAt: Int64 = Time.never

    var hydrogenPartsPerMillion: [Int32]
    var gasReceivedAt: [Int64]
    var gasFaultReported: [Bool]
    var pressurePascals: [Int32]
    var pressureReceivedAt: [Int64]
    var pressureFaultReported: [Bool]
    var smokeDetected: [Bool]
    var smokeReceivedAt: [Int64]
    var smokeFaultReported: [Bool]

    var insulationKiloohms: Int32 = 0
    var insulationReceivedAt: Int64 = Time.never
    /// Last frame from a node whose sensor is still starting up (no value): the link is alive.
    var gasAliveAt: [Int64]
    var pressureAliveAt: [Int64]
    var insulationAliveAt: Int64 = Time.never
    /// The controller's first tick: a sensor that never reported gets its timeout from here (nodes need
    /// up to one transmit period after power-on for their first frame).
    var poweredOnAt: Int64 = Time.never

    /// Charge counter of the current sensor (A·s, positive = discharge), if one has arrived.
    var chargeCountAmpereSeconds: Int64 = 0
    var chargeCountReceivedAt: Int64 = Time.never
    /// A reading arrived since the last tick.
    var chargeCountFresh = false

    var charger = ChargerStatus(connected: false, bidirectional: false, faulted: false)
    var chargerReceivedAt: Int64 = Time.never

    /// Events whose indices fell outside the topology since the last tick.
    var rejectedInputs = 0

    init(topology: PackTopology) {
        let cells = topology.seriesCells
        let sensors = topology.temperatureSensors
        cellMillivolts = Array(repeating: 0, count: cells)
        cellVoltageReceivedAt = Array(repeating: Time.never, count: cells)
        cellVoltageFresh = Array(repeating: false, count: cells)
        openWireReported = Array(repeating: false, count: cells)
        temperatureDeciCelsius = Array(repeating: 0, count: sensors)
        temperatureReceivedAt = Array(repeating: Time.never, count: sensors)
        redundantDeciCelsius = Array(repeating: 0, count: sensors)
        redundantReceivedAt = Array(repeating: Time.never, count: sensors)
        temperatureFaultReported = Array(repeating: false, count: sensors)
        hydrogenPartsPerMillion = Array(repeating: 0, count: topology.gasSensors)
        gasReceivedAt = Array(repeating: Time.never, count: topology.gasSensors)
        gasFaultReported = Array(repeating: false, count: topology.gasSensors)
        pressurePascals = Array(repeating: 0, count: topology.pressureSensors)
        pressureReceivedAt = Array(repeating: Time.never, count: topology.pressureSensors)
        pressureFaultReported = Array(repeating: false, count: topology.pressureSensors)
        gasAliveAt = Array(repeating: Time.never, count: topology.gasSensors)
        pressureAliveAt = Array(repeating: Time.never, count: topology.pressureSensors)
        smokeDetected = Array(repeating: false, count: topology.smokeSensors)
        smokeReceivedAt = Array(repeating: Time.never, count: topology.smokeSensors)
        smokeFaultReported = Array(repeating: false, count: topology.smokeSensors)
    }

    /// Stamps every input that arrived since the last tick (stamped ``Time/pending``) with `now`, the tick
    /// that sees it first.
    mutating func restampArrivals(to now: Int64) {
        Self.restamp(&cellVoltageReceivedAt, now)
        Self.restamp(&temperatureReceivedAt, now)
        Self.restamp(&redundantReceivedAt, now)
        Self.restamp(&gasReceivedAt, now)
        Self.restamp(&pressureReceivedAt, now)
        Self.restamp(&smokeReceivedAt, now)
        Self.restamp(&gasAliveAt, now)
        Self.restamp(&pressureAliveAt, now)
        if insulationAliveAt == Time.pending { insulationAliveAt = now }
        if poweredOnAt == Time.never { poweredOnAt = now }
        if currentReceivedAt == Time.pending { currentReceivedAt = now }
        if packVoltageReceivedAt == Time.pending { packVoltageReceivedAt = now }
        if linkVoltageReceivedAt == Time.pending { linkVoltageReceivedAt = now }
        if insulationReceivedAt == Time.pending { insulationReceivedAt = now }
        if chargerReceivedAt == Time.pending { chargerReceivedAt = now }
        if chargeCountReceivedAt == Time.pending { chargeCountReceivedAt = now }
    }

    @inline(__always)
    private static func restamp(_ times: inout [Int64], _ now: Int64) {
        for index in times.indices where times[index] == Time.pending { times[index] = now }
    }

    /// Stores a run of values at `first`; values beyond the array are counted as rejected input.
    mutating func storeCellVoltages(first: Int, _ values: [Int32], at now: Int64) {
        guard first >= 0, first < cellMillivolts.count else {
            rejectedInputs += 1
            return
        }
        let count = min(values.count, cellMillivolts.count - first)
        if count < values.count { rejectedInputs += 1 }
        for offset in 0..<count {
            cellMillivolts[first + offset] = values[offset]
            cellVoltageReceivedAt[first + offset] = now
            cellVoltageFresh[first + offset] = true
        }
    }

    mutating func storeTemperatures(first: Int, _ values: [Int32], channel: TemperatureChannel, at now: Int64) {
        guard first >= 0, first < temperatureDeciCelsius.count else {
            rejectedInputs += 1
            return
        }
        let count = min(values.count, temperatureDeciCelsius.count - first)
        if count < values.count { rejectedInputs += 1 }
        for offset in 0..<count {
            switch channel {
            case .primary:
                temperatureDeciCelsius[first + offset] = values[offset]
                temperatureReceivedAt[first + offset] = now
            case .redundant:
                redundantDeciCelsius[first + offset] = values[offset]
                redundantReceivedAt[first + offset] = now
            }
        }
    }

    /// Notes that a sensor's node is alive while the sensor has no reading yet.
    mutating func storeStartingUp(_ sensor: StartingSensor, at now: Int64) {
        switch sensor {
        case .gas(let index) where gasAliveAt.indices.contains(index): gasAliveAt[index] = now
        case .pressure(let index) where pressureAliveAt.indices.contains(index): pressureAliveAt[index] = now
        case .insulation: insulationAliveAt = now
        default: rejectedInputs += 1
        }
    }

    /// Whether a sensor with these times is silent for longer than `timeout`: neither a reading nor a
    /// starting-up frame within it, counting from power-on when nothing ever arrived.
    func isSilent(receivedAt: Int64, aliveAt: Int64, timeout: Int64, now: Int64) -> Bool {
        Self.isSilent(receivedAt: receivedAt, aliveAt: aliveAt, poweredOnAt: poweredOnAt, timeout: timeout, now: now)
    }

    /// The silence rule on explicit times (for trackers that hold the arrays, not the store).
    static func isSilent(receivedAt: Int64, aliveAt: Int64, poweredOnAt: Int64, timeout: Int64, now: Int64) -> Bool {
        let last = max(receivedAt, aliveAt, poweredOnAt)
        return last == Time.never || Time.elapsed(from: last, to: now) > timeout
    }

    mutating func storeGas(_ partsPerMillion: Int32, sensor: Int, at now: Int64) {
        guard sensor >= 0, sensor < hydrogenPartsPerMillion.count else {
            rejectedInputs += 1
            return
        }
        hydrogenPartsPerMillion[sensor] = partsPerMillion
        gasReceivedAt[sensor] = now
    }

    mutating func storePressure(_ pascals: Int32, sensor: Int, at now: Int64) {
        guard sensor >= 0, sensor < pressurePascals.count else {
            rejectedInputs += 1
            return
        }
        pressurePascals[sensor] = pascals
        pressureReceivedAt[sensor] = now
    }

    mutating func storeSmoke(_ detected: Bool, sensor: Int, at now: Int64) {
        guard sensor >= 0, sensor < smokeDetected.count else {
            rejectedInputs += 1
            return
        }
        smokeDetected[sensor] = detected
        smokeReceivedAt[sensor] = now
    }

    mutating func setFault(_ fault: SensorFault, _ active: Bool) {
        var accepted = true
        switch fault {
        case .cellVoltageOpenWire(let cell):
            accepted = Self.setFlag(&openWireReported, cell, active)
        case .temperatureSensor(let sensor):
            accepted = Self.setFlag(&temperatureFaultReported, sensor, active)
        case .currentSensor:
            currentFaultReported = active
        case .gasSensor(let sensor):
            accepted = Self.setFlag(&gasFaultReported, sensor, active)
        case .pressureSensor(let sensor):
            accepted = Self.setFlag(&pressureFaultReported, sensor, active)
        case .smokeSensor(let sensor):
            accepted = Self.setFlag(&smokeFaultReported, sensor, active)
        }
        if !accepted { rejectedInputs += 1 }
    }

    private static func setFlag(_ flags: inout [Bool], _ index: Int, _ value: Bool) -> Bool {
        guard index >= 0, index < flags.count else { return false }
        flags[index] = value
        return true
    }
}
