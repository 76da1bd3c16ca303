import RealModule

/// Gas inside the pouch: free inflation at atmospheric pressure until the pouch is taut, then pressure from the
/// ideal gas plus solvent vapour (Clausius–Clapeyron from the 45 °C value [S4:L257]); hydrogen permeates the
/// seal (other species at a fraction of its permeance); the pouch vents at the vent pressure, releasing its gas
/// and an electrolyte aerosol, and stays open afterwards.
extension CellKernel {
    /// Not a closed pouch with gas in it inflating freely below the boiling point (the common case). Whether the
    /// gas fits is tested without the division, against half the pouch volume: a cell flagged by the margin
    /// takes the general form, which gives the same result for a pouch that is not taut.
    @inline(__always)
    func gasIsRare(_ cell: UnsafeMutablePointer<Double>) -> Bool {
        let s = CellState(cell: cell)
        let saturated = CellWork(cell: cell).vapour
        let vapour = s.electrolyte > 0 ? saturated : 0
        let moles = s.hydrogen + s.carbonMonoxide + s.carbonDioxide + s.hydrocarbons + s.oxygen
        let atmosphere = PhysicalConstants.atmosphereKilopascals
        let nearlyTaut = moles * (PhysicalConstants.gas * s.coreKelvin) * 0.001 >= 0.5 * c.gasVolumeLimit * (atmosphere - min(vapour, 0.9 * atmosphere))
        return anyOf(anyOf(s.vented > 0, !(moles > 0)), anyOf(vapour >= 0.9 * atmosphere, nearlyTaut))
    }

    /// Volume the gas takes at atmospheric pressure (less the solvent vapour), m³.
    @inline(__always)
    func freeVolume(moles: Double, kelvin: Double, vapour: Double) -> Double {
        let atmosphere = PhysicalConstants.atmosphereKilopascals
        return moles * (PhysicalConstants.gas * kelvin) * 0.001 / (atmosphere - min(vapour, 0.9 * atmosphere))
    }

    /// Free inflation and seal permeation (the pouch holds the gas at atmospheric pressure). Branch-free.
    @inline(__always)
    func gasCommon(_ cell: UnsafeMutablePointer<Double>) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        let saturated = p.vapour
        let vapour = s.electrolyte > 0 ? saturated : 0
        let moles = s.hydrogen + s.carbonMonoxide + s.carbonDioxide + s.hydrocarbons + s.oxygen
        let kelvin = s.coreKelvin
        let free = freeVolume(moles: moles, kelvin: kelvin, vapour: vapour)
        s.gasVolume = free
        s.pressure = 0
        permeate(s, p, kelvin: kelvin, volume: free)
    }

    /// Seal permeation driven by each species' partial pressure: exact decay over the step.
    @inline(__always)
    func permeate(_ s: CellState, _ p: CellWork, kelvin: Double, volume: Double) {
        let perMole = PhysicalConstants.gas * kelvin * 0.001 / volume  // kPa per mol
        let exponent = c.hydrogenPermeance * perMole * duration
        let hydrogenLoss = growthFactor(exponent)
        let otherLoss = growthFactor(exponent * c.permeanceRatio)
        let h2 = s.hydrogen * hydrogenLoss
        let co = s.carbonMonoxide * otherLoss
        let co2 = s.carbonDioxide * otherLoss
        let hc = s.hydrocarbons * otherLoss
        let o2 = s.oxygen * otherLoss
        s.hydrogen -= h2
        s.carbonMonoxide -= co
        s.carbonDioxide -= co2
        s.hydrocarbons -= hc
        s.oxygen -= o2
        p.releasedHydrogen += h2
        p.releasedCarbonMonoxide += co
        p.releasedCarbonDioxide += co2
        p.releasedHydrocarbons += hc
        p.releasedOxygen += o2
    }

    /// Gas in any pouch: open (vented), empty, taut with pressure, boiling solvent, venting.
    @inline(never)
    func gasGeneral(_ cell: UnsafeMutablePointer<Double>) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        let atmosphere = PhysicalConstants.atmosphereKilopascals
        let kelvin = s.coreKelvin
        if s.vented > 0 {
            releaseAll(s, p)
            return
        }
        let vapour = s.electrolyte > 0 ? p.vapour : 0
        let moles = s.hydrogen + s.carbonMonoxide + s.carbonDioxide + s.hydrocarbons + s.oxygen
        let boiling = vapour >= 0.9 * atmosphere
        if moles > 0 {
            let free = freeVolume(moles: moles, kelvin: kelvin, vapour: vapour)
            if free <= c.gasVolumeLimit, !boiling {
                s.gasVolume = free
                s.pressure = 0
            } else {
                s.gasVolume = c.gasVolumeLimit
                s.pressure = max(moles * (PhysicalConstants.gas * kelvin) * 0.001 / c.gasVolumeLimit + vapour - atmosphere, 0)
            }
            if c.hydrogenPermeance > 0 { permeate(s, p, kelvin: kelvin, volume: s.gasVolume) }
        } else {
            s.gasVolume = boiling ? c.gasVolumeLimit : 0
            s.pressure = boiling ? max(vapour - atmosphere, 0) : 0
        }
        if s.pressure >= c.ventPressure {
            // The pouch opens: its gas and an electrolyte aerosol leave.
            s.vented = 1
            releaseAll(s, p)
            let aerosol = c.ejectaFraction * s.electrolyte
            s.electrolyte -= aerosol
            s.leakedElectrolyte += aerosol
            p.smokeGrams += aerosol
            p.leakedGrams += aerosol
        }
    }

    /// Everything inside leaves (open pouch): no gas volume, no pressure.
    func releaseAll(_ s: CellState, _ p: CellWork) {
        p.releasedHydrogen += s.hydrogen
        p.releasedCarbonMonoxide += s.carbonMonoxide
        p.releasedCarbonDioxide += s.carbonDioxide
        p.releasedHydrocarbons += s.hydrocarbons
        p.releasedOxygen += s.oxygen
        s.hydrogen = 0
        s.carbonMonoxide = 0
        s.carbonDioxide = 0
        s.hydrocarbons = 0
        s.oxygen = 0
        s.gasVolume = 0
        s.pressure = 0
    }
}
