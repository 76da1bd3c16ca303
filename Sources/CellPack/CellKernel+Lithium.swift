import RealModule

/// Moves lithium for the step's charge and discharge: plating with SEI formation on fresh area, stripping with
/// dead-lithium formation, calendar SEI growth (√t), electrolyte oxidation in overcharge, cathode cracking above
/// the crack threshold, and the electrolyte those reactions consume; the side-reaction heat joins the step's heat.
///
/// Lithium efficiency per plated charge is `1 − baseLoss × m`, where `m` rises with on-pulse current density
/// above the reference [S4:L284], roughness, cold [S4:L284, L316] and stack pressure away from the optimum
/// [S4:L172–L179]; the loss splits into dead Li⁰ (on stripping) and SEI (on plating) [S2:L483–L489].
/// Cathode cracking while charging above 4.15 V / 75 % SOC [S4:L222, L316]: lost sites trap the lithium they
/// hold, so the cathode SOC is unchanged.
extension CellKernel {
    /// Lithium moved during the step (Ah), before the anode-inventory limit.
    struct LithiumFlow {
        var extractable: Double
        var plated = 0.0
        var oxidised = 0.0
        var seiNew = 0.0
        var stripped = 0.0
        var deadNew = 0.0
        var peakChargeAmps = 0.0
    }

    /// Loss multiplier shared by both levels: roughness, cold, stack pressure.
    @inline(__always)
    func lossConditions(_ s: CellState) -> Double {
        (1 + c.lossRoughnessSensitivity * s.roughness)
            * (1 + c.lossColdSensitivity * max(0, PhysicalConstants.referenceKelvin - s.coreKelvin)) * c.pressureFactor
    }

