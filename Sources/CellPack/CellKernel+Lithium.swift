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
    func exchangeLithium(_ s: inout CellState, prepared p: PreparedCell, levels: (Double, Double), out: inout CellStepOutput) -> Double {
        let (t0, t1) = schedule.levelSeconds
        let perMole = PhysicalConstants.ampereHoursPerMole
        let area = c.areaSquareCentimetres
        let kelvin = s.coreKelvin
        // Share of charge current that oxidises electrolyte instead of delithiating the cathode.
        let oxidation = c.oxidationTable.share(atVolts: p.openCircuitVolts)
        let common = (1 + c.lossRoughnessSensitivity * s.roughness)
            * (1 + c.lossColdSensitivity * max(0, PhysicalConstants.referenceKelvin - kelvin)) * c.pressureFactor

        // Lithium the cathode can still give up before it is fully delithiated (end of the OCV table).
        var extractable = max(0, c.ocv.socMax * s.cathodeSites - s.cathodeCharge)
        var plated = 0.0
        var oxidised = 0.0
        var seiNew = 0.0
        var stripped = 0.0
        var deadNew = 0.0
        var peakChargeAmps = 0.0
        @inline(__always)
        func level(_ amps: Double, _ seconds: Double) {
            if amps == 0 || seconds == 0 { return }
            let ampereHours = abs(amps) * seconds / PhysicalConstants.coulombsPerAmpereHour
            let density = abs(amps) * 1_000 / area
            let multiplier = (1 + c.lossCurrentSensitivity * max(0, density / c.referenceCurrentDensity - 1)) * common
            if amps < 0 {
                let delithiated = min(ampereHours * (1 - oxidation), extractable)
                extractable -= delithiated
                oxidised += ampereHours - delithiated
                plated += delithiated
                seiNew += delithiated * min(c.baseLoss * (1 - c.deadShare) * multiplier * p.seiRate, 0.5)
                peakChargeAmps = max(peakChargeAmps, -amps)
            } else {
                stripped += ampereHours
                deadNew += ampereHours * min(c.baseLoss * c.deadShare * multiplier, 0.5)
            }
        }
        level(levels.0, t0)
        level(levels.1, t1)

        // Cathode cracking while charging above 4.15 V / 75 % SOC [S4:L222, L316]: lost sites trap the
        // lithium they hold, so the cathode SOC is unchanged.
        let soc = s.cathodeCharge / s.cathodeSites
        if plated > 0, soc > c.crackSOC || p.openCircuitVolts > c.crackVolts {
            let lost = min(c.lossPerCrackCharge * plated * (1 + c.lossCRateGain * peakChargeAmps / c.nominalAh), 0.5 * s.cathodeSites)
            let filled = min(max(soc, 0), 1)
            s.trappedLithium += lost * (1 - filled)
            s.cathodeCharge -= lost * filled
            s.cathodeSites -= lost
            s.oxygen += c.latticeO2 * plated / perMole
        }

        s.cathodeCharge += plated
        s.anodeLithium += plated - seiNew
        s.seiLithium += seiNew
        let demand = stripped + deadNew
        if demand > 0 {
            let available = max(s.anodeLithium, 0)
            let scale = demand > available ? available / demand : 1
            stripped *= scale
            deadNew *= scale
            s.anodeLithium -= stripped + deadNew
            s.deadLithium += deadNew
            s.cathodeCharge -= stripped
        }

        // Calendar SEI on lithium in contact with electrolyte: y = √(y² + k²·dt), k Arrhenius and area-scaled.
        let rate = c.calendarAhPerSqrtSecond * p.seiRate
        let grown = (s.calendarLoss * s.calendarLoss + rate * rate * schedule.duration).squareRoot() - s.calendarLoss
        let calendar = min(grown * (1 + c.lossRoughnessSensitivity * s.roughness), max(s.anodeLithium, 0))
        s.calendarLoss += grown
        s.anodeLithium -= calendar
        s.seiLithium += calendar

        let boundMoles = (seiNew + calendar) / perMole
        s.seiMetastable += boundMoles * c.seiMolarMass
        s.carbonDioxide += c.seiFormationCO2 * boundMoles
        s.hydrocarbons += c.seiFormationC2H4 * boundMoles
        s.hydrogen += c.platingH2 * s.roughness * plated / perMole

        let oxidisedMoles = oxidised / perMole
        s.carbonDioxide += c.oxidationCO2 * oxidisedMoles
        s.carbonMonoxide += c.oxidationCO * oxidisedMoles
        s.hydrogen += c.oxidationH2 * oxidisedMoles
        let consumed = (seiNew + calendar) / perMole + oxidisedMoles
        s.electrolyte = max(0, s.electrolyte - consumed * c.electrolytePerMole)

        s.cyclePlated += plated
        s.cycleLoss += seiNew + deadNew + calendar
        // Charge that oxidised electrolyte stored nothing: its electrical energy is heat.
        return oxidised * PhysicalConstants.coulombsPerAmpereHour * max(p.openCircuitVolts, 0)
    }

    /// Electrolyte leaving through an injected leak.
    func leakElectrolyte(_ s: inout CellState, out: inout CellStepOutput) {
        guard s.leakRate > 0 else { return }
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
