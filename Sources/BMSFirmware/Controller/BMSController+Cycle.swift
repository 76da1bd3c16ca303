import RealModule

extension BMSController {
    /// The cyclic task (foxBMS 10 ms task): see the type overview for the order.
    mutating func runCycle(at time: Int64, commands: inout [BMSCommand]) {
        if started, time < nowMilliseconds { return }
        let previous = nowMilliseconds
        let elapsed = started ? max(Time.elapsed(from: previous, to: time), 0) : 0
        // Inputs that arrived since the last tick count as received now: an input's age is measured from the
        // task that first saw it, so a timeout means the same at a 1 ms and at a 60 s task period.
        store.restampArrivals(to: time)
        if stateRequestReceivedAt == Time.pending { stateRequestReceivedAt = time }
        // Debounce counts in time: every cyclic evaluation stands for the time since the last tick (the
        // nominal period at the first tick, when nothing has been seen yet).
        diagnosis.evaluationWeightMilliseconds = started ? elapsed : configuration.diagnosis.evaluationPeriodMilliseconds
        defer { diagnosis.evaluationWeightMilliseconds = configuration.diagnosis.evaluationPeriodMilliseconds }
        if !started {
            started = true
            state = .initializing(sinceMilliseconds: time)
        }
        nowMilliseconds = time
        let now = time
        // Estimators integrate the whole interval (exact for a current held over it); only a gap beyond
        // twice the longest supported task period is cut, so a stalled shell cannot wind them up.
        let seconds = Double(min(elapsed, Self.maximumIntegrationMilliseconds)) / 1000
        var transitions: [DiagnosisTransition] = []

        // 1. Sampling and classification.
        let sampleDue = temperatures.isSampleDue(at: now)
        if sampleDue {
            temperatures.sample(store: store, settings: configuration.measurements, topology: configuration.topology, now: now)
            thermalRunaway.sampleEnclosure(store: store, configuration: configuration, now: now)
        } else {
            temperatures.expire(store: store, settings: configuration.measurements, topology: configuration.topology, now: now)
        }
        SensorClassifier.classify(store: &store, snapshot: &snapshot, temperatures: temperatures, configuration: configuration, now: now)
        reconcileChargeCounter(seconds: seconds, now: now)
        if sampleDue { updateTemperatureFactors() }
        diagnosis.evaluate(.invalidInput, ok: store.rejectedInputs == 0, now: now, into: &transitions)
        store.rejectedInputs = 0

        // 2. Contactor supervision.
        if let failure = contactors.supervise(now: now) {
            diagnosis.evaluate(.contactorFeedback, ok: false, location: contactorIndex(failure.contactor), now: now, into: &transitions)
            if failure.welded { weldedContactor = failure.contactor }
        } else {
            diagnosis.evaluate(.contactorFeedback, ok: true, now: now, into: &transitions)
        }

        // 3. Protections, plausibility, timeouts.
        ProtectionEvaluator.evaluate(
            .init(
                snapshot: snapshot, limits: configuration.limits, topology: configuration.topology,
                restCurrentMilliamperes: configuration.measurements.restCurrentMilliamperes,
                healingPulsesActive: healingPulsesActive, now: now),
            monitor: &diagnosis, transitions: &transitions)
        if case .initializing = state {
            // Nothing has had time to arrive yet; the initialization timeout covers missing inputs.
        } else {
            PlausibilityEvaluator.evaluate(
                .init(
                    snapshot: snapshot, store: store, temperatures: temperatures, gas: thermalRunaway.gas, pressure: thermalRunaway.pressure,
                    configuration: configuration, stateRequestRequired: stateRequestRequired,
                    stateRequestReceivedAt: stateRequestReceivedAt, now: now),
                monitor: &diagnosis, transitions: &transitions)
        }

        // 4. Estimators.
        runEstimators(seconds: seconds, now: now, transitions: &transitions)

        // 5. Thermal-runaway detection (at the sampling interval).
        if sampleDue {
            // The stage rows stand for the time since the detector's previous evaluation.
            let previousSample = thermalRunaway.lastSampleAt
            let weight = previousSample == Time.never ? diagnosis.evaluationWeightMilliseconds : max(Time.elapsed(from: previousSample, to: now), 0)
            let alarm = thermalRunaway.evaluate(
                .init(
                    now: now, cellVolts: snapshot.cellVolts, cellValid: snapshot.cellValid, meanCellVolts: snapshot.meanCellVolts,
                    cellSOC: filters.map(\.soc), temperatures: temperatures, smoke: snapshot.smoke, softShortCells: dendrite.highRiskCells),
                configuration: configuration)
            if let alarm { pendingThermalRunawayAlarm = alarm }
            diagnosis.evaluate(.thermalRunawayWarning, ok: thermalRunaway.level < .warning, now: now, weight: weight, into: &transitions)
            diagnosis.evaluate(
                .thermalRunawayAlarm, ok: thermalRunaway.level < .alarm, location: thermalRunaway.cells.first, now: now, weight: weight,
                into: &transitions)
        }

        // 6. Current limits as if closed (the charge setpoint needs them), state machine (safety actions
        //    first), then the diagnosis records.
        availableLimits = CurrentLimitCalculator.compute(
            snapshot: snapshot, configuration: configuration,
            conditions: .init(
                contactorsClosed: true, fatalPending: diagnosis.fatalActive, thermalRunaway: thermalRunaway.level,
                temperatureSensorFault: diagnosis.isActive(.temperatureSensorFault)))
        var actions: [BMSCommand] = []
        step(now: now, transitions: &transitions, commands: &actions)
        commands.append(contentsOf: actions)
        for transition in transitions { commands.append(.recordDiagnosis(transition)) }

        // 7. Limits, balancing, reports.
        currentLimits = availableLimits
        if !state.contactorsClosed {
            currentLimits.maximumChargeMilliamperes = 0
            currentLimits.maximumDischargeMilliamperes = 0
            currentLimits.maximumChargePowerWatts = 0
            currentLimits.maximumDischargePowerWatts = 0
        }
        if case .balancing = state, let cells = balancer.evaluate(snapshot: snapshot, settings: configuration.balancing, now: now) {
            commands.append(.setBalancing(cells: cells))
            // Bleed currents shift the sensed voltages: the rest analysis restarts on the new set.
            dendrite.restartRestAnalysis()
        }
        emitReports(now: now, commands: &commands)
    }

