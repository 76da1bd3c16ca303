import RealModule

extension CellKernel {
    /// Exothermic abuse reactions (Kim, Pesaran & Spotnitz, J. Power Sources 170 (2007) 476, with the
    /// negative–solvent reaction replaced by a lithium-metal–electrolyte reaction whose rate scales with the
    /// lithium surface area — dense foil vs dendritic/dead lithium, Jiang et al. 2022 — and with the share of
    /// the passivating SEI already decomposed (the chain of [S0:L239]), plus the step changes:
    /// separator shutdown (pores close, resistance rises) and meltdown (an internal short that spreads over
    /// `abuse.meltdown_spread_s` to `abuse.meltdown_short_ohm`), lithium melting (reactive-area change).
    ///
    /// Stiff near runaway: above `abuse.kinetics_floor_c` the reactions are sub-stepped so that no sub-step
    /// heats the cell by more than 2 K, each reaction advanced with its exact solution at frozen temperature
    /// (exponential decay; logistic for the autocatalytic cathode reaction), so the step is stable at 1 s.
    /// Returns the reaction heat, J.
    func runAbuseKinetics(_ s: CellState, _ p: CellWork) -> Double {
        if skipsQuietWork, abuseIsQuiet(s) {
            // The code below would change nothing and not run the kinetics (its `guard` branch).
            s.selfHeatingRate = 0
            if s.runawayState == Double(ThermalRunawayState.selfHeating.rawValue) { s.runawayState = 0 }
            return 0
        }
        let startKelvin = s.coreKelvin
        if startKelvin >= c.shutdownKelvin, s.separatorState < 1 { s.separatorState = 1 }
        let melts = startKelvin >= c.meltdownKelvin || (s.separatorDamage >= 0.5 && startKelvin >= c.shutdownKelvin)
        let dt = schedule.duration
        if s.separatorState >= 2 {
            s.meltdownAge += dt
        } else if melts {
            s.separatorState = 2
        }
        if startKelvin >= c.lithiumMeltKelvin, s.molten == 0 { s.molten = 1 }
        guard startKelvin >= c.kineticsFloor || s.runawayState >= Double(ThermalRunawayState.runaway.rawValue) else {
            s.selfHeatingRate = 0
            if s.runawayState == Double(ThermalRunawayState.selfHeating.rawValue) { s.runawayState = 0 }
            return 0
        }
        let perMole = PhysicalConstants.ampereHoursPerMole
        let gramsPerAmpereHour = PhysicalConstants.lithiumMolarMass / perMole
        let delithiation = min(max(s.cathodeCharge / s.cathodeSites, 0), 1.4)
        let electrolyteStart = max(c.initialElectrolyteGrams, 1e-9)
        let maximumRise = 2.0
        let minimumStep = dt / 400
        var kelvin = startKelvin
        var remaining = dt
        var heat = 0.0
        var burned = 0.0
        while remaining > 0 {
            let inverse = 1 / kelvin
            let seiRate = kelvin >= c.seiOnset ? c.seiFrequency * Double.exp(-c.seiDecompositionActivation * inverse) : 0
            let mossy = s.roughness * max(0, min(s.cathodeCharge, s.anodeLithium))
            let dense = max(s.anodeLithium - mossy, 0)
            let denseArea = dense * gramsPerAmpereHour * c.foilAreaPerGram
            let highArea = (mossy + s.deadLithium) * gramsPerAmpereHour * c.deadAreaPerGram
            let area = (denseArea + highArea) * (s.molten > 0 ? c.moltenAreaFactor : 1)
            let lithiumMoles = (max(s.anodeLithium, 0) + s.deadLithium) / perMole
            let wet = min(s.electrolyte / electrolyteStart, 1)
            // Li reacts with carbonate once the SEI has broken down [S0:L239]: fully exposed after `sei_breach_fraction` of it decomposed.
            let sei = s.seiDecomposed + s.seiMetastable
            let exposed = sei > 0 ? min(1, s.seiDecomposed / sei / c.seiBreachFraction) : 1
            let lithiumMolesPerSecond = c.lithiumFrequency * Double.exp(-c.lithiumActivation * inverse) * area * wet * exposed
            let lithiumRate = lithiumMoles > 0 ? lithiumMolesPerSecond / lithiumMoles : 0
            let cathodeRate = c.cathodeFrequency * Double.exp(-c.cathodeActivation * inverse)
            let electrolyteRate = c.electrolyteFrequency * Double.exp(-c.electrolyteActivation * inverse)
            let alpha = s.cathodeConversion
            let power = seiRate * s.seiMetastable * c.seiHeat + lithiumMolesPerSecond * c.lithiumHeat
                + cathodeRate * alpha * (1 - alpha) * c.cathodeHeat * c.cathodeGrams * delithiation
                + electrolyteRate * s.electrolyte * c.electrolyteHeat
            var h = remaining
            if power > 0 { h = min(h, maximumRise * c.heatCapacity / power) }
            h = min(max(h, minimumStep), remaining)
            var released = 0.0

            if seiRate > 0, s.seiMetastable > 0 {
                let decomposed = s.seiMetastable * -Double.expMinusOne(-seiRate * h)
                s.seiMetastable -= decomposed
                s.seiDecomposed += decomposed
                released += decomposed * c.seiHeat
                let moles = decomposed / c.seiMolarMass
                s.carbonDioxide += c.seiDecompositionCO2 * moles
                s.hydrocarbons += c.seiDecompositionC2H4 * moles
            }
            if lithiumRate > 0 {
                let reacted = min(lithiumMoles * -Double.expMinusOne(-lithiumRate * h), s.electrolyte / max(c.electrolytePerMole, 1e-9))
                let highShare = area > 0 ? highArea / (denseArea + highArea) : 0
                let deadShare = highArea > 0 ? highShare * s.deadLithium / (mossy + s.deadLithium) : 0
                let ampereHours = reacted * perMole
                s.deadLithium = max(0, s.deadLithium - ampereHours * deadShare)
                s.anodeLithium = max(0, s.anodeLithium - ampereHours * (1 - deadShare))
                s.lithiumReacted += reacted
                let solvent = reacted * c.electrolytePerMole
                s.electrolyte = max(0, s.electrolyte - solvent)
                burned += solvent
                released += reacted * c.lithiumHeat
                s.hydrocarbons += c.lithiumElectrolyteC2H4 * reacted
                s.hydrogen += c.lithiumElectrolyteH2 * reacted
            }
            if cathodeRate > 0, alpha > 0, alpha < 1 {
                // Logistic dα/dt = k·α·(1 − α), exact at frozen temperature.
                let next = 1 / (1 + (1 - alpha) / alpha * Double.exp(-cathodeRate * h))
                let converted = (next - alpha) * c.cathodeGrams * delithiation
                s.cathodeConversion = next
                released += converted * c.cathodeHeat
                s.oxygen += c.cathodeO2 * converted
            }
            if electrolyteRate > 0, s.electrolyte > 0 {
                let decomposed = s.electrolyte * -Double.expMinusOne(-electrolyteRate * h)
                s.electrolyte -= decomposed
                burned += decomposed
                released += decomposed * c.electrolyteHeat
                s.carbonDioxide += c.electrolyteCO2 * decomposed
                s.carbonMonoxide += c.electrolyteCO * decomposed
                s.hydrogen += c.electrolyteH2 * decomposed
            }
            heat += released
            kelvin += released / c.heatCapacity
            remaining -= h
        }
        if s.vented > 0 { p.smokeGrams += c.ejectaFraction * burned }
        let rate = heat / (c.heatCapacity * dt)
        s.selfHeatingRate = rate
        let state = ThermalRunawayState(rawValue: UInt8(s.runawayState)) ?? .normal
        switch state {
        case .normal, .selfHeating:
            if rate >= c.runawayRate {
                s.runawayState = Double(ThermalRunawayState.runaway.rawValue)
            } else {
                s.runawayState = Double((rate >= c.selfHeatingRate ? ThermalRunawayState.selfHeating : .normal).rawValue)
            }
        case .runaway:
            // Fuel exhausted or reactions died out after the runaway.
            if s.electrolyte < 0.02 * electrolyteStart || rate < c.selfHeatingRate {
                s.runawayState = Double(ThermalRunawayState.burnedOut.rawValue)
            }
        case .burnedOut:
            break
        }
        return heat
    }

    /// Below every abuse threshold (kinetics floor, separator shutdown and meltdown, lithium melting) with an
    /// intact separator and no runaway under way: no separator, melting or kinetics change can happen.
    @inline(__always)
    func abuseIsQuiet(_ s: CellState) -> Bool {
        allOf(allOf(s.coreKelvin < c.abuseQuietBelowKelvin, s.separatorState < 1), s.runawayState < Double(ThermalRunawayState.runaway.rawValue))
    }
}
