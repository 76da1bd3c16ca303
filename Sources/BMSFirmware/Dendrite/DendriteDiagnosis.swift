import RealModule

/// Dendrite-health diagnosis per block: soft-short signatures at rest (voltage sag, noise), SOC
/// divergence under load (voltage-derived SOC regressed on time, charge and current), Coulombic-efficiency trend and resistance growth → a risk level and the
/// signatures behind it (the "sense → diagnose" half of the smart-battery loop, cell-physics §2.8).
///
/// - `high`: excess self-discharge (rest sag or divergence) at or above the thermal-runaway soft-short
///   threshold. Safety path: thermal-runaway warning, no healing.
/// - `elevated`: any short signature, or a Coulombic-efficiency drop. Healing recommended.
/// - `watch`: resistance rise only.
struct DendriteDiagnosis: Sendable {
    private(set) var risk: [DendriteRisk]
    private(set) var signatures: [DendriteSignatures]
    /// Excess self-discharge from the last complete rest analysis (mA), per block.
    private(set) var restExcessMilliamperes: [Double?]
    /// Its standard error (mA): a sag counts only when it stands out by three of them.
    private(set) var restExcessErrorMilliamperes: [Double]
    /// A drift counts as evidence when it exceeds this many standard errors.
    static let significance = 3.0
    /// Rest-voltage noise relative to the pack median from the last analysis.
    private(set) var restNoiseRatio: [Double?]
    /// Excess discharge from the SOC-divergence trend (mA), per block.
    private(set) var divergenceMilliamperes: [Double?]
    /// Its standard error from the regression's residual (mA).
    private(set) var divergenceErrorMilliamperes: [Double]
    private(set) var restTrend: RestVoltageTrend
    private var divergence: DivergenceTrend
    private var nextDivergenceSampleAt = Time.never
    /// Accumulated expected relative SOC change from each block's capacity estimate.
    private var capacityCorrection: [Double]
    private var chargeAtLastSample = Double.nan
    /// Exponential mean of the string current over the divergence window (A).
    private var meanAmperes = 0.0
    private var hasMeanAmperes = false
    /// Divergence below this (mA) could come from capacity-estimate error alone at the present load.
    private(set) var divergenceFloorMilliamperes: [Double]
    /// When each block's divergence first stood at or above the soft-short warning level (reset when it falls back).
    private var driftHighSince: [Int64]
    /// True once the current rest has produced a verdict (the healing phases wait for it).
    private(set) var restVerdictAt = Time.never

    init(configuration: BMSConfiguration) {
        let cells = configuration.topology.seriesCells
        risk = Array(repeating: .none, count: cells)
        signatures = Array(repeating: [], count: cells)
        restExcessMilliamperes = Array(repeating: nil, count: cells)
        restExcessErrorMilliamperes = Array(repeating: 0, count: cells)
        restNoiseRatio = Array(repeating: nil, count: cells)
        divergenceMilliamperes = Array(repeating: nil, count: cells)
        divergenceErrorMilliamperes = Array(repeating: .infinity, count: cells)
        restTrend = RestVoltageTrend(cells: cells)
        divergence = DivergenceTrend(cells: cells, timeConstantMilliseconds: configuration.dendrite.divergenceTimeConstantMilliseconds)
        capacityCorrection = Array(repeating: 0, count: cells)
        divergenceFloorMilliamperes = Array(repeating: 0, count: cells)
        driftHighSince = Array(repeating: Time.never, count: cells)
    }

    /// Follows the rest-voltage trend: starts after the settle time of a rest, stops when the rest ends.
    mutating func followRest(
        atRest: Bool, restDurationMilliseconds: Int64, relativeMillivolts: [Double], valid: [Bool], freshSample: Bool,
        settings: DendriteDiagnosisSettings, now: Int64
    ) {
        guard atRest else {
            restTrend.stop()
            return
        }
        if !restTrend.isRunning, restDurationMilliseconds >= settings.restSettleMilliseconds {
            restTrend.start(at: now)
        }
        if freshSample { restTrend.add(relativeMillivolts: relativeMillivolts, valid: valid, now: now) }
    }

    /// Drops the running rest analysis (something other than the cells changed the sensed voltages);
    /// it starts again on the next sample of the same rest.
    mutating func restartRestAnalysis() { restTrend.stop() }