    /// The scalar part of the lithium sub-model: the share of charge current that oxidises electrolyte instead of
    /// delithiating the cathode (a table lookup, needed only while charging) and the calendar square root.
    @inline(__always)
    func lookUpLithium(_ cell: UnsafeMutablePointer<Double>) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        p.oxidationShare = p.current0 < 0 ? c.oxidationTable.share(atVolts: p.openCircuitVolts) : 0
        p.calendarRoot = calendarRoot(s, p)
    }

    /// √(y² + k²·dt) for the calendar SEI law y = √(y² + k²·dt), k Arrhenius and area-scaled.
    @inline(__always)
    func calendarRoot(_ s: CellState, _ p: CellWork) -> Double {
        let rate = c.calendarAhPerSqrtSecond * p.seiRate
        let previous = s.calendarLoss
        return (previous * previous + rate * rate * duration).squareRoot()
    }

    /// The lithium sub-model for a constant current, branch-free (``lookUpLithium(_:)`` first).
    @inline(__always)
    func lithiumCommon(_ cell: UnsafeMutablePointer<Double>) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        let i0 = p.current0
        let magnitude = abs(i0)
        let ampereHours = magnitude * t0 * (1 / PhysicalConstants.coulombsPerAmpereHour)
        let multiplier = lossMultiplier(magnitude) * lossConditions(s)
        let charging = i0 < 0
        let discharging = i0 > 0
        // Every operand is computed before the selects: a load inside one arm would stop the loop vectorising.
        let delithiated = min(ampereHours * (1 - p.oxidationShare), max(0, c.ocv.socMax * s.cathodeSites - s.cathodeCharge))
        let seiNew = delithiated * min(c.seiLossPerPlated * multiplier * p.seiRate, 0.5)
        let deadNew = ampereHours * min(c.deadLossPerStripped * multiplier, 0.5)
        var flow = LithiumFlow(extractable: 0)
        flow.plated = charging ? delithiated : 0
        flow.oxidised = charging ? ampereHours - delithiated : 0
        flow.seiNew = charging ? seiNew : 0
        flow.peakChargeAmps = charging ? magnitude : 0
        flow.stripped = discharging ? ampereHours : 0
        flow.deadNew = discharging ? deadNew : 0
        settleLithium(s, p, flow, calendarRoot: p.calendarRoot)
        p.dendritesRare = dendritesAreRare(cell) ? 1 : 0
    }

    /// Loss multiplier of the on-pulse current density.
    @inline(__always)
    func lossMultiplier(_ magnitude: Double) -> Double {
        1 + c.lossCurrentSensitivity * max(0, magnitude * c.milliampsPerSquareCentimetrePerAmp * c.inverseReferenceCurrentDensity - 1)
    }

    /// The lithium sub-model over any step (each level of a two-level waveform in turn).
    @inline(never)
    func lithiumGeneral(_ cell: UnsafeMutablePointer<Double>) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        let conditions = lossConditions(s)
        var flow = LithiumFlow(extractable: max(0, c.ocv.socMax * s.cathodeSites - s.cathodeCharge))
        moveLithium(&flow, amps: p.current0, seconds: t0, conditions: conditions, prepared: p)
        moveLithium(&flow, amps: p.current1, seconds: t1, conditions: conditions, prepared: p)
        settleLithium(s, p, flow, calendarRoot: calendarRoot(s, p))
        p.dendritesRare = dendritesAreRare(cell) ? 1 : 0
    }

    /// Plating (charge, `amps` < 0) or stripping (discharge) for `seconds` at `amps`.
    func moveLithium(_ flow: inout LithiumFlow, amps: Double, seconds: Double, conditions: Double, prepared p: CellWork) {
        if amps == 0 || seconds == 0 { return }
        let magnitude = abs(amps)
        let ampereHours = magnitude * seconds * (1 / PhysicalConstants.coulombsPerAmpereHour)
        let multiplier = lossMultiplier(magnitude) * conditions
        if amps < 0 {
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

    /// Applies the step's lithium flow: cracking, plating, stripping limited by the connected lithium, calendar
    /// SEI, the gases and electrolyte the reactions take, cycle sums and oxidation heat. Branch-free: terms of
    /// reactions that did not happen are exact zeros.
    @inline(__always)
    func settleLithium(_ s: CellState, _ p: CellWork, _ flow: LithiumFlow, calendarRoot: Double) {
        // Constants loaded up front: a load inside one arm of a conditional would stop the loop vectorising.
        let latticeO2 = c.latticeO2
        let plated = flow.plated
        let seiNew = flow.seiNew
        let oxidised = flow.oxidised
        let roughness = s.roughness
        // Cathode cracking.
        let soc = p.stateOfCharge
        let sites = s.cathodeSites
        let ocv = p.openCircuitVolts
        let crackSOC = c.crackSOC
        let crackVolts = c.crackVolts
        let cracks = allOf(plated > 0, anyOf(soc > crackSOC, ocv > crackVolts))
        let crackLoss = min(c.lossPerCrackCharge * plated * (1 + c.lossCRateGain * flow.peakChargeAmps * c.inverseNominalAh), 0.5 * sites)
        let lost = cracks ? crackLoss : 0
        let filled = min(max(soc, 0), 1)
        s.trappedLithium += lost * (1 - filled)
        s.cathodeSites = sites - lost
        // Plating, then stripping of at most the connected lithium.
        var cathode = s.cathodeCharge - lost * filled + plated
        var anode = s.anodeLithium + (plated - seiNew)
        let demand = flow.stripped + flow.deadNew
        let available = max(anode, 0)
        let limited = demand > available
        let share = available / demand
        let stripped = limited ? flow.stripped * share : flow.stripped
        let deadNew = limited ? flow.deadNew * share : flow.deadNew
        anode -= stripped + deadNew
        cathode -= stripped
        s.cathodeCharge = cathode
        s.deadLithium += deadNew
        // Calendar SEI on lithium in contact with electrolyte (``calendarRoot(_:_:)``).
        let previous = s.calendarLoss
        let grown = calendarRoot - previous
        let calendar = min(grown * (1 + c.lossRoughnessSensitivity * roughness), max(anode, 0))
        s.calendarLoss = previous + grown
        s.anodeLithium = anode - calendar
        s.seiLithium += seiNew + calendar
        // Gases and electrolyte.
        let boundMoles = (seiNew + calendar) * c.molesPerAmpereHour
        let oxidisedMoles = oxidised * c.molesPerAmpereHour
        s.seiMetastable += boundMoles * c.seiMolarMass
        s.carbonDioxide += c.seiFormationCO2 * boundMoles + c.oxidationCO2 * oxidisedMoles
        s.hydrocarbons += c.seiFormationC2H4 * boundMoles
        s.carbonMonoxide += c.oxidationCO * oxidisedMoles
        s.hydrogen += c.platingH2 * roughness * plated * c.molesPerAmpereHour + c.oxidationH2 * oxidisedMoles
        let latticeOxygen = latticeO2 * plated * c.molesPerAmpereHour
        s.oxygen += cracks ? latticeOxygen : 0
        s.electrolyte = max(0, s.electrolyte - (boundMoles + oxidisedMoles) * c.electrolytePerMole)
        s.cyclePlated += plated
        s.cycleLoss += seiNew + deadNew + calendar
        // Charge that oxidised electrolyte stored nothing: its electrical energy is heat.
        p.heat += oxidised * PhysicalConstants.coulombsPerAmpereHour * max(ocv, 0)
    }

    /// Electrolyte leaving through an injected leak.
    func leakElectrolyte(_ s: CellState, _ p: CellWork) {
        let lost = min(s.leakRate * duration, s.electrolyte)
        s.electrolyte -= lost
        s.leakedElectrolyte += lost
        p.leakedGrams += lost
    }

    /// Tracks charge and discharge half-cycles from the terminal charge (C), and closes a cycle when charging
    /// resumes after a discharge: Coulombic efficiency = discharge / charge, lithium efficiency =
    /// 1 − lithium lost / lithium plated.
    @inline(__always)
    func countCycle(_ s: CellState, terminalCoulombs: Double) {
        let net = terminalCoulombs * (1 / PhysicalConstants.coulombsPerAmpereHour)
        let threshold = 1e-7 * c.nominalAh
        if net < -threshold {
            if s.cyclePhase > 0 { closeCycle(s) }
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

    /// Charging resumes after a discharge.
    @inline(never)
    func closeCycle(_ s: CellState) {
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
}
