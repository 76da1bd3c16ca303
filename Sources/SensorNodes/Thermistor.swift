import RealModule

/// An NTC thermistor in a divider read by the board's ADC (B-parameter model).
///
/// The real part deviates from the nominal curve by its R25 and B tolerances; the board converts with the
/// nominal curve, so each sensor has its own small, temperature-dependent error, as on real hardware.
struct Thermistor: Hashable, Sendable {
    static let referenceKelvin = 298.15
    static let zeroCelsius = 273.15

    /// Nominal R25 and B the board converts with.
    let nominalOhms: Double
    let nominalBeta: Double
    /// The actual part's R25 and B.
    let actualOhms: Double
    let actualBeta: Double
    /// Divider: NTC from the ADC input to ground, pull-up to the reference.
    let pullUpOhms: Double
    let referenceVolts: Double
    /// ADC step, V.
    let lsbVolts: Double
    /// Classification thresholds of the board, Ω.
    let openAboveOhms: Double
    let shortedBelowOhms: Double

    /// What the board reads.
    enum Reading: Hashable, Sendable {
        case celsius(Double)
        case open
        case shorted
    }

    /// Resistance of the actual part at `celsius`.
    func resistance(celsius: Double) -> Double {
        actualOhms * Double.exp(actualBeta * (1 / (celsius + Self.zeroCelsius) - 1 / Self.referenceKelvin))
    }

    /// The ADC reading for a thermistor resistance (∞ for an open lead) plus `noiseVolts`, quantised.
    func adcVolts(ohms: Double, noiseVolts: Double) -> Double {
        let ratio = ohms.isInfinite ? 1 : ohms / (ohms + pullUpOhms)
        let volts = ratio * referenceVolts + noiseVolts
        let code = (volts / lsbVolts).rounded()
        let maximumCode = (referenceVolts / lsbVolts).rounded()
        return min(max(code, 0), maximumCode) * lsbVolts
    }

    /// The board's conversion of an ADC reading: open / shorted classification, else the nominal curve.
    func classify(adcVolts volts: Double) -> Reading {
        guard volts < referenceVolts else { return .open }
        guard volts > 0 else { return .shorted }
        let ohms = pullUpOhms * volts / (referenceVolts - volts)
        if ohms >= openAboveOhms { return .open }
        if ohms <= shortedBelowOhms { return .shorted }
        let inverseKelvin = 1 / Self.referenceKelvin + Double.log(ohms / nominalOhms) / nominalBeta
        return .celsius(1 / inverseKelvin - Self.zeroCelsius)
    }
}
