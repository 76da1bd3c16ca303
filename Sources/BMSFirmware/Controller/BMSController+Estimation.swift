import RealModule

extension BMSController {
    /// SOC (EKF per block), SOH (capacity windows, resistance steps), dendrite diagnosis.
    mutating func runEstimators(seconds: Double, now: Int64, transitions: inout [DiagnosisTransition]) {
        let cell = configuration.cell
        let parallel = Double(configuration.topology.parallelCells)
        let bleedOhms = configuration.balancing.resistanceOhms
        let contactorsOpenLong = !contactors.anyCommandedClosed
            && Contactor.allCases.allSatisfy { contactors.sinceCommand($0, now: now) >= 2_000 && contactors.isConfirmed($0, now: now) }
        if snapshot.currentValid {
            currentOffset.follow(
                measuredAmperes: snapshot.currentAmperes, knownZero: contactorsOpenLong, seconds: seconds, settings: configuration.measurements)
        }
        let packAmperes = snapshot.currentValid ? currentOffset.corrected(snapshot.currentAmperes) : 0
        for index in blockAmperes.indices {
            let bleed = balancer.active[index] && snapshot.cellValid[index] ? snapshot.cellVolts[index] / bleedOhms : 0
            blockAmperes[index] = packAmperes + bleed
        }
        // Charge the samples missed (charge counter) is netted with this tick's sampled charge, so the
        // charge-in and charge-out sums see the interval's net charge.
        let missed = missedAmpereSeconds
        if seconds > 0 {
            if missed != 0 {
                let extra = missed / seconds
                stateOfHealth.integrate(blockAmperes: blockAmperes.map { $0 + extra }, packAmperes: packAmperes + extra, seconds: seconds)
            } else {
                stateOfHealth.integrate(blockAmperes: blockAmperes, packAmperes: packAmperes, seconds: seconds)
            }
        } else if missed != 0 {
            stateOfHealth.addCharge(ampereSeconds: missed)
        }
        netChargeAmpereHours += (packAmperes * seconds + missed) / 3600
        // Plating stress of ordinary charging (a healing waveform's pulses are the cure, not the stress).
        if !currentChangesFasterThanSamples {
            platingStress.accrue(
                blockAmperes: blockAmperes, celsius: snapshot.cellCelsius, valid: snapshot.cellValid, seconds: seconds,
                cellAreaSquareCentimetres: cell.electrodeAreaSquareCentimetres, parallelCells: configuration.topology.parallelCells,
                settings: configuration.healing.preventive)
        }

        // SOC: one EKF per block.
        let firstDecay = seconds > 0 ? Double.exp(-seconds / cell.firstRCTimeConstantSeconds) : 1
        let secondDecay = seconds > 0 ? Double.exp(-seconds / cell.secondRCTimeConstantSeconds) : 1
        let nominalBlockOhms = stateOfHealth.nominalBlockOhms
        let ocv = cell.openCircuitVoltage
        let firstRCRatio = cell.seriesResistanceOhms > 0 ? cell.firstRCResistanceOhms / cell.seriesResistanceOhms : 0
        let secondRCRatio = cell.seriesResistanceOhms > 0 ? cell.secondRCResistanceOhms / cell.seriesResistanceOhms : 0
        // No resistance steps while the current changes faster than the samples pair it with a voltage:
        // the precharge inrush decays in ~50 ms and healing waveforms reverse within milliseconds, while
        // the AFE and the current sensor sample at different instants (the inrush read 3-11 mΩ for a 4 mΩ
        // block, and one ABC session left the drive's SOC 10 % off through the resistances it taught).
        let resistanceStepsUnreliable = currentChangesFasterThanSamples
        // The first sample sets a filter's SOC from the OCV; under a changing current (the precharge inrush
        // decays in ~50 ms, the AFE and the current sensor sample at different instants) the R0·I
        // correction is wrong by tens of mV, which is ~10 % SOC. Start from a sample at rest, or after 5 s
        // from any sample (a controller restarted while driving).
        let filtersMayStart = snapshot.atRest || Time.elapsed(from: store.poweredOnAt, to: now) > 5_000
        for index in filters.indices {
            // The block's own R0 once its estimate has converged; the nominal value before.
            let estimatedOhms = stateOfHealth.resistance[index].isConverged ? stateOfHealth.resistance[index].ohms : nominalBlockOhms
            let ageing = max(0.5, estimatedOhms / nominalBlockOhms)
            let factor = temperatureFactor[index]
            let parameters = CellEKF.Parameters(
                capacityAmpereHours: stateOfHealth.capacity[index].capacityAmpereHours,
                seriesOhms: estimatedOhms * factor,
                firstRCOhms: cell.firstRCResistanceOhms / parallel * factor * ageing,
                secondRCOhms: cell.secondRCResistanceOhms / parallel * factor * ageing,
                firstDecay: firstDecay, secondDecay: secondDecay,
                chargeEfficiency: stateOfHealth.coulombicEfficiency[index] ?? cell.nominalCoulombicEfficiency,
                hysteresisVolts: stateOfHealth.hysteresisVolts(cell: index), hysteresisRate: cell.hysteresisRate,
                hysteresisDeadbandAmperes: Double(configuration.measurements.restCurrentMilliamperes) / 1000,
                firstRCRatio: firstRCRatio, secondRCRatio: secondRCRatio)
            let amperes = blockAmperes[index]
            filters[index].predict(amperes: amperes, seconds: seconds, parameters: parameters, noise: filterNoise)
            if missed != 0 {
                filters[index].countCharge(
                    ampereSeconds: missed, capacityAmpereHours: parameters.capacityAmpereHours, chargeEfficiency: parameters.chargeEfficiency)
            }
            guard snapshot.cellValid[index] else {
                stateOfHealth.dropResistanceSample(cell: index)
                continue
            }
            if snapshot.cellFresh[index], filters[index].initialized || filtersMayStart {
                let volts = snapshot.cellVolts[index]
                filters[index].correct(volts: volts, amperes: amperes, parameters: parameters, ocv: ocv, noise: filterNoise)
                let model = StateOfHealthTracker.ModelState(
                    driveAmperes: amperes + filters[index].normalizedPolarizationAmperes, countedSOC: filters[index].countedSOCChange,
                    ocvSlope: ocv.slope(atSOC: filters[index].soc),
                    hysteresisVolts: parameters.hysteresisVolts * filters[index].hysteresis)
                if resistanceStepsUnreliable {
                    stateOfHealth.dropResistanceSample(cell: index)
                } else {
                    stateOfHealth.offerResistanceSample(cell: index, volts: volts, blockAmperes: amperes, model: model, now: now, temperatureFactor: factor)
                }
            }
        }

        // Capacity windows: anchors after a long enough rest.
        let restMilliseconds = snapshot.restMilliseconds(at: now)
        if snapshot.atRest {
            for index in filters.indices where snapshot.cellValid[index] {
                stateOfHealth.followRestVoltage(cell: index, volts: snapshot.cellVolts[index], seconds: seconds)
            }
            if restMilliseconds >= configuration.estimation.anchorRestMilliseconds, !stateOfHealth.anchoredThisRest {
                for index in filters.indices where snapshot.cellValid[index] {
                    guard
                        let anchor = stateOfHealth.anchor(
                            cell: index, rcVolts: filters[index].openLoopPolarizationVolts,
                            hysteresisState: filters[index].hysteresis, ocv: ocv)
                    else { continue }
                    let efficiency = stateOfHealth.coulombicEfficiency[index] ?? cell.nominalCoulombicEfficiency
                    _ = stateOfHealth.closeWindow(cell: index, anchor: anchor, chargeEfficiency: efficiency)
                    filters[index].recalibrate(soc: anchor.soc, variance: anchor.variance)
                }
                stateOfHealth.finishAnchor()
            }
        } else {
            stateOfHealth.restEnded()
        }

        runDendriteDiagnosis(now: now, restMilliseconds: restMilliseconds, transitions: &transitions)
    }

