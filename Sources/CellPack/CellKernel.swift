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
    /// 1 / `initialSites`, 1/Ah.
    var inverseInitialSites: Double
}

/// One cell's working values for the current step, viewed in place in the pack's ``StepScratch``: the start-of-step
/// Thevenin equivalent (written by ``CellKernel/prepare(_:_:into:)``), what the group solve derived from it, and
/// what the cell's step hands back to the pack. Valid only inside one step.
struct CellWork {
    /// The cell's first slot; value k lives at `cell[k · tile]`.
    let cell: UnsafeMutablePointer<Double>

    /// OCV at the present SOC and temperature, including the anode-depletion collapse, V.
    var openCircuitVolts: Double { get { cell[0] } nonmutating set { cell[0] = newValue } }
    /// ∂U/∂T, V/K.
    var entropic: Double { get { cell[8] } nonmutating set { cell[8] = newValue } }
    /// Ohmic resistance for the step, Ω.
    var r0: Double { get { cell[16] } nonmutating set { cell[16] = newValue } }
    /// First RC resistance for the step, Ω.
    var r1: Double { get { cell[24] } nonmutating set { cell[24] = newValue } }
    /// Second RC resistance for the step, Ω.
    var r2: Double { get { cell[32] } nonmutating set { cell[32] = newValue } }
    /// Source voltage of the step's Thevenin equivalent: OCV + hysteresis − decayed RC voltages, V.
    var sourceVolts: Double { get { cell[40] } nonmutating set { cell[40] = newValue } }
    /// Resistance of the step's Thevenin equivalent (exact for a constant current), Ω.
    var effectiveOhms: Double { get { cell[48] } nonmutating set { cell[48] = newValue } }
    /// Conductance across the electrodes: leakage + soft + hard + injected shorts, S.
    var shuntSiemens: Double { get { cell[56] } nonmutating set { cell[56] = newValue } }
    /// Arrhenius factor of SEI growth at the core temperature.
    var seiRate: Double { get { cell[64] } nonmutating set { cell[64] = newValue } }
    /// Salt diffusivity relative to 25 °C at the core temperature.
    var diffusion: Double { get { cell[72] } nonmutating set { cell[72] = newValue } }
    /// Solvent vapour pressure at the core temperature, kPa.
    var vapour: Double { get { cell[80] } nonmutating set { cell[80] = newValue } }
    /// Cathode SOC at the start of the step.
    var stateOfCharge: Double { get { cell[88] } nonmutating set { cell[88] = newValue } }
    /// 1 / `effectiveOhms` (group solve).
    var inverseOhms: Double { get { cell[96] } nonmutating set { cell[96] = newValue } }
    /// Heat released in the core node during the step, J.
    var coreHeat: Double { get { cell[104] } nonmutating set { cell[104] = newValue } }
    /// Exothermic abuse-reaction heat during the step (part of `coreHeat`), J.
    var reactionHeat: Double { get { cell[112] } nonmutating set { cell[112] = newValue } }
    /// Internal current at the end of the step, A (+ discharge).
    var endCurrent: Double { get { cell[120] } nonmutating set { cell[120] = newValue } }
}

/// Advances one cell through one step: electrochemistry, lithium inventory, cathode, dendrites, shorts, abuse
/// kinetics and gas. Pure function of the state, the constants and the step; no allocation.
struct CellKernel {
    /// The cell constants, read through a pointer that is valid for the kernel's lifetime (one step). Through a
    /// pointer each constant is loaded where it is used; held by value, the optimiser hoists every constant a
    /// function might need to its entry and spills most of them (measured: ~75 instructions per call).
    let constants: UnsafePointer<CellConstants>
    var c: CellConstants { unsafeAddress { constants } }
    let schedule: WaveformSchedule
    /// exp(−dt/τ₁) and exp(−dt/τ₂) for this step (shared by every cell).
    let decay1: Double
    let decay2: Double
    /// 1 − exp(−dt/τ₁) and 1 − exp(−dt/τ₂).
    let growth1: Double
    let growth2: Double
    /// τ·(1 − exp(−dt/τ)) of each RC branch: its ∫ response over a constant step (``Lag/memory(_:_:)``).
    let memory1: Double
    let memory2: Double
    /// exp(−dt/τ_tip) for this step, and the tip lag's memory over a constant step.
    let tipDecay: Double
    let tipMemory: Double
    /// 1 / step duration.
    let inverseDuration: Double

