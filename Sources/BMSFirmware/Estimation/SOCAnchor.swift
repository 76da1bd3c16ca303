/// An SOC reading of one block from its relaxed rest voltage through the OCV table.
public struct SOCAnchor: Hashable, Sendable {
    /// SOC with the learned hysteresis correction applied (used for capacity windows and recalibration).
    public var soc: Double
    /// SOC with the configured hysteresis only (used to learn the hysteresis correction itself).
    public var rawSOC: Double
    public var variance: Double
    /// The filter's hysteresis state at the anchor (+1 after charge, −1 after discharge).
    public var hysteresisState: Double
    /// dOCV/dSOC at the anchor (V per unit SOC).
    public var slope: Double

    /// +1 / −1 when the hysteresis is saturated on one side, 0 in between.
    public var side: Int { hysteresisState > 0.5 ? 1 : hysteresisState < -0.5 ? -1 : 0 }
}

/// Learns how far the real OCV hysteresis differs from the configured one, from the capacity windows
/// themselves.
///
/// An error ΔM in the hysteresis magnitude shifts every anchor by h·ΔM/k (k = dOCV/dSOC there), so a
/// window from anchor A to B carries y = Q·x_raw + Q·ΔM·g with g = −(h_B/k_B − h_A/k_A). Charge and
/// discharge windows alternate, so g is nearly −sign(x); with windows of varied size the fit still
/// separates Q from b = Q·ΔM, but only if the capacity's own fade is modelled too, or the fade leaks into
/// b. So the fit is y = (Q₀ + Q₁·c)·x + b·g (c = equivalent full cycles at the window), weighted, with
/// exponential forgetting; ΔM = b/Q, clamped to ± the configured magnitude. Without this a 2 mV
/// hysteresis error biases a 50 % window's capacity by ~1 %, the same way for charge and discharge
/// windows, where no averaging removes it.
struct HysteresisCalibration: Hashable, Sendable {
    // Normal-equation sums for regressors (x, c·x, g) and target y.
    private var s11 = 0.0, s12 = 0.0, s13 = 0.0, s22 = 0.0, s23 = 0.0, s33 = 0.0
    private var t1 = 0.0, t2 = 0.0, t3 = 0.0
    private var windows = 0
    private var sawPositive = false
    private var sawNegative = false
    /// Learned correction to the configured hysteresis magnitude (V).
    private(set) var correctionVolts = 0.0

    mutating func add(
        rawDeltaSOC x: Double, term g: Double, ampereHours y: Double, cycles c: Double, weight w: Double, limitVolts: Double
    ) {
        guard x.isFinite, g.isFinite, y.isFinite, c.isFinite, w.isFinite, w > 0 else { return }
        let forgetting = 0.98
        let cx = c * x
        s11 = forgetting * s11 + w * x * x
        s12 = forgetting * s12 + w * x * cx
        s13 = forgetting * s13 + w * x * g
        s22 = forgetting * s22 + w * cx * cx
        s23 = forgetting * s23 + w * cx * g
        s33 = forgetting * s33 + w * g * g
        t1 = forgetting * t1 + w * x * y
        t2 = forgetting * t2 + w * cx * y
        t3 = forgetting * t3 + w * g * y
        windows += 1
        if x > 0 { sawPositive = true } else { sawNegative = true }
        guard windows >= 8, sawPositive, sawNegative else { return }
        // Windows all of one size, alternating charge and discharge (a cycler), make g = −k·x: the
        // hysteresis term and the capacity cannot be told apart, and a fit would trade one for the other
        // (a 10 mV error is ~3 % of capacity at the top of the OCV). Learn only from varied windows.
        guard s13 * s13 < 0.9 * s11 * s33 else { return }
        func determinant(_ a: (Double, Double, Double), _ b: (Double, Double, Double), _ d: (Double, Double, Double)) -> Double {
            a.0 * (b.1 * d.2 - b.2 * d.1) - a.1 * (b.0 * d.2 - b.2 * d.0) + a.2 * (b.0 * d.1 - b.1 * d.0)
        }
        let row1 = (s11, s12, s13)
        let row2 = (s12, s22, s23)
        let row3 = (s13, s23, s33)
        let main = determinant(row1, row2, row3)
        guard abs(main) > 1e-9 * s11 * s22 * s33, main.isFinite else { return }
        let q0 = determinant((t1, s12, s13), (t2, s22, s23), (t3, s23, s33)) / main
        let q1 = determinant((s11, t1, s13), (s12, t2, s23), (s13, t3, s33)) / main
        let b = determinant((s11, s12, t1), (s12, s22, t2), (s13, s23, t3)) / main
        let capacity = q0 + q1 * c
        guard capacity > 0, capacity.isFinite, b.isFinite else { return }
        correctionVolts = min(max(b / capacity, -limitVolts), limitVolts)
    }
}
