/// Recursive approximate weighted total least squares (AWTLS) capacity estimator after Plett,
/// "Recursive approximate weighted total least squares estimation of battery cell total capacity",
/// J. Power Sources 196 (2011) 2319.
///
/// Each update is one window between two rest anchors: x = ΔSOC (noisy, variance σx²) and
/// y = accumulated charge in Ah (noisy, variance σy²), with y ≈ Q·x. Ordinary least squares is biased
/// because x is noisy too; AWTLS minimises Σ (y − Qx)² / (σy² + Q²σx²) approximately, through six
/// running sums with fading memory γ and a scale factor K (≈ σx/σy) fixed at the first window:
///
///     J(r) = (c4 r⁴ − 2 c5 r³ + (c1 + c6) r² − 2 c2 r + c3) / (r² + 1)²,   r = K·Q
///
/// The minimiser is a root of  c5 r⁴ + (2c4 − c1 − c6) r³ + 3(c2 − c5) r² + (c1 + c6 − 2c3) r − c2,
/// found here by sign changes on a grid over the physically possible range plus bisection (no complex
/// roots, no allocation). The 1σ of Q comes from the curvature: σQ² = 2 / (J''(r) K²).
/// Partial windows are simply weaker evidence: their ΔSOC is small relative to its noise.
public struct CapacityEstimator: Hashable, Sendable {
    public private(set) var capacityAmpereHours: Double
    public private(set) var standardDeviationAmpereHours: Double
    public private(set) var updates = 0
    private let nominal: Double
    private let forgetting: Double
    private var scale: Double = 0
    private var c1 = 0.0, c2 = 0.0, c3 = 0.0, c4 = 0.0, c5 = 0.0, c6 = 0.0
    private let priorVariance: Double

    /// - Parameters:
    ///   - nominalAmpereHours: prior capacity (block level).
    ///   - priorStandardDeviation: 1σ of that prior, Ah.
    ///   - forgettingFactor: γ per window (1 = infinite memory).
    public init(nominalAmpereHours: Double, priorStandardDeviation: Double, forgettingFactor: Double) {
        nominal = nominalAmpereHours
        capacityAmpereHours = nominalAmpereHours
        standardDeviationAmpereHours = priorStandardDeviation
        forgetting = forgettingFactor
        priorVariance = priorStandardDeviation * priorStandardDeviation
    }

    /// Adds one window. Returns false (and changes nothing) for unusable data.
    @discardableResult
    public mutating func update(deltaSOC x: Double, ampereHours y: Double, varianceSOC: Double, varianceAmpereHours: Double) -> Bool {
        guard x.isFinite, y.isFinite, varianceSOC.isFinite, varianceAmpereHours.isFinite, varianceSOC > 0, varianceAmpereHours > 0,
            x != 0
        else { return false }
        if scale == 0 {
            scale = (varianceSOC / varianceAmpereHours).squareRoot()
            // Prior as a pseudo-window x = 1, y = Q_nominal with σy² = prior variance and σx² = K²·σy².
            addToSums(x: 1, y: nominal, varianceX: scale * scale * priorVariance, varianceY: priorVariance, gamma: 1)
        }
        let saved = (c1, c2, c3, c4, c5, c6)
        addToSums(x: x, y: y, varianceX: varianceSOC, varianceY: varianceAmpereHours, gamma: forgetting)
        guard let (r, curvature) = minimise(), curvature > 0 else {
            (c1, c2, c3, c4, c5, c6) = saved
            return false
        }
        capacityAmpereHours = r / scale
        standardDeviationAmpereHours = (2 / curvature).squareRoot() / scale
        updates += 1
        return true
    }

    private mutating func addToSums(x: Double, y: Double, varianceX: Double, varianceY: Double, gamma: Double) {
        let k = scale
        let k2 = k * k
        c1 = gamma * c1 + x * x / (k2 * varianceY)
        c2 = gamma * c2 + k * x * y / (k2 * varianceY)
        c3 = gamma * c3 + k2 * y * y / (k2 * varianceY)
        c4 = gamma * c4 + x * x / varianceX
        c5 = gamma * c5 + k * x * y / varianceX
        c6 = gamma * c6 + k2 * y * y / varianceX
    }

