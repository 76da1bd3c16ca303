/// Per-block capacity (AWTLS over rest-to-rest windows) and resistance (RLS over current steps),
/// Coulombic efficiency and the lithium-inventory-loss indicators.
///
/// Windows: when the pack has rested for `anchorRestMilliseconds`, every valid block gets an SOC
/// anchor from the OCV table (its rest voltage plus the filter's remaining RC polarisation). The charge
/// counted between two anchors (in and out separately) and the SOC difference form one AWTLS window.
/// Windows with |ΔSOC| below the minimum keep accumulating until they are large enough, so partial
/// cycles still contribute. The ratio of discharge-window to charge-window capacity estimates the
/// Coulombic efficiency (Q/η on charge, Q on discharge).
struct StateOfHealthTracker: Sendable {
    private(set) var capacity: [CapacityEstimator]
    private(set) var resistance: [ResistanceEstimator]
    private var anchorSOC: [Double]
    private var anchorVariance: [Double]
    private var hasAnchor: [Bool]
    private var chargeInAmpereHours: [Double]
    private var chargeOutAmpereHours: [Double]
    private var windowSeconds = 0.0
    private var restVoltage: [Double]
    private var restVoltageInitialized: [Bool]
    private(set) var anchoredThisRest = false

    private var lastChargeWindowCapacity: [Double]
    private var lastDischargeWindowCapacity: [Double]
    private var efficiencySamples: [[Double]]
    /// Rolling Coulombic efficiency per block (nil until the first charge/discharge pair).
    private(set) var coulombicEfficiency: [Double?]
    /// First rolling-CE values (the baseline), per block.
    private(set) var efficiencyBaseline: [Double?]
    private var efficiencyBaselineSamples: [Int]

    private var sampleCurrent: [Double]
    private var sampleVolts: [Double]
    private var sampleTime: [Int64]
    private var hasSample: [Bool]
    /// First converged resistance per block (for the resistance-rise signature).
    private(set) var initialResistance: [Double?]

    private(set) var throughputAmpereHours = 0.0
    private var capacityHistory: [(cycles: Double, ampereHours: Double)] = []

    let nominalBlockAmpereHours: Double
    let nominalBlockOhms: Double
    let settings: EstimationSettings
    let baselineWindows: Int

    init(configuration: BMSConfiguration) {
        let cells = configuration.topology.seriesCells
        let parallel = Double(configuration.topology.parallelCells)
        settings = configuration.estimation
        baselineWindows = configuration.dendrite.coulombicEfficiencyBaselineWindows
        nominalBlockAmpereHours = configuration.cell.nominalCapacityAmpereHours * parallel
        nominalBlockOhms = configuration.cell.seriesResistanceOhms / parallel
        let prior = nominalBlockAmpereHours * settings.initialCapacityStandardDeviationFraction
        capacity = Array(
            repeating: CapacityEstimator(
                nominalAmpereHours: nominalBlockAmpereHours, priorStandardDeviation: prior,
                forgettingFactor: settings.capacityForgettingFactor), count: cells)
        let initialVariance = (0.5 * nominalBlockOhms) * (0.5 * nominalBlockOhms)
        resistance = Array(
            repeating: ResistanceEstimator(
                initialOhms: nominalBlockOhms, initialVariance: initialVariance, forgettingFactor: settings.resistanceForgettingFactor),
            count: cells)
        anchorSOC = Array(repeating: 0, count: cells)
        anchorVariance = Array(repeating: 0, count: cells)
        hasAnchor = Array(repeating: false, count: cells)
        chargeInAmpereHours = Array(repeating: 0, count: cells)
        chargeOutAmpereHours = Array(repeating: 0, count: cells)
        restVoltage = Array(repeating: 0, count: cells)
        restVoltageInitialized = Array(repeating: false, count: cells)
        lastChargeWindowCapacity = Array(repeating: 0, count: cells)
        lastDischargeWindowCapacity = Array(repeating: 0, count: cells)
        efficiencySamples = Array(repeating: [], count: cells)
        coulombicEfficiency = Array(repeating: nil, count: cells)
        efficiencyBaseline = Array(repeating: nil, count: cells)
        efficiencyBaselineSamples = Array(repeating: 0, count: cells)
        sampleCurrent = Array(repeating: 0, count: cells)
        sampleVolts = Array(repeating: 0, count: cells)
        sampleTime = Array(repeating: Time.never, count: cells)
        hasSample = Array(repeating: false, count: cells)
        initialResistance = Array(repeating: nil, count: cells)
    }

