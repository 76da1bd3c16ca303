import RealModule

/// Per-block capacity (AWTLS over rest-to-rest windows) and resistance (RLS over current steps),
/// Coulombic efficiency and the lithium-inventory-loss indicators.
///
/// Windows: when the pack has rested for `anchorRestMilliseconds`, every valid block gets an SOC
/// anchor from the OCV table (its rest voltage plus the filter's remaining RC polarisation). The charge
/// counted between two anchors (in and out separately) and the SOC difference form one AWTLS window.
/// Windows with |ΔSOC| below the minimum keep accumulating until they are large enough, so partial
/// cycles still contribute.
///
/// Coulombic efficiency comes from closed loops: between two anchors with the same hysteresis side
/// and nearly the same SOC, Q·(z_b − z_a) = η·Ah_in − Ah_out, so η = (Ah_out + Q·Δz) / Ah_in. Hysteresis
/// and OCV-table errors are then the same at both ends and cancel; a 10 % ΔSOC with a 1 % capacity
/// error adds only 0.1 % of a loop's charge.
struct StateOfHealthTracker: Sendable {
    private(set) var capacity: [CapacityEstimator]
    private(set) var resistance: [ResistanceEstimator]
    private var lastAnchor: [SOCAnchor?]
    private(set) var hysteresis: [HysteresisCalibration]
    private var chargeInAmpereHours: [Double]
    private var chargeOutAmpereHours: [Double]
    private var windowSeconds = 0.0
    private var restVoltage: [Double]
    private var restVoltageInitialized: [Bool]
    private(set) var anchoredThisRest = false

    /// Earlier anchors per block: SOC, hysteresis side, cumulative charge in and out at that moment.
    private var anchorHistory: [[(soc: Double, side: Int, chargeIn: Double, chargeOut: Double)]]
    private var totalChargeIn: [Double]
    private var totalChargeOut: [Double]
    private var efficiencySamples: [[Double]]
    /// Rolling Coulombic efficiency per block (nil until the first charge/discharge pair).
    private(set) var coulombicEfficiency: [Double?]
    /// First rolling-CE values (the baseline), per block.
    private(set) var efficiencyBaseline: [Double?]
    private var efficiencyBaselineSamples: [Int]

    private var sampleCurrent: [Double]
    private var sampleVolts: [Double]
    private var sampleDrive: [Double]
    private var sampleCountedSOC: [Double]
    private var sampleHysteresisVolts: [Double]
    private var sampleTime: [Int64]
    private var hasSample: [Bool]
    private var lastResistanceStepAt: [Int64]
    /// Weight of the newest sample in the rest-voltage mean at the last update (for the anchor's noise).
    private var restVoltageAlpha = 1.0
    /// First converged resistance per block (for the resistance-rise signature).
    private(set) var initialResistance: [Double?]

    private(set) var throughputAmpereHours = 0.0
    private var capacityHistory: [(cycles: Double, ampereHours: Double)] = []
    /// Equivalent full cycles between two points of the capacity history.
    let historySpacingCycles: Double

