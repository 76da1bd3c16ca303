extension BMSController {
    /// The plan to start now, if healing may start: automatic (the diagnosis recommends one) or requested (see ``requestedHealing``).
    func healingToStart(now: Int64) -> HealingPlan? {
        let requested = requestedMode == .heal
        guard (configuration.healing.automatic && automaticHealingAllowed) || requested else { return nil }
        if !requested, lastHealingEndedAt != Time.never,
            Time.elapsed(from: lastHealingEndedAt, to: now) < configuration.healing.phases.minimumIntervalMilliseconds
        {
            return nil
        }
        return requested ? requestedHealing : recommendedHealing
    }

    mutating func startHealing(_ plan: HealingPlan, now: Int64) {
        if requestedMode == .heal { requestedMode = .charge }
        let (_, runMilliseconds) = HealingPlanner.command(for: plan, configuration: configuration)
        state = .healing(
            HealingSession(
                plan: plan, phase: .diagnosing, phaseStartedAtMilliseconds: now, startedAtMilliseconds: now,
                before: healingMetrics(cell: plan.cells.first ?? 0), runStartMaximumDeciCelsius: snapshot.maximumDeciCelsius,
                lastCommand: nil, lastCommandAtMilliseconds: Time.never, runMilliseconds: runMilliseconds))
    }

    /// Sense → diagnose → heal → verify. Every phase gives up safely: charger off, record, back to charging.
    mutating func stepHealing(_ session: HealingSession, now: Int64, commands: inout [BMSCommand]) {
        var session = session
        switch requestedMode {
        case .normal:
            abortHealing(session, reason: .requestChanged, now: now, commands: &commands)
            state = .normal
            return
        case .standby, .balance:
            abortHealing(session, reason: .requestChanged, now: now, commands: &commands)
            openContactors(now: now, commands: &commands)
            state = requestedMode == .balance ? .balancing : .standby
            return
        case .charge, .heal:
            break
        }
        guard chargingAllowed else {
            abortHealing(session, reason: stateRequestValid ? .chargerUnavailable : .linkInvalid, now: now, commands: &commands)
            state = .charging(
                ChargingSession(
                    phase: .paused, lastCommand: nil, lastCommandAtMilliseconds: Time.never, terminationSinceMilliseconds: nil,
                    asymmetricBidirectional: false))
            return
        }
        let phases = configuration.healing.phases
        let elapsed = Time.elapsed(from: session.phaseStartedAtMilliseconds, to: now)
        let needsRest = !session.plan.reasons.intersection(DendriteSignatures.shortSignatures).isEmpty
        let verdictInPhase = dendrite.restVerdictAt != Time.never && dendrite.restVerdictAt >= session.phaseStartedAtMilliseconds

        switch session.phase {
        case .diagnosing:
            if needsRest {
                guard elapsed >= phases.diagnoseRestMilliseconds else { break }
                guard verdictInPhase else {
                    if elapsed >= phases.diagnoseRestMilliseconds + phases.scheduleTimeoutMilliseconds {
                        abortHealing(session, reason: .marginsNotMet, now: now, commands: &commands)
                        enterCharging(now: now, commands: &commands)
                        return
                    }
                    break
                }
                let confirmed = session.plan.cells.contains { !dendrite.signatures[$0].intersection(DendriteSignatures.shortSignatures).isEmpty }
                guard confirmed else {
                    recordHealing(session, outcome: .notConfirmed, after: healingMetrics(cell: session.plan.cells.first ?? 0), now: now, commands: &commands)
                    enterCharging(now: now, commands: &commands)
                    return
                }
            }
            session.before = healingMetrics(cell: session.plan.cells.first ?? 0)
            session.phase = .scheduled
            session.phaseStartedAtMilliseconds = now
        case .scheduled:
            if healingMarginsAllowStart {
                let (command, runMilliseconds) = HealingPlanner.command(for: session.plan, configuration: configuration)
                guard sendCharger(command, commands: &commands) else { break }
                session.lastCommand = command
                session.lastCommandAtMilliseconds = now
                session.runMilliseconds = runMilliseconds
                session.runStartMaximumDeciCelsius = snapshot.maximumDeciCelsius
                session.phase = .running
                session.phaseStartedAtMilliseconds = now
            } else if elapsed >= phases.scheduleTimeoutMilliseconds {
                abortHealing(session, reason: .marginsNotMet, now: now, commands: &commands)
                enterCharging(now: now, commands: &commands)
                return
            }
        case .running:
            if let reason = healingRunAbortReason(session) {
                abortHealing(session, reason: reason, now: now, commands: &commands)
                enterCharging(now: now, commands: &commands)
                return
            }
            if elapsed >= session.runMilliseconds {
                stopCharger(commands: &commands)
                session.lastCommand = nil
                dendrite.forgetRestVerdicts()
                session.phase = .verifying
                session.phaseStartedAtMilliseconds = now
            } else if let command = session.lastCommand,
                Time.elapsed(from: session.lastCommandAtMilliseconds, to: now) >= configuration.charging.chargerKeepAliveMilliseconds,
                sendCharger(command, commands: &commands)
            {
                session.lastCommandAtMilliseconds = now
            }
        case .verifying:
            if needsRest {
                guard elapsed >= phases.verifyRestMilliseconds else { break }
                if !verdictInPhase, elapsed < phases.verifyRestMilliseconds + phases.scheduleTimeoutMilliseconds { break }
            } else if elapsed < phases.verifyRestMilliseconds {
                break
            }
            let after = healingMetrics(cell: session.plan.cells.first ?? 0)
            let outcome = healingOutcome(session, after: after)
            recordHealing(session, outcome: outcome, after: after, now: now, commands: &commands)
            if session.plan.protocolUsed == .asymmetricBidirectional {
                asymmetricChargesRemaining = max(0, configuration.healing.asymmetricBidirectional.charges - 1)
            }
            enterCharging(now: now, commands: &commands)
            return
        }
        state = .healing(session)
    }

    /// Every block inside the healing margins, no warning (other than the dendrite rows themselves).
    var healingMarginsAllowStart: Bool {
        let margins = configuration.healing.margins
        let limits = configuration.limits
        guard snapshot.allCellsValid, snapshot.validSensorCount == configuration.topology.temperatureSensors,
            thermalRunaway.level == .none, !blockingDiagnosisActive
        else { return false }
        let maximumTemperature = Int64(limits.chargeTemperatureMaximum.maximumOperating) - Int64(margins.temperatureBelowChargeMaximumDeciCelsius)
        guard Int64(snapshot.maximumDeciCelsius) <= maximumTemperature,
            snapshot.minimumDeciCelsius >= margins.minimumTemperatureDeciCelsius,
            Int64(snapshot.maximumCellMillivolts) <= Int64(limits.cellVoltageMaximum.maximumOperating) - Int64(margins.voltageBelowMaximumMillivolts),
            Int64(snapshot.minimumCellMillivolts) >= Int64(limits.cellVoltageMinimum.maximumOperating) + Int64(margins.voltageAboveMinimumMillivolts)
        else { return false }
        let soc = filters.reduce(0) { $0 + $1.soc } / Double(max(filters.count, 1))
        return soc >= margins.minimumSOC && soc <= margins.maximumSOC
    }

    /// Any active warning or fatal row other than the dendrite rows that asked for the healing.
    var blockingDiagnosisActive: Bool {
        for id in DiagnosisID.allCases where diagnosis.isActive(id) && id != .dendriteRisk && id != .softShortSuspected {
            if configuration.diagnosis[id].severity >= .warning { return true }
        }
        return false
    }

    /// Why a running protocol must stop now (half the start margins is the hard stop), if it must.
    func healingRunAbortReason(_ session: HealingSession) -> HealingAbortReason? {
        let margins = configuration.healing.margins
        let limits = configuration.limits
        if thermalRunaway.level > .none { return .thermalRunawayWarning }
        if blockingDiagnosisActive { return .diagnosisActive }
        guard snapshot.allCellsValid, snapshot.validSensorCount > 0 else { return .diagnosisActive }
        let temperatureStop = Int64(limits.chargeTemperatureMaximum.maximumOperating) - Int64(margins.temperatureBelowChargeMaximumDeciCelsius) / 2
        if Int64(snapshot.maximumDeciCelsius) > temperatureStop { return .nearTemperatureLimit }
        if Int64(snapshot.maximumDeciCelsius) - Int64(session.runStartMaximumDeciCelsius) > Int64(margins.temperatureRiseBudgetDeciCelsius) {
            return .temperatureBudgetExceeded
        }
        let upper = Int64(limits.cellVoltageMaximum.maximumOperating) - Int64(margins.voltageBelowMaximumMillivolts) / 2
        let lower = Int64(limits.cellVoltageMinimum.maximumOperating) + Int64(margins.voltageAboveMinimumMillivolts) / 2
        if Int64(snapshot.maximumCellMillivolts) > upper || Int64(snapshot.minimumCellMillivolts) < lower { return .nearVoltageLimit }
        return nil
    }

    func healingMetrics(cell: Int) -> HealingMetrics {
        let index = min(max(cell, 0), filters.count - 1)
        return HealingMetrics(
            excessSelfDischargeMilliamperes: dendrite.restExcessMilliamperes[index] ?? dendrite.divergenceMilliamperes[index],
            noiseRatio: dendrite.restNoiseRatio[index], coulombicEfficiency: stateOfHealth.coulombicEfficiency[index],
            resistanceMilliohms: stateOfHealth.resistance[index].ohms * 1000)
    }

    /// Improved when the plan's suspect metric fell by the improvement fraction (or below its threshold).
    func healingOutcome(_ session: HealingSession, after: HealingMetrics) -> HealingOutcome {
        let fraction = configuration.healing.phases.improvementFraction
        let settings = configuration.dendrite
        func compare(_ before: Double?, _ after: Double?, threshold: Double) -> HealingOutcome {
            guard let before, let after else { return .unchanged }
            if after < threshold || after <= before * (1 - fraction) { return .improved }
            if after >= before * (1 + fraction) { return .worse }
            return .unchanged
        }
        let reasons = session.plan.reasons
        if reasons.contains(.restVoltageSag) || reasons.contains(.socDivergence) {
            return compare(
                session.before.excessSelfDischargeMilliamperes, after.excessSelfDischargeMilliamperes,
                threshold: settings.selfDischargeSuspectMilliamperes)
        }
        if reasons.contains(.restVoltageNoise) {
            return compare(session.before.noiseRatio, after.noiseRatio, threshold: settings.noiseRatioSuspect)
        }
        guard let before = session.before.coulombicEfficiency, let afterEfficiency = after.coulombicEfficiency else { return .unchanged }
        if afterEfficiency - before >= settings.coulombicEfficiencyDrop * fraction { return .improved }
        if before - afterEfficiency >= settings.coulombicEfficiencyDrop * fraction { return .worse }
        return .unchanged
    }

    mutating func abortHealing(_ session: HealingSession, reason: HealingAbortReason, now: Int64, commands: inout [BMSCommand]) {
        stopCharger(commands: &commands)
        recordHealing(session, outcome: .aborted(reason), after: nil, now: now, commands: &commands)
    }

    mutating func recordHealing(_ session: HealingSession, outcome: HealingOutcome, after: HealingMetrics?, now: Int64, commands: inout [BMSCommand]) {
        let record = HealingRecord(
            cells: session.plan.cells, protocolUsed: session.plan.protocolUsed, reasons: session.plan.reasons,
            startedAtMilliseconds: session.startedAtMilliseconds, endedAtMilliseconds: now, before: session.before, after: after,
            outcome: outcome, chargeTimeCostMilliseconds: Time.elapsed(from: session.startedAtMilliseconds, to: now))
        commands.append(.recordHealing(record))
        healingHistory.append(record)
        // A run that went to the end smoothed the anodes: the preventive count starts again.
        if case .aborted = outcome {} else { platingStress.reset() }
        if healingHistory.count > 64 { healingHistory.removeFirst() }
        lastHealingEndedAt = now
    }
}