    /// The current changes faster than the samples pair it with a voltage: the precharge inrush, a healing
    /// waveform, an ABC charge.
    var currentChangesFasterThanSamples: Bool {
        switch state {
        case .precharge, .healing: true
        case .charging(let session): session.asymmetricBidirectional
        default: false
        }
    }

    mutating func runDendriteDiagnosis(now: Int64, restMilliseconds: Int64, transitions: inout [DiagnosisTransition]) {
        let settings = configuration.dendrite
        let anyFresh = snapshot.cellFresh.contains(true)
        var relative: [Double] = []
        if snapshot.atRest, anyFresh, dendrite.restTrend.isRunning || restMilliseconds >= settings.restSettleMilliseconds {
            let mean = snapshot.meanCellVolts
            relative = snapshot.cellVolts.map { ($0 - mean) * 1000 }
        }
        dendrite.followRest(
            atRest: snapshot.atRest, restDurationMilliseconds: restMilliseconds, relativeMillivolts: relative,
            valid: snapshot.cellValid, freshSample: !relative.isEmpty, settings: settings, now: now)
        let capacities = stateOfHealth.capacity.map(\.capacityAmpereHours)
        if dendrite.restTrend.isRunning, nextRestConclusionAt == Time.never || now >= nextRestConclusionAt {
            nextRestConclusionAt = Time.adding(10_000, to: now)
            let slopes = filters.map { configuration.cell.openCircuitVoltage.slope(atSOC: $0.soc) }
            dendrite.concludeRest(
                blockCapacityAmpereHours: capacities, ocvSlopeVoltsPerSOC: slopes, soc: filters.map(\.soc), settings: settings, now: now)
        }
        // Only between the knees: at the top and bottom of the OCV the relaxed voltage's model errors,
        // divided by a steep, block-dependent slope, look like drifts. The whole pack is sampled or none of
        // it, so the pack mean every block is compared with stays the same set of blocks. Not while any block
        // walks between hysteresis branches after a current reversal (per-block hysteresis error reads as drift).
        let window = settings.restMinimumSOC...(1 - settings.restMinimumSOC)
        // Nor while the current is pulsed: the AFE and the current sensor sample different instants of the
        // waveform, so R0·I is corrected with the wrong current (an ABC charge raised level-1 soft-short
        // suspicions on blocks with no short).
        var divergenceObservable = !currentChangesFasterThanSamples
        for index in filters.indices
        where snapshot.cellValid[index]
            && (!window.contains(filters[index].soc) || abs(filters[index].hysteresis) < settings.divergenceMinimumHysteresisSaturation)
        {
            divergenceObservable = false
            break
        }
        if divergenceObservable, dendrite.isDivergenceSampleDue(at: now) {
            // The capacity estimate is no better than its anchors' OCV-model error (√2 × per anchor, over a
            // full window), whatever its statistical σ says.
            let modelFloor = 2.0.squareRoot() * configuration.estimation.anchorSOCModelStandardDeviation
            let capacityUncertainty = stateOfHealth.capacity.map { max($0.standardDeviationAmpereHours, modelFloor * $0.capacityAmpereHours) }
            // The OCV each block shows once R0·I, RC polarisation and hysteresis are removed.
            let ocv = configuration.cell.openCircuitVoltage
            var relaxedSOC = [Double](repeating: 0, count: filters.count)
            for index in filters.indices where snapshot.cellValid[index] {
                // Nominal R0 for every block: per-block differences are a fitted current term, and the RLS
                // estimates' own wandering must not look like a drift.
                let relaxed = snapshot.cellVolts[index] + stateOfHealth.nominalBlockOhms * temperatureFactor[index] * blockAmperes[index]
                    + filters[index].openLoopPolarizationVolts - stateOfHealth.hysteresisVolts(cell: index) * filters[index].hysteresis
                relaxedSOC[index] = ocv.soc(atVoltage: relaxed)
            }
            dendrite.followDivergence(
                relaxedSOC: relaxedSOC, valid: snapshot.cellValid, chargeAmpereHours: netChargeAmpereHours,
                amperes: snapshot.currentValid ? currentOffset.corrected(snapshot.currentAmperes) : 0,
                blockCapacityAmpereHours: capacities,
                capacityStandardDeviationAmpereHours: capacityUncertainty, settings: settings,
                now: now)
        }
        guard nextDendriteEvaluationAt == Time.never || now >= nextDendriteEvaluationAt else { return }
        // The dendrite rows stand for the time since the previous evaluation (one per second at most).
        let weight = nextDendriteEvaluationAt == Time.never ? diagnosis.evaluationWeightMilliseconds : max(Time.elapsed(from: Time.adding(-1000, to: nextDendriteEvaluationAt), to: now), 0)
        nextDendriteEvaluationAt = Time.adding(1000, to: now)
        let changed = dendrite.evaluate(
            coulombicEfficiency: stateOfHealth.coulombicEfficiency, efficiencyBaseline: stateOfHealth.efficiencyBaseline,
            resistanceOhms: stateOfHealth.resistance.map(\.ohms), initialResistance: stateOfHealth.initialResistance,
            settings: settings, softShortWarningMilliamperes: configuration.thermalRunaway.softShortWarningMilliamperes, now: now)
        for cell in changed {
            pendingDendriteReports.append(
                DendriteHealthReport(cell: cell, risk: dendrite.risk[cell], signatures: dendrite.signatures[cell]))
        }
        let elevated = dendrite.risk.firstIndex { $0 >= .elevated }
        diagnosis.evaluate(.dendriteRisk, ok: elevated == nil, location: elevated, now: now, weight: weight, into: &transitions)
        let suspect = dendrite.signatures.firstIndex { !$0.intersection(DendriteSignatures.shortSignatures).isEmpty }
        diagnosis.evaluate(.softShortSuspected, ok: suspect == nil, location: suspect, now: now, weight: weight, into: &transitions)
    }
}