    /// Equivalent full cycles of the pack so far.
    var equivalentFullCycles: Double { throughputAmpereHours / (2 * nominalBlockAmpereHours) }

    /// Counts charge for every block over `seconds` (`blockAmperes[i]`, positive discharge).
    mutating func integrate(blockAmperes: [Double], packAmperes: Double, seconds: Double) {
        guard seconds > 0 else { return }
        windowSeconds += seconds
        throughputAmpereHours += abs(packAmperes) * seconds / 3600
        for cell in blockAmperes.indices {
            let ampereHours = blockAmperes[cell] * seconds / 3600
            if ampereHours < 0 {
                chargeInAmpereHours[cell] -= ampereHours
            } else {
                chargeOutAmpereHours[cell] += ampereHours
            }
        }
    }

    /// Follows the rest voltage of every valid block (exponential mean, τ = 60 s).
    mutating func followRestVoltage(cell: Int, volts: Double, seconds: Double) {
        if !restVoltageInitialized[cell] {
            restVoltage[cell] = volts
            restVoltageInitialized[cell] = true
            return
        }
        let alpha = min(1, seconds / 60)
        restVoltage[cell] += alpha * (volts - restVoltage[cell])
    }

    /// Called when the pack leaves rest: the next rest starts a new voltage average.
    mutating func restEnded() {
        anchoredThisRest = false
        for cell in restVoltageInitialized.indices { restVoltageInitialized[cell] = false }
    }

    /// An SOC anchor for one block from its rest voltage; nil without a rest average.
    func anchor(cell: Int, polarizationVolts: Double, ocv: OCVTable) -> (soc: Double, variance: Double)? {
        guard restVoltageInitialized[cell] else { return nil }
        let volts = restVoltage[cell] + polarizationVolts
        let soc = ocv.soc(atVoltage: volts)
        let slope = max(ocv.slope(atSOC: soc), 0.05)
        // The 60 s exponential mean of ≥ 1 Hz samples cuts white voltage noise by ≥ √120.
        let voltageSigma = settings.voltageMeasurementStandardDeviationVolts / 120.0.squareRoot()
        let socSigma = voltageSigma / slope
        let variance = socSigma * socSigma + settings.anchorSOCModelStandardDeviation * settings.anchorSOCModelStandardDeviation
        return (soc, variance)
    }

    /// Closes a window for `cell` at an anchor; returns true when the capacity estimate changed.
    mutating func closeWindow(cell: Int, anchor: (soc: Double, variance: Double), chargeEfficiency: Double) -> Bool {
        defer { anchoredThisRest = true }
        guard hasAnchor[cell] else {
            startWindow(cell: cell, anchor: anchor)
            return false
        }
        let deltaSOC = anchor.soc - anchorSOC[cell]
        guard abs(deltaSOC) >= settings.minimumWindowDeltaSOC else { return false }
        let chargeIn = chargeInAmpereHours[cell]
        let chargeOut = chargeOutAmpereHours[cell]
        let ampereHours = chargeEfficiency * chargeIn - chargeOut
        let hours = windowSeconds / 3600
        let offset = settings.currentOffsetStandardDeviationAmperes * hours
        let gain = settings.currentGainStandardDeviation * (chargeIn + chargeOut)
        let noise = settings.currentNoiseStandardDeviationAmperes * (max(windowSeconds, 1) * 0.01).squareRoot() / 3600
        let varianceAmpereHours = max(offset * offset + gain * gain + noise * noise, 1e-10)
        let varianceSOC = anchor.variance + anchorVariance[cell]
        let changed = capacity[cell].update(
            deltaSOC: deltaSOC, ampereHours: ampereHours, varianceSOC: varianceSOC, varianceAmpereHours: varianceAmpereHours)
        recordEfficiency(cell: cell, deltaSOC: deltaSOC, chargeIn: chargeIn, chargeOut: chargeOut)
        startWindow(cell: cell, anchor: anchor)
        return changed
    }

    /// After all blocks closed their windows at one anchor instant.
    mutating func finishAnchor() {
        windowSeconds = 0
        let weakest = capacity.map(\.capacityAmpereHours).min() ?? nominalBlockAmpereHours
        capacityHistory.append((equivalentFullCycles, weakest))
        if capacityHistory.count > settings.capacityHistoryLength { capacityHistory.removeFirst() }
    }