    /// Turns the running rest trend into a verdict (excess self-discharge, noise ratio) once it is long enough.
    mutating func concludeRest(
        blockCapacityAmpereHours: [Double], ocvSlopeVoltsPerSOC: [Double], soc: [Double], settings: DendriteDiagnosisSettings, now: Int64
    ) {
        guard restTrend.isRunning, restTrend.duration(at: now) >= settings.minimumRestAnalysisMilliseconds else { return }
        var residuals: [Double] = []
        var fits: [(slope: Double, slopeError: Double, residual: Double)?] = []
        for cell in risk.indices {
            // Blocks in the end-of-discharge knee give no verdict.
            let fit = cell < soc.count && soc[cell] >= settings.restMinimumSOC ? restTrend.fit(cell: cell) : nil
            fits.append(fit)
            if let fit { residuals.append(fit.residual) }
        }
        guard !residuals.isEmpty else { return }
        residuals.sort()
        let median = max(residuals[residuals.count / 2], 0.05)
        for cell in risk.indices {
            guard let fit = fits[cell] else {
                restExcessMilliamperes[cell] = nil
                restExcessErrorMilliamperes[cell] = 0
                restNoiseRatio[cell] = nil
                continue
            }
            // dV/dt (V/s) relative to the pack → current: I = −dV/dt · Q(As) / (dOCV/dz).
            let slope = max(ocvSlopeVoltsPerSOC[cell], 0.05)
            let amperes = -(fit.slope / 1000) * blockCapacityAmpereHours[cell] * 3600 / slope
            restExcessMilliamperes[cell] = amperes * 1000
            restExcessErrorMilliamperes[cell] = fit.slopeError * blockCapacityAmpereHours[cell] * 3600 / slope
            restNoiseRatio[cell] = fit.residual / median
        }
        restVerdictAt = now
    }

    /// True when the SOC divergence wants a sample now.
    func isDivergenceSampleDue(at now: Int64) -> Bool { nextDivergenceSampleAt == Time.never || now >= nextDivergenceSampleAt }

    /// Samples the divergence: `relaxedSOC` is each block's SOC read from its relaxed voltage (terminal
    /// voltage corrected for R0·I, RC polarisation and hysteresis, through the OCV table). Working in SOC
    /// rather than volts keeps the varying OCV slope from turning a constant SOC offset into a trend.
    /// The charge moved since the last sample is expected to move each block by q·(1/Q̄ − 1/Q_i) relative
    /// to the pack; that is added back, so only an unexplained drift remains. Its residual uncertainty,
    /// σ_Q/Q × the mean current, sets a per-block floor under which a drift is not a verdict.
    mutating func followDivergence(
        relaxedSOC: [Double], valid: [Bool], chargeAmpereHours: Double, amperes: Double, blockCapacityAmpereHours: [Double],
        capacityStandardDeviationAmpereHours: [Double], settings: DendriteDiagnosisSettings, now: Int64
    ) {
        guard isDivergenceSampleDue(at: now) else { return }
        let spacing = nextDivergenceSampleAt == Time.never
            ? settings.divergenceSampleMilliseconds
            : max(Time.elapsed(from: Time.adding(-settings.divergenceSampleMilliseconds, to: nextDivergenceSampleAt), to: now), 0)
        nextDivergenceSampleAt = Time.adding(settings.divergenceSampleMilliseconds, to: now)
        var sum = 0.0
        var count = 0
        var inverseSum = 0.0
        for cell in relaxedSOC.indices where valid[cell] {
            sum += relaxedSOC[cell]
            inverseSum += 1 / max(blockCapacityAmpereHours[cell], 1e-6)
            count += 1
        }
        guard count > 1 else { return }
        let mean = sum / Double(count)
        let meanInverse = inverseSum / Double(count)
        let charge = chargeAtLastSample.isNaN ? 0 : chargeAmpereHours - chargeAtLastSample
        chargeAtLastSample = chargeAmpereHours
        // Exponential mean over the actual spacing of the samples (exact at any task period).
        let alpha = -Double.expMinusOne(-Double(spacing) / Double(max(settings.divergenceTimeConstantMilliseconds, 1)))
        // The first sample starts the mean at its own current: a mean rising from zero would understate the
        // drift a capacity error explains at the present load for a whole time constant.
        let sampleAmperes = amperes.isFinite ? amperes : 0
        meanAmperes = hasMeanAmperes ? meanAmperes + alpha * (sampleAmperes - meanAmperes) : sampleAmperes
        hasMeanAmperes = true
        var relative = [Double](repeating: 0, count: relaxedSOC.count)
        for cell in relaxedSOC.indices {
            capacityCorrection[cell] += charge * (1 / max(blockCapacityAmpereHours[cell], 1e-6) - meanInverse)
            relative[cell] = relaxedSOC[cell] - mean + capacityCorrection[cell]
        }
        divergence.add(relativeSOC: relative, valid: valid, chargeAmpereHours: chargeAmpereHours, amperes: amperes, now: now)
        for cell in relaxedSOC.indices {
            let rate = divergence.socRateWithError(cell: cell)
            divergenceMilliamperes[cell] = rate.map { -$0.rate * blockCapacityAmpereHours[cell] * 3600 * 1000 }
            divergenceErrorMilliamperes[cell] = rate.map { $0.error * blockCapacityAmpereHours[cell] * 3600 * 1000 } ?? .infinity
            let relativeUncertainty = capacityStandardDeviationAmpereHours[cell] / max(blockCapacityAmpereHours[cell], 1e-6)
            divergenceFloorMilliamperes[cell] = 3 * relativeUncertainty * abs(meanAmperes) * 1000
        }
    }

