/// Classifies every thermistor and follows its temperature and dT/dt at a fixed sampling interval.
///
/// Sensor-fault classes (a broken sensor is classified, never mistaken for a hot cell):
/// - `reported`: the node says the sensor is broken;
/// - `openCircuit`: the reading is below the NTC open-circuit floor;
/// - `step`: two consecutive samples differ by more than the step limit while the sensor was not
///   already heating at the warning rate (a stuck-high or shorted thermistor jumps; a cell heats);
/// - `redundantMismatch`: primary and redundant channel disagree and this one is further from its neighbours;
/// - `stale`: no reading within the timeout.
/// A `step` or `openCircuit` fault clears once the reading has agreed with the neighbours for the
/// recovery time.
///
/// Two rates: `rate`, the least-squares slope over the last `rateWindowSamples` samples (fast, for the
/// GB 38031 1 °C/s criterion; ~0.35 °C/s noise with 0.1 °C readings), and `slowRate`, the slope of the
/// last ten window means (~10 s span, ~0.004 °C/s noise) for sustained-heating warnings, neighbour
/// corroboration and propagation, where the fast rate's noise would exceed the 0.2 °C/s threshold.
struct TemperatureTracker: Sendable {
    enum Status: UInt8, Sendable {
        case unknown
        case ok
        case stale
        case reported
        case openCircuit
        case step
        case redundantMismatch

        var isFault: Bool { self == .reported || self == .openCircuit || self == .step || self == .redundantMismatch }
    }

    let sensorCount: Int
    let windowSamples: Int
    let intervalMilliseconds: Int64
    /// Least-squares weights: slope = Σ w_k · T_k with k = 0 the oldest sample.
    private let slopeWeights: [Double]

    private(set) var status: [Status]
    /// Latest accepted temperature (°C); meaningful when `status == .ok`.
    private(set) var celsius: [Double]
    /// Latest accepted reading in 0.1 °C.
    private(set) var deciCelsius: [Int32]
    /// dT/dt in °C/s (0 until the window is full).
    private(set) var rate: [Double]
    /// dT/dt over ~10 s in °C/s (0 until ten window means exist).
    private(set) var slowRate: [Double]
    private var blockMeans: [Double]
    private var blockMeanCount: [Int]
    private var blockMeanHead: [Int]
    private var samplesInBlock: [Int]
    private var blockSum: [Double]
    private static let blocks = 10
    /// Ring buffers of the last `windowSamples` samples, per sensor.
    private var ring: [Double]
    private var ringCount: [Int]
    private var ringHead: [Int]
    private var lastSampleRaw: [Int32]
    private var hasLastSample: [Bool]
    private var agreeingSince: [Int64]
    private(set) var nextSampleAt: Int64 = Time.never
    /// True when any sensor's redundant channels disagreed at the last sample.
    private(set) var redundantMismatch = false
    private(set) var redundantMismatchSensor: Int?

    /// Neighbour sensors of every sensor (fixed by the topology, computed once).
    private let neighbourLists: [[Int]]

    init(sensorCount: Int, settings: ThermalRunawaySettings, topology: PackTopology) {
        self.sensorCount = sensorCount
        neighbourLists = (0..<sensorCount).map { Self.neighbours(of: $0, sensorCount: sensorCount, topology: topology) }
        windowSamples = settings.rateWindowSamples
        intervalMilliseconds = settings.sampleIntervalMilliseconds
        let n = Double(windowSamples)
        let mean = (n - 1) / 2
        var denominator = 0.0
        for k in 0..<windowSamples { denominator += (Double(k) - mean) * (Double(k) - mean) }
        let seconds = Double(intervalMilliseconds) / 1000
        slopeWeights = (0..<windowSamples).map { (Double($0) - mean) / (denominator * seconds) }
        status = Array(repeating: .unknown, count: sensorCount)
        celsius = Array(repeating: 0, count: sensorCount)
        deciCelsius = Array(repeating: 0, count: sensorCount)
        rate = Array(repeating: 0, count: sensorCount)
        slowRate = Array(repeating: 0, count: sensorCount)
        blockMeans = Array(repeating: 0, count: sensorCount * Self.blocks)
        blockMeanCount = Array(repeating: 0, count: sensorCount)
        blockMeanHead = Array(repeating: 0, count: sensorCount)
        samplesInBlock = Array(repeating: 0, count: sensorCount)
        blockSum = Array(repeating: 0, count: sensorCount)
        ring = Array(repeating: 0, count: sensorCount * windowSamples)
        ringCount = Array(repeating: 0, count: sensorCount)
        ringHead = Array(repeating: 0, count: sensorCount)
        lastSampleRaw = Array(repeating: 0, count: sensorCount)
        hasLastSample = Array(repeating: false, count: sensorCount)
        agreeingSince = Array(repeating: Time.never, count: sensorCount)
    }

