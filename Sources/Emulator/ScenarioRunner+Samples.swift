public import CANCore
import CANTransport
import CellPack

/// Truth and estimate samples kept during a run for the metrics.
struct ScenarioSamples {
    var stateOfChargeErrors: [Double] = []
    var capacityErrors: [Double] = []
    var weakestBlockCapacityErrors: [Double] = []
    var truthCapacityPercent: [(cycle: Int, percent: Double)] = []
    var maximumCelsius = -Double.infinity
    var minimumCellVolts = Double.infinity
    var maximumCellVolts = -Double.infinity
    var firstHardShortCycle: Int?
    var initialCapacityPercent: Double?
    var lastCapacityPercent: Double?
    var chargeSeconds: [Double] = []
}

extension ScenarioRunner {
    /// Samples truth and the BMS's reported estimates into the trace and the metric accumulators.
    mutating func sample() {
        let participant = vehicle
        let pack = participant.pack
        let time = simulatedSeconds
        var minimumVolts = Double.infinity
        var maximumVolts = -Double.infinity
        var sumVolts = 0.0
        for group in 0..<pack.seriesCount {
            let volts = pack.groupVolts(group) ?? 0
            minimumVolts = min(minimumVolts, volts)
            maximumVolts = max(maximumVolts, volts)
            sumVolts += volts
        }
        var hottest = -Double.infinity
        var sumState = 0.0
        var groupCapacity = Array(repeating: 0.0, count: pack.seriesCount)
        var hardShort = false
        for cell in 0..<pack.cellCount {
            guard let truth = pack.cell(cell) else { continue }
            hottest = max(hottest, truth.surfaceCelsius, truth.coreCelsius)
            // Over the usable window the BMS reports (CellTruth.usableStateOfCharge).
            sumState += truth.usableStateOfCharge
            groupCapacity[cell / max(parallelCount, 1)] += truth.capacityAh
            if truth.hardShort { hardShort = true }
        }
        let truthSOC = sumState / Double(max(pack.cellCount, 1)) * 100
        // The pack's usable capacity is its weakest group's; the BMS's SOHCapacity_Pack is the mean over blocks.
        let truthSOH = (groupCapacity.min() ?? 0) / nominalGroupCapacityAh * 100
        let truthMeanSOH = groupCapacity.reduce(0, +) / Double(max(groupCapacity.count, 1)) / nominalGroupCapacityAh * 100
        let packTruth = pack.truth
        trace.record("min cell", group: "Cell voltage (truth)", unit: "V", timeSeconds: time, value: minimumVolts)
        trace.record("mean cell", group: "Cell voltage (truth)", unit: "V", timeSeconds: time, value: sumVolts / Double(max(pack.seriesCount, 1)))
        trace.record("max cell", group: "Cell voltage (truth)", unit: "V", timeSeconds: time, value: maximumVolts)
        trace.record("hottest cell", group: "Temperature (truth)", unit: "°C", timeSeconds: time, value: hottest)
        trace.record("pack current", group: "Pack current (truth, + discharge)", unit: "A", timeSeconds: time, value: packTruth.packCurrentAmps)
        trace.record("SOC truth", group: "SOC", unit: "%", timeSeconds: time, value: truthSOC)
        trace.record("SOH truth (weakest group)", group: "SOH capacity", unit: "%", timeSeconds: time, value: truthSOH)
        trace.record("H2", group: "Enclosure gas", unit: "ppm", timeSeconds: time, value: packTruth.enclosureGasPPM.hydrogen)
        if let soc = observer.stateOfChargePercent {
            trace.record("SOC reported by the BMS", group: "SOC", unit: "%", timeSeconds: time, value: soc)
            samples.stateOfChargeErrors.append(soc - truthSOC)
        }
        trace.record("SOH truth (mean block)", group: "SOH capacity", unit: "%", timeSeconds: time, value: truthMeanSOH)
        if let soh = observer.stateOfHealthCapacityPercent {
            trace.record("SOH reported by the BMS (mean block)", group: "SOH capacity", unit: "%", timeSeconds: time, value: soh)
            samples.capacityErrors.append(soh - truthMeanSOH)
        }
        if let soh = observer.stateOfHealthWeakestBlockPercent {
            trace.record("SOH reported by the BMS (weakest block)", group: "SOH capacity", unit: "%", timeSeconds: time, value: soh)
            samples.weakestBlockCapacityErrors.append(soh - truthSOH)
        }
        samples.maximumCelsius = max(samples.maximumCelsius, hottest)
        samples.minimumCellVolts = min(samples.minimumCellVolts, minimumVolts)
        samples.maximumCellVolts = max(samples.maximumCellVolts, maximumVolts)
        let cycle = participant.vehicle.completedCycles
        if samples.initialCapacityPercent == nil { samples.initialCapacityPercent = truthSOH }
        samples.lastCapacityPercent = truthSOH
        if samples.truthCapacityPercent.last?.cycle != cycle { samples.truthCapacityPercent.append((cycle, truthSOH)) }
        if hardShort, samples.firstHardShortCycle == nil { samples.firstHardShortCycle = cycle }
    }

