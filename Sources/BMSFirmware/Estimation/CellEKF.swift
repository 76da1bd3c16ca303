import RealModule

/// Extended Kalman filter on a two-RC equivalent circuit for one block (Plett 2004, "Extended Kalman
/// filtering for battery management systems", Part 3).
///
/// State x = [z, v1, v2] (SOC, RC-branch voltages). With block current i (A, positive discharge),
/// sample time Δt, a_j = exp(−Δt/τ_j):
///
///     z'  = z − η·i·Δt / (3600·Q)          (coulomb counting; η < 1 only while charging)
///     v_j' = a_j·v_j + R_j·(1 − a_j)·i     (exact zero-order-hold discretisation)
///     h'  = e^(−|γ·Δz|)·h − (1 − e^(−|γ·Δz|))·sgn(i)   (Plett's one-state hysteresis, not estimated)
///     y   = OCV(z) + M·h − v1 − v2 − R0·i   (terminal voltage)
///
/// The state matrix is diagonal, so the covariance update is done on the six distinct entries of the
/// symmetric 3×3 matrix. Innovations beyond the gate are rejected as outliers; SOC is clamped to 0...1
/// and a non-finite state is re-initialised from the next voltage, so no input can poison the filter.
public struct CellEKF: Hashable, Sendable {
    public private(set) var soc: Double
    public private(set) var firstRCVolts: Double = 0
    public private(set) var secondRCVolts: Double = 0
    /// Hysteresis state h in −1...1 (−1 after discharge, +1 after charge).
    public private(set) var hysteresis: Double = 0
    /// The RC-branch voltages driven by the current alone (no measurement corrections). At rest this is
    /// what still separates the terminal voltage from OCV; unlike the filter states it cannot absorb
    /// OCV-model errors, so SOC anchors use it.
    public private(set) var openLoopPolarizationVolts: Double = 0
    private var openLoopFirst = 0.0
    private var openLoopSecond = 0.0
    /// The RC-branch currents per unit series resistance, driven open loop by the current (A): the model
    /// polarisation is R0 · f(T) · (``normalizedPolarizationAmperes``), whatever R0 is.
    public private(set) var normalizedPolarizationAmperes = 0.0
    private var normalizedFirst = 0.0
    private var normalizedSecond = 0.0
    /// SOC moved by coulomb counting since start (sum of the prediction steps, without corrections).
    public private(set) var countedSOCChange = 0.0
    // Covariance entries P = [[p11 p12 p13] [p12 p22 p23] [p13 p23 p33]].
    private var p11: Double
    private var p12 = 0.0
    private var p13 = 0.0
    private var p22: Double
    private var p23 = 0.0
    private var p33: Double
    public private(set) var initialized = false
    /// Outliers rejected since start (soft-short noise shows up here).
    public private(set) var rejectedInnovations = 0

    /// Block-level model parameters for one step.
    public struct Parameters: Sendable {
        public var capacityAmpereHours: Double
        public var seriesOhms: Double
        public var firstRCOhms: Double
        public var secondRCOhms: Double
        /// exp(−Δt/τ1), exp(−Δt/τ2) for this step.
        public var firstDecay: Double
        public var secondDecay: Double
        public var chargeEfficiency: Double
        /// Full hysteresis M (V) and its rate γ.
        public var hysteresisVolts: Double
        public var hysteresisRate: Double
        /// Currents below this (the rest threshold) leave the hysteresis state alone: measurement noise at
        /// rest must not drag it towards zero.
        public var hysteresisDeadbandAmperes: Double
        /// R1/R0 and R2/R0 of the cell model: the RC branches per unit series resistance, for the
        /// resistance estimator's model of the polarisation between two samples (0: not modelled).
        public var firstRCRatio: Double
        public var secondRCRatio: Double

        public init(
            capacityAmpereHours: Double, seriesOhms: Double, firstRCOhms: Double, secondRCOhms: Double,
            firstDecay: Double, secondDecay: Double, chargeEfficiency: Double, hysteresisVolts: Double = 0, hysteresisRate: Double = 0,
            hysteresisDeadbandAmperes: Double = 0.2, firstRCRatio: Double = 0, secondRCRatio: Double = 0
        ) {
            self.firstRCRatio = firstRCRatio
            self.secondRCRatio = secondRCRatio
            self.hysteresisDeadbandAmperes = hysteresisDeadbandAmperes
            self.hysteresisVolts = hysteresisVolts
            self.hysteresisRate = hysteresisRate
            self.capacityAmpereHours = capacityAmpereHours
            self.seriesOhms = seriesOhms
            self.firstRCOhms = firstRCOhms
            self.secondRCOhms = secondRCOhms
            self.firstDecay = firstDecay
            self.secondDecay = secondDecay
            self.chargeEfficiency = chargeEfficiency
        }
    }