    private mutating func startWindow(cell: Int, anchor: (soc: Double, variance: Double)) {
        anchorSOC[cell] = anchor.soc
        anchorVariance[cell] = anchor.variance
        hasAnchor[cell] = true
        chargeInAmpereHours[cell] = 0
        chargeOutAmpereHours[cell] = 0
    }

    private mutating func recordEfficiency(cell: Int, deltaSOC: Double, chargeIn: Double, chargeOut: Double) {
        if deltaSOC > 0, chargeIn > 4 * chargeOut {
            lastChargeWindowCapacity[cell] = (chargeIn - chargeOut) / deltaSOC
        } else if deltaSOC < 0, chargeOut > 4 * chargeIn {
            lastDischargeWindowCapacity[cell] = (chargeOut - chargeIn) / -deltaSOC
        } else {
            return
        }
        guard lastChargeWindowCapacity[cell] > 0, lastDischargeWindowCapacity[cell] > 0 else { return }
        let sample = lastDischargeWindowCapacity[cell] / lastChargeWindowCapacity[cell]
        guard sample > 0.8, sample < 1.2 else { return }
        efficiencySamples[cell].append(sample)
        if efficiencySamples[cell].count > settings.coulombicEfficiencyWindowCount { efficiencySamples[cell].removeFirst() }
        let mean = efficiencySamples[cell].reduce(0, +) / Double(efficiencySamples[cell].count)
        coulombicEfficiency[cell] = mean
        if efficiencyBaselineSamples[cell] < baselineWindows {
            efficiencyBaselineSamples[cell] += 1
            efficiencyBaseline[cell] = mean
        }
    }

    /// Offers a new voltage sample of `cell` for the resistance estimate; pairs it with the previous one.
    mutating func offerResistanceSample(cell: Int, volts: Double, blockAmperes: Double, now: Int64, temperatureFactor: Double) {
        defer {
            sampleCurrent[cell] = blockAmperes
            sampleVolts[cell] = volts
            sampleTime[cell] = now
            hasSample[cell] = true
        }
        guard hasSample[cell], Time.elapsed(from: sampleTime[cell], to: now) <= 250 else { return }
        let deltaAmperes = blockAmperes - sampleCurrent[cell]
        guard abs(deltaAmperes) >= settings.resistanceStepThresholdAmperes else { return }
        if resistance[cell].update(deltaAmperes: deltaAmperes, deltaVolts: volts - sampleVolts[cell], temperatureFactor: temperatureFactor),
            initialResistance[cell] == nil, resistance[cell].updates >= 20
        {
            initialResistance[cell] = resistance[cell].ohms
        }
    }

    /// Forgets the pairing sample of a block (after an invalid reading).
    mutating func dropResistanceSample(cell: Int) { hasSample[cell] = false }

    /// Capacity fade of the weakest block per 100 equivalent full cycles (fraction of nominal), from the history.
    var fadePerHundredCycles: Double {
        slope(of: capacityHistory[...]).map { -$0 * 100 / nominalBlockAmpereHours } ?? 0
    }

    /// True when the recent half of the capacity history fades `kneeSlopeRatio` times faster than the older half.
    var kneeDetected: Bool {
        guard capacityHistory.count >= settings.capacityHistoryLength else { return false }
        let half = capacityHistory.count / 2
        guard let early = slope(of: capacityHistory[..<half]), let recent = slope(of: capacityHistory[half...]) else { return false }
        let earlyFade = max(-early, 1e-6 * nominalBlockAmpereHours)
        return -recent > settings.kneeSlopeRatio * earlyFade
    }

    private func slope(of points: ArraySlice<(cycles: Double, ampereHours: Double)>) -> Double? {
        guard points.count >= 2 else { return nil }
        let n = Double(points.count)
        let meanX = points.reduce(0) { $0 + $1.cycles } / n
        let meanY = points.reduce(0) { $0 + $1.ampereHours } / n
        var sxx = 0.0
        var sxy = 0.0
        for point in points {
            sxx += (point.cycles - meanX) * (point.cycles - meanX)
            sxy += (point.cycles - meanX) * (point.ampereHours - meanY)
        }
        guard sxx > 1e-9 else { return nil }
        return sxy / sxx
    }
}