    /// A kernel for one step; `constants` must stay valid while the kernel is used.
    init(constants: UnsafePointer<CellConstants>, schedule: WaveformSchedule) {
        self.constants = constants
        self.schedule = schedule
        let dt = schedule.duration
        let c = constants.pointee
        decay1 = Double.exp(-dt / c.tau1)
        decay2 = Double.exp(-dt / c.tau2)
        growth1 = 1 - decay1
        growth2 = 1 - decay2
        memory1 = c.tau1 * growth1
        memory2 = c.tau2 * growth2
        tipDecay = Double.exp(-dt / c.tipTau)
        tipMemory = c.tipTau * (1 - tipDecay)
        inverseDuration = 1 / dt
    }

    /// Voltage lost when connected lithium runs out (anode-limited end of discharge), V.
    @inline(__always)
    func depletionPenalty(_ anodeLithium: Double) -> Double {
        let reserve = anodeLithium * c.inverseDepletionReserveAh
        if reserve >= 1 { return 0 }
        return min(c.depletionVolts * (1 / max(reserve, 1e-4) - 1), 5)
    }

    /// Start-of-step Thevenin equivalent of a cell, written into `p`.
    @inline(__always)
    func prepare(_ s: CellState, _ f: CellFixed, into p: CellWork) {
        let kelvin = s.coreKelvin
        let sites = s.cathodeSites
        let soc = s.cathodeCharge / sites
        let (u, entropic) = c.ocv.lookup(soc)
        let ocv = u + (kelvin - PhysicalConstants.referenceKelvin) * entropic - depletionPenalty(s.anodeLithium)
        let factors = c.temperatureTable.lookup(kelvin) ?? exactFactors(kelvin)
        let window = min(max(soc, 0), 1) * 2 - 1
        let base = factors.resistance * (1 + c.socCurvature * window * window)
        let lost = 1 - sites * f.inverseInitialSites
        var scale = f.resistanceScale
        let separatorState = s.separatorState
        if s.electrolyte < c.dryOutGrams || separatorState >= 1 { scale *= unusualResistanceFactor(s) }
        let r0 = (c.r0 * base + c.interphaseOhmPerAh * max(0, s.seiLithium - c.formationSEIAh) + c.porousOhmPerDeadAh * s.deadLithium)
            * scale
        let r1 = c.r1 * base * (1 + c.lossResistanceGain * max(lost, 0)) * scale
        let r2 = c.r2 * base * scale
        let seiRate = factors.sei
        var shunt = f.leakageSiemens * seiRate + s.hardShort + s.nailShort
        if separatorState >= 2 || s.softMedian > 0 { shunt += unusualShunt(s) }
        p.openCircuitVolts = ocv
        p.entropic = entropic
        p.r0 = r0
        p.r1 = r1
        p.r2 = r2
        p.sourceVolts = ocv + c.hysteresisVolts * s.hysteresis - decay1 * s.v1 - decay2 * s.v2
        p.effectiveOhms = r0 + r1 * growth1 + r2 * growth2
        p.shuntSiemens = shunt
        p.seiRate = seiRate
        p.diffusion = factors.diffusion
        p.vapour = factors.vapour
        p.stateOfCharge = soc
    }

    /// Temperature factors outside the tabulated range.
    @inline(never)
    func exactFactors(_ kelvin: Double) -> TemperatureFactors {
        TemperatureFactors(constants.pointee, kelvin)
    }

