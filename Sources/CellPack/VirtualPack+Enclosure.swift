import RealModule

extension VirtualPack {
    /// Phase F: the enclosure air exchanges with the outside at `enclosure.air_changes_per_h`; gas and smoke
    /// released by the cells this step were added in phase D.
    mutating func updateEnclosure(ambientCelsius: Double, seconds dt: Double) {
        let keep = Double.exp(-packConstants.airChangesPerSecond * dt)
        enclosure.gas.hydrogen *= keep
        enclosure.gas.carbonMonoxide *= keep
        enclosure.gas.carbonDioxide *= keep
        enclosure.gas.hydrocarbons *= keep
        enclosure.gas.oxygen *= keep
        enclosure.smokeGrams *= keep
        enclosureKelvin = PhysicalConstants.kelvin(celsius: ambientCelsius.isFinite ? ambientCelsius : 25)
    }

    /// Moles of air in the enclosure at its temperature and atmospheric pressure.
    var enclosureAirMoles: Double {
        PhysicalConstants.atmosphereKilopascals * 1_000 * packConstants.enclosureCubicMetres / (PhysicalConstants.gas * enclosureKelvin)
    }
}