    /// Noise settings in filter units.
    public struct Noise: Sendable {
        public var socVariancePerSecond: Double
        public var polarizationVariancePerSecond: Double
        public var voltageVariance: Double
        public var currentVariance: Double
        public var gateSigma: Double
        public var initialSOCVariance: Double

        public init(settings: EstimationSettings, parallelCells: Int) {
            socVariancePerSecond = settings.socProcessVariancePerSecond
            polarizationVariancePerSecond = settings.polarizationProcessVariancePerSecond
            voltageVariance = settings.voltageMeasurementStandardDeviationVolts * settings.voltageMeasurementStandardDeviationVolts
            let currentSigma = settings.currentNoiseStandardDeviationAmperes
            currentVariance = currentSigma * currentSigma
            gateSigma = settings.innovationGateSigma
            initialSOCVariance = settings.initialSOCStandardDeviation * settings.initialSOCStandardDeviation
        }
    }

    public init() {
        soc = 0.5
        p11 = 1
        p22 = 1e-4
        p33 = 1e-4
    }

    /// 1σ SOC uncertainty of the filter state (white noise only; see ``reportedStandardDeviation(modelStandardDeviation:)``).
    public var socStandardDeviation: Double { p11 > 0 ? p11.squareRoot() : 0 }

    /// The σ to report: the filter's σ combined with the model's own SOC error (OCV table, hysteresis).
    public func reportedStandardDeviation(modelStandardDeviation: Double) -> Double {
        (max(p11, 0) + modelStandardDeviation * modelStandardDeviation).squareRoot()
    }

    /// SOC variance.
    public var socVariance: Double { p11 }

    /// Starts from a resting voltage: SOC from the OCV table, RC branches relaxed.
    public mutating func initialize(restingVolts volts: Double, ocv: OCVTable, noise: Noise) {
        soc = ocv.soc(atVoltage: volts)
        firstRCVolts = 0
        secondRCVolts = 0
        p11 = noise.initialSOCVariance
        p12 = 0
        p13 = 0
        p22 = 1e-4
        p23 = 0
        p33 = 1e-4
        initialized = true
    }

    /// Time update over `seconds` with block current `amperes` (positive discharge).
    @inline(__always)
    public mutating func predict(amperes: Double, seconds: Double, parameters: Parameters, noise: Noise) {
        guard initialized, seconds > 0 else { return }
        let efficiency = amperes < 0 ? parameters.chargeEfficiency : 1
        let gain = seconds / (3600 * parameters.capacityAmpereHours)
        let deltaSOC = efficiency * amperes * gain
        soc -= deltaSOC
        countedSOCChange -= deltaSOC
        if abs(amperes) >= parameters.hysteresisDeadbandAmperes, parameters.hysteresisRate > 0 {
            let decay = Double.exp(-abs(parameters.hysteresisRate * deltaSOC))
            hysteresis = decay * hysteresis - (1 - decay) * (amperes > 0 ? 1 : -1)
            if !hysteresis.isFinite { hysteresis = 0 }
        }
        let a1 = parameters.firstDecay
        let a2 = parameters.secondDecay
        firstRCVolts = a1 * firstRCVolts + parameters.firstRCOhms * (1 - a1) * amperes
        secondRCVolts = a2 * secondRCVolts + parameters.secondRCOhms * (1 - a2) * amperes
        openLoopFirst = a1 * openLoopFirst + parameters.firstRCOhms * (1 - a1) * amperes
        openLoopSecond = a2 * openLoopSecond + parameters.secondRCOhms * (1 - a2) * amperes
        openLoopPolarizationVolts = openLoopFirst + openLoopSecond
        if !openLoopPolarizationVolts.isFinite {
            openLoopFirst = 0
            openLoopSecond = 0
            openLoopPolarizationVolts = 0
        }
        normalizedFirst = a1 * normalizedFirst + parameters.firstRCRatio * (1 - a1) * amperes
        normalizedSecond = a2 * normalizedSecond + parameters.secondRCRatio * (1 - a2) * amperes
        normalizedPolarizationAmperes = normalizedFirst + normalizedSecond
        if !normalizedPolarizationAmperes.isFinite || !countedSOCChange.isFinite {
            normalizedFirst = 0
            normalizedSecond = 0
            normalizedPolarizationAmperes = 0
            countedSOCChange = 0
        }
        // P = A P Aᵀ + Q, A = diag(1, a1, a2)
        p12 *= a1
        p13 *= a2
        p22 *= a1 * a1
        p23 *= a1 * a2
        p33 *= a2 * a2
        let currentTerm = gain * gain * noise.currentVariance
        p11 += noise.socVariancePerSecond * seconds + currentTerm
        p22 += noise.polarizationVariancePerSecond * seconds
        p33 += noise.polarizationVariancePerSecond * seconds
        clampSOC()
        if !soc.isFinite || !firstRCVolts.isFinite || !secondRCVolts.isFinite || !p11.isFinite { invalidate() }
    }

