/// The firmware's own model of one cell (not the simulator's truth): capacity, electrode area,
/// open-circuit voltage table and a two-RC equivalent circuit with Arrhenius resistance scaling.
///
/// Loaded from the `cell` section of `Firmware/estimation/<cell>.yaml`. A "block" in the controller
/// is `parallel` of these cells in parallel: capacity times `parallel`, resistances divided by it.
public struct CellModel: Hashable, Sendable {
    public var name: String
    public var nominalCapacityAmpereHours: Double
    /// Total anode area; current density (mA/cm²) = cell current / area, used by healing protocols.
    public var electrodeAreaSquareCentimetres: Double
    public var openCircuitVoltage: OCVTable
    public var seriesResistanceOhms: Double
    public var firstRCResistanceOhms: Double
    public var firstRCTimeConstantSeconds: Double
    public var secondRCResistanceOhms: Double
    public var secondRCTimeConstantSeconds: Double
    /// Temperature at which the resistances above hold.
    public var referenceTemperatureCelsius: Double
    /// Arrhenius activation energy of all resistances: R(T) = R_ref · exp(Ea/R · (1/T − 1/T_ref)).
    public var resistanceActivationEnergyJoulesPerMole: Double
    /// Charge-acceptance efficiency assumed before the controller has learned one (η in z += η·i·Δt/Q).
    public var nominalCoulombicEfficiency: Double
    /// Full OCV hysteresis M: the rest voltage sits M above OCV after charging, M below after discharging.
    public var hysteresisVolts: Double
    /// Plett's hysteresis rate γ: h relaxes towards ±1 as exp(−|γ·ΔSOC|) (γ = 100 → saturated after ~3 % SOC).
    public var hysteresisRate: Double

    public init(
        name: String, nominalCapacityAmpereHours: Double, electrodeAreaSquareCentimetres: Double,
        openCircuitVoltage: OCVTable, seriesResistanceOhms: Double, firstRCResistanceOhms: Double,
        firstRCTimeConstantSeconds: Double, secondRCResistanceOhms: Double, secondRCTimeConstantSeconds: Double,
        referenceTemperatureCelsius: Double, resistanceActivationEnergyJoulesPerMole: Double,
        nominalCoulombicEfficiency: Double, hysteresisVolts: Double = 0, hysteresisRate: Double = 100
    ) {
        self.name = name
        self.nominalCapacityAmpereHours = nominalCapacityAmpereHours
        self.electrodeAreaSquareCentimetres = electrodeAreaSquareCentimetres
        self.openCircuitVoltage = openCircuitVoltage
        self.seriesResistanceOhms = seriesResistanceOhms
        self.firstRCResistanceOhms = firstRCResistanceOhms
        self.firstRCTimeConstantSeconds = firstRCTimeConstantSeconds
        self.secondRCResistanceOhms = secondRCResistanceOhms
        self.secondRCTimeConstantSeconds = secondRCTimeConstantSeconds
        self.referenceTemperatureCelsius = referenceTemperatureCelsius
        self.resistanceActivationEnergyJoulesPerMole = resistanceActivationEnergyJoulesPerMole
        self.nominalCoulombicEfficiency = nominalCoulombicEfficiency
        self.hysteresisVolts = hysteresisVolts
        self.hysteresisRate = hysteresisRate
    }

