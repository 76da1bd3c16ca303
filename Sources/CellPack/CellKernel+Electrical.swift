import RealModule

extension CellKernel {
    /// Voltage lost when connected lithium runs out (anode-limited end of discharge), V.
    @inline(__always)
    func depletionPenalty(_ anodeLithium: Double) -> Double {
        let reserve = anodeLithium * c.inverseDepletionReserveAh
        if reserve >= 1 { return 0 }
        return min(c.depletionVolts * (1 / max(reserve, 1e-4) - 1), 5)
    }

    /// The temperature factors at the core temperature (a table lookup, the scalar part of the start of step; the
    /// SOC-dependent lookups were made at the end of the previous step by ``lookUpCharge(_:)``).
    @inline(__always)
    func lookUpStart(_ cell: UnsafeMutablePointer<Double>) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        let kelvin = s.coreKelvin
        let factors = c.temperatureTable.lookup(kelvin) ?? exactFactors(kelvin)
        p.resistanceFactor = factors.resistance
        p.seiRate = factors.sei
        p.diffusion = factors.diffusion
        p.vapour = factors.vapour
    }

    /// The lookups that depend on the cathode charge and the connected lithium: cathode SOC, OCV and ∂U/∂T at
    /// 25 °C, anode depletion. Made at the end of each step (and when the pack is built); nothing changes those
    /// states between steps, so they serve the next step's start as they are.
    @inline(__always)
    func lookUpCharge(_ cell: UnsafeMutablePointer<Double>) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        let inverseSites = 1 / max(s.cathodeSites, 1e-9)
        let soc = s.cathodeCharge * inverseSites
        let (u, entropic) = c.ocv.lookup(soc)
        p.inverseSites = inverseSites
        p.stateOfCharge = soc
        p.tableVolts = u
        p.tableEntropic = entropic
        p.depletionVolts = depletionPenalty(s.anodeLithium)
    }

    /// Temperature factors outside the tabulated range.
    @inline(never)
    func exactFactors(_ kelvin: Double) -> TemperatureFactors {
        TemperatureFactors(c, kelvin)
    }

    /// A dried-out cell, a shut-down or melted separator, or a soft short needs the general start of step.
    @inline(__always)
    func prepareIsRare(_ cell: UnsafeMutablePointer<Double>) -> Bool {
        let s = CellState(cell: cell)
        return anyOf(anyOf(s.electrolyte < c.dryOutGrams, s.separatorState >= 1), s.softMedian > 0)
    }

    /// Start-of-step Thevenin equivalent from the lookups, with the resistance multiplied by `scaleFactor` and
    /// `extraShunt` added across the electrodes (1 and 0 for a quiet cell: exact no-ops).
    @inline(__always)
    func prepareCommon(_ cell: UnsafeMutablePointer<Double>, scaleFactor: Double, extraShunt: Double) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        let f = CellFixed(cell: cell)
        let soc = p.stateOfCharge
        let ocv = p.tableVolts + (s.coreKelvin - PhysicalConstants.referenceKelvin) * p.tableEntropic - p.depletionVolts
        let window = min(max(soc, 0), 1) * 2 - 1
        let base = p.resistanceFactor * (1 + c.socCurvature * window * window)
        let lost = 1 - s.cathodeSites * f.inverseInitialSites
        let scale = f.resistanceScale * scaleFactor
        let r0 = (c.r0 * base + c.interphaseOhmPerAh * max(0, s.seiLithium - c.formationSEIAh) + c.porousOhmPerDeadAh * s.deadLithium)
            * scale
        let lossFactor = 1 + c.lossResistanceGain * max(lost, 0)
        let r1 = c.r1 * base * lossFactor * scale
        let r2 = c.r2 * base * scale
        // One division for both RC conductances (1/r1 = q/R1₀, 1/r2 = q·loss/R2₀).
        let q = 1 / (base * lossFactor * scale)
        p.openCircuitVolts = ocv
        p.r0 = r0
        p.r1 = r1
        p.r2 = r2
        p.inverseR1 = q * c.inverseR1
        p.inverseR2 = q * lossFactor * c.inverseR2
        p.sourceVolts = ocv + c.hysteresisVolts * s.hysteresis - decay1 * s.v1 - decay2 * s.v2
        let effectiveOhms = r0 + r1 * growth1 + r2 * growth2
        p.effectiveOhms = effectiveOhms
        p.inverseOhms = 1 / effectiveOhms
        p.shuntSiemens = f.leakageSiemens * p.seiRate + s.hardShort + s.nailShort + extraShunt
    }

    /// Start of step with dry-out, separator shutdown, meltdown short and soft shorts.
    @inline(never)
    func prepareGeneral(_ cell: UnsafeMutablePointer<Double>) {
        let s = CellState(cell: cell)
        prepareCommon(cell, scaleFactor: unusualResistanceFactor(s), extraShunt: unusualShunt(s))
    }

    /// Resistance factor of a dried-out cell and of a shut-down separator (1 when neither).
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

    /// Conductance of a melted-down separator and of soft shorts, S (0 when neither).
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

    /// RC branches (exact lag response; dissipation = ∫ i·v dt − Δ(½ C v²)), one-state hysteresis (Plett:
    /// relaxes toward −sgn(i) with time constant Q/(γ|i|)), Joule heat in R0, shunt heat and the charge it
    /// bypasses, reversible (entropic) heat with the Bernardi sign for discharge-positive current. Constant current.
    /// Also clears the cell's releases for the step.
    @inline(__always)
    func electricalCommon(_ cell: UnsafeMutablePointer<Double>, packLevels: (Double, Double)) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        let i0 = assignCurrents(p, packLevels: packLevels)
        let coulombs = i0 * t0
        let r0 = p.r0
        let r1 = p.r1
        let r2 = p.r2
        var heat = r0 * (i0 * i0 * t0)
        let v1 = s.v1
        let target1 = r1 * i0
        let end1 = target1 + (v1 - target1) * decay1
        heat += i0 * (target1 * t0 + (v1 - target1) * memory1) - 0.5 * c.tau1 * p.inverseR1 * (end1 * end1 - v1 * v1)
        s.v1 = end1
        let v2 = s.v2
        let target2 = r2 * i0
        let end2 = target2 + (v2 - target2) * decay2
        heat += i0 * (target2 * t0 + (v2 - target2) * memory2) - 0.5 * c.tau2 * p.inverseR2 * (end2 * end2 - v2 * v2)
        s.v2 = end2
        let hysteresis = s.hysteresis
        let target: Double = i0 > 0 ? -1 : 1
        let perSites = c.hysteresisRatePerAmpereSecond * p.inverseSites
        let relaxed = target + (hysteresis - target) * Lag.decay(ratio: abs(i0) * t0 * perSites)
        s.hysteresis = allOf(c.hysteresisRate > 0, i0 != 0) ? relaxed : hysteresis
        let shunt = p.shuntSiemens
        let volts0 = p.sourceVolts - p.effectiveOhms * i0
        heat += shunt * (volts0 * volts0 * t0)
        p.terminalCoulombs = coulombs - shunt * (volts0 * t0)
        heat -= coulombs * s.coreKelvin * p.tableEntropic
        p.coulombs = coulombs
        p.heat = heat
        clearReleases(p)
    }

    /// The cell's internal currents during level 0 and level 1 from the pack's: i = αI + β with α = 1/(S_G R),
    /// β = (E − V_oc)/R (parallel cells share the voltage). Returns the level-0 current.
    @inline(__always)
    func assignCurrents(_ p: CellWork, packLevels: (Double, Double)) -> Double {
        let inverse = p.inverseOhms
        let share = inverse * p.groupInverseConductance
        let offset = (p.sourceVolts - p.groupOpenCircuit) * inverse
        let i0 = share * packLevels.0 + offset
        p.current0 = i0
        p.current1 = share * packLevels.1 + offset
        return i0
    }

    @inline(__always)
    func clearReleases(_ p: CellWork) {
        p.releasedHydrogen = 0
        p.releasedCarbonMonoxide = 0
        p.releasedCarbonDioxide = 0
        p.releasedHydrocarbons = 0
        p.releasedOxygen = 0
        p.smokeGrams = 0
        p.leakedGrams = 0
    }

    /// The electrical sub-model over any step: two-level waveforms integrated segment by segment, and
    /// constant steps in the closed forms of ``electricalCommon(_:)``.
    @inline(never)
    func electricalGeneral(_ cell: UnsafeMutablePointer<Double>, packLevels: (Double, Double)) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        let i0 = assignCurrents(p, packLevels: packLevels)
        let i1 = p.current1
        var heat = p.r0 * (i0 * i0 * t0 + i1 * i1 * t1)
        if p.r1 > 0 {
            let rc = respondRC(1, from: s.v1, target: (p.r1 * i0, p.r1 * i1))
            heat += i0 * rc.integral.0 + i1 * rc.integral.1 - 0.5 * c.tau1 / p.r1 * (rc.end * rc.end - s.v1 * s.v1)
            s.v1 = rc.end
        } else {
            s.v1 = 0
        }
        if p.r2 > 0 {
            let rc = respondRC(2, from: s.v2, target: (p.r2 * i0, p.r2 * i1))
            heat += i0 * rc.integral.0 + i1 * rc.integral.1 - 0.5 * c.tau2 / p.r2 * (rc.end * rc.end - s.v2 * s.v2)
            s.v2 = rc.end
        } else {
            s.v2 = 0
        }
        if c.hysteresisRate > 0 {
            let perSites = c.hysteresisRatePerAmpereSecond * p.inverseSites
            if constant {
                if i0 != 0 {
                    let target: Double = i0 > 0 ? -1 : 1
                    s.hysteresis = target + (s.hysteresis - target) * Lag.decay(ratio: abs(i0) * t0 * perSites)
                }
            } else if i0 != 0 || i1 != 0 {
                let tau0 = i0 == 0 ? Double.infinity : 1 / (abs(i0) * perSites)
                let tau1 = i1 == 0 ? Double.infinity : 1 / (abs(i1) * perSites)
                let target0: Double = i0 > 0 ? -1 : 1
                let target1: Double = i1 > 0 ? -1 : 1
                s.hysteresis = Lag.respond(schedule, from: s.hysteresis, tau: (tau0, tau1), target: (target0, target1)).end
            }
        }
        let shunt = p.shuntSiemens
        let coulombs = i0 * t0 + i1 * t1
        let volts0 = p.sourceVolts - p.effectiveOhms * i0
        let volts1 = p.sourceVolts - p.effectiveOhms * i1
        heat += shunt * (volts0 * volts0 * t0 + volts1 * volts1 * t1)
        p.terminalCoulombs = coulombs - shunt * (volts0 * t0 + volts1 * t1)
        heat -= coulombs * s.coreKelvin * p.tableEntropic
        p.coulombs = coulombs
        p.heat = heat
        clearReleases(p)
    }

    /// RC branch `branch`'s response over the step.
    @inline(__always)
    func respondRC(_ branch: Int, from x0: Double, target: (Double, Double)) -> LagResponse {
        if let maps = periodicMaps { return (branch == 1 ? maps.rc1 : maps.rc2).respond(from: x0, target: target) }
        return branch == 1
            ? Lag.respond(schedule, from: x0, tau: (c.tau1, c.tau1), target: target, constantDecay: decay1)
            : Lag.respond(schedule, from: x0, tau: (c.tau2, c.tau2), target: target, constantDecay: decay2)
    }

    /// End-of-step observables (after ``lookUpCharge(_:)``).
    @inline(__always)
    func finishStep(_ cell: UnsafeMutablePointer<Double>) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        let endCurrent = schedule.endLevel == 0 ? p.current0 : p.current1
        let ocv = p.tableVolts + (s.coreKelvin - PhysicalConstants.referenceKelvin) * p.tableEntropic - p.depletionVolts
        let r0 = p.r0
        let terminal = ocv + c.hysteresisVolts * s.hysteresis - s.v1 - s.v2 - r0 * endCurrent
        p.endCurrent = endCurrent
        s.openCircuitVolts = ocv
        s.terminalVolts = terminal
        s.currentAmps = endCurrent - p.shuntSiemens * terminal
        s.heatWatts = p.coreHeat * inverseDuration
        s.ohmicResistance = r0
        s.totalResistance = r0 + p.r1 + p.r2
    }
}
