/// Physical constants and unit conversions shared by the cell model (CODATA 2018 values).
enum PhysicalConstants {
    /// Faraday constant, C/mol.
    static let faraday = 96_485.332_12
    /// Molar gas constant, J/(mol·K).
    static let gas = 8.314_462_618
    /// 0 °C in kelvin.
    static let zeroCelsius = 273.15
    /// Reference temperature for Arrhenius laws and parameter tables (25 °C), K.
    static let referenceKelvin = 298.15
    /// Standard atmosphere, kPa.
    static let atmosphereKilopascals = 101.325
    /// Coulombs per ampere-hour.
    static let coulombsPerAmpereHour = 3_600.0
    /// Molar mass of lithium, g/mol.
    static let lithiumMolarMass = 6.941
    /// Density of lithium metal, g/cm³ (with 3860 mAh/g this gives 2061 mAh/cm³ [S1:L13; S2:L290]).
    static let lithiumDensity = 0.534
    /// Ampere-hours carried by one mole of lithium ions.
    static let ampereHoursPerMole = faraday / coulombsPerAmpereHour

    /// Thickness of dense lithium per areal capacity, µm per mAh/cm²: 3.6 C/cm² ÷ F × V_m.
    /// Evaluates to ≈ 4.85 µm per mAh/cm² [DERIVED from S2:L290].
    static let micrometresPerMilliampereHourPerSquareCentimetre =
        3.6 / faraday * (lithiumMolarMass / lithiumDensity) * 10_000

    /// Converts a temperature in °C to K.
    @inline(__always)
    static func kelvin(celsius: Double) -> Double { celsius + zeroCelsius }
}