    func validate(into collector: inout IssueCollector) {
        let cell = ["cell"]
        collector.check(!name.isEmpty, cell + ["name"], "must not be empty")
        collector.check(nominalCapacityAmpereHours > 0, cell + ["nominal_capacity_ah"], "must be positive")
        collector.check(electrodeAreaSquareCentimetres > 0, cell + ["electrode_area_cm2"], "must be positive")
        collector.check(seriesResistanceOhms > 0, cell + ["r0_ohm"], "must be positive")
        collector.check(firstRCResistanceOhms >= 0, cell + ["r1_ohm"], "must not be negative")
        collector.check(secondRCResistanceOhms >= 0, cell + ["r2_ohm"], "must not be negative")
        collector.check(firstRCTimeConstantSeconds > 0, cell + ["tau1_s"], "must be positive")
        collector.check(
            secondRCTimeConstantSeconds > firstRCTimeConstantSeconds, cell + ["tau2_s"], "must exceed tau1_s (slow branch second)")
        collector.check(resistanceActivationEnergyJoulesPerMole >= 0, cell + ["resistance_activation_energy_j_per_mol"], "must not be negative")
        collector.check(
            nominalCoulombicEfficiency > 0.9 && nominalCoulombicEfficiency <= 1, cell + ["coulombic_efficiency"], "must lie in (0.9, 1]")
        collector.check(
            referenceTemperatureCelsius > -40 && referenceTemperatureCelsius < 80, cell + ["reference_temperature_degc"], "must lie in (-40, 80)")
        collector.check(hysteresisVolts >= 0 && hysteresisVolts < 0.2, cell + ["hysteresis_v"], "must lie in [0, 0.2)")
        collector.check(hysteresisRate >= 0, cell + ["hysteresis_rate"], "must not be negative")
        openCircuitVoltage.validate(into: &collector, keyPath: cell + ["ocv_v"])
    }
}

/// Open-circuit voltage on a uniform state-of-charge grid from 0 to 1, strictly increasing, interpolated
/// with a monotone cubic (Fritsch–Carlson PCHIP).
///
/// Linear interpolation would give dOCV/dSOC jumps at every grid point: a filter or a voltage-to-SOC
/// comparison between blocks that straddle a grid point then sees artificial SOC differences. The
/// monotone cubic keeps the slope continuous and never overshoots between points, so the inverse is unique.
public struct OCVTable: Hashable, Sendable {
    /// Voltages at SOC = 0, 1/(n−1), …, 1.
    public let volts: [Double]
    /// dOCV/dSOC at each grid point (Fritsch–Carlson tangents).
    private let tangents: [Double]
    private let step: Double
    /// ∫₀^(k·step) OCV dSOC at every grid point k, V (exact for the cubic).
    private let cumulativeIntegral: [Double]

    public init(volts: [Double]) {
        self.volts = volts
        let step = volts.count > 1 ? 1.0 / Double(volts.count - 1) : 1
        self.step = step
        let tangents = Self.monotoneTangents(volts, step: step)
        self.tangents = tangents
        var cumulative = [0.0]
        for k in 0..<max(volts.count - 1, 0) {
            // ∫₀¹ of the Hermite basis: h00, h01 → 1/2; h10 → 1/12, h11 → −1/12.
            let segment = step * (0.5 * (volts[k] + volts[k + 1]) + step * (tangents[k] - tangents[k + 1]) / 12)
            cumulative.append(cumulative[k] + segment)
        }
        cumulativeIntegral = cumulative
    }

    /// ∫₀^soc OCV dSOC (`soc` clamped to 0...1), V: times a capacity in Ah it is the energy in Wh a cell
    /// delivers at open circuit from `soc` down to empty. Exact for the interpolating cubic.
    public func integral(toSOC soc: Double) -> Double {
        guard volts.count >= 2 else { return 0 }
        let (index, t) = locate(soc)
        let t2 = t * t
        let t3 = t2 * t
        let t4 = t3 * t
        let h00 = t - t3 + t4 / 2
        let h10 = t2 / 2 - 2 * t3 / 3 + t4 / 4
        let h01 = t3 - t4 / 2
        let h11 = t4 / 4 - t3 / 3
        let partial = h00 * volts[index] + h10 * step * tangents[index] + h01 * volts[index + 1] + h11 * step * tangents[index + 1]
        return cumulativeIntegral[index] + step * partial
    }

