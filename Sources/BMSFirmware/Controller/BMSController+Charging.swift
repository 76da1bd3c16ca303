extension BMSController {
    /// Charging is allowed: valid request link, no fatal flag, no thermal-runaway warning, a working charger.
    var chargingAllowed: Bool {
        stateRequestValid && !diagnosis.fatalActive && thermalRunaway.level < .warning && store.charger.connected
            && !store.charger.faulted
    }

    mutating func enterCharging(now: Int64, commands: inout [BMSCommand]) {
        let session = ChargingSession(
            phase: .active, lastCommand: nil, lastCommandAtMilliseconds: Time.never, terminationSinceMilliseconds: nil,
            asymmetricBidirectional: asymmetricChargesRemaining > 0 && store.charger.bidirectional)
        state = .charging(session)
        stepCharging(session, now: now, commands: &commands)
    }

    /// CC-CV (or an adaptive asymmetric-bidirectional charge) with the SOF limit as current limit,
    /// termination at the CV level, and automatic healing when the diagnosis recommends it.
    mutating func stepCharging(_ session: ChargingSession, now: Int64, commands: inout [BMSCommand]) {
        var session = session
        switch requestedMode {
        case .normal:
            stopCharger(commands: &commands)
            state = .normal
            return
        case .standby, .balance:
            stopCharger(commands: &commands)
            openContactors(now: now, commands: &commands)
            state = requestedMode == .balance ? .balancing : .standby
            return
        case .charge, .heal:
            break
        }
        if !chargingAllowed {
            stopCharger(commands: &commands)
            session.lastCommand = nil
            if session.phase != .complete { session.phase = .paused }
            state = .charging(session)
            return
        }
        if session.phase == .paused { session.phase = .active }

        // A plan starts once every healing margin holds (typically the SOC window): until then the charge goes
        // on. Started at an empty pack, the confirming rest gives no verdict below the rest analysis's minimum
        // SOC and the dose may not run below the window, so the run idled the charger until it timed out.
        if session.phase == .active, let plan = healingToStart(now: now), healingMarginsAllowStart {
            stopCharger(commands: &commands)
            startHealing(plan, now: now)
            return
        }
        if session.phase == .complete {
            state = .charging(session)
            return
        }

        // Termination: every block at the CV level and the current below the termination current.
        let limits = configuration.limits
        let cvLevel = Int64(limits.chargeEndCellMillivolts)
        let termination = Int64(configuration.charging.terminationCurrentMilliamperesPerCell) * Int64(configuration.topology.parallelCells)
        let chargeCurrent = -Int64(snapshot.currentMilliamperes)
        if snapshot.validCellCount > 0, Int64(snapshot.maximumCellMillivolts) >= cvLevel, chargeCurrent < termination {
            let since = session.terminationSinceMilliseconds ?? now
            session.terminationSinceMilliseconds = since
            if Time.elapsed(from: since, to: now) >= configuration.charging.terminationHoldMilliseconds {
                stopCharger(commands: &commands)
                session.phase = .complete
                session.lastCommand = nil
                if session.asymmetricBidirectional, asymmetricChargesRemaining > 0 { asymmetricChargesRemaining -= 1 }
                state = .charging(session)
                return
            }
        } else {
            session.terminationSinceMilliseconds = nil
        }

        // An ABC charge finishes as CC-CV near full (the CV loop tapers only the forward pulses).
        if session.asymmetricBidirectional, snapshot.validCellCount > 0,
            Int64(snapshot.maximumCellMillivolts) >= cvLevel - Int64(configuration.healing.asymmetricBidirectional.finishWithinMillivolts)
        {
            session.asymmetricBidirectional = false
            session.finishingAfterAsymmetric = true
            if asymmetricChargesRemaining > 0 { asymmetricChargesRemaining -= 1 }
        }
        var setpoint = chargeSetpoint(asymmetric: session.asymmetricBidirectional)
        if session.finishingAfterAsymmetric {
            // No current step up at a nearly full pack: at most the ABC forward current (a jump from its mean
            // to the SOF limit overshot the cell voltage to the MSL on a 30 s lock-step).
            let forward = HealingPlanner.asymmetricForwardMilliamperes(configuration: configuration)
            setpoint.currentMilliamperes = min(setpoint.currentMilliamperes, Int32(clamping: Int64(forward.rounded(.down))))
        }
        if shouldResend(setpoint, last: session.lastCommand, lastAt: session.lastCommandAtMilliseconds, now: now),
            sendCharger(setpoint, commands: &commands)
        {
            session.lastCommand = setpoint
            session.lastCommandAtMilliseconds = now
        }
        state = .charging(session)
    }

    /// The charge setpoint: the SOF charge limit, CV at series × the charge-end cell voltage, CC-CV or the ABC profile.
    func chargeSetpoint(asymmetric: Bool) -> ChargerCommand {
        let voltageLimit = configuration.chargeVoltageLimitMillivolts
        if asymmetric {
            let plan = HealingPlan(protocolUsed: .asymmetricBidirectional, cells: [], reasons: [.coulombicEfficiencyDrop])
            var command = HealingPlanner.command(for: plan, configuration: configuration).command
            command.currentMilliamperes = min(command.currentMilliamperes, availableLimits.maximumChargeMilliamperes)
            return command
        }
        let margin = 1 - configuration.charging.setpointMarginFraction
        return ChargerCommand(
            currentMilliamperes: Int32(clamping: Int64((Double(availableLimits.maximumChargeMilliamperes) * margin).rounded(.down))),
            voltageLimitMillivolts: voltageLimit,
            profile: .constantCurrentConstantVoltage)
    }

    /// Resend when the setpoint moved beyond the deadband, the profile changed, or the keep-alive is due.
    func shouldResend(_ setpoint: ChargerCommand, last: ChargerCommand?, lastAt: Int64, now: Int64) -> Bool {
        guard let last else { return true }
        if last.profile != setpoint.profile || last.voltageLimitMillivolts != setpoint.voltageLimitMillivolts { return true }
        if abs(Int64(last.currentMilliamperes) - Int64(setpoint.currentMilliamperes)) > Int64(configuration.charging.commandDeadbandMilliamperes) {
            return true
        }
        return Time.elapsed(from: lastAt, to: now) >= configuration.charging.chargerKeepAliveMilliseconds
    }
}