    /// Re-derives signatures and risk; returns the blocks whose risk or signatures changed.
    mutating func evaluate(
        coulombicEfficiency: [Double?], efficiencyBaseline: [Double?], resistanceOhms: [Double], initialResistance: [Double?],
        settings: DendriteDiagnosisSettings, softShortWarningMilliamperes: Double, now: Int64
    ) -> [Int] {
        var changed: [Int] = []
        for cell in risk.indices {
            var found: DendriteSignatures = []
            // A sag inside three standard errors of its own fit is no evidence (a slow task samples a rest sparsely).
            let measuredSag = restExcessMilliamperes[cell] ?? 0
            let sag = measuredSag > Self.significance * restExcessErrorMilliamperes[cell] ? measuredSag : 0
            // A drift inside what capacity-estimate error could explain at this load is no evidence.
            let rawDrift = divergenceMilliamperes[cell] ?? 0
            let drift = rawDrift > divergenceFloorMilliamperes[cell] && rawDrift > Self.significance * divergenceErrorMilliamperes[cell] ? rawDrift : 0
            if sag >= settings.selfDischargeSuspectMilliamperes { found.insert(.restVoltageSag) }
            if let noise = restNoiseRatio[cell], noise >= settings.noiseRatioSuspect { found.insert(.restVoltageNoise) }
            if drift >= settings.divergenceSuspectMilliamperes { found.insert(.socDivergence) }
            if let efficiency = coulombicEfficiency[cell], let baseline = efficiencyBaseline[cell],
                baseline - efficiency >= settings.coulombicEfficiencyDrop
            {
                found.insert(.coulombicEfficiencyDrop)
            }
            if let initial = initialResistance[cell], initial > 0, resistanceOhms[cell] / initial - 1 >= settings.resistanceRiseFraction {
                found.insert(.resistanceRise)
            }
            // A divergence counts as a developing short (the safety path) only once it has stood for the confirm
            // time: a leak persists, a fit disturbed by one odd sample does not. A rest sag is a verdict already.
            if drift >= softShortWarningMilliamperes {
                if driftHighSince[cell] == Time.never { driftHighSince[cell] = now }
            } else {
                driftHighSince[cell] = Time.never
            }
            let driftConfirmed = drift >= softShortWarningMilliamperes
                && Time.elapsed(from: driftHighSince[cell], to: now) >= settings.divergenceConfirmMilliseconds
            let newRisk: DendriteRisk
            if sag >= softShortWarningMilliamperes || driftConfirmed {
                newRisk = .high
            } else if !found.intersection(DendriteSignatures.shortSignatures).isEmpty || found.contains(.coulombicEfficiencyDrop) {
                newRisk = .elevated
            } else if !found.isEmpty {
                newRisk = .watch
            } else {
                newRisk = .none
            }
            if newRisk != risk[cell] || found != signatures[cell] {
                risk[cell] = newRisk
                signatures[cell] = found
                changed.append(cell)
            }
        }
        return changed
    }

    /// Blocks at `high` risk (thermal-runaway soft-short warning), ascending.
    var highRiskCells: [Int] { risk.indices.filter { risk[$0] == .high } }

    /// Blocks at `elevated` risk (healing recommended), ascending.
    var elevatedRiskCells: [Int] { risk.indices.filter { risk[$0] == .elevated } }

    /// Forgets the rest verdicts of blocks after a healing run, so the verify rest measures afresh.
    mutating func forgetRestVerdicts() {
        for cell in risk.indices {
            restExcessMilliamperes[cell] = nil
            restExcessErrorMilliamperes[cell] = 0
            restNoiseRatio[cell] = nil
        }
        restVerdictAt = Time.never
    }
}
