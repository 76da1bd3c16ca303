/// The thermal-runaway confirmation rule of GB 38031-2025, Annex C.5.3.7, as a pure predicate:
///
/// a) the monitored cell voltage has dropped by more than 25 % of its initial value, **or**
/// b) the monitoring point's temperature has reached the manufacturer's maximum operating temperature,
/// **and**
/// c) the temperature rise rate dT/dt has stayed at or above 1 °C/s for more than 3 s.
public enum ThermalRunawayRule {
    /// True when the rule is met.
    ///
    /// - Parameters:
    ///   - voltageDropFraction: (initial − present) / initial for the cell (0 when unknown).
    ///   - temperatureCelsius: the monitoring point's temperature.
    ///   - maximumOperatingCelsius: the manufacturer's maximum operating temperature.
    ///   - rateHeldMilliseconds: how long dT/dt has continuously been at or above the rate threshold (0 if not).
    ///   - settings: the thresholds (25 %, 1 °C/s, 3 s in the standard).
    public static func isMet(
        voltageDropFraction: Double, temperatureCelsius: Double, maximumOperatingCelsius: Double,
        rateHeldMilliseconds: Int64, settings: ThermalRunawaySettings
    ) -> Bool {
        let voltageCondition = voltageDropFraction > settings.confirmationVoltageDropFraction
        let temperatureCondition = temperatureCelsius >= maximumOperatingCelsius
        let rateCondition = rateHeldMilliseconds > settings.confirmationRateHoldMilliseconds
        return (voltageCondition || temperatureCondition) && rateCondition
    }
}
