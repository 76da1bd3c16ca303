import RealModule
import SeededRandom

/// Per-cell values fixed when the pack is built (production spread).
struct CellFixed {
    /// Relative resistance of this cell.
    var resistanceScale: Double
    /// Electronic leakage (self-discharge) conductance at 25 °C, S.
    var leakageSiemens: Double
    /// Cathode sites when new, Ah.
    var initialSites: Double
    /// Connected lithium at SOC 0 when new, Ah (reference for anode thickness).
    var initialAnode: Double
}

/// What the start-of-step evaluation found for one cell: its Thevenin equivalent over the step.
struct PreparedCell {
    /// OCV at the present SOC and temperature, including the anode-depletion collapse, V.
    var openCircuitVolts: Double
    /// ∂U/∂T, V/K.
    var entropic: Double
    var r0: Double
    var r1: Double
    var r2: Double
    /// Source voltage of the step's Thevenin equivalent: OCV + hysteresis − decayed RC voltages, V.
    var sourceVolts: Double
    /// Resistance of the step's Thevenin equivalent (exact for a constant current), Ω.
    var effectiveOhms: Double
    /// Conductance across the electrodes: leakage + soft + hard + injected shorts, S.
    var shuntSiemens: Double
    /// Arrhenius factor of SEI growth at the core temperature.
    var seiRate: Double
}

/// What one cell hands back to the pack after its step.
struct CellStepOutput {
    /// Heat released in the core node during the step, J.
    var coreHeat = 0.0
    /// Exothermic abuse-reaction heat during the step (part of `coreHeat` unless shared), J.
    var reactionHeat = 0.0
    /// Gas that left the cell (permeation or venting), mol.
    var released = GasAmounts()
    /// Aerosol / particulate that left the cell, g.
    var smokeGrams = 0.0
    /// Electrolyte that left the cell, g.
    var leakedGrams = 0.0
}

/// Advances one cell through one step: electrochemistry, lithium inventory, cathode, dendrites, shorts, abuse
/// kinetics and gas. Pure function of the state, the constants and the step; no allocation.
struct CellKernel {
    let c: CellConstants
    let schedule: WaveformSchedule
    /// exp(−dt/τ₁) and exp(−dt/τ₂) for this step (shared by every cell).
    let decay1: Double
    let decay2: Double
    /// exp(−dt/τ_tip) for this step.
    let tipDecay: Double

    init(constants: CellConstants, schedule: WaveformSchedule) {
        c = constants
        self.schedule = schedule
        decay1 = Double.exp(-schedule.duration / constants.tau1)
        decay2 = Double.exp(-schedule.duration / constants.tau2)
        tipDecay = Double.exp(-schedule.duration / constants.tipTau)
    }

    /// Voltage lost when connected lithium runs out (anode-limited end of discharge), V.
    @inline(__always)
    func depletionPenalty(_ anodeLithium: Double) -> Double {
        let reserve = anodeLithium / c.depletionReserveAh
        if reserve >= 1 { return 0 }
        return min(c.depletionVolts * (1 / max(reserve, 1e-4) - 1), 5)
    }

    /// Start-of-step Thevenin equivalent of a cell.
    @inline(__always)
    func prepare(_ s: CellState, _ f: CellFixed) -> PreparedCell {
        let kelvin = s.coreKelvin
        let soc = s.cathodeCharge / s.cathodeSites
        let (u, entropic) = c.ocv.lookup(soc)
        let ocv = u + (kelvin - PhysicalConstants.referenceKelvin) * entropic - depletionPenalty(s.anodeLithium)
        let factors = c.factors(kelvin)
        let cold = factors.resistance
        let window = min(max(soc, 0), 1) * 2 - 1
        let base = cold * (1 + c.socCurvature * window * window)
        let lost = 1 - s.cathodeSites / f.initialSites
        let perCapacity = s.electrolyte / c.nominalAh
        var dry = 1.0
        if perCapacity < c.dryOutGramsPerAh {
            dry += c.dryOutGain * min(c.dryOutGramsPerAh / max(perCapacity, 1e-3 * c.dryOutGramsPerAh) - 1, 1_000)
        }
        let scale = f.resistanceScale * dry * (s.separatorState >= 1 ? c.shutdownFactor : 1)
        let deadMicrometres = c.micrometres(lithiumAh: s.deadLithium) / c.deadLayerSolidFraction
        let r0 = (c.r0 * base + c.interphaseOhmPerAh * max(0, s.seiLithium - c.formationSEIAh)
            + c.porousOhmPerMicrometre * deadMicrometres) * scale
        let r1 = c.r1 * base * (1 + c.lossResistanceGain * max(lost, 0)) * scale
        let r2 = c.r2 * base * scale
        let seiRate = factors.sei
        var shunt = f.leakageSiemens * seiRate + s.hardShort + s.nailShort
        if s.separatorState >= 2 {
            // Meltdown short spreading from the first contact over the spread time.
            shunt += c.meltdownConductance * -Double.expMinusOne(-(s.meltdownAge + 1e-3) / c.meltdownSpread)
        }
        if s.softMedian > 0 { shunt += s.softMedian * Double.exp(s.softLog) }
        return PreparedCell(
            openCircuitVolts: ocv, entropic: entropic, r0: r0, r1: r1, r2: r2,
            sourceVolts: ocv + c.hysteresisVolts * s.hysteresis - decay1 * s.v1 - decay2 * s.v2,
            effectiveOhms: r0 + r1 * (1 - decay1) + r2 * (1 - decay2),
            shuntSiemens: shunt, seiRate: seiRate)
    }

