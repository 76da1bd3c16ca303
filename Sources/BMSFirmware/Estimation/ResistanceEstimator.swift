/// Recursive least squares with exponential forgetting for a block's series resistance R0, from the
/// instantaneous voltage response to current steps: −ΔV = R0·ΔI (the RC branches barely move within
/// one 10 ms sample). Standard scalar form with forgetting factor λ and measurement noise variance σ²:
///
///     K = P·x / (λ·σ² + x·P·x),   θ += K·(y − x·θ),   P = (1 − K·x)·P / λ
///
/// With σ² the actual noise of y (V²), P is the estimate's variance (Ω²) and the first steps move the
/// estimate from its prior as far as their evidence warrants; σ² = 1 gives the unnormalised form.
///
/// Each accepted step is normalised to the reference temperature with the cell model's Arrhenius
/// factor, so the estimate tracks ageing, not the weather.
public struct ResistanceEstimator: Hashable, Sendable {
    /// Series resistance at the reference temperature (Ω, block level).
    public private(set) var ohms: Double
    /// Estimate variance (Ω²), scaled by the measurement noise.
    public private(set) var variance: Double
    public private(set) var updates = 0
    /// Accepted steps after which the estimate is the block's own (used by the SOC filter and as the
    /// first converged value of the resistance-rise signature); before, single transients dominate it.
    public static let convergedUpdates = 20
    /// Whether ``convergedUpdates`` steps have been accepted.
    public var isConverged: Bool { updates >= Self.convergedUpdates }
    /// Exponential mean of the squared residuals of single steps (Ω², same memory as the estimate).
    public private(set) var residualVariance = 0.0
    private let forgetting: Double
    private let measurementVariance: Double

    public init(initialOhms: Double, initialVariance: Double, forgettingFactor: Double, measurementVariance: Double = 1) {
        ohms = initialOhms
        variance = initialVariance
        forgetting = forgettingFactor
        self.measurementVariance = measurementVariance > 0 && measurementVariance.isFinite ? measurementVariance : 1
    }

    /// Adds one step: `deltaAmperes` (positive = more discharge) and the voltage change it caused.
    /// `temperatureFactor` is R(T)/R(T_ref) at the block's temperature; `forgetting` overrides the
    /// configured factor for this step.
    @discardableResult
    public mutating func update(deltaAmperes x: Double, deltaVolts: Double, temperatureFactor: Double, forgetting stepForgetting: Double? = nil) -> Bool {
        let forgetting = min(max(stepForgetting ?? self.forgetting, 0.5), 1)
        guard x.isFinite, deltaVolts.isFinite, temperatureFactor.isFinite, temperatureFactor > 0, x != 0 else { return false }
        // Referenced to T_ref: y = −ΔV / f(T) = R_ref · ΔI.
        let y = -deltaVolts / temperatureFactor
        let candidate = y / x
        // A step implying a resistance below zero or 20× the estimate is a measurement glitch (e.g. the
        // voltage and current samples straddled different load levels), not a resistance.
        guard candidate > 0, candidate < 20 * ohms else { return false }
        let gain = variance * x / (forgetting * measurementVariance + x * variance * x)
        let updated = ohms + gain * (y - x * ohms)
        let updatedVariance = (1 - gain * x) * variance / forgetting
        guard updated.isFinite, updated > 0, updatedVariance.isFinite, updatedVariance > 0 else { return false }
        let residual = candidate - ohms
        let weight = updates == 0 ? 1 : 1 - forgetting
        residualVariance += weight * (residual * residual - residualVariance)
        ohms = updated
        variance = min(updatedVariance, 1)
        updates += 1
        return true
    }

    /// 1σ of the estimate relative to it: the single-step scatter averaged over the forgetting memory,
    /// σ_step · √((1 − λ)/(1 + λ)); 1 (100 %) before the first step.
    public var relativeStandardDeviation: Double {
        guard updates > 0, ohms > 0 else { return 1 }
        let memory = (1 - forgetting) / (1 + forgetting)
        return (residualVariance * max(memory, 1 / Double(updates))).squareRoot() / ohms
    }
}
