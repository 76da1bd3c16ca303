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

    /// One sensor's classification, latest reading, rates and window bookkeeping.
    struct Sensor: Sendable {
        var status = Status.unknown
        /// Latest accepted temperature (°C); meaningful when `status == .ok`.
        var celsius = 0.0
        /// Latest accepted reading in 0.1 °C.
        var deciCelsius: Int32 = 0
        /// dT/dt in °C/s (0 until the window is full).
        var rate = 0.0
        /// dT/dt over ~10 s in °C/s (0 until ten window means exist).
        var slowRate = 0.0
        var blockMeanCount = 0
        var blockMeanHead = 0
        var samplesInBlock = 0
        var blockSum = 0.0
        var blockTimeSum = 0.0
        var blockStartedAt = Time.never
        var ringCount = 0
        var ringHead = 0
        /// Time of the previous accepted sample (for the step test's spacing).
        var lastSampleAt = Time.never
        var lastSampleRaw: Int32 = 0
        var hasLastSample = false
        var agreeingSince = Time.never
    }

    /// A fast-window sample: value (°C) and time (ms).
    struct RingSample: Sendable {
        var celsius = 0.0
        var time: Int64 = 0
    }

    /// A slow-window block: mean value (°C) and mean sample time (ms).
    struct BlockMean: Sendable {
        var celsius = 0.0
        var time = 0.0
    }

    /// Every sensor's state, one record each (one buffer: a write checks uniqueness once, not per field).
    private var sensors: [Sensor]
    private static let blocks = 10
    /// The last ten block means of every sensor, `blocks` per sensor.
    private var blockMeans: [BlockMean]
    /// Ring buffers of the last `windowSamples` samples and their times, `windowSamples` per sensor.
    private var ring: [RingSample]

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
        sensors = Array(repeating: Sensor(), count: sensorCount)
        blockMeans = Array(repeating: BlockMean(), count: sensorCount * Self.blocks)
        ring = Array(repeating: RingSample(), count: sensorCount * windowSamples)
    }

    /// Classification of `sensor`.
    @inline(__always)
    func status(_ sensor: Int) -> Status { sensors[sensor].status }

    /// Latest accepted temperature of `sensor`, °C; meaningful when its status is `.ok`.
    @inline(__always)
    func celsius(_ sensor: Int) -> Double { sensors[sensor].celsius }

    /// Latest accepted reading of `sensor`, 0.1 °C.
    @inline(__always)
    func deciCelsius(_ sensor: Int) -> Int32 { sensors[sensor].deciCelsius }

    /// Fast dT/dt of `sensor`, °C/s (0 until its window is covered).
    @inline(__always)
    func rate(_ sensor: Int) -> Double { sensors[sensor].rate }

    /// Slow (~10 s) dT/dt of `sensor`, °C/s (0 until ten window means exist).
    @inline(__always)
    func slowRate(_ sensor: Int) -> Double { sensors[sensor].slowRate }

    /// True when it is time for the next sample.
    func isSampleDue(at now: Int64) -> Bool { nextSampleAt == Time.never || now >= nextSampleAt }

    @inline(__always)
    func isValid(_ sensor: Int) -> Bool { sensors[sensor].status == .ok }

    /// Takes one sample of every sensor: classify, accept, update dT/dt.
    mutating func sample(store: MeasurementStore, settings: MeasurementSettings, topology: PackTopology, now: Int64) {
        nextSampleAt = Time.adding(intervalMilliseconds, to: nextSampleAt == Time.never ? now : max(nextSampleAt, now - intervalMilliseconds))
        redundantMismatch = false
        redundantMismatchSensor = nil
        for sensor in 0..<sensorCount {
            // The record is taken out, worked on and put back: one uniqueness check per sensor.
            var state = sensors[sensor]
            sampleSensor(sensor, &state, store: store, settings: settings, topology: topology, now: now)
            sensors[sensor] = state
        }
    }

    private mutating func sampleSensor(
        _ sensor: Int, _ state: inout Sensor, store: MeasurementStore, settings: MeasurementSettings, topology: PackTopology, now: Int64
    ) {
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
                        Self.markFault(&state, .redundantMismatch)
                        return
                    }
                }
            } else if !primaryFresh, redundantFresh {
                raw = redundant
                fresh = true
            }
        }
        if store.temperatureFaultReported[sensor] {
            Self.markFault(&state, .reported)
            return
        }
        guard fresh else {
            state.status = .stale
            Self.resetHistory(&state)
            return
        }
        if raw <= settings.temperatureOpenCircuitDeciCelsius {
            Self.markFault(&state, .openCircuit)
            return
        }
        let previousRaw = state.lastSampleRaw
        let hadPrevious = state.hasLastSample
        let previousAt = state.lastSampleAt
        state.lastSampleRaw = raw
        state.hasLastSample = true
        state.lastSampleAt = now

        if state.status == .step || state.status == .openCircuit || state.status == .reported || state.status == .redundantMismatch {
            // Recovery: the reading must agree with the neighbours for the recovery time.
            guard let reference = neighbourReference(sensor, topology: topology),
                abs(Double(raw) / 10 - reference) * 10 <= Double(settings.temperatureRecoveryBandDeciCelsius)
            else {
                state.agreeingSince = Time.never
                return
            }
            if state.agreeingSince == Time.never { state.agreeingSince = now }
            guard Time.elapsed(from: state.agreeingSince, to: now) >= settings.temperatureRecoveryMilliseconds else { return }
            Self.resetHistory(&state)
            accept(sensor, &state, raw, now: now)
            return
        }
        if hadPrevious, state.status == .ok {
            let jump = abs(Int64(raw) - Int64(previousRaw))
            // A sensor already rising at ≥ 1 °C/s may jump at venting; a quiet sensor may not.
            if jump > stepLimit(settings.temperatureStepLimitDeciCelsius, since: previousAt, now: now), state.rate < 1.0 {
                Self.markFault(&state, .step)
                return
            }
        }
        accept(sensor, &state, raw, now: now)
    }

    /// The step limit for two samples `since` → `now` apart: the configured limit per nominal interval,
    /// scaled up in proportion when the samples are further apart.
    func stepLimit(_ limit: Int32, since: Int64, now: Int64) -> Int64 {
        let spacing = since == Time.never ? intervalMilliseconds : max(Time.elapsed(from: since, to: now), intervalMilliseconds)
        let (scaled, overflow) = Int64(limit).multipliedReportingOverflow(by: spacing)
        return overflow ? .max : scaled / intervalMilliseconds
    }

    private static func markFault(_ state: inout Sensor, _ kind: Status) {
        if state.status != kind { state.agreeingSince = Time.never }
        state.status = kind
        state.rate = 0
        resetHistory(&state)
    }

    private static func resetHistory(_ state: inout Sensor) {
        state.ringCount = 0
        state.ringHead = 0
        state.blockMeanCount = 0
        state.blockMeanHead = 0
        state.samplesInBlock = 0
        state.blockSum = 0
        state.blockTimeSum = 0
        state.blockStartedAt = Time.never
        state.slowRate = 0
    }

    private mutating func accept(_ sensor: Int, _ state: inout Sensor, _ raw: Int32, now: Int64) {
        state.status = .ok
        state.deciCelsius = raw
        let value = Double(raw) / 10
        state.celsius = value
        // Fast window: ring of the last samples with their times.
        ring[sensor * windowSamples + state.ringHead] = RingSample(celsius: value, time: now)
        state.ringHead = state.ringHead + 1 == windowSamples ? 0 : state.ringHead + 1
        if state.ringCount < windowSamples { state.ringCount += 1 }
        state.rate = fastRate(sensor, state, now: now)

        // Slow rate: means of blocks one window long (a block closes when the next sample falls outside
        // it), slope over the blocks of the last ten windows.
        if state.blockStartedAt != Time.never, Time.elapsed(from: state.blockStartedAt, to: now) >= blockSpanMilliseconds {
            closeBlock(sensor, &state)
        }
        if state.samplesInBlock == 0 { state.blockStartedAt = now }
        state.blockSum += value
        state.blockTimeSum += Double(Time.elapsed(from: state.blockStartedAt, to: now))
        state.samplesInBlock += 1
        if state.samplesInBlock == windowSamples { closeBlock(sensor, &state) }
    }

    /// Least-squares slope (°C/s) of the samples inside the fast window ending at `now` (at least the last
    /// two); 0 until the window is covered.
    private func fastRate(_ sensor: Int, _ state: Sensor, now: Int64) -> Double {
        let base = sensor * windowSamples
        let count = state.ringCount
        guard count >= 2 else { return 0 }
        var fit = SlopeFit()
        var index = (state.ringHead + windowSamples - 1) % windowSamples  // newest
        let tolerance = intervalMilliseconds / 2
        var oldestAge: Int64 = 0
        for taken in 0..<count {
            let sample = ring[base + index]
            let age = Time.elapsed(from: sample.time, to: now)
            if taken >= 2, age > rateSpanMilliseconds + tolerance { break }
            fit.add(time: -Double(age) / 1000, value: sample.celsius)
            oldestAge = age
            index = index == 0 ? windowSamples - 1 : index - 1
        }
        // Covered: the window's span of samples, or two samples further apart than the window.
        guard oldestAge >= rateSpanMilliseconds - tolerance else { return 0 }
        return fit.slope
    }

    private mutating func closeBlock(_ sensor: Int, _ state: inout Sensor) {
        let samples = state.samplesInBlock
        guard samples > 0 else { return }
        let base = sensor * Self.blocks
        blockMeans[base + state.blockMeanHead] = BlockMean(
            celsius: state.blockSum / Double(samples), time: Double(state.blockStartedAt) + state.blockTimeSum / Double(samples))
        state.blockMeanHead = state.blockMeanHead + 1 == Self.blocks ? 0 : state.blockMeanHead + 1
        if state.blockMeanCount < Self.blocks { state.blockMeanCount += 1 }
        state.samplesInBlock = 0
        state.blockSum = 0
        state.blockTimeSum = 0
        state.blockStartedAt = Time.never
        // Slope of the block means inside the last ten windows (at least the last two blocks).
        let count = state.blockMeanCount
        guard count >= 2 else { return }
        let window = Double(Int64(Self.blocks) * blockSpanMilliseconds)
        var index = (state.blockMeanHead + Self.blocks - 1) % Self.blocks
        let newest = blockMeans[base + index].time
        var fit = SlopeFit()
        var oldestAge = 0.0
        for taken in 0..<count {
            let block = blockMeans[base + index]
            let age = newest - block.time
            if taken >= 2, age >= window { break }
            fit.add(time: -age / 1000, value: block.celsius)
            oldestAge = age
            index = index == 0 ? Self.blocks - 1 : index - 1
        }
        // Covered: nine window spacings (ten regular blocks), or two blocks further apart than the window.
        guard oldestAge >= Double(Int64(Self.blocks - 1) * blockSpanMilliseconds) - Double(intervalMilliseconds) / 2 else { return }
        state.slowRate = fit.slope
    }

    /// Mean accepted temperature (°C) of the sensors on neighbouring blocks, if any is valid.
    func neighbourReference(_ sensor: Int, topology: PackTopology) -> Double? {
        var sum = 0.0
        var count = 0
        for other in neighbourSensors(sensor, topology: topology) where sensors[other].status == .ok {
            sum += sensors[other].celsius
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
        for sensor in 0..<sensorCount where sensors[sensor].status == .ok {
            var age = Time.elapsed(from: store.temperatureReceivedAt[sensor], to: now)
            if topology.redundantTemperatures {
                age = min(age, Time.elapsed(from: store.redundantReceivedAt[sensor], to: now))
            }
            if age > timeout || store.temperatureReceivedAt[sensor] == Time.never && store.redundantReceivedAt[sensor] == Time.never {
                sensors[sensor].status = .stale
                sensors[sensor].rate = 0
                Self.resetHistory(&sensors[sensor])
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