    /// Resistance factor of a dried-out cell and of a shut-down separator.
    @inline(never)
    func unusualResistanceFactor(_ s: CellState) -> Double {
        var factor = 1.0
        let electrolyte = s.electrolyte
        if electrolyte < c.dryOutGrams {
            let perCapacity = electrolyte * c.inverseNominalAh
            factor *= 1 + c.dryOutGain * min(c.dryOutGramsPerAh / max(perCapacity, 1e-3 * c.dryOutGramsPerAh) - 1, 1_000)
        }
        if s.separatorState >= 1 { factor *= c.shutdownFactor }
        return factor
    }

    /// Conductance of a melted-down separator and of soft shorts, S.
    @inline(never)
    func unusualShunt(_ s: CellState) -> Double {
        var shunt = 0.0
        if s.separatorState >= 2 {
            // Meltdown short spreading from the first contact over the spread time.
            shunt += c.meltdownConductance * -Double.expMinusOne(-(s.meltdownAge + 1e-3) / c.meltdownSpread)
        }
        let softMedian = s.softMedian
        if softMedian > 0 { shunt += softMedian * Double.exp(s.softLog) }
        return shunt
    }

    /// Advances `s` by one step in which the cell's internal current is `levels.0` during level-0 segments and
    /// `levels.1` during level-1 segments (A, + discharge). Writes the step's heat and end current into `p`; what
    /// leaves the cell is added to `out`.
    ///
    /// A constant step (one segment, the common case) takes closed forms in which the empty level-1 terms are
    /// left out; they are exactly zero in the general forms (see `WaveformLagTests` and `FastPathTests`).
    func advance(
        _ s: inout CellState, prepared p: CellWork, levels: (Double, Double), fixed f: CellFixed,
        random: inout Xoshiro256, out: inout EnclosureInflow
    ) {
        let (i0, i1) = levels
        let (t0, t1) = schedule.levelSeconds
        let kelvin = s.coreKelvin
        let constant = schedule.isConstant
        let coulombs: Double
        var heat: Double
        // Joule heat in R0, exact for the piecewise-constant current; RC branches: exact lag response,
        // dissipation = ∫ i·v dt − Δ(½ C v²).
        if constant {
            coulombs = i0 * t0
            heat = p.r0 * (i0 * i0 * t0)
            if p.r1 > 0 {
                let v = s.v1
                let target = p.r1 * i0
                let end = target + (v - target) * decay1
                heat += i0 * (target * t0 + (v - target) * memory1) - 0.5 * c.tau1 / p.r1 * (end * end - v * v)
                s.v1 = end
            } else {
                s.v1 = 0
            }
            if p.r2 > 0 {
                let v = s.v2
                let target = p.r2 * i0
                let end = target + (v - target) * decay2
                heat += i0 * (target * t0 + (v - target) * memory2) - 0.5 * c.tau2 / p.r2 * (end * end - v * v)
                s.v2 = end
            } else {
                s.v2 = 0
            }
        } else {
            (coulombs, heat) = advanceRCBranches(&s, prepared: p, levels: levels)
        }
        // One-state hysteresis (Plett): relaxes toward −sgn(i) with time constant Q/(γ|i|).
        if c.hysteresisRate > 0 {
            if constant {
                if i0 != 0 {
                    let target: Double = i0 > 0 ? -1 : 1
                    let ratio = abs(i0) * t0 * c.hysteresisRatePerAmpereSecond / max(s.cathodeSites, 1e-9)
                    s.hysteresis = target + (s.hysteresis - target) * Lag.decay(ratio: ratio)
                }
            } else if i0 != 0 || i1 != 0 {
                advanceHysteresis(&s, levels: levels)
            }
        }
        // Shunt (leakage, soft and hard shorts) across the electrodes: heat and the charge it bypasses.
        let shunt = p.shuntSiemens
        let volts0 = p.sourceVolts - p.effectiveOhms * i0
        let terminalCoulombs: Double
        if constant {
            heat += shunt * (volts0 * volts0 * t0)
            terminalCoulombs = coulombs - shunt * (volts0 * t0)
        } else {
            let volts1 = p.sourceVolts - p.effectiveOhms * i1
            heat += shunt * (volts0 * volts0 * t0 + volts1 * volts1 * t1)
            terminalCoulombs = coulombs - shunt * (volts0 * t0 + volts1 * t1)
        }
        // Reversible (entropic) heat, Bernardi sign for discharge-positive current.
        heat -= coulombs * kelvin * p.entropic

        heat += exchangeLithium(&s, prepared: p, levels: levels)
        growDendrites(&s, prepared: p, levels: levels, kelvin: kelvin)
        evolveShorts(&s, random: &random)
        if s.leakRate > 0 { leakElectrolyte(&s, out: &out) }
        let reaction = runAbuseKinetics(&s, out: &out)
        let coreHeat = heat + reaction
        p.coreHeat = coreHeat
        p.reactionHeat = reaction
        updateGas(&s, prepared: p, out: &out)
        countCycle(&s, terminalAmpereHours: terminalCoulombs * (1 / PhysicalConstants.coulombsPerAmpereHour))

        // End-of-step observables.
        let endCurrent = schedule.endLevel == 0 ? i0 : i1
        p.endCurrent = endCurrent
        let soc = s.cathodeCharge / s.cathodeSites
        let (u, entropic) = c.ocv.lookup(soc)
        let ocv = u + (s.coreKelvin - PhysicalConstants.referenceKelvin) * entropic - depletionPenalty(s.anodeLithium)
        let terminal = ocv + c.hysteresisVolts * s.hysteresis - s.v1 - s.v2 - p.r0 * endCurrent
        s.openCircuitVolts = ocv
        s.terminalVolts = terminal
        s.currentAmps = endCurrent - shunt * terminal
        s.heatWatts = coreHeat * inverseDuration
        s.ohmicResistance = p.r0
        s.totalResistance = p.r0 + p.r1 + p.r2
    }

