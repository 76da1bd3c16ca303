import RealModule

/// Sand's time: how long a constant current density can plate before the salt at the electrode is depleted
/// (semi-infinite diffusion, binary electrolyte): t = π·D·(F·c₀)² / (4·(J·(1 − t₊))²).
///
/// The dendrite model uses it at the local tip current density; this entry point lets the firmware side and the
/// tests evaluate it for the cell's electrolyte (`dendrites.*` keys of the cell file).
public enum SandsTime {
    /// Sand's time in seconds at `milliampsPerSquareCentimetre` and `celsius`, or nil when the current density
    /// is not positive or the parameters are incomplete.
    public static func seconds(cell: CellParameters, milliampsPerSquareCentimetre density: Double, celsius: Double) -> Double? {
        let diffusivity = cell[.diffusivity]
        let concentration = cell[.saltConcentration] * 1_000
        let oneMinusT = 1 - cell[.transferenceNumber]
        let activation = cell[.diffusionActivation] * 1_000 / PhysicalConstants.gas
        guard density > 0, density.isFinite, celsius.isFinite, diffusivity > 0, concentration > 0, oneMinusT > 0, activation.isFinite else {
            return nil
        }
        let fc = PhysicalConstants.faraday * concentration
        let ratio = CellConstants.arrhenius(activation, PhysicalConstants.kelvin(celsius: celsius))
        let ampsPerSquareMetre = density * 10
        return Double.pi * diffusivity * ratio * fc * fc / (4 * oneMinusT * oneMinusT * ampsPerSquareMetre * ampsPerSquareMetre)
    }
}
