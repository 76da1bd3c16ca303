import RealModule

extension CellKernel {
    /// Gas inside the pouch: free inflation at atmospheric pressure until the pouch is taut, then pressure
    /// from the ideal gas plus solvent vapour (Clausius–Clapeyron from the 45 °C value [S4:L257]); hydrogen
    /// permeates the seal (other species at a fraction of its permeance); the pouch vents at the vent pressure,
    /// releasing its gas and an electrolyte aerosol, and stays open afterwards.
    func updateGas(_ s: inout CellState, out: inout CellStepOutput) {
        let atmosphere = PhysicalConstants.atmosphereKilopascals
        let kelvin = s.coreKelvin
        let rt = PhysicalConstants.gas * kelvin
        if s.vented > 0 {
            releaseAll(&s, out: &out)
            s.gasVolume = 0
            s.pressure = 0
            return
        }
        let vapour = s.electrolyte > 0
            ? c.factors(kelvin).vapour : 0
        let moles = s.hydrogen + s.carbonMonoxide + s.carbonDioxide + s.hydrocarbons + s.oxygen
        let boiling = vapour >= 0.9 * atmosphere
        if moles > 0 {
            let free = moles * rt / ((atmosphere - min(vapour, 0.9 * atmosphere)) * 1_000)
            if free <= c.gasVolumeLimit, !boiling {
                s.gasVolume = free
                s.pressure = 0
            } else {
                s.gasVolume = c.gasVolumeLimit
                s.pressure = max(moles * rt / c.gasVolumeLimit / 1_000 + vapour - atmosphere, 0)
            }
            // Seal permeation driven by each species' partial pressure: exact decay over the step.
            if c.hydrogenPermeance > 0 {
                let perMole = rt / s.gasVolume / 1_000  // kPa per mol
                let dt = schedule.duration
                let hydrogenLoss = growthFactor(c.hydrogenPermeance * perMole * dt)
                let otherLoss = growthFactor(c.hydrogenPermeance * c.permeanceRatio * perMole * dt)
                let h2 = s.hydrogen * hydrogenLoss
                let co = s.carbonMonoxide * otherLoss
                let co2 = s.carbonDioxide * otherLoss
                let hc = s.hydrocarbons * otherLoss
                let o2 = s.oxygen * otherLoss
                s.hydrogen -= h2; s.carbonMonoxide -= co; s.carbonDioxide -= co2; s.hydrocarbons -= hc; s.oxygen -= o2
                out.released.hydrogen += h2
                out.released.carbonMonoxide += co
                out.released.carbonDioxide += co2
                out.released.hydrocarbons += hc
                out.released.oxygen += o2
            }
        } else {
            s.gasVolume = boiling ? c.gasVolumeLimit : 0
            s.pressure = boiling ? max(vapour - atmosphere, 0) : 0
        }
        if s.pressure >= c.ventPressure {
            s.vented = 1
            releaseAll(&s, out: &out)
            let aerosol = c.ejectaFraction * s.electrolyte
            s.electrolyte -= aerosol
            s.leakedElectrolyte += aerosol
            out.smokeGrams += aerosol
            out.leakedGrams += aerosol
            s.gasVolume = 0
            s.pressure = 0
        }
    }

    private func releaseAll(_ s: inout CellState, out: inout CellStepOutput) {
        out.released.hydrogen += s.hydrogen
        out.released.carbonMonoxide += s.carbonMonoxide
        out.released.carbonDioxide += s.carbonDioxide
        out.released.hydrocarbons += s.hydrocarbons
        out.released.oxygen += s.oxygen
        s.hydrogen = 0; s.carbonMonoxide = 0; s.carbonDioxide = 0; s.hydrocarbons = 0; s.oxygen = 0
    }
}