    /// RC branches over a two-level step: returns the charge moved (C) and the Joule heat in R0, R1, R2 (J).
    @inline(never)
    func advanceRCBranches(_ s: inout CellState, prepared p: CellWork, levels: (Double, Double)) -> (Double, Double) {
        let (i0, i1) = levels
        let (t0, t1) = schedule.levelSeconds
        var heat = p.r0 * (i0 * i0 * t0 + i1 * i1 * t1)
        if p.r1 > 0 {
            let rc = Lag.respond(schedule, from: s.v1, tau: (c.tau1, c.tau1), target: (p.r1 * i0, p.r1 * i1))
            heat += i0 * rc.integral.0 + i1 * rc.integral.1 - 0.5 * c.tau1 / p.r1 * (rc.end * rc.end - s.v1 * s.v1)
            s.v1 = rc.end
        } else {
            s.v1 = 0
        }
        if p.r2 > 0 {
            let rc = Lag.respond(schedule, from: s.v2, tau: (c.tau2, c.tau2), target: (p.r2 * i0, p.r2 * i1))
            heat += i0 * rc.integral.0 + i1 * rc.integral.1 - 0.5 * c.tau2 / p.r2 * (rc.end * rc.end - s.v2 * s.v2)
            s.v2 = rc.end
        } else {
            s.v2 = 0
        }
        return (i0 * t0 + i1 * t1, heat)
    }

    /// Hysteresis over a two-level step (each level relaxes at its own rate).
    @inline(never)
    func advanceHysteresis(_ s: inout CellState, levels: (Double, Double)) {
        let (i0, i1) = levels
        let perSites = c.hysteresisRatePerAmpereSecond / max(s.cathodeSites, 1e-9)
        let tau0 = i0 == 0 ? Double.infinity : 1 / (abs(i0) * perSites)
        let tau1 = i1 == 0 ? Double.infinity : 1 / (abs(i1) * perSites)
        let target0: Double = i0 > 0 ? -1 : 1
        let target1: Double = i1 > 0 ? -1 : 1
        s.hysteresis = Lag.respond(schedule, from: s.hysteresis, tau: (tau0, tau1), target: (target0, target1)).end
    }
}