    /// Counts charge that the current samples missed (the current sensor's charge counter minus the
    /// integral of the samples; positive = discharge): moves the SOC only, like coulomb counting.
    public mutating func countCharge(ampereSeconds: Double, capacityAmpereHours: Double, chargeEfficiency: Double) {
        guard initialized, ampereSeconds.isFinite, ampereSeconds != 0, capacityAmpereHours > 0 else { return }
        let efficiency = ampereSeconds < 0 ? chargeEfficiency : 1
        let deltaSOC = efficiency * ampereSeconds / (3600 * capacityAmpereHours)
        soc -= deltaSOC
        countedSOCChange -= deltaSOC
        clampSOC()
    }

    /// Measurement update with a terminal voltage. Returns false when the innovation was gated out.
    @inline(__always)
    @discardableResult
    public mutating func correct(volts: Double, amperes: Double, parameters: Parameters, ocv: OCVTable, noise: Noise) -> Bool {
        guard volts.isFinite else { return false }
        guard initialized else {
            initialize(restingVolts: volts + parameters.seriesOhms * amperes - parameters.hysteresisVolts * hysteresis, ocv: ocv, noise: noise)
            return true
        }
        let predicted = ocv.voltage(atSOC: soc) + parameters.hysteresisVolts * hysteresis - firstRCVolts - secondRCVolts
            - parameters.seriesOhms * amperes
        let slope = ocv.slope(atSOC: soc)
        // H = [slope, −1, −1]; PHᵀ:
        let ph1 = p11 * slope - p12 - p13
        let ph2 = p12 * slope - p22 - p23
        let ph3 = p13 * slope - p23 - p33
        let innovationVariance = slope * ph1 - ph2 - ph3 + noise.voltageVariance
        guard innovationVariance > 0, innovationVariance.isFinite else {
            invalidate()
            return false
        }
        let innovation = volts - predicted
        if innovation * innovation > noise.gateSigma * noise.gateSigma * innovationVariance {
            rejectedInnovations &+= 1
            // A persistent large innovation means the state is wrong, not the sensor: inflate SOC variance.
            p11 += 0.01 * 0.01
            return false
        }
        let k1 = ph1 / innovationVariance
        let k2 = ph2 / innovationVariance
        let k3 = ph3 / innovationVariance
        soc += k1 * innovation
        firstRCVolts += k2 * innovation
        secondRCVolts += k3 * innovation
        // P −= K S Kᵀ = (PHᵀ)(PHᵀ)ᵀ / S
        p11 -= ph1 * k1
        p12 -= ph1 * k2
        p13 -= ph1 * k3
        p22 -= ph2 * k2
        p23 -= ph2 * k3
        p33 -= ph3 * k3
        p11 = max(p11, 1e-12)
        p22 = max(p22, 1e-12)
        p33 = max(p33, 1e-12)
        clampSOC()
        if !soc.isFinite || !firstRCVolts.isFinite || !secondRCVolts.isFinite || !p11.isFinite { invalidate() }
        return true
    }

    /// Replaces the SOC with an OCV anchor of known variance (rest recalibration).
    public mutating func recalibrate(soc anchor: Double, variance: Double) {
        guard anchor.isFinite, variance.isFinite, variance > 0 else { return }
        soc = min(max(anchor, 0), 1)
        p11 = variance
        p12 = 0
        p13 = 0
    }

    /// Drops a state that went non-finite (absurd inputs); the next voltage re-initialises the filter.
    private mutating func invalidate() {
        soc = soc.isFinite ? min(max(soc, 0), 1) : 0.5
        firstRCVolts = 0
        secondRCVolts = 0
        p11 = 1
        p12 = 0
        p13 = 0
        p22 = 1e-4
        p23 = 0
        p33 = 1e-4
        initialized = false
    }

    @inline(__always)
    private mutating func clampSOC() {
        if soc < 0 {
            soc = 0
        } else if soc > 1 {
            soc = 1
        }
    }
}
