import RealModule

extension CellKernel {
    /// Anode morphology for the step [reduced-order model; every rate is a parameter in the cell file]:
    ///
    /// - Dendrite-risk index (DRI): a lag with the bulk relaxation time τ_b = L²/D_eff of the diffusion path
    ///   (separator plus porous dead-lithium layer [S4:L134]) toward ±τ_b / t_Sand(β·J). DRI = 1 means the tips
    ///   reach Sand's time before diffusion can relax them; rests relax it (STCR), reverse current drives it
    ///   negative (ABC).
    /// - Tip depletion: a lag with the double-layer time τ_c ≈ 1 ms (Aryanfar 2014) toward β·J / J_tip. Tips grow
    ///   in proportion to it, so millisecond pulses with longer rests grow shorter dendrites and 20 ms pulses
    ///   do not (the tips saturate).
    /// - Roughness grows with plated charge, faster at high current density [S3:L98, L102] and while the DRI is high; early stripping dissolves tips
    ///   selectively (ABC reverse steps), later stripping retracts dendrites from the root; self-heating above
    ///   J_heal ≈ 9 mA/cm² smooths the surface by Li surface migration [S2:L342–L348].
    func growDendrites(_ s: inout CellState, levels: (Double, Double), kelvin: Double) {
        let area = c.areaSquareCentimetres
        // Signed anode current density, mA/cm²: + plating (cell charging), − stripping.
        let j0 = -levels.0 * 1_000 / area
        let j1 = -levels.1 * 1_000 / area
        let (t0, t1) = schedule.levelSeconds
        let diffusionRatio = c.factors(kelvin).diffusion
        let focusing = 1 + c.focusingGain * s.roughness
        let separator = c.separatorMicrometres * (1 - s.separatorDamage)
        let path = (separator + c.micrometres(lithiumAh: s.deadLithium) / c.deadLayerSolidFraction) * 1e-6
        let bulkTau = path * path / (c.diffusivity * diffusionRatio * c.separatorPermeability)

        @inline(__always)
        func riskTarget(_ j: Double) -> Double {
            if j == 0 { return 0 }
            let ratio = bulkTau / c.sandsTime(milliampsPerSquareCentimetre: focusing * abs(j), diffusivityRatio: diffusionRatio)
            return j > 0 ? ratio : -ratio
        }
        let risk = Lag.respond(schedule, from: s.riskIndex, tau: (bulkTau, bulkTau), target: (riskTarget(j0), riskTarget(j1)))
        let tipLimit = c.tipLimitingCurrent * diffusionRatio
        let tip = Lag.respond(
            schedule, from: s.tipDepletion, tau: (c.tipTau, c.tipTau), target: (focusing * j0 / tipLimit, focusing * j1 / tipLimit),
            constantDecay: tipDecay)
        s.riskIndex = risk.end
        s.tipDepletion = tip.end
        let plating = max(j0, j1)
        s.sandsTime = plating > 0
            ? c.sandsTime(milliampsPerSquareCentimetre: focusing * plating, diffusivityRatio: diffusionRatio) : .infinity

        let micrometresPerCharge = PhysicalConstants.micrometresPerMilliampereHourPerSquareCentimetre
        var length = s.dendriteLength
        var rough = s.roughness
        // Plating: tip growth ∝ J·tip depletion; roughening ∝ plated charge × (J/J_ref + gain·mean DRI).
        var tipCharge = 0.0
        var roughening = 0.0
        if j0 > 0, t0 > 0 {
            tipCharge += j0 * max(tip.integral.0, 0)
            roughening += j0 * t0 * (j0 / c.referenceCurrentDensity + c.rougheningRiskGain * max(risk.integral.0 / t0, 0))
        }
        if j1 > 0, t1 > 0 {
            tipCharge += j1 * max(tip.integral.1, 0)
            roughening += j1 * t1 * (j1 / c.referenceCurrentDensity + c.rougheningRiskGain * max(risk.integral.1 / t1, 0))
        }
        length += c.tipGrowthGain * micrometresPerCharge * tipCharge / PhysicalConstants.coulombsPerAmpereHour
        rough = 1 - (1 - rough) * decayFactor(c.rougheningRate * roughening / PhysicalConstants.coulombsPerAmpereHour)

        // Stripping: the first moments after plating dissolve fresh tips (selective), the rest retracts roots.
        if j0 < 0 || j1 < 0 {
            let selective = selectiveStripping(j0, j1, age: s.strippingAge) / PhysicalConstants.coulombsPerAmpereHour
            let stripped = (max(-j0, 0) * t0 + max(-j1, 0) * t1) / PhysicalConstants.coulombsPerAmpereHour
            let rootStripped = max(stripped - selective, 0)
            length -= c.tipSelectivity * micrometresPerCharge * selective
            length *= decayFactor(c.strippingRetraction * micrometresPerCharge * rootStripped / separator)
            rough *= decayFactor(c.selectiveSmoothing * selective)
        }
        s.strippingAge = strippingAgeAfterStep(j0, j1, age: s.strippingAge)

        // Self-heating healing above the threshold current density, with an Arrhenius tip temperature.
        @inline(__always)
        func heal(_ j: Double, _ seconds: Double) {
            let magnitude = abs(j)
            guard magnitude >= c.healThreshold, seconds > 0, c.healRate > 0 else { return }
            let ratio = magnitude / c.healThreshold
            let tipKelvin = kelvin + c.tipHeating * ratio * ratio
            let factor = Double.exp(-c.healRate * CellConstants.arrhenius(c.healActivation, tipKelvin) * seconds)
            rough *= factor
            length *= factor
        }
        heal(j0, t0)
        heal(j1, t1)
        s.dendriteLength = max(length, 0)
        s.roughness = min(max(rough, 0), 1)
    }