    /// True when it is time for the next sample.
    func isSampleDue(at now: Int64) -> Bool { nextSampleAt == Time.never || now >= nextSampleAt }

    @inline(__always)
    func isValid(_ sensor: Int) -> Bool { status[sensor] == .ok }

    /// Takes one sample of every sensor: classify, accept, update dT/dt.
    mutating func sample(store: MeasurementStore, settings: MeasurementSettings, topology: PackTopology, now: Int64) {
        nextSampleAt = Time.adding(intervalMilliseconds, to: nextSampleAt == Time.never ? now : max(nextSampleAt, now - intervalMilliseconds))
        redundantMismatch = false
        redundantMismatchSensor = nil
        for sensor in 0..<sensorCount {
            sampleSensor(sensor, store: store, settings: settings, topology: topology, now: now)
        }
    }

    private mutating func sampleSensor(_ sensor: Int, store: MeasurementStore, settings: MeasurementSettings, topology: PackTopology, now: Int64) {
        let timeout = settings.cellTemperatureTimeoutMilliseconds
        let primaryFresh = Time.elapsed(from: store.temperatureReceivedAt[sensor], to: now) <= timeout
            && store.temperatureReceivedAt[sensor] != Time.never
        var raw = store.temperatureDeciCelsius[sensor]
        var fresh = primaryFresh
        if topology.redundantTemperatures {
            let redundantFresh = Time.elapsed(from: store.redundantReceivedAt[sensor], to: now) <= timeout
                && store.redundantReceivedAt[sensor] != Time.never
            let redundant = store.redundantDeciCelsius[sensor]
            if primaryFresh, redundantFresh {
                let difference = abs(Int64(raw) - Int64(redundant))
                if difference > Int64(settings.redundantTemperatureToleranceDeciCelsius) {
                    redundantMismatch = true
                    redundantMismatchSensor = redundantMismatchSensor ?? sensor
                    // Trust the channel closer to the neighbours; without neighbours trust neither.
                    if let reference = neighbourReference(sensor, topology: topology) {
                        let primaryError = abs(Double(raw) / 10 - reference)
                        let redundantError = abs(Double(redundant) / 10 - reference)
                        raw = primaryError <= redundantError ? raw : redundant
                    } else {
                        markFault(sensor, .redundantMismatch, now: now)
                        return
                    }
                }
            } else if !primaryFresh, redundantFresh {
                raw = redundant
                fresh = true
            }
        }
        if store.temperatureFaultReported[sensor] {
            markFault(sensor, .reported, now: now)
            return
        }
        guard fresh else {
            status[sensor] = .stale
            resetHistory(sensor)
            return
        }
        if raw <= settings.temperatureOpenCircuitDeciCelsius {
            markFault(sensor, .openCircuit, now: now)
            return
        }
        let previousRaw = lastSampleRaw[sensor]
        let hadPrevious = hasLastSample[sensor]
        lastSampleRaw[sensor] = raw
        hasLastSample[sensor] = true

        if status[sensor] == .step || status[sensor] == .openCircuit || status[sensor] == .reported || status[sensor] == .redundantMismatch {
            // Recovery: the reading must agree with the neighbours for the recovery time.
            guard let reference = neighbourReference(sensor, topology: topology),
                abs(Double(raw) / 10 - reference) * 10 <= Double(settings.temperatureRecoveryBandDeciCelsius)
            else {
                agreeingSince[sensor] = Time.never
                return
            }
            if agreeingSince[sensor] == Time.never { agreeingSince[sensor] = now }
            guard Time.elapsed(from: agreeingSince[sensor], to: now) >= settings.temperatureRecoveryMilliseconds else { return }
            resetHistory(sensor)
            accept(sensor, raw)
            return
        }
        if hadPrevious, status[sensor] == .ok {
            let jump = abs(Int64(raw) - Int64(previousRaw))
            if jump > Int64(settings.temperatureStepLimitDeciCelsius), !isHeatingBeforeJump(sensor) {
                markFault(sensor, .step, now: now)
                return
            }
        }
        accept(sensor, raw)
    }

    /// A sensor already rising at ≥ 1 °C/s may jump at venting; a quiet sensor may not.
    private func isHeatingBeforeJump(_ sensor: Int) -> Bool { rate[sensor] >= 1.0 }

    private mutating func markFault(_ sensor: Int, _ kind: Status, now: Int64) {
        if status[sensor] != kind { agreeingSince[sensor] = Time.never }
        status[sensor] = kind
        rate[sensor] = 0
        resetHistory(sensor)
    }

