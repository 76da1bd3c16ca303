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
    func growDendrites(_ s: inout CellState, prepared p: CellWork, levels: (Double, Double), kelvin: Double) {
        // Signed anode current density, mA/cm²: + plating (cell charging), − stripping.
        let j0 = -levels.0 * c.milliampsPerSquareCentimetrePerAmp
        let j1 = -levels.1 * c.milliampsPerSquareCentimetrePerAmp
        let (t0, t1) = schedule.levelSeconds
        let constant = schedule.isConstant
        let diffusionRatio = p.diffusion
        let inverseDiffusion = 1 / diffusionRatio
        var rough = s.roughness
        let focusing = 1 + c.focusingGain * rough
        let damage = s.separatorDamage
        let separator = c.separatorMicrometres * (1 - damage)
        let path = (separator + c.deadLayerMicrometresPerAh * s.deadLithium) * 1e-6
        // τ_b = L²/(D·ε/τ·f(T)).
        let bulkTau = path * path * c.inverseEffectiveDiffusivity * inverseDiffusion
        // Risk target ±τ_b / t_Sand(βJ) = ±J|J| · τ_b·100·β²/(sand coefficient · f(T)) (0 at rest).
        let riskGain = bulkTau * focusing * focusing * c.riskPerDensitySquared * inverseDiffusion
        // Tip target βJ / J_tip(T).
        let tipGain = focusing * c.inverseTipLimitingCurrent * inverseDiffusion
        let riskStart = s.riskIndex
        let tipStart = s.tipDepletion
        let risk: LagResponse
        let tip: LagResponse
        if constant {
            let riskTarget = j0 * abs(j0) * riskGain
            let (decay, growth) = Lag.decayAndGrowth(ratio: t0 / bulkTau)
            risk = LagResponse(
                end: riskTarget + (riskStart - riskTarget) * decay, integral: (riskTarget * t0 + (riskStart - riskTarget) * (growth * bulkTau), 0))
            let tipTarget = j0 * tipGain
            tip = LagResponse(end: tipTarget + (tipStart - tipTarget) * tipDecay, integral: (tipTarget * t0 + (tipStart - tipTarget) * tipMemory, 0))
        } else {
            (risk, tip) = respondOverLevels(
                from: (riskStart, tipStart), bulkTau: bulkTau, riskTarget: (j0 * abs(j0) * riskGain, j1 * abs(j1) * riskGain),
                tipTarget: (j0 * tipGain, j1 * tipGain))
        }
        s.riskIndex = risk.end
        s.tipDepletion = tip.end
        let plating = max(j0, j1)
        if plating > 0 {
            // Sand's time at the focused tip density (``CellConstants/sandsTime(milliampsPerSquareCentimetre:diffusivityRatio:)``).
            let ampsPerSquareMetre = focusing * plating * 10
            s.sandsTime = c.sandCoefficient * diffusionRatio / (ampsPerSquareMetre * ampsPerSquareMetre)
        } else {
            s.sandsTime = .infinity
        }

        var length = s.dendriteLength
        // Plating: tip growth ∝ J·tip depletion; roughening ∝ plated charge × (J/J_ref + gain·mean DRI).
        if j0 > 0 || j1 > 0 {
            var tipCharge = 0.0
            var roughening = 0.0
            if j0 > 0, t0 > 0 {
                tipCharge += j0 * max(tip.integral.0, 0)
                roughening += j0 * (j0 * t0 * c.inverseReferenceCurrentDensity + c.rougheningRiskGain * max(risk.integral.0, 0))
            }
            if j1 > 0, t1 > 0 {
                tipCharge += j1 * max(tip.integral.1, 0)
                roughening += j1 * (j1 * t1 * c.inverseReferenceCurrentDensity + c.rougheningRiskGain * max(risk.integral.1, 0))
            }
            length += c.tipGrowthPerCharge * tipCharge
            rough = 1 - (1 - rough) * decayFactor(c.rougheningPerCharge * roughening)
        }

        // Stripping: the first moments after plating dissolve fresh tips (selective), the rest retracts roots.
        let age = s.strippingAge
        if j0 < 0 || j1 < 0 {
            let stripped = (max(-j0, 0) * t0 + max(-j1, 0) * t1) * (1 / PhysicalConstants.coulombsPerAmpereHour)
            var rootStripped = stripped
            if !constant || age < 40 * c.selectiveWindow {
                let selective = selectiveStripping(j0, j1, age: age) * (1 / PhysicalConstants.coulombsPerAmpereHour)
                rootStripped = max(stripped - selective, 0)
                if selective > 0 {
                    length -= c.tipSelectivity * PhysicalConstants.micrometresPerMilliampereHourPerSquareCentimetre * selective
                    rough *= decayFactor(c.selectiveSmoothing * selective)
                }
            }
            let inverseSeparator = damage == 0 ? c.inverseSeparatorMicrometres : 1 / separator
            length *= decayFactor(c.retractionPerCharge * rootStripped * inverseSeparator)
        }
        s.strippingAge = constant ? (j0 > 0 ? 0 : j0 < 0 ? age + t0 : age) : strippingAgeAfterStep(j0, j1, age: age)

        // Self-heating healing above the threshold current density, with an Arrhenius tip temperature.
        if abs(j0) >= c.healThreshold || abs(j1) >= c.healThreshold {
            let factor = healing((j0, j1), kelvin: kelvin)
            rough *= factor
            length *= factor
        }
        s.dendriteLength = max(length, 0)
        s.roughness = min(max(rough, 0), 1)
    }

    /// The risk and tip lags over a two-level step.
    @inline(never)
    func respondOverLevels(from start: (Double, Double), bulkTau: Double, riskTarget: (Double, Double), tipTarget: (Double, Double))
        -> (LagResponse, LagResponse)
    {
        (
            Lag.respond(schedule, from: start.0, tau: (bulkTau, bulkTau), target: riskTarget),
            Lag.respond(schedule, from: start.1, tau: (c.tipTau, c.tipTau), target: tipTarget)
        )
    }

    /// Surviving fraction of roughness and dendrite length after the step's self-heating at densities `j`.
    @inline(never)
    func healing(_ j: (Double, Double), kelvin: Double) -> Double {
        let (t0, t1) = schedule.levelSeconds
        func survival(_ j: Double, _ seconds: Double) -> Double {
            let magnitude = abs(j)
            guard magnitude >= c.healThreshold, seconds > 0, c.healRate > 0 else { return 1 }
            let ratio = magnitude / c.healThreshold
            let tipKelvin = kelvin + c.tipHeating * ratio * ratio
            return Double.exp(-c.healRate * CellConstants.arrhenius(c.healActivation, tipKelvin) * seconds)
        }
        return survival(j.0, t0) * survival(j.1, t1)
    }

    /// ∫|J|·exp(−age/τ_sel) dt over the step's stripping segments (mA·s/cm²): how much of the stripping happened
    /// while the tips plated just before were still there to dissolve.
    @inline(never)
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
    @inline(never)
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
