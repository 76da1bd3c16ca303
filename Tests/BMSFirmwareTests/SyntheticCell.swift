@testable import BMSFirmware
import RealModule
import SeededRandom

/// The tests' own truth model: a 2RC equivalent circuit with exact zero-order-hold steps, its own
/// capacity, resistances, Coulombic efficiency and OCV offset, so the firmware's estimators are
/// checked against values they do not share.
struct SyntheticCell {
    var soc: Double
    var capacityAmpereHours: Double
    var seriesOhms: Double
    var firstOhms: Double
    var firstTau: Double
    var secondOhms: Double
    var secondTau: Double
    var coulombicEfficiency: Double
    /// Added to the firmware's OCV table (the firmware's model is not exact).
    var ocvOffsetVolts: Double
    var firstVolts = 0.0
    var secondVolts = 0.0
    /// One-state hysteresis (12 mV, rate 80: the firmware assumes 10 mV, 100).
    var hysteresis = 0.0
    var hysteresisVolts = 0.012
    var hysteresisRate = 80.0
    let ocv: OCVTable

    init(configuration: BMSConfiguration, soc: Double, capacityAmpereHours: Double, seriesOhms: Double) {
        self.soc = soc
        self.capacityAmpereHours = capacityAmpereHours
        self.seriesOhms = seriesOhms
        let parallel = Double(configuration.topology.parallelCells)
        firstOhms = configuration.cell.firstRCResistanceOhms / parallel * 1.1
        firstTau = configuration.cell.firstRCTimeConstantSeconds * 0.9
        secondOhms = configuration.cell.secondRCResistanceOhms / parallel * 0.9
        secondTau = configuration.cell.secondRCTimeConstantSeconds * 1.2
        coulombicEfficiency = 0.997
        ocvOffsetVolts = 0.002
        ocv = configuration.cell.openCircuitVoltage
    }

    /// Advances by `seconds` at `amperes` (positive discharge).
    mutating func step(amperes: Double, seconds: Double) {
        let efficiency = amperes < 0 ? coulombicEfficiency : 1
        let deltaSOC = efficiency * amperes * seconds / (3600 * capacityAmpereHours)
        soc -= deltaSOC
        if amperes != 0 {
            let decay = Double.exp(-abs(hysteresisRate * deltaSOC))
            hysteresis = decay * hysteresis - (1 - decay) * (amperes > 0 ? 1 : -1)
        }
        soc = min(max(soc, 0), 1)
        let a1 = Double.exp(-seconds / firstTau)
        let a2 = Double.exp(-seconds / secondTau)
        firstVolts = a1 * firstVolts + firstOhms * (1 - a1) * amperes
        secondVolts = a2 * secondVolts + secondOhms * (1 - a2) * amperes
    }

    func terminalVolts(amperes: Double) -> Double {
        ocv.voltage(atSOC: soc) + ocvOffsetVolts + hysteresisVolts * hysteresis - firstVolts - secondVolts - seriesOhms * amperes
    }
}

/// A sensor front end: Gaussian noise, offset and 1 mV / 1 mA quantisation.
struct NoisySensors {
    var random: Xoshiro256
    var voltageSigma = 0.002
    var currentSigma = 0.05
    var currentOffset = 0.01

    mutating func volts(_ value: Double) -> Double {
        ((value + voltageSigma * random.nextGaussian()) * 1000).rounded() / 1000
    }

    mutating func amperes(_ value: Double) -> Double {
        ((value + currentOffset + currentSigma * random.nextGaussian()) * 1000).rounded() / 1000
    }
}