    /// Metrics of the run so far (names are what scenario `metric:` expectations refer to).
    public var metrics: [String: Double] {
        var result: [String: Double] = [:]
        func rms(_ values: [Double]) -> Double? {
            values.isEmpty ? nil : (values.reduce(0) { $0 + $1 * $1 } / Double(values.count)).squareRoot()
        }
        result["soc.rmse_percent"] = rms(samples.stateOfChargeErrors)
        result["soc.max_error_percent"] = samples.stateOfChargeErrors.map(abs).max()
        result["soh.capacity_rmse_percent"] = rms(samples.capacityErrors)
        result["soh.capacity_max_error_percent"] = samples.capacityErrors.map(abs).max()
        result["soh.weakest_block_rmse_percent"] = rms(samples.weakestBlockCapacityErrors)
        // Signed means: a bias (a BMS reading high or low throughout) against scatter.
        func mean(_ values: [Double]) -> Double? { values.isEmpty ? nil : values.reduce(0, +) / Double(values.count) }
        result["soc.mean_error_percent"] = mean(samples.stateOfChargeErrors)
        result["soh.capacity_mean_error_percent"] = mean(samples.capacityErrors)
        result["soh.weakest_block_mean_error_percent"] = mean(samples.weakestBlockCapacityErrors)
        if samples.maximumCelsius.isFinite { result["pack.max_cell_celsius"] = samples.maximumCelsius }
        if samples.minimumCellVolts.isFinite { result["pack.min_cell_volts"] = samples.minimumCellVolts }
        if samples.maximumCellVolts.isFinite { result["pack.max_cell_volts"] = samples.maximumCellVolts }
        if let first = samples.initialCapacityPercent, let last = samples.lastCapacityPercent { result["pack.capacity_fade_percent"] = first - last }
        let participant = vehicle
        result["vehicle.cycles_completed"] = Double(participant.vehicle.completedCycles)
        if let cycle = samples.truthCapacityPercent.first(where: { $0.percent < 80 })?.cycle { result["pack.cycles_to_80_percent"] = Double(cycle) }
        if let cycle = samples.firstHardShortCycle { result["pack.cycles_to_short"] = Double(cycle) }
        let phases = simulation.events.filter { $0.kind == "vehicle.phase" }
        var chargeDurations: [Double] = []
        for (index, event) in phases.enumerated() where event.subject == "charging" && index + 1 < phases.count {
            chargeDurations.append(Double(phases[index + 1].timeNanoseconds - event.timeNanoseconds) / 1e9)
        }
        if !chargeDurations.isEmpty { result["vehicle.mean_charge_seconds"] = chargeDurations.reduce(0, +) / Double(chargeDurations.count) }
        result["firmware.tr_warnings"] = Double(simulation.events.filter { $0.kind == "firmware.tr_warning" }.count)
        result["firmware.tr_alarms"] = Double(simulation.events.filter { $0.kind == "firmware.tr_alarm" }.count)
        result["firmware.healing_runs"] = Double(simulation.events.filter { $0.kind == "firmware.healing_started" }.count)
        result["bus.load_percent"] = simulation.bus.configuration.busModel == nil ? nil
            : simulation.bus.statistics.load(overNanoseconds: simulation.nowNanoseconds) * 100
        result["run.simulated_seconds"] = simulatedSeconds
        return result
    }

    /// Ends the run: flushes the trace and checks every expectation.
    public mutating func finish(stopReason: String) -> ScenarioOutcome {
        sample()
        trace.finish()
        let events = simulation.events.sorted { $0.timeNanoseconds < $1.timeNanoseconds }
        let figures = metrics
        let results = scenario.expectations.map { $0.evaluate(events: events, metrics: figures) }
        return ScenarioOutcome(
            scenario: scenario, events: events, trace: trace, metrics: figures, results: results, simulatedSeconds: simulatedSeconds,
            stopReason: stopReason, frames: simulation.recordedFrames)
    }
}

/// What a scenario run produced.
public struct ScenarioOutcome: Sendable {
    public var scenario: Scenario
    public var events: [TraceEvent]
    public var trace: SignalTrace
    public var metrics: [String: Double]
    public var results: [ExpectationResult]
    public var simulatedSeconds: Double
    public var stopReason: String
    /// Recorded frames when recording was on (short runs, tests); long runs stream them instead.
    public var frames: [CANLogRecord]

    /// `true` when every expectation holds and the run was not interrupted.
    public var passed: Bool { results.allSatisfy(\.passed) && stopReason != "stopped by request" }
}
