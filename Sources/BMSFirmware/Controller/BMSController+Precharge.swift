extension BMSController {
    /// Starts the precharge sequence: close main minus first. Not while a fatal condition is being debounced
    /// (``DiagnosisMonitor/fatalPending``): the caller stays where it is and asks again next tick.
    mutating func startPrecharge(target: PrechargeSequence.Target, now: Int64, commands: inout [BMSCommand]) {
        guard !diagnosis.fatalPending else { return }
        commands.append(.closeContactor(.mainMinus))
        contactors.command(.mainMinus, closed: true, now: now)
        state = .precharge(PrechargeSequence(target: target, phase: .closingMinus, attempt: 1, phaseStartedAtMilliseconds: now))
    }

    /// Precharge (foxBMS BMS_STATEMACH_PRECHARGE): each phase waits for the contactor's confirmation;
    /// the link voltage must come within the threshold of the battery voltage, with the precharge
    /// current below its threshold, before the timeout; a failed attempt opens the precharge contactor,
    /// waits, and retries up to the configured number of tries, then faults.
    mutating func stepPrecharge(_ sequence: PrechargeSequence, now: Int64, transitions: inout [DiagnosisTransition], commands: inout [BMSCommand]) {
        var sequence = sequence
        switch requestedMode {
        case .standby, .balance:
            openContactors(now: now, commands: &commands)
            state = requestedMode == .balance ? .balancing : .standby
            return
        case .normal:
            sequence.target = .normal
        case .charge, .heal:
            sequence.target = .charging
        }
        let settings = configuration.contactors
        let elapsed = Time.elapsed(from: sequence.phaseStartedAtMilliseconds, to: now)
        switch sequence.phase {
        case .closingMinus:
            if contactors.isConfirmed(.mainMinus, now: now) {
                commands.append(.closeContactor(.precharge))
                contactors.command(.precharge, closed: true, now: now)
                sequence.phase = .closingPrecharge
                sequence.phaseStartedAtMilliseconds = now
            }
        case .closingPrecharge:
            if contactors.isConfirmed(.precharge, now: now) {
                sequence.phase = .verifyingLinkVoltage
                sequence.phaseStartedAtMilliseconds = now
            }
        case .verifyingLinkVoltage:
            if prechargeComplete {
                commands.append(.closeContactor(.mainPlus))
                contactors.command(.mainPlus, closed: true, now: now)
                sequence.phase = .closingPlus
                sequence.phaseStartedAtMilliseconds = now
            } else if elapsed > settings.prechargeTimeoutMilliseconds {
                commands.append(.openContactor(.precharge))
                contactors.command(.precharge, closed: false, now: now)
                sequence.phase = .waitingAfterFailure
                sequence.phaseStartedAtMilliseconds = now
            }
        case .waitingAfterFailure:
            guard elapsed >= settings.waitAfterPrechargeFailureMilliseconds else { break }
            if sequence.attempt < settings.prechargeTries {
                commands.append(.closeContactor(.precharge))
                contactors.command(.precharge, closed: true, now: now)
                sequence.attempt += 1
                sequence.phase = .closingPrecharge
                sequence.phaseStartedAtMilliseconds = now
            } else {
                // One event: counts one nominal evaluation whatever the task period.
                diagnosis.evaluate(
                    .prechargeFailure, ok: false, now: now, weight: configuration.diagnosis.evaluationPeriodMilliseconds, into: &transitions)
                enterFault(cause: .prechargeFailure, now: now, commands: &commands)
                return
            }
        case .closingPlus:
            if contactors.isConfirmed(.mainPlus, now: now) {
                commands.append(.openContactor(.precharge))
                contactors.command(.precharge, closed: false, now: now)
                sequence.phase = .openingPrecharge
                sequence.phaseStartedAtMilliseconds = now
            }
        case .openingPrecharge:
            if contactors.isConfirmed(.precharge, now: now) {
                switch sequence.target {
                case .normal:
                    state = .normal
                case .charging:
                    enterCharging(now: now, commands: &commands)
                }
                return
            }
        }
        state = .precharge(sequence)
    }

    /// Link voltage within the threshold of the battery voltage and precharge current below its threshold.
    var prechargeComplete: Bool {
        guard snapshot.linkVoltageValid, snapshot.packVoltageValid, snapshot.currentValid else { return false }
        let settings = configuration.contactors
        let difference = abs(Int64(snapshot.packMillivolts) - Int64(snapshot.linkMillivolts))
        return difference <= Int64(settings.prechargeVoltageThresholdMillivolts)
            && abs(Int64(snapshot.currentMilliamperes)) <= Int64(settings.prechargeCurrentThresholdMilliamperes)
    }
}