    /// Longest interval the estimators integrate in one tick: twice the 60 s longest supported task period.
    static let maximumIntegrationMilliseconds: Int64 = 120_000

    /// Integrates this tick's current sample and, when a charge-counter reading arrived, takes the charge the
    /// samples missed since the previous one; a counter mean over a long interval that is not at rest ends a
    /// rest the (aliased) samples alone would have seen.
    mutating func reconcileChargeCounter(seconds: Double, now: Int64) {
        chargeCounter.follow(sampleAmperes: snapshot.currentValid ? snapshot.currentAmperes : nil, seconds: seconds)
        missedAmpereSeconds = 0
        guard store.chargeCountFresh else { return }
        store.chargeCountFresh = false
        let settings = configuration.measurements
        missedAmpereSeconds = chargeCounter.reading(
            ampereSeconds: store.chargeCountAmpereSeconds, now: now, rangeAmperes: Double(settings.currentSensorRangeMilliamperes) / 1000,
            restAmperes: Double(settings.restCurrentMilliamperes) / 1000)
        if let average = chargeCounter.intervalAverageAmperes, abs(average) * 1000 >= Double(settings.restCurrentMilliamperes) {
            snapshot.atRest = false
            snapshot.restSince = Time.never
        }
    }

    /// The state request must keep arriving while the contactors are (being) closed.
    var stateRequestRequired: Bool {
        switch state {
        case .precharge, .normal, .charging, .healing: true
        default: false
        }
    }

    /// True while a healing protocol deliberately drives pulses above the continuous current limits.
    var healingPulsesActive: Bool {
        guard case .healing(let session) = state, session.phase == .running else { return false }
        return session.plan.protocolUsed == .selfHeatingDose || session.plan.protocolUsed == .pulseCharging
    }

    func contactorIndex(_ contactor: Contactor) -> Int { Contactor.allCases.firstIndex(of: contactor) ?? 0 }

    /// R(T)/R(T_ref) per block from the Arrhenius activation energy.
    mutating func updateTemperatureFactors() {
        let cell = configuration.cell
        let activation = cell.resistanceActivationEnergyJoulesPerMole / 8.314462618
        let reference = 1 / (cell.referenceTemperatureCelsius + 273.15)
        for index in temperatureFactor.indices {
            let kelvin = min(max(snapshot.cellCelsius[index], -40), 120) + 273.15
            temperatureFactor[index] = Double.exp(activation * (1 / kelvin - reference))
        }
    }
}