    /// Cost J(r).
    func cost(_ r: Double) -> Double {
        let numerator = ((c4 * r - 2 * c5) * r + (c1 + c6)) * r * r - 2 * c2 * r + c3
        let denominator = (r * r + 1) * (r * r + 1)
        return numerator / denominator
    }

    /// dJ/dr numerator (the quartic whose positive roots are the stationary points).
    private func stationarity(_ r: Double) -> Double {
        (((c5 * r + (2 * c4 - c1 - c6)) * r + 3 * (c2 - c5)) * r + (c1 + c6 - 2 * c3)) * r - c2
    }

    /// J''(r) from N/D with D = (r²+1)².
    private func curvature(_ r: Double) -> Double {
        let n = ((c4 * r - 2 * c5) * r + (c1 + c6)) * r * r - 2 * c2 * r + c3
        let n1 = ((4 * c4 * r - 6 * c5) * r + 2 * (c1 + c6)) * r - 2 * c2
        let n2 = (12 * c4 * r - 12 * c5) * r + 2 * (c1 + c6)
        let s = r * r + 1
        let d = s * s
        let d1 = 4 * r * s
        let d2 = 12 * r * r + 4
        return (n2 * d - n * d2) / (d * d) - 2 * d1 * (n1 * d - n * d1) / (d * d * d)
    }

    /// d/dr of the stationarity quartic.
    private func stationaritySlope(_ r: Double) -> Double {
        ((4 * c5 * r + 3 * (2 * c4 - c1 - c6)) * r + 6 * (c2 - c5)) * r + (c1 + c6 - 2 * c3)
    }

    /// The minimiser of J over [0.2, 2] × nominal (scaled), with J'' there: Newton from the previous
    /// estimate (one window moves it little), the full grid search when Newton does not land on a
    /// minimum that beats both ends of the range.
    private func minimise() -> (Double, Double)? {
        let low = 0.2 * nominal * scale
        let high = 2.0 * nominal * scale
        var r = min(max(capacityAmpereHours * scale, low), high)
        for _ in 0..<20 {
            let derivative = stationaritySlope(r)
            guard derivative != 0, derivative.isFinite else { break }
            let next = r - stationarity(r) / derivative
            guard next.isFinite, next > low, next < high else { break }
            if abs(next - r) <= 1e-10 * r {
                r = next
                let curvatureThere = curvature(r)
                if curvatureThere > 0, cost(r) <= cost(low), cost(r) <= cost(high) { return (r, curvatureThere) }
                break
            }
            r = next
        }
        return gridMinimise(low: low, high: high)
    }

    private func gridMinimise(low: Double, high: Double) -> (Double, Double)? {
        let steps = 64
        var bestR = Double.nan
        var bestCost = Double.infinity
        for candidate in [low, high] where cost(candidate) < bestCost {
            bestCost = cost(candidate)
            bestR = candidate
        }
        var previousR = low
        var previousValue = stationarity(low)
        for step in 1...steps {
            let r = low + (high - low) * Double(step) / Double(steps)
            let value = stationarity(r)
            if previousValue == 0 || (previousValue < 0) != (value < 0) {
                var a = previousR
                var b = r
                var fa = previousValue
                for _ in 0..<60 {
                    let m = 0.5 * (a + b)
                    let fm = stationarity(m)
                    if (fa < 0) == (fm < 0) {
                        a = m
                        fa = fm
                    } else {
                        b = m
                    }
                }
                let root = 0.5 * (a + b)
                let rootCost = cost(root)
                if rootCost < bestCost {
                    bestCost = rootCost
                    bestR = root
                }
            }
            previousR = r
            previousValue = value
        }
        guard bestR.isFinite else { return nil }
        return (bestR, curvature(bestR))
    }
}