    /// Advances `s` by one step in which the cell's internal current is `levels.0` during level-0 segments and
    /// `levels.1` during level-1 segments (A, + discharge).
    func advance(
        _ s: inout CellState, prepared p: PreparedCell, levels: (Double, Double), fixed f: CellFixed,
        random: inout Xoshiro256
    ) -> CellStepOutput {
        var out = CellStepOutput()
        let (i0, i1) = levels
        let (t0, t1) = schedule.levelSeconds
        let kelvin = s.coreKelvin
        let coulombs = i0 * t0 + i1 * t1
        // Joule heat in R0, exact for the piecewise-constant current.
        var heat = p.r0 * (i0 * i0 * t0 + i1 * i1 * t1)
        // RC branches: exact lag response; dissipation = ∫ i·v dt − Δ(½ C v²).
        if p.r1 > 0 {
            let rc = Lag.respond(schedule, from: s.v1, tau: (c.tau1, c.tau1), target: (p.r1 * i0, p.r1 * i1), constantDecay: decay1)
            heat += i0 * rc.integral.0 + i1 * rc.integral.1 - 0.5 * c.tau1 / p.r1 * (rc.end * rc.end - s.v1 * s.v1)
            s.v1 = rc.end
        } else {
            s.v1 = 0
        }
        if p.r2 > 0 {
            let rc = Lag.respond(schedule, from: s.v2, tau: (c.tau2, c.tau2), target: (p.r2 * i0, p.r2 * i1), constantDecay: decay2)
            heat += i0 * rc.integral.0 + i1 * rc.integral.1 - 0.5 * c.tau2 / p.r2 * (rc.end * rc.end - s.v2 * s.v2)
            s.v2 = rc.end
        } else {
            s.v2 = 0
        }
        // One-state hysteresis (Plett): relaxes toward −sgn(i) at a rate proportional to |i|.
        if c.hysteresisRate > 0, i0 != 0 || i1 != 0 {
            let chargeScale = max(s.cathodeSites, 1e-9) * PhysicalConstants.coulombsPerAmpereHour / c.hysteresisRate
            let tau0 = i0 == 0 ? Double.infinity : chargeScale / abs(i0)
            let tau1 = i1 == 0 ? Double.infinity : chargeScale / abs(i1)
            let target0: Double = i0 > 0 ? -1 : 1
            let target1: Double = i1 > 0 ? -1 : 1
            s.hysteresis = Lag.respond(schedule, from: s.hysteresis, tau: (tau0, tau1), target: (target0, target1)).end
        }
        // Shunt (leakage, soft and hard shorts) across the electrodes: heat and the charge it bypasses.
        let volts0 = p.sourceVolts - p.effectiveOhms * i0
        let volts1 = p.sourceVolts - p.effectiveOhms * i1
        heat += p.shuntSiemens * (volts0 * volts0 * t0 + volts1 * volts1 * t1)
        let terminalCoulombs = coulombs - p.shuntSiemens * (volts0 * t0 + volts1 * t1)
        // Reversible (entropic) heat, Bernardi sign for discharge-positive current.
        heat -= coulombs * kelvin * p.entropic

        heat += exchangeLithium(&s, prepared: p, levels: levels, out: &out)
        growDendrites(&s, levels: levels, kelvin: kelvin)
        evolveShorts(&s, random: &random)
        leakElectrolyte(&s, out: &out)
        let reaction = runAbuseKinetics(&s, out: &out)
        out.coreHeat = heat + reaction
        out.reactionHeat = reaction
        updateGas(&s, out: &out)
        countCycle(&s, terminalAmpereHours: terminalCoulombs / PhysicalConstants.coulombsPerAmpereHour)

        // End-of-step observables.
        let endCurrent = schedule.endLevel == 0 ? i0 : i1
        let soc = s.cathodeCharge / s.cathodeSites
        let (u, entropic) = c.ocv.lookup(soc)
        let ocv = u + (s.coreKelvin - PhysicalConstants.referenceKelvin) * entropic - depletionPenalty(s.anodeLithium)
        let terminal = ocv + c.hysteresisVolts * s.hysteresis - s.v1 - s.v2 - p.r0 * endCurrent
        s.openCircuitVolts = ocv
        s.terminalVolts = terminal
        s.currentAmps = endCurrent - p.shuntSiemens * terminal
        s.heatWatts = out.coreHeat / schedule.duration
        s.ohmicResistance = p.r0
        s.totalResistance = p.r0 + p.r1 + p.r2
        return out
    }
}
