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
    ///
    /// Constant current, branch-free; `selective` is the selectively stripped charge (mAh/cm²), `smoothing` the
    /// roughness it leaves and `healing` the surviving fraction after self-heating: 0, 1 and 1 (exact no-ops)
    /// unless ``dendritesGeneral(_:)`` found them.
    @inline(__always)
    func dendritesCommon(_ cell: UnsafeMutablePointer<Double>, selective: Double, smoothing: Double, healing: Double) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        let f = CellFixed(cell: cell)
        // Signed anode current density, mA/cm²: + plating (cell charging), − stripping.
        let j0 = -p.current0 * c.milliampsPerSquareCentimetrePerAmp
        let j1 = -p.current1 * c.milliampsPerSquareCentimetrePerAmp
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
        let riskTarget = j0 * abs(j0) * (bulkTau * focusing * focusing * c.riskPerDensitySquared * inverseDiffusion)
        let riskStart = s.riskIndex
        let (riskDecay, riskGrowth) = Lag.decayAndGrowth(ratio: t0 / bulkTau)
        s.riskIndex = riskTarget + (riskStart - riskTarget) * riskDecay
        let riskIntegral = riskTarget * t0 + (riskStart - riskTarget) * (riskGrowth * bulkTau)
        // Tip target βJ / J_tip(T).
        let tipTarget = j0 * (focusing * c.inverseTipLimitingCurrent * inverseDiffusion)
        let tipStart = s.tipDepletion
        s.tipDepletion = tipTarget + (tipStart - tipTarget) * tipDecay
        let tipIntegral = tipTarget * t0 + (tipStart - tipTarget) * tipMemory
        // Sand's time at the focused tip density (``CellConstants/sandsTime(milliampsPerSquareCentimetre:diffusivityRatio:)``);
        // level 1 of a constant step is its zero-length start-of-step level.
        let plating = max(j0, j1)
        let focused = focusing * plating * 10
        let sands = c.sandCoefficient * diffusionRatio / (focused * focused)
        s.sandsTime = plating > 0 ? sands : .infinity

        // Plating: tip growth ∝ J·tip depletion; roughening ∝ plated charge × (J/J_ref + gain·mean DRI).
        // Stripping: the first moments after plating dissolve fresh tips (selective), the rest retracts roots.
        // A constant step either plates (level 0 plates: roughening) or strips (retraction), never both, so one
        // exponential serves both; the other's argument is exactly 0 and its factor exactly e⁰ = 1.
        let platesNow = j0 > 0
        let stripsNow = j0 < 0
        let tipCharge = platesNow ? j0 * max(tipIntegral, 0) : 0
        let roughening = platesNow ? j0 * (j0 * t0 * c.inverseReferenceCurrentDensity + c.rougheningRiskGain * max(riskIntegral, 0)) : 0
        let stripped = max(-j0, 0) * t0 * (1 / PhysicalConstants.coulombsPerAmpereHour)
        let rootStripped = max(stripped - selective, 0)
        let rougheningExponent = c.rougheningPerCharge * roughening
        let retractionExponent = c.retractionPerCharge * rootStripped * f.inverseSeparatorMicrometres
        let factor = decayFactor(platesNow ? rougheningExponent : retractionExponent)
        var length = s.dendriteLength + c.tipGrowthPerCharge * tipCharge
        let roughened = 1 - (1 - rough) * (platesNow ? factor : 1)
        rough = anyOf(j0 > 0, j1 > 0) ? roughened : rough
        let age = s.strippingAge
        let dissolves = selective > 0
        let tipsDissolved = length - c.tipSelectivity * PhysicalConstants.micrometresPerMilliampereHourPerSquareCentimetre * selective
        length = dissolves ? tipsDissolved : length
        let smoothed = rough * smoothing
        rough = dissolves ? smoothed : rough
        let retracted = length * (stripsNow ? factor : 1)
        length = anyOf(j0 < 0, j1 < 0) ? retracted : length
        s.strippingAge = j0 > 0 ? 0 : j0 < 0 ? age + t0 : age

        // Self-heating healing.
        s.dendriteLength = max(length * healing, 0)
        s.roughness = min(max(rough * healing, 0), 1)
        p.hazardsRare = hazardsAreRare(cell) ? 1 : 0
    }

    /// Selective stripping just after plating, or self-heating above the threshold current density.
    @inline(__always)
    func dendritesAreRare(_ cell: UnsafeMutablePointer<Double>) -> Bool {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        let j0 = -p.current0 * c.milliampsPerSquareCentimetrePerAmp
        let j1 = -p.current1 * c.milliampsPerSquareCentimetrePerAmp
        // Tips plated before a long discharge are long gone (e^-40 ≈ 4e-18): ``selectiveStripping(_:_:age:)`` is 0.
        let selective = allOf(j0 < 0, s.strippingAge < 40 * c.selectiveWindow)
        let threshold = c.healThreshold
        return anyOf(selective, anyOf(abs(j0) >= threshold, abs(j1) >= threshold))
    }

    /// Dendrites over any step: selective stripping and self-heating, two-level waveforms.
    @inline(never)
    func dendritesGeneral(_ cell: UnsafeMutablePointer<Double>) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        let j0 = -p.current0 * c.milliampsPerSquareCentimetrePerAmp
        let j1 = -p.current1 * c.milliampsPerSquareCentimetrePerAmp
        guard constant else {
            growDendrites(s, p, j0, j1)
            p.hazardsRare = hazardsAreRare(cell) ? 1 : 0
            return
        }
        let selective = j0 < 0 || j1 < 0 ? selectiveStripping(j0, j1, age: s.strippingAge) * (1 / PhysicalConstants.coulombsPerAmpereHour) : 0
        dendritesCommon(
            cell, selective: selective, smoothing: decayFactor(c.selectiveSmoothing * selective),
            healing: healing((j0, j1), kelvin: s.coreKelvin))
    }

    /// Dendrites over a two-level step.
    func growDendrites(_ s: CellState, _ p: CellWork, _ j0: Double, _ j1: Double) {
        let kelvin = s.coreKelvin
        let diffusionRatio = p.diffusion
        let inverseDiffusion = 1 / diffusionRatio
        var rough = s.roughness
        let focusing = 1 + c.focusingGain * rough
        let damage = s.separatorDamage
        let separator = c.separatorMicrometres * (1 - damage)
        let path = (separator + c.deadLayerMicrometresPerAh * s.deadLithium) * 1e-6
        let bulkTau = path * path * c.inverseEffectiveDiffusivity * inverseDiffusion
        let riskGain = bulkTau * focusing * focusing * c.riskPerDensitySquared * inverseDiffusion
        let tipGain = focusing * c.inverseTipLimitingCurrent * inverseDiffusion
        let risk = Lag.respond(schedule, from: s.riskIndex, tau: (bulkTau, bulkTau), target: (j0 * abs(j0) * riskGain, j1 * abs(j1) * riskGain))
        let tipTarget = (j0 * tipGain, j1 * tipGain)
        let tip = periodicMaps?.tip.respond(from: s.tipDepletion, target: tipTarget)
            ?? Lag.respond(schedule, from: s.tipDepletion, tau: (c.tipTau, c.tipTau), target: tipTarget, constantDecay: tipDecay)
        s.riskIndex = risk.end
        s.tipDepletion = tip.end
        let plating = max(j0, j1)
        if plating > 0 {
            let focused = focusing * plating * 10
            s.sandsTime = c.sandCoefficient * diffusionRatio / (focused * focused)
        } else {
            s.sandsTime = .infinity
        }
        var length = s.dendriteLength
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
        let age = s.strippingAge
        if j0 < 0 || j1 < 0 {
            let stripped = (max(-j0, 0) * t0 + max(-j1, 0) * t1) * (1 / PhysicalConstants.coulombsPerAmpereHour)
            let selective = selectiveStripping(j0, j1, age: age) * (1 / PhysicalConstants.coulombsPerAmpereHour)
            let rootStripped = max(stripped - selective, 0)
            if selective > 0 {
                length -= c.tipSelectivity * PhysicalConstants.micrometresPerMilliampereHourPerSquareCentimetre * selective
                rough *= decayFactor(c.selectiveSmoothing * selective)
            }
            length *= decayFactor(c.retractionPerCharge * rootStripped * CellFixed(cell: s.cell).inverseSeparatorMicrometres)
        }
        s.strippingAge = strippingAgeAfterStep(j0, j1, age: age)
        let factor = healing((j0, j1), kelvin: kelvin)
        s.dendriteLength = max(length * factor, 0)
        s.roughness = min(max(rough * factor, 0), 1)
    }

    /// Surviving fraction of roughness and dendrite length after the step's self-heating at densities `j`
    /// (1 below the threshold): an Arrhenius tip temperature rising with (J/J_heal)².
    func healing(_ j: (Double, Double), kelvin: Double) -> Double {
        healingSurvival(j.0, t0, kelvin: kelvin) * healingSurvival(j.1, t1, kelvin: kelvin)
    }

    func healingSurvival(_ j: Double, _ seconds: Double, kelvin: Double) -> Double {
        let magnitude = abs(j)
        guard magnitude >= c.healThreshold, seconds > 0, c.healRate > 0 else { return 1 }
        let ratio = magnitude / c.healThreshold
        let tipKelvin = kelvin + c.tipHeating * ratio * ratio
        return Double.exp(-c.healRate * CellConstants.arrhenius(c.healActivation, tipKelvin) * seconds)
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
        if schedule.headCount > 0 { total += selectiveSegment(schedule.head.0, j0, j1, startAge: age) }
        if schedule.headCount > 1 { total += selectiveSegment(schedule.head.1, j0, j1, startAge: 0) }
        if schedule.periods > 0 {
            let (p0, p1) = schedule.periodLevelSeconds
            if j0 < 0 { total += Double(schedule.periods) * -j0 * Lag.memory(p0, window) }
            if j1 < 0 { total += Double(schedule.periods) * -j1 * Lag.memory(p1, window) }
        }
        if schedule.tailCount > 0 { total += selectiveSegment(schedule.tail.0, j0, j1, startAge: 0) }
        if schedule.tailCount > 1 { total += selectiveSegment(schedule.tail.1, j0, j1, startAge: 0) }
        return total
    }

    /// One stripping segment's contribution to ``selectiveStripping(_:_:age:)`` (0 unless it strips).
    func selectiveSegment(_ segment: WaveformSchedule.Segment, _ j0: Double, _ j1: Double, startAge: Double) -> Double {
        let j = segment.level == 0 ? j0 : j1
        guard j < 0 else { return 0 }
        return -j * Double.exp(-startAge / c.selectiveWindow) * Lag.memory(segment.seconds, c.selectiveWindow)
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
