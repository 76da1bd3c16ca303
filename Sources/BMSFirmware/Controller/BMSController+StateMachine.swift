extension BMSController {
    /// One state-machine step: emergency triggers, thermal-runaway warnings, fatal reactions, then the
    /// state's own transitions. Appends commands in the order they must be carried out.
    mutating func step(now: Int64, transitions: inout [DiagnosisTransition], commands: inout [BMSCommand]) {
        let alarm = pendingThermalRunawayAlarm
        pendingThermalRunawayAlarm = nil

        if case .emergencyShutdown = state {
            if let alarm { commands.append(.broadcastAlarm(alarm)) }
            return
        }
        if let alarm, alarm.level >= .alarm {
            enterEmergency(.thermalRunaway(alarm.level), alarm: alarm, now: now, commands: &commands)
            return
        }
        if let welded = weldedContactor {
            enterEmergency(.contactorWelded(welded), alarm: nil, now: now, commands: &commands)
            return
        }
        if let alarm {
            // Warning: broadcast, stop charging (the charge request is refused while it lasts).
            commands.append(.broadcastAlarm(alarm))
            switch state {
            case .charging:
                stopCharger(commands: &commands)
                state = .normal
            case .healing(let session):
                abortHealing(session, reason: .thermalRunawayWarning, now: now, commands: &commands)
                state = .normal
            default:
                break
            }
        }

        // Fatal diagnoses: immediate fault with open contactors, after the reaction delay otherwise.
        if diagnosis.fatalActive {
            if case .fault = state {
                // Already there.
            } else if state.contactorsClosed {
                stopCharger(commands: &commands)
                if let (id, deadline) = diagnosis.earliestFatalDeadline(), now >= deadline {
                    if case .healing(let session) = state { abortHealing(session, reason: .diagnosisActive, now: now, commands: &commands) }
                    enterFault(cause: id, now: now, commands: &commands)
                    return
                }
            } else {
                enterFault(cause: diagnosis.firstActiveFatal ?? .invalidInput, now: now, commands: &commands)
                return
            }
        }

        switch state {
        case .initializing(let since):
            stepInitializing(since: since, now: now, transitions: &transitions, commands: &commands)
        case .standby:
            stepStandby(now: now, commands: &commands)
        case .precharge(let sequence):
            stepPrecharge(sequence, now: now, transitions: &transitions, commands: &commands)
        case .normal:
            stepNormal(now: now, commands: &commands)
        case .charging(let session):
            stepCharging(session, now: now, commands: &commands)
        case .balancing:
            stepBalancing(now: now, commands: &commands)
        case .healing(let session):
            stepHealing(session, now: now, commands: &commands)
        case .fault:
            // Latched: only an explicit reset (with standby requested and every fatal cause gone) clears it;
            // a reset that finds a cause still active is used up (the vehicle must reset again).
            if faultResetRequested, !diagnosis.fatalActive, requestedMode == .standby { state = .standby }
            faultResetRequested = false
        case .emergencyShutdown:
            break
        }
    }

    // MARK: - Entering fault and emergency

    mutating func enterFault(cause: DiagnosisID, now: Int64, commands: inout [BMSCommand]) {
        commands.append(.openAllContactors)
        contactors.commandAllOpen(now: now)
        stopCharger(commands: &commands)
        stopBalancing(commands: &commands)
        faultResetRequested = false
        state = .fault(FaultRecord(cause: cause, sinceMilliseconds: now))
    }

    mutating func enterEmergency(_ cause: EmergencyRecord.Cause, alarm: ThermalRunawayAlarm?, now: Int64, commands: inout [BMSCommand]) {
        if case .healing(let session) = state {
            recordHealing(session, outcome: .aborted(.thermalRunawayWarning), after: nil, now: now, commands: &commands)
        }
        commands.append(.openAllContactors)
        contactors.commandAllOpen(now: now)
        commands.append(.chargerOff)
        chargerOn = false
        stopBalancing(commands: &commands)
        if let alarm { commands.append(.broadcastAlarm(alarm)) }
        state = .emergencyShutdown(EmergencyRecord(cause: cause, sinceMilliseconds: now))
    }

    // MARK: - Stable states

    mutating func stepInitializing(since: Int64, now: Int64, transitions: inout [DiagnosisTransition], commands: inout [BMSCommand]) {
        let topology = configuration.topology
        var sensorsReady = true
        for sensor in 0..<topology.temperatureSensors where temperatures.status(sensor) == .stale || temperatures.status(sensor) == .unknown {
            sensorsReady = false
            break
        }
        let cellsReady = !snapshot.cellStale.contains(true)
        if cellsReady, sensorsReady, !snapshot.currentStale, snapshot.packVoltageValid {
            state = .standby
            return
        }
        guard Time.elapsed(from: since, to: now) > configuration.measurements.initializationTimeoutMilliseconds else { return }
        let missing: DiagnosisID =
            !cellsReady ? .cellVoltageTimeout : !sensorsReady ? .cellTemperatureTimeout : snapshot.currentStale ? .currentTimeout : .packVoltageTimeout
        enterFault(cause: missing, now: now, commands: &commands)
    }

    mutating func stepStandby(now: Int64, commands: inout [BMSCommand]) {
        switch requestedMode {
        case .normal:
            startPrecharge(target: .normal, now: now, commands: &commands)
        case .charge, .heal:
            if store.charger.connected, thermalRunaway.level < .warning { startPrecharge(target: .charging, now: now, commands: &commands) }
        case .balance:
            state = .balancing
        case .standby:
            break
        }
    }

    mutating func stepNormal(now: Int64, commands: inout [BMSCommand]) {
        switch requestedMode {
        case .standby:
            openContactors(now: now, commands: &commands)
            state = .standby
        case .balance:
            openContactors(now: now, commands: &commands)
            state = .balancing
        case .charge, .heal:
            guard store.charger.connected, !store.charger.faulted, thermalRunaway.level < .warning else { return }
            enterCharging(now: now, commands: &commands)
        case .normal:
            break
        }
    }

    mutating func stepBalancing(now: Int64, commands: inout [BMSCommand]) {
        switch requestedMode {
        case .balance:
            break
        case .standby:
            stopBalancing(commands: &commands)
            state = .standby
        case .normal:
            stopBalancing(commands: &commands)
            startPrecharge(target: .normal, now: now, commands: &commands)
        case .charge, .heal:
            guard store.charger.connected, thermalRunaway.level < .warning else { return }
            stopBalancing(commands: &commands)
            startPrecharge(target: .charging, now: now, commands: &commands)
        }
    }

    mutating func openContactors(now: Int64, commands: inout [BMSCommand]) {
        commands.append(.openAllContactors)
        contactors.commandAllOpen(now: now)
    }

    /// Switches every bleed resistor off (and restarts the rest analysis, whose voltages they shifted).
    mutating func stopBalancing(commands: inout [BMSCommand]) {
        guard balancer.stop() else { return }
        commands.append(.setBalancing(cells: []))
        dendrite.restartRestAnalysis()
    }

    mutating func stopCharger(commands: inout [BMSCommand]) {
        guard chargerOn else { return }
        commands.append(.chargerOff)
        chargerOn = false
    }

    /// Sends a charger setpoint unless the state request's end-to-end protection is invalid.
    mutating func sendCharger(_ command: ChargerCommand, commands: inout [BMSCommand]) -> Bool {
        guard stateRequestValid else { return false }
        commands.append(.commandCharger(command))
        chargerOn = true
        return true
    }
}
