import RealModule

extension CellKernel {
    /// Moves lithium for the step's charge and discharge: plating with SEI formation on fresh area, stripping
    /// with dead-lithium formation, calendar SEI growth (√t), electrolyte oxidation in overcharge, cathode
    /// cracking above the crack threshold, and the electrolyte those reactions consume. Returns side-reaction
    /// heat, J.
    ///
    /// Lithium efficiency per plated charge is `1 − baseLoss × m`, where `m` rises with on-pulse current density
    /// above the reference [S4:L284], roughness, cold [S4:L284, L316] and stack pressure away from the optimum
    /// [S4:L172–L179]; the loss splits into dead Li⁰ (on stripping) and SEI (on plating) [S2:L483–L489].
    func exchangeLithium(_ s: inout CellState, prepared p: CellWork, levels: (Double, Double)) -> Double {
        let (t0, t1) = schedule.levelSeconds
        let kelvin = s.coreKelvin
        let roughness = s.roughness
        let common = (1 + c.lossRoughnessSensitivity * roughness)
            * (1 + c.lossColdSensitivity * max(0, PhysicalConstants.referenceKelvin - kelvin)) * c.pressureFactor
        // Lithium the cathode can still give up before it is fully delithiated (end of the OCV table).
        var flow = LithiumFlow(extractable: max(0, c.ocv.socMax * s.cathodeSites - s.cathodeCharge))
        moveLithium(&flow, amps: levels.0, seconds: t0, common: common, prepared: p)
        if !schedule.isConstant { moveLithium(&flow, amps: levels.1, seconds: t1, common: common, prepared: p) }
        let plated = flow.plated
        let seiNew = flow.seiNew

        // Cathode cracking while charging above 4.15 V / 75 % SOC [S4:L222, L316]: lost sites trap the
        // lithium they hold, so the cathode SOC is unchanged.
        if plated > 0, p.stateOfCharge > c.crackSOC || p.openCircuitVolts > c.crackVolts {
            crackCathode(&s, plated: plated, peakChargeAmps: flow.peakChargeAmps, stateOfCharge: p.stateOfCharge)
        }

        s.cathodeCharge += plated
        var anode = s.anodeLithium + (plated - seiNew)
        s.seiLithium += seiNew
        var deadNew = flow.deadNew
        let demand = flow.stripped + deadNew
        if demand > 0 {
            var stripped = flow.stripped
            let available = max(anode, 0)
            if demand > available {
                let scale = available / demand
                stripped *= scale
                deadNew *= scale
            }
            anode -= stripped + deadNew
            s.deadLithium += deadNew
            s.cathodeCharge -= stripped
        }

        // Calendar SEI on lithium in contact with electrolyte: y = √(y² + k²·dt), k Arrhenius and area-scaled.
        let rate = c.calendarAhPerSqrtSecond * p.seiRate
        let previous = s.calendarLoss
        let grown = (previous * previous + rate * rate * schedule.duration).squareRoot() - previous
        let calendar = min(grown * (1 + c.lossRoughnessSensitivity * roughness), max(anode, 0))
        s.calendarLoss = previous + grown
        s.anodeLithium = anode - calendar
        s.seiLithium += calendar

        let boundMoles = (seiNew + calendar) * c.molesPerAmpereHour
        s.seiMetastable += boundMoles * c.seiMolarMass
        s.carbonDioxide += c.seiFormationCO2 * boundMoles
        s.hydrocarbons += c.seiFormationC2H4 * boundMoles
        if plated > 0 { s.hydrogen += c.platingH2 * roughness * plated * c.molesPerAmpereHour }
        var consumed = boundMoles
        let oxidised = flow.oxidised
        if oxidised > 0 {
            let oxidisedMoles = oxidised * c.molesPerAmpereHour
            s.carbonDioxide += c.oxidationCO2 * oxidisedMoles
            s.carbonMonoxide += c.oxidationCO * oxidisedMoles
            s.hydrogen += c.oxidationH2 * oxidisedMoles
            consumed += oxidisedMoles
        }
        s.electrolyte = max(0, s.electrolyte - consumed * c.electrolytePerMole)

        s.cyclePlated += plated
        s.cycleLoss += seiNew + deadNew + calendar
        // Charge that oxidised electrolyte stored nothing: its electrical energy is heat.
        return oxidised > 0 ? oxidised * PhysicalConstants.coulombsPerAmpereHour * max(p.openCircuitVolts, 0) : 0
    }