    /// ∫|J|·exp(−age/τ_sel) dt over the step's stripping segments (mA·s/cm²): how much of the stripping happened
    /// while the tips plated just before were still there to dissolve.
    func selectiveStripping(_ j0: Double, _ j1: Double, age: Double) -> Double {
        let window = c.selectiveWindow
        let platesSomewhere = j0 > 0 || j1 > 0
        if !platesSomewhere || schedule.isConstant {
            // Continuous stripping (possibly with rests): the age runs on over stripping time only.
            let (t0, t1) = schedule.levelSeconds
            let time = (j0 < 0 ? t0 : 0) + (j1 < 0 ? t1 : 0)
            // Tips plated before a long discharge are long gone (e^-40 ≈ 4e-18).
            guard time > 0, age < 40 * window else { return 0 }
            let meanCurrent = (max(-j0, 0) * t0 + max(-j1, 0) * t1) / time
            return meanCurrent * Double.exp(-age / window) * Lag.memory(time, window)
        }
        // Alternating plating and stripping: every stripping segment but a leading one starts fresh.
        var total = 0.0
        @inline(__always)
        func segment(_ segment: WaveformSchedule.Segment, startAge: Double) {
            let j = segment.level == 0 ? j0 : j1
            guard j < 0 else { return }
            total += -j * Double.exp(-startAge / window) * Lag.memory(segment.seconds, window)
        }
        if schedule.headCount > 0 { segment(schedule.head.0, startAge: age) }
        if schedule.headCount > 1 { segment(schedule.head.1, startAge: 0) }
        if schedule.periods > 0 {
            let (p0, p1) = schedule.periodLevelSeconds
            if j0 < 0 { total += Double(schedule.periods) * -j0 * Lag.memory(p0, window) }
            if j1 < 0 { total += Double(schedule.periods) * -j1 * Lag.memory(p1, window) }
        }
        if schedule.tailCount > 0 { segment(schedule.tail.0, startAge: 0) }
        if schedule.tailCount > 1 { segment(schedule.tail.1, startAge: 0) }
        return total
    }

    /// Time since stripping began, at the end of the step.
    func strippingAgeAfterStep(_ j0: Double, _ j1: Double, age: Double) -> Double {
        let (t0, t1) = schedule.levelSeconds
        if !(j0 > 0 || j1 > 0) {
            return age + (j0 < 0 ? t0 : 0) + (j1 < 0 ? t1 : 0)
        }
        let endCurrent = schedule.endLevel == 0 ? j0 : j1
        if endCurrent > 0 { return 0 }
        if endCurrent == 0 { return age }
        // Ending inside a stripping segment that began in this step (or continues the previous one).
        let last: WaveformSchedule.Segment
        if schedule.tailCount == 2 {
            last = schedule.tail.1
        } else if schedule.tailCount == 1 {
            last = schedule.tail.0
        } else if schedule.periods > 0 {
            return schedule.periodLevelSeconds.1
        } else if schedule.headCount == 2 {
            last = schedule.head.1
        } else {
            return age + schedule.duration
        }
        return last.seconds
    }
}
