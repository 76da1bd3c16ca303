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
/// Two rates: `rate`, the least-squares slope over the samples of the last rate window
/// ((`rateWindowSamples` − 1) × interval, 0.9 s: fast, for the GB 38031 1 °C/s criterion; ~0.35 °C/s noise
/// with 0.1 °C readings), and `slowRate`, the slope of the window means of the last ten windows (~10 s
/// span, ~0.004 °C/s noise) for sustained-heating warnings, neighbour corroboration and propagation,
/// where the fast rate's noise would exceed the 0.2 °C/s threshold.
///
/// Both slopes use the samples' actual times, so they hold at any task period: a task slower than the
/// sampling interval takes one sample per tick, and when fewer samples than a window's worth fall inside
/// it, the slope spans the last two samples (two samples 30 s apart give the 30 s mean rate). The step
/// test scales with the spacing too: a rise of more than the step limit per nominal interval is a
/// sensor fault; between samples further apart a real runaway can rise by more than the limit, and the
/// reading is then treated as real (over-temperature protection acts on it) rather than dismissed.
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
    /// Span of the fast-rate window (ms): (samples − 1) × interval.
    private let rateSpanMilliseconds: Int64
    /// Span of one slow-rate block (ms): samples × interval.
    private let blockSpanMilliseconds: Int64

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
    /// Mean sample time of each block (ms).
    private var blockTimes: [Double]
    private var blockMeanCount: [Int]
    private var blockMeanHead: [Int]
    private var samplesInBlock: [Int]
    private var blockSum: [Double]
    private var blockTimeSum: [Double]
    private var blockStartedAt: [Int64]
    private static let blocks = 10
    /// Ring buffers of the last `windowSamples` samples and their times, per sensor.
    private var ring: [Double]
    private var ringTimes: [Int64]
    private var ringCount: [Int]
    private var ringHead: [Int]
    /// Time of each sensor's previous accepted sample (for the step test's spacing).
    private var lastSampleAt: [Int64]
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
        rateSpanMilliseconds = Int64(settings.rateWindowSamples - 1) * settings.sampleIntervalMilliseconds
        blockSpanMilliseconds = Int64(settings.rateWindowSamples) * settings.sampleIntervalMilliseconds
        status = Array(repeating: .unknown, count: sensorCount)
        celsius = Array(repeating: 0, count: sensorCount)
        deciCelsius = Array(repeating: 0, count: sensorCount)
        rate = Array(repeating: 0, count: sensorCount)
        slowRate = Array(repeating: 0, count: sensorCount)
        blockMeans = Array(repeating: 0, count: sensorCount * Self.blocks)
        blockTimes = Array(repeating: 0, count: sensorCount * Self.blocks)
        blockMeanCount = Array(repeating: 0, count: sensorCount)
        blockMeanHead = Array(repeating: 0, count: sensorCount)
        samplesInBlock = Array(repeating: 0, count: sensorCount)
        blockSum = Array(repeating: 0, count: sensorCount)
        blockTimeSum = Array(repeating: 0, count: sensorCount)
        blockStartedAt = Array(repeating: Time.never, count: sensorCount)
        ring = Array(repeating: 0, count: sensorCount * windowSamples)
        ringTimes = Array(repeating: 0, count: sensorCount * windowSamples)
        ringCount = Array(repeating: 0, count: sensorCount)
        ringHead = Array(repeating: 0, count: sensorCount)
        lastSampleAt = Array(repeating: Time.never, count: sensorCount)
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
        let previousAt = lastSampleAt[sensor]
        lastSampleRaw[sensor] = raw
        hasLastSample[sensor] = true
        lastSampleAt[sensor] = now

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
            accept(sensor, raw, now: now)
            return
        }
        if hadPrevious, status[sensor] == .ok {
            let jump = abs(Int64(raw) - Int64(previousRaw))
            if jump > stepLimit(settings.temperatureStepLimitDeciCelsius, since: previousAt, now: now), !isHeatingBeforeJump(sensor) {
                markFault(sensor, .step, now: now)
                return
            }
        }
        accept(sensor, raw, now: now)
    }

    /// The step limit for two samples `since` → `now` apart: the configured limit per nominal interval,
    /// scaled up in proportion when the samples are further apart.
    func stepLimit(_ limit: Int32, since: Int64, now: Int64) -> Int64 {
        let spacing = since == Time.never ? intervalMilliseconds : max(Time.elapsed(from: since, to: now), intervalMilliseconds)
        let (scaled, overflow) = Int64(limit).multipliedReportingOverflow(by: spacing)
        return overflow ? .max : scaled / intervalMilliseconds
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
        blockTimeSum[sensor] = 0
        blockStartedAt[sensor] = Time.never
        slowRate[sensor] = 0
    }

    private mutating func accept(_ sensor: Int, _ raw: Int32, now: Int64) {
        status[sensor] = .ok
        deciCelsius[sensor] = raw
        let value = Double(raw) / 10
        celsius[sensor] = value
        // Fast window: ring of the last samples with their times.
        let base = sensor * windowSamples
        ring[base + ringHead[sensor]] = value
        ringTimes[base + ringHead[sensor]] = now
        ringHead[sensor] = ringHead[sensor] + 1 == windowSamples ? 0 : ringHead[sensor] + 1
        if ringCount[sensor] < windowSamples { ringCount[sensor] += 1 }
        rate[sensor] = fastRate(sensor, now: now)

        // Slow rate: means of blocks one window long (a block closes when the next sample falls outside
        // it), slope over the blocks of the last ten windows.
        if blockStartedAt[sensor] != Time.never, Time.elapsed(from: blockStartedAt[sensor], to: now) >= blockSpanMilliseconds {
            closeBlock(sensor)
        }
        if samplesInBlock[sensor] == 0 { blockStartedAt[sensor] = now }
        blockSum[sensor] += value
        blockTimeSum[sensor] += Double(Time.elapsed(from: blockStartedAt[sensor], to: now))
        samplesInBlock[sensor] += 1
        if samplesInBlock[sensor] == windowSamples { closeBlock(sensor) }
    }

    /// Least-squares slope (°C/s) of the samples inside the fast window ending at `now` (at least the last
    /// two); 0 until the window is covered.
    private func fastRate(_ sensor: Int, now: Int64) -> Double {
        let base = sensor * windowSamples
        let count = ringCount[sensor]
        guard count >= 2 else { return 0 }
        var fit = SlopeFit()
        var index = (ringHead[sensor] + windowSamples - 1) % windowSamples  // newest
        let tolerance = intervalMilliseconds / 2
        var oldestAge: Int64 = 0
        for taken in 0..<count {
            let age = Time.elapsed(from: ringTimes[base + index], to: now)
            if taken >= 2, age > rateSpanMilliseconds + tolerance { break }
            fit.add(time: -Double(age) / 1000, value: ring[base + index])
            oldestAge = age
            index = index == 0 ? windowSamples - 1 : index - 1
        }
        // Covered: the window's span of samples, or two samples further apart than the window.
        guard oldestAge >= rateSpanMilliseconds - tolerance else { return 0 }
        return fit.slope
    }

    private mutating func closeBlock(_ sensor: Int) {
        let samples = samplesInBlock[sensor]
        guard samples > 0 else { return }
        let base = sensor * Self.blocks
        blockMeans[base + blockMeanHead[sensor]] = blockSum[sensor] / Double(samples)
        blockTimes[base + blockMeanHead[sensor]] = Double(blockStartedAt[sensor]) + blockTimeSum[sensor] / Double(samples)
        blockMeanHead[sensor] = blockMeanHead[sensor] + 1 == Self.blocks ? 0 : blockMeanHead[sensor] + 1
        if blockMeanCount[sensor] < Self.blocks { blockMeanCount[sensor] += 1 }
        samplesInBlock[sensor] = 0
        blockSum[sensor] = 0
        blockTimeSum[sensor] = 0
        blockStartedAt[sensor] = Time.never
        // Slope of the block means inside the last ten windows (at least the last two blocks).
        let count = blockMeanCount[sensor]
        guard count >= 2 else { return }
        let window = Double(Int64(Self.blocks) * blockSpanMilliseconds)
        var index = (blockMeanHead[sensor] + Self.blocks - 1) % Self.blocks
        let newest = blockTimes[base + index]
        var fit = SlopeFit()
        var oldestAge = 0.0
        for taken in 0..<count {
            let age = newest - blockTimes[base + index]
            if taken >= 2, age >= window { break }
            fit.add(time: -age / 1000, value: blockMeans[base + index])
            oldestAge = age
            index = index == 0 ? Self.blocks - 1 : index - 1
        }
        // Covered: nine window spacings (ten regular blocks), or two blocks further apart than the window.
        guard oldestAge >= Double(Int64(Self.blocks - 1) * blockSpanMilliseconds) - Double(intervalMilliseconds) / 2 else { return }
        slowRate[sensor] = fit.slope
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

/// Running sums of an ordinary least-squares line (times in s, relative to the newest sample).
struct SlopeFit {
    private var n = 0.0
    private var st = 0.0
    private var sv = 0.0
    private var stt = 0.0
    private var stv = 0.0

    @inline(__always)
    mutating func add(time: Double, value: Double) {
        n += 1
        st += time
        sv += value
        stt += time * time
        stv += time * value
    }

    /// The slope, 0 without spread in time.
    var slope: Double {
        let denominator = n * stt - st * st
        return denominator > 1e-12 ? (n * stv - st * sv) / denominator : 0
    }
}
