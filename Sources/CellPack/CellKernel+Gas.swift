import RealModule

extension CellKernel {
    /// Gas inside the pouch: free inflation at atmospheric pressure until the pouch is taut, then pressure
    /// from the ideal gas plus solvent vapour (Clausius–Clapeyron from the 45 °C value [S4:L257]); hydrogen
    /// permeates the seal (other species at a fraction of its permeance); the pouch vents at the vent pressure,
    /// releasing its gas and an electrolyte aerosol, and stays open afterwards.
    @inline(__always)
    func updateGas(_ s: inout CellState, prepared p: CellWork, out: inout EnclosureInflow) {
        let atmosphere = PhysicalConstants.atmosphereKilopascals
        let kelvin = s.coreKelvin
        let rt = PhysicalConstants.gas * kelvin
        if s.vented > 0 {
            releaseAll(&s, out: &out)
            return
        }
        let vapour = s.electrolyte > 0 ? p.vapour : 0
        let moles = s.hydrogen + s.carbonMonoxide + s.carbonDioxide + s.hydrocarbons + s.oxygen
        let boiling = vapour >= 0.9 * atmosphere
        if moles > 0 {
            let free = moles * rt * 0.001 / (atmosphere - min(vapour, 0.9 * atmosphere))
            if free <= c.gasVolumeLimit, !boiling {
                s.gasVolume = free
                s.pressure = 0
            } else {
                s.gasVolume = c.gasVolumeLimit
                s.pressure = max(moles * rt * 0.001 / c.gasVolumeLimit + vapour - atmosphere, 0)
            }
            // Seal permeation driven by each species' partial pressure: exact decay over the step.
            if c.hydrogenPermeance > 0 {
                let perMole = rt * 0.001 / s.gasVolume  // kPa per mol
                let dt = schedule.duration
                let hydrogenLoss = growthFactor(c.hydrogenPermeance * perMole * dt)
                let otherLoss = growthFactor(c.hydrogenPermeance * c.permeanceRatio * perMole * dt)
                let h2 = s.hydrogen * hydrogenLoss
                let co = s.carbonMonoxide * otherLoss
                let co2 = s.carbonDioxide * otherLoss
                let hc = s.hydrocarbons * otherLoss
                let o2 = s.oxygen * otherLoss
                s.hydrogen -= h2; s.carbonMonoxide -= co; s.carbonDioxide -= co2; s.hydrocarbons -= hc; s.oxygen -= o2
                out.gas.hydrogen += h2
                out.gas.carbonMonoxide += co
                out.gas.carbonDioxide += co2
                out.gas.hydrocarbons += hc
                out.gas.oxygen += o2
            }
        } else {
            s.gasVolume = boiling ? c.gasVolumeLimit : 0
            s.pressure = boiling ? max(vapour - atmosphere, 0) : 0
        }
        if s.pressure >= c.ventPressure { vent(&s, out: &out) }
    }

    /// The pouch opens: its gas and an electrolyte aerosol leave.
    @inline(never)
    private func vent(_ s: inout CellState, out: inout EnclosureInflow) {
        s.vented = 1
        releaseAll(&s, out: &out)
        let aerosol = c.ejectaFraction * s.electrolyte
        s.electrolyte -= aerosol
        s.leakedElectrolyte += aerosol
        out.smokeGrams += aerosol
        out.leakedGrams += aerosol
    }

    /// Everything inside leaves (open pouch): no gas volume, no pressure.
    @inline(never)
    private func releaseAll(_ s: inout CellState, out: inout EnclosureInflow) {
        out.gas.hydrogen += s.hydrogen
        out.gas.carbonMonoxide += s.carbonMonoxide
        out.gas.carbonDioxide += s.carbonDioxide
        out.gas.hydrocarbons += s.hydrocarbons
        out.gas.oxygen += s.oxygen
        s.hydrogen = 0; s.carbonMonoxide = 0; s.carbonDioxide = 0; s.hydrocarbons = 0; s.oxygen = 0
        s.gasVolume = 0
        s.pressure = 0
    }
}