    /// Cathode cracking while charging above 4.15 V / 75 % SOC [S4:L222, L316]: lost sites trap the lithium they
    /// hold, so the cathode SOC is unchanged.
    @inline(never)
    func crackCathode(_ s: inout CellState, plated: Double, peakChargeAmps: Double, stateOfCharge soc: Double) {
        let lost = min(c.lossPerCrackCharge * plated * (1 + c.lossCRateGain * peakChargeAmps * c.inverseNominalAh), 0.5 * s.cathodeSites)
        let filled = min(max(soc, 0), 1)
        s.trappedLithium += lost * (1 - filled)
        s.cathodeCharge -= lost * filled
        s.cathodeSites -= lost
        s.oxygen += c.latticeO2 * plated * c.molesPerAmpereHour
    }

    /// Lithium moved during one level of the step (Ah), before the anode-inventory limit.
    struct LithiumFlow {
        var extractable: Double
        var plated = 0.0
        var oxidised = 0.0
        var seiNew = 0.0
        var stripped = 0.0
        var deadNew = 0.0
        var peakChargeAmps = 0.0
    }

    /// Plating (charge, `amps` < 0) or stripping (discharge) for `seconds` at `amps`.
    @inline(__always)
    func moveLithium(_ flow: inout LithiumFlow, amps: Double, seconds: Double, common: Double, prepared p: CellWork) {
        if amps == 0 || seconds == 0 { return }
        let magnitude = abs(amps)
        let ampereHours = magnitude * seconds * (1 / PhysicalConstants.coulombsPerAmpereHour)
        let density = magnitude * c.milliampsPerSquareCentimetrePerAmp
        let multiplier = (1 + c.lossCurrentSensitivity * max(0, density * c.inverseReferenceCurrentDensity - 1)) * common
        if amps < 0 {
            // Share of charge current that oxidises electrolyte instead of delithiating the cathode.
            let oxidation = c.oxidationTable.share(atVolts: p.openCircuitVolts)
            let delithiated = min(ampereHours * (1 - oxidation), flow.extractable)
            flow.extractable -= delithiated
            flow.oxidised += ampereHours - delithiated
            flow.plated += delithiated
            flow.seiNew += delithiated * min(c.seiLossPerPlated * multiplier * p.seiRate, 0.5)
            flow.peakChargeAmps = max(flow.peakChargeAmps, magnitude)
        } else {
            flow.stripped += ampereHours
            flow.deadNew += ampereHours * min(c.deadLossPerStripped * multiplier, 0.5)
        }
    }

    /// Electrolyte leaving through an injected leak.
    func leakElectrolyte(_ s: inout CellState, out: inout EnclosureInflow) {
        let lost = min(s.leakRate * schedule.duration, s.electrolyte)
        s.electrolyte -= lost
        s.leakedElectrolyte += lost
        out.leakedGrams += lost
    }

    /// Tracks charge and discharge half-cycles from the terminal charge, and closes a cycle when charging
    /// resumes after a discharge: Coulombic efficiency = discharge / charge, lithium efficiency =
    /// 1 − lithium lost / lithium plated.
    func countCycle(_ s: inout CellState, terminalAmpereHours net: Double) {
        let threshold = 1e-7 * c.nominalAh
        if net < -threshold {
            if s.cyclePhase > 0 {
                if s.lastChargeIn > 0.05 * c.nominalAh, s.chargeOut > 0.05 * c.nominalAh {
                    s.lastEfficiency = s.chargeOut / s.lastChargeIn
                    if s.cyclePlated > 0 { s.lastLithiumEfficiency = 1 - s.cycleLoss / s.cyclePlated }
                    s.completedCycles += 1
                    s.cycleLoss = 0
                    s.cyclePlated = 0
                    s.chargeIn = 0
                } else {
                    // A short discharge inside a charge (balancing, a reverse pulse): net it out.
                    s.chargeIn = max(0, s.chargeIn - s.chargeOut)
                }
                s.chargeOut = 0
            }
            s.cyclePhase = -1
            s.chargeIn -= net
        } else if net > threshold {
            if s.cyclePhase < 0 {
                s.lastChargeIn = s.chargeIn
                s.chargeOut = 0
            }
            s.cyclePhase = 1
            s.chargeOut += net
        }
    }
}
