extension BMSController {
    /// A valid mode request: refresh the request link, decide, latch when accepted, and acknowledge when
    /// the request or the decision differs from the last one (a re-asserted request every 100 ms is silent).
    mutating func receiveRequest(_ request: ModeRequest, commands: inout [BMSCommand]) {
        stateRequestReceivedAt = Time.pending
        stateRequestValid = true
        var transitions: [DiagnosisTransition] = []
        diagnosis.evaluate(.stateRequestE2E, ok: true, now: nowMilliseconds, into: &transitions)
        let decision = decide(request)
        if case .accepted = decision { requestedMode = request }
        if lastRequestReceived == nil || lastRequestReceived! != (request, decision) {
            commands.append(.acknowledgeRequest(request, decision))
        }
        lastRequestReceived = (request, decision)
        for transition in transitions { commands.append(.recordDiagnosis(transition)) }
    }

    /// foxBMS `BMS_CheckStateRequest`: which requests the present state can take.
    func decide(_ request: ModeRequest) -> RequestDecision {
        switch state {
        case .emergencyShutdown:
            return .rejected(.emergencyLatched)
        case .initializing:
            return request == .standby ? .accepted : .rejected(.initializing)
        case .fault:
            return request == .standby ? .accepted : .rejected(.faultActive)
        default:
            break
        }
        switch request {
        case .standby, .balance:
            return .accepted
        case .normal:
            return diagnosis.fatalActive ? .rejected(.fatalDiagnosisPending) : .accepted
        case .charge:
            if diagnosis.fatalActive { return .rejected(.fatalDiagnosisPending) }
            if thermalRunaway.level >= .warning { return .rejected(.thermalRunawayWarning) }
            if !store.charger.connected { return .rejected(.chargerNotConnected) }
            return .accepted
        case .heal:
            if diagnosis.fatalActive { return .rejected(.fatalDiagnosisPending) }
            if thermalRunaway.level >= .warning { return .rejected(.thermalRunawayWarning) }
            guard case .charging = state else {
                if case .healing = state { return .accepted }
                return .rejected(.notCharging)
            }
            // A named protocol is a preventive run; automatic needs a recommendation.
            return requestedHealing == nil ? .rejected(.healingNotRecommended) : .accepted
        }
    }

    /// A good frame of a sender that failed counts the measurement end-to-end row down by one evaluation.
    @inline(__always)
    mutating func forgiveMeasurementFailure(commands: inout [BMSCommand]) {
        guard diagnosis.counters[DiagnosisID.measurementE2E.rawValue] > 0 else { return }
        var transitions: [DiagnosisTransition] = []
        diagnosis.evaluate(.measurementE2E, ok: true, now: nowMilliseconds, into: &transitions)
        for transition in transitions { commands.append(.recordDiagnosis(transition)) }
    }

    /// An end-to-end failure: the content is lost. For the state request, the link is invalid until the
    /// next valid request, and the charger is stopped at once (no charger command without a valid request).
    mutating func receiveEndToEndFailure(_ message: BMSMessage, commands: inout [BMSCommand]) {
        var transitions: [DiagnosisTransition] = []
        switch message {
        case .stateRequest:
            stateRequestValid = false
            stopCharger(commands: &commands)
            diagnosis.evaluate(.stateRequestE2E, ok: false, now: nowMilliseconds, into: &transitions)
        default:
            diagnosis.evaluate(.measurementE2E, ok: false, now: nowMilliseconds, into: &transitions)
        }
        for transition in transitions { commands.append(.recordDiagnosis(transition)) }
    }
}