    private static func monotoneTangents(_ y: [Double], step: Double) -> [Double] {
        let n = y.count
        guard n >= 2 else { return Array(repeating: 0, count: n) }
        let secants = (0..<(n - 1)).map { (y[$0 + 1] - y[$0]) / step }
        var m = [Double](repeating: 0, count: n)
        m[0] = secants[0]
        m[n - 1] = secants[n - 2]
        for k in 1..<(n - 1) {
            let (a, b) = (secants[k - 1], secants[k])
            m[k] = a * b <= 0 ? 0 : 2 * a * b / (a + b)  // harmonic mean keeps monotonicity
        }
        return m
    }

    /// OCV at `soc` (clamped to 0...1).
    @inline(__always)
    public func voltage(atSOC soc: Double) -> Double {
        let (index, t) = locate(soc)
        return voltage(index: index, t: t)
    }

    @inline(__always)
    private func voltage(index: Int, t: Double) -> Double {
        let h00 = (1 + 2 * t) * (1 - t) * (1 - t)
        let h10 = t * (1 - t) * (1 - t)
        let h01 = t * t * (3 - 2 * t)
        let h11 = t * t * (t - 1)
        return h00 * volts[index] + h10 * step * tangents[index] + h01 * volts[index + 1] + h11 * step * tangents[index + 1]
    }

    /// dOCV/dSOC at `soc` (volts per unit SOC), continuous.
    @inline(__always)
    public func slope(atSOC soc: Double) -> Double {
        let (index, t) = locate(soc)
        return slope(index: index, t: t)
    }

    @inline(__always)
    private func slope(index: Int, t: Double) -> Double {
        let d00 = 6 * t * t - 6 * t
        let d10 = 3 * t * t - 4 * t + 1
        let d01 = -6 * t * t + 6 * t
        let d11 = 3 * t * t - 2 * t
        return (d00 * volts[index] + d01 * volts[index + 1]) / step + d10 * tangents[index] + d11 * tangents[index + 1]
    }

    /// The SOC whose OCV is `volts`, clamped to 0...1 outside the table.
    public func soc(atVoltage voltage: Double) -> Double {
        guard !voltage.isNaN else { return 0.5 }
        if voltage <= volts[0] { return 0 }
        if voltage >= volts[volts.count - 1] { return 1 }
        var low = 0
        var high = volts.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if volts[middle] <= voltage { low = middle } else { high = middle }
        }
        // Safeguarded Newton inside the (monotone) segment: Newton steps, bisection when a step leaves
        // the bracket; converges to ~1e-12 in a handful of iterations.
        var a = Double(low) * step
        var b = Double(high) * step
        var z = a + (voltage - volts[low]) / (volts[high] - volts[low]) * step
        for _ in 0..<30 {
            // Voltage and slope from one table lookup (the same expressions as voltage(atSOC:) and slope(atSOC:)).
            let (index, t) = locate(z)
            let error = self.voltage(index: index, t: t) - voltage
            if abs(error) < 1e-12 { return z }
            if error < 0 { a = z } else { b = z }
            let derivative = slope(index: index, t: t)
            var next = derivative > 0 ? z - error / derivative : 0.5 * (a + b)
            if !(next > a && next < b) { next = 0.5 * (a + b) }
            if abs(next - z) < 1e-13 { return next }
            z = next
        }
        return z
    }

    @inline(__always)
    private func locate(_ soc: Double) -> (Int, Double) {
        let clamped = soc.isFinite ? min(max(soc, 0), 1) : 0.5
        let position = clamped / step
        let index = min(Int(position), volts.count - 2)
        return (index, position - Double(index))
    }

    func validate(into collector: inout IssueCollector, keyPath: [String]) {
        collector.check(volts.count >= 3, keyPath, "needs at least 3 points")
        for index in volts.indices.dropFirst() where !(volts[index] > volts[index - 1]) {
            collector.check(false, keyPath + ["\(index)"], "OCV must increase strictly with SOC (\(volts[index]) after \(volts[index - 1]))")
        }
        for (index, value) in volts.enumerated() where !(value > 1 && value < 6) {
            collector.check(false, keyPath + ["\(index)"], "\(value) V is not a plausible cell OCV")
        }
    }
}