    private mutating func resetHistory(_ sensor: Int) {
        ringCount[sensor] = 0
        ringHead[sensor] = 0
        blockMeanCount[sensor] = 0
        blockMeanHead[sensor] = 0
        samplesInBlock[sensor] = 0
        blockSum[sensor] = 0
        slowRate[sensor] = 0
    }

    private mutating func accept(_ sensor: Int, _ raw: Int32) {
        status[sensor] = .ok
        deciCelsius[sensor] = raw
        let value = Double(raw) / 10
        celsius[sensor] = value
        let base = sensor * windowSamples
        ring[base + ringHead[sensor]] = value
        ringHead[sensor] = (ringHead[sensor] + 1) % windowSamples
        if ringCount[sensor] < windowSamples { ringCount[sensor] += 1 }
        blockSum[sensor] += value
        samplesInBlock[sensor] += 1
        if samplesInBlock[sensor] == windowSamples {
            let base = sensor * Self.blocks
            blockMeans[base + blockMeanHead[sensor]] = blockSum[sensor] / Double(windowSamples)
            blockMeanHead[sensor] = (blockMeanHead[sensor] + 1) % Self.blocks
            if blockMeanCount[sensor] < Self.blocks { blockMeanCount[sensor] += 1 }
            samplesInBlock[sensor] = 0
            blockSum[sensor] = 0
            if blockMeanCount[sensor] == Self.blocks {
                // Least-squares slope of the block means, spaced one window apart.
                let spacing = Double(windowSamples) * Double(intervalMilliseconds) / 1000
                let mean = Double(Self.blocks - 1) / 2
                var numerator = 0.0
                var denominator = 0.0
                var index = blockMeanHead[sensor]
                for k in 0..<Self.blocks {
                    numerator += (Double(k) - mean) * blockMeans[base + index]
                    denominator += (Double(k) - mean) * (Double(k) - mean)
                    index = (index + 1) % Self.blocks
                }
                slowRate[sensor] = numerator / (denominator * spacing)
            }
        }
        if ringCount[sensor] == windowSamples {
            var slope = 0.0
            var index = ringHead[sensor]  // oldest
            for k in 0..<windowSamples {
                slope += slopeWeights[k] * ring[base + index]
                index += 1
                if index == windowSamples { index = 0 }
            }
            rate[sensor] = slope
        } else {
            rate[sensor] = 0
        }
    }

    /// Mean accepted temperature (°C) of the sensors on neighbouring blocks, if any is valid.
    func neighbourReference(_ sensor: Int, topology: PackTopology) -> Double? {
        var sum = 0.0
        var count = 0
        for other in neighbourSensors(sensor, topology: topology) where status[other] == .ok {
            sum += celsius[other]
            count += 1
        }
        return count > 0 ? sum / Double(count) : nil
    }

    /// Sensors on neighbouring blocks (excluding `sensor` itself), ascending.
    @inline(__always)
    func neighbourSensors(_ sensor: Int, topology: PackTopology) -> [Int] { neighbourLists[sensor] }

    private static func neighbours(of sensor: Int, sensorCount: Int, topology: PackTopology) -> [Int] {
        let cell = topology.cell(forTemperatureSensor: sensor)
        var result: [Int] = []
        for neighbour in topology.neighbours(ofCell: cell) {
            let other = topology.temperatureSensor(forCell: neighbour)
            if other != sensor, !result.contains(other) { result.append(other) }
        }
        if sensor > 0, topology.cell(forTemperatureSensor: sensor - 1) == cell, !result.contains(sensor - 1) { result.append(sensor - 1) }
        if sensor + 1 < sensorCount, topology.cell(forTemperatureSensor: sensor + 1) == cell, !result.contains(sensor + 1) {
            result.append(sensor + 1)
        }
        return result.sorted()
    }

    /// Marks every sensor stale whose reading aged beyond the timeout (checked every tick).
    mutating func expire(store: MeasurementStore, settings: MeasurementSettings, topology: PackTopology, now: Int64) {
        let timeout = settings.cellTemperatureTimeoutMilliseconds
        for sensor in 0..<sensorCount where status[sensor] == .ok {
            var age = Time.elapsed(from: store.temperatureReceivedAt[sensor], to: now)
            if topology.redundantTemperatures {
                age = min(age, Time.elapsed(from: store.redundantReceivedAt[sensor], to: now))
            }
            if age > timeout || store.temperatureReceivedAt[sensor] == Time.never && store.redundantReceivedAt[sensor] == Time.never {
                status[sensor] = .stale
                rate[sensor] = 0
                resetHistory(sensor)
            }
        }
    }
}