    let configuredHysteresisVolts: Double
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
        // y = −ΔV/f of two samples: twice one sample's AFE noise variance.
        let stepSigma = settings.resistanceStepVoltageStandardDeviationVolts
        resistance = Array(
            repeating: ResistanceEstimator(
                initialOhms: nominalBlockOhms, initialVariance: initialVariance, forgettingFactor: settings.resistanceForgettingFactor,
                measurementVariance: 2 * stepSigma * stepSigma),
            count: cells)
        pairingMilliseconds = max(Int64(configuration.cell.firstRCTimeConstantSeconds * 1000 / 30), 10)
        lastAnchor = Array(repeating: nil, count: cells)
        hysteresis = Array(repeating: HysteresisCalibration(), count: cells)
        configuredHysteresisVolts = configuration.cell.hysteresisVolts
        chargeInAmpereHours = Array(repeating: 0, count: cells)
        chargeOutAmpereHours = Array(repeating: 0, count: cells)
        restVoltage = Array(repeating: 0, count: cells)
        restVoltageInitialized = Array(repeating: false, count: cells)
        anchorHistory = Array(repeating: [], count: cells)
        totalChargeIn = Array(repeating: 0, count: cells)
        totalChargeOut = Array(repeating: 0, count: cells)
        historySpacingCycles = settings.capacityHistorySpacingCycles
        efficiencySamples = Array(repeating: [], count: cells)
        coulombicEfficiency = Array(repeating: nil, count: cells)
        efficiencyBaseline = Array(repeating: nil, count: cells)
        efficiencyBaselineSamples = Array(repeating: 0, count: cells)
        sampleCurrent = Array(repeating: 0, count: cells)
        sampleVolts = Array(repeating: 0, count: cells)
        sampleDrive = Array(repeating: 0, count: cells)
        sampleCountedSOC = Array(repeating: 0, count: cells)
        sampleHysteresisVolts = Array(repeating: 0, count: cells)
        sampleTime = Array(repeating: Time.never, count: cells)
        hasSample = Array(repeating: false, count: cells)
        lastResistanceStepAt = Array(repeating: Time.never, count: cells)
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
                totalChargeIn[cell] -= ampereHours
            } else {
                chargeOutAmpereHours[cell] += ampereHours
                totalChargeOut[cell] += ampereHours
            }
        }
    }

    /// Adds charge that the current samples missed (the charge counter's correction, positive = discharge)
    /// to every block's window and loop balance.
    mutating func addCharge(ampereSeconds: Double) {
        guard ampereSeconds.isFinite, ampereSeconds != 0 else { return }
        let ampereHours = ampereSeconds / 3600
        throughputAmpereHours += abs(ampereHours)
        for cell in chargeInAmpereHours.indices {
            if ampereHours < 0 {
                chargeInAmpereHours[cell] -= ampereHours
                totalChargeIn[cell] -= ampereHours
            } else {
                chargeOutAmpereHours[cell] += ampereHours
                totalChargeOut[cell] += ampereHours
            }
        }
    }

    /// Follows the rest voltage of every valid block (exponential mean, τ = 60 s, exact for any spacing).
    mutating func followRestVoltage(cell: Int, volts: Double, seconds: Double) {
        if !restVoltageInitialized[cell] {
            restVoltage[cell] = volts
            restVoltageInitialized[cell] = true
            return
        }
        let alpha = -Double.expMinusOne(-max(seconds, 0) / 60)
        restVoltageAlpha = alpha
        restVoltage[cell] += alpha * (volts - restVoltage[cell])
    }

    /// Called when the pack leaves rest: the next rest starts a new voltage average.
    mutating func restEnded() {
        anchoredThisRest = false
        for cell in restVoltageInitialized.indices { restVoltageInitialized[cell] = false }
    }

    /// The hysteresis magnitude the estimators should use for a block (configured plus learned).
    func hysteresisVolts(cell: Int) -> Double { configuredHysteresisVolts + hysteresis[cell].correctionVolts }

    /// An SOC anchor for one block from its rest voltage; nil without a rest average. `rcVolts` is the
    /// filter's remaining RC polarisation, `hysteresisState` its hysteresis state h.
    func anchor(cell: Int, rcVolts: Double, hysteresisState: Double, ocv: OCVTable) -> SOCAnchor? {
        guard restVoltageInitialized[cell] else { return nil }
        let relaxed = restVoltage[cell] + rcVolts
        let rawSOC = ocv.soc(atVoltage: relaxed - configuredHysteresisVolts * hysteresisState)
        let soc = ocv.soc(atVoltage: relaxed - hysteresisVolts(cell: cell) * hysteresisState)
        let slope = max(ocv.slope(atSOC: soc), 0.05)
        // The 60 s exponential mean of ≥ 1 Hz samples cuts white voltage noise by ≥ √120; with samples
        // further apart it averages (2 − α)/α of them (α: the newest sample's weight), e.g. ~4 at 30 s.
        let alpha = min(max(restVoltageAlpha, 1e-9), 1)
        let averaged = min(120, (2 - alpha) / alpha)
        let voltageSigma = settings.voltageMeasurementStandardDeviationVolts / averaged.squareRoot()
        let socSigma = voltageSigma / slope
        let variance = socSigma * socSigma + settings.anchorSOCModelStandardDeviation * settings.anchorSOCModelStandardDeviation
        return SOCAnchor(soc: soc, rawSOC: rawSOC, variance: variance, hysteresisState: hysteresisState, slope: slope)
    }

    /// Closes a window for `cell` at an anchor; returns true when the capacity estimate changed.
    mutating func closeWindow(cell: Int, anchor: SOCAnchor, chargeEfficiency: Double) -> Bool {
        defer {
            anchoredThisRest = true
            recordLoop(cell: cell, soc: anchor.soc, side: anchor.side)
        }
        guard let start = lastAnchor[cell] else {
            startWindow(cell: cell, anchor: anchor)
            return false
        }
        let deltaSOC = anchor.soc - start.soc
        guard abs(deltaSOC) >= settings.minimumWindowDeltaSOC else { return false }
        let chargeIn = chargeInAmpereHours[cell]
        let chargeOut = chargeOutAmpereHours[cell]
        let ampereHours = chargeEfficiency * chargeIn - chargeOut
        let hours = windowSeconds / 3600
        let offset = settings.currentOffsetStandardDeviationAmperes * hours
        let gain = settings.currentGainStandardDeviation * (chargeIn + chargeOut)
        let noise = settings.currentNoiseStandardDeviationAmperes * (max(windowSeconds, 1) * 0.01).squareRoot() / 3600
        let varianceAmpereHours = max(offset * offset + gain * gain + noise * noise, 1e-10)
        let varianceSOC = anchor.variance + start.variance
        let estimate = capacity[cell].capacityAmpereHours
        hysteresis[cell].add(
            rawDeltaSOC: anchor.rawSOC - start.rawSOC, term: -(anchor.hysteresisState / anchor.slope - start.hysteresisState / start.slope),
            ampereHours: ampereHours, cycles: equivalentFullCycles, weight: 1 / (varianceAmpereHours + estimate * estimate * varianceSOC),
            limitVolts: configuredHysteresisVolts)
        let changed = capacity[cell].update(
            deltaSOC: deltaSOC, ampereHours: ampereHours, varianceSOC: varianceSOC, varianceAmpereHours: varianceAmpereHours)
        startWindow(cell: cell, anchor: anchor)
        return changed
    }

    /// After all blocks closed their windows at one anchor instant.
    mutating func finishAnchor() {
        windowSeconds = 0
        let weakest = capacity.map(\.capacityAmpereHours).min() ?? nominalBlockAmpereHours
        if let last = capacityHistory.last, equivalentFullCycles - last.cycles < historySpacingCycles { return }
        capacityHistory.append((equivalentFullCycles, weakest))
        if capacityHistory.count > settings.capacityHistoryLength { capacityHistory.removeFirst() }
    }

    private mutating func startWindow(cell: Int, anchor: SOCAnchor) {
        lastAnchor[cell] = anchor
        chargeInAmpereHours[cell] = 0
        chargeOutAmpereHours[cell] = 0
    }

    /// Closes a Coulombic-efficiency loop against the latest earlier anchor on the same hysteresis side
    /// within 10 % SOC, then remembers this anchor.
    private mutating func recordLoop(cell: Int, soc: Double, side: Int) {
        let chargeIn = totalChargeIn[cell]
        let chargeOut = totalChargeOut[cell]
        if side != 0, let earlier = anchorHistory[cell].last(where: { $0.side == side && abs(soc - $0.soc) <= 0.1 }) {
            let loopIn = chargeIn - earlier.chargeIn
            let loopOut = chargeOut - earlier.chargeOut
            if loopIn >= 0.2 * nominalBlockAmpereHours {
                let sample = (loopOut + capacity[cell].capacityAmpereHours * (soc - earlier.soc)) / loopIn
                if sample > 0.9, sample < 1.05 {
                    efficiencySamples[cell].append(sample)
                    if efficiencySamples[cell].count > settings.coulombicEfficiencyWindowCount { efficiencySamples[cell].removeFirst() }
                    let mean = efficiencySamples[cell].reduce(0, +) / Double(efficiencySamples[cell].count)
                    coulombicEfficiency[cell] = min(mean, 1)
                    if efficiencyBaselineSamples[cell] < baselineWindows {
                        efficiencyBaselineSamples[cell] += 1
                        efficiencyBaseline[cell] = coulombicEfficiency[cell]
                    }
                }
            }
        }
        anchorHistory[cell].append((soc, side, chargeIn, chargeOut))
        if anchorHistory[cell].count > 8 { anchorHistory[cell].removeFirst() }
    }

    /// What the cell model says about one voltage sample, for pairing it with the previous one.
    struct ModelState {
        /// Block current plus the RC-branch currents per unit R0 (A): the model's polarisation is R0·f(T) times this.
        var driveAmperes: Double
        /// SOC moved by coulomb counting so far (the filter's running sum).
        var countedSOC: Double
        /// dOCV/dSOC at the present SOC (V per unit SOC).
        var ocvSlope: Double
        /// The hysteresis voltage M·h now (V).
        var hysteresisVolts: Double
    }

    /// Longest spacing of two voltage samples that still form a resistance pair: a thirtieth of the fast RC
    /// time constant (1 s at τ1 = 30 s), where that branch has moved by ~3 % of its final value and the
    /// model's correction of it leaves well under 1 % of R0, even with a time constant a few times off.
    /// Slower samples see R0 and R1 together, which no model can separate: a controller ticking slower
    /// than that learns R0 only from steps it samples faster (a simulation can step finely around them).
    let pairingMilliseconds: Int64

    /// Offers a new voltage sample of `cell` for the resistance estimate; pairs it with the previous one.
    ///
    /// Between two samples the model moves the terminal voltage by ΔOCV (coulomb counting × slope),
    /// Δ(M·h), and −R0·f(T)·Δ(I + w), w the RC-branch currents per unit R0. The pair is one regression
    /// point for R0 at the reference temperature when it spans a current step and its samples are at most
    /// ``pairingMilliseconds`` apart; the model terms then remove the little the OCV, hysteresis and RC
    /// branches moved, so a 1 ms, 10 ms or 1 s task gives the same R0.
    mutating func offerResistanceSample(
        cell: Int, volts: Double, blockAmperes: Double, model: ModelState, now: Int64, temperatureFactor: Double,
        maximumPairingMilliseconds: Int64? = nil
    ) {
        let maximumPairingMilliseconds = maximumPairingMilliseconds ?? pairingMilliseconds
        defer {
            sampleCurrent[cell] = blockAmperes
            sampleVolts[cell] = volts
            sampleDrive[cell] = model.driveAmperes
            sampleCountedSOC[cell] = model.countedSOC
            sampleHysteresisVolts[cell] = model.hysteresisVolts
            sampleTime[cell] = now
            hasSample[cell] = true
        }
        guard hasSample[cell], Time.elapsed(from: sampleTime[cell], to: now) <= maximumPairingMilliseconds else { return }
        let deltaAmperes = blockAmperes - sampleCurrent[cell]
        guard abs(deltaAmperes) >= settings.resistanceStepThresholdAmperes else { return }
        let explained = model.ocvSlope * (model.countedSOC - sampleCountedSOC[cell]) + (model.hysteresisVolts - sampleHysteresisVolts[cell])
        // Forget per step, and in time for steps far apart, but over no fewer than the minimum number of steps.
        var forgetting = settings.resistanceForgettingFactor
        if lastResistanceStepAt[cell] != Time.never {
            let seconds = Double(max(Time.elapsed(from: lastResistanceStepAt[cell], to: now), 0)) / 1000
            forgetting = min(forgetting, Double.exp(-seconds / settings.resistanceMemorySeconds))
        }
        forgetting = max(forgetting, 1 - 1 / settings.resistanceMinimumMemorySteps)
        if resistance[cell].update(
            deltaAmperes: model.driveAmperes - sampleDrive[cell], deltaVolts: volts - sampleVolts[cell] - explained,
            temperatureFactor: temperatureFactor, forgetting: forgetting)
        {
            lastResistanceStepAt[cell] = now
            if initialResistance[cell] == nil, resistance[cell].isConverged { initialResistance[cell] = resistance[cell].ohms }
        }
    }

    /// Offers a sample without the cell model's help (R0 = −ΔV/ΔI): only pairs within 250 ms, where the RC
    /// branches and the OCV barely move.
    mutating func offerResistanceSample(cell: Int, volts: Double, blockAmperes: Double, now: Int64, temperatureFactor: Double) {
        offerResistanceSample(
            cell: cell, volts: volts, blockAmperes: blockAmperes,
            model: ModelState(driveAmperes: blockAmperes, countedSOC: 0, ocvSlope: 0, hysteresisVolts: 0), now: now,
            temperatureFactor: temperatureFactor, maximumPairingMilliseconds: 250)
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
