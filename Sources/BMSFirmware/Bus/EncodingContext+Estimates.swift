import CANDatabase

extension EncodingContext {
    // MARK: SOC and SOH

    func soc(_ w: inout Writer) throws(CANEncodeError) {
        let estimates = state.estimates
        try w.set(handles.socMean, Double(estimates?.socMeanBasisPoints ?? 0) / 100)
        try w.set(handles.socMinimum, Double(estimates?.socMinimumBasisPoints ?? 0) / 100)
        try w.set(handles.socMaximum, Double(estimates?.socMaximumBasisPoints ?? 0) / 100)
        try w.set(handles.socUncertainty, Double(estimates?.socSigmaBasisPoints ?? 0) / 100)
        try w.set(handles.remainingEnergy, estimates == nil ? 0 : remainingEnergyKilowattHours())
    }

    /// Energy the blocks can still deliver at rest: Σ Q_i · ∫₀^SOC_i OCV(z) dz (``OCVTable/integral(toSOC:)``).
    func remainingEnergyKilowattHours() -> Double {
        let ocv = controller.pointee.configuration.cell.openCircuitVoltage
        // Read in place (``BMSController/cellSOC`` and ``BMSController/cellCapacityAmpereHours`` build arrays).
        let blocks = min(controller.pointee.filters.count, controller.pointee.stateOfHealth.capacity.count)
        var wattHours = 0.0
        for index in 0..<blocks {
            wattHours += controller.pointee.stateOfHealth.capacity[index].capacityAmpereHours
                * ocv.integral(toSOC: controller.pointee.filters[index].soc)
        }
        return wattHours / 1000
    }

    func sohCapacity(_ w: inout Writer) throws(CANEncodeError) {
        guard let estimates = state.estimates else {
            for signal in [handles.capacityPack, handles.capacityMinimum, handles.capacityAmpereHours, handles.capacityUncertainty] {
                try w.set(signal, 0)
            }
            try w.index(handles.capacityMinimumIndex, nil)
            return try w.raw(handles.capacityStatus, 0)
        }
        let capacities = controller.pointee.stateOfHealth.capacity
        let weakest = capacities.indices.min { capacities[$0].capacityAmpereHours < capacities[$1].capacityAmpereHours }
        try w.set(handles.capacityPack, Double(estimates.sohCapacityMeanBasisPoints) / 100)
        try w.set(handles.capacityMinimum, Double(estimates.sohCapacityMinimumBasisPoints) / 100)
        try w.index(handles.capacityMinimumIndex, weakest)
        try w.set(handles.capacityAmpereHours, Double(estimates.usableCapacityMilliampereHours) / 1000)
        let sigma = Double(estimates.sohCapacitySigmaBasisPoints) / 10_000
        try w.set(handles.capacityUncertainty, sigma * 100)
        // Initial while σ is still the prior's, converging above 1 % of nominal, converged below.
        let prior = controller.pointee.configuration.estimation.initialCapacityStandardDeviationFraction
        let status: Int64 = sigma >= 0.99 * prior ? 1 : sigma > 0.01 ? 2 : 3
        try w.raw(handles.capacityStatus, status)
    }

    func sohResistance(_ w: inout Writer) throws(CANEncodeError) {
        guard let estimates = state.estimates else {
            for signal in [handles.resistancePack, handles.resistanceMaximum, handles.resistanceMilliohms, handles.resistanceUncertainty] {
                try w.set(signal, 0)
            }
            try w.index(handles.resistanceMaximumIndex, nil)
            return try w.raw(handles.resistanceStatus, 0)
        }
        let estimators = controller.pointee.stateOfHealth.resistance
        let worst = estimators.indices.max { estimators[$0].ohms < estimators[$1].ohms }
        try w.set(handles.resistancePack, Double(estimates.packResistanceBasisPoints) / 100)
        try w.set(handles.resistanceMaximum, Double(estimates.resistanceMaximumBasisPoints) / 100)
        try w.index(handles.resistanceMaximumIndex, worst)
        try w.set(handles.resistanceMilliohms, estimators.reduce(0) { $0 + $1.ohms } * 1000)
        let relative = worst.map { estimators[$0].relativeStandardDeviation } ?? 1
        try w.set(handles.resistanceUncertainty, relative * 100)
        let updates = estimators.map(\.updates).min() ?? 0
        try w.raw(handles.resistanceStatus, updates == 0 ? 1 : updates < 20 ? 2 : 3)
    }

    // MARK: Dendrites and healing

    func dendriteHealth(_ w: inout Writer) throws(CANEncodeError) {
        let risk = controller.pointee.dendrite.risk
        let signatures = controller.pointee.dendrite.signatures
        let worst = risk.indices.max { risk[$0] < risk[$1] }
        let worstRisk = worst.map { risk[$0] } ?? .none
        // The four risk levels spread over the 0-100 % index.
        try w.set(handles.dendriteRisk, Double(worstRisk.rawValue) * 100 / 3)
        try w.index(handles.dendriteRiskCell, worstRisk > .none ? worst : nil)
        // Before the first closed loop the controller uses the cell file's nominal CE, and says so.
        let efficiency = state.lithium.flatMap { $0.coulombicEfficiencyPartsPerMillion > 0 ? Double($0.coulombicEfficiencyPartsPerMillion) / 1e6 : nil }
            ?? controller.pointee.configuration.cell.nominalCoulombicEfficiency
        try w.set(handles.dendriteEfficiency, efficiency)
        try w.set(handles.dendriteTrend, state.efficiencyTrend)
        let short = signatures.indices.first { !signatures[$0].isDisjoint(with: DendriteSignatures.shortSignatures) }
        var suspicion: Int64 = 0
        if let short {
            suspicion = risk[short] >= .high ? 2 : 1
            if controller.pointee.thermalRunaway.level >= .warning, state.runawaySignals.contains(.softShort) { suspicion = 3 }
        }
        try w.raw(handles.dendriteSuspicion, suspicion)
        let found = worst.map { signatures[$0] } ?? []
        let trigger: Int64 =
            !found.isDisjoint(with: [.restVoltageSag, .socDivergence]) ? 3
            : found.contains(.restVoltageNoise) || found.contains(.resistanceRise) ? 2
            : found.contains(.coulombicEfficiencyDrop) ? 1 : 0
        try w.raw(handles.dendriteTrigger, trigger)
        try w.index(handles.dendriteShortCell, short)
    }

    /// `Healing_AbortReason` (None, Temperature, ThermalRunaway, Gas, CurrentLimit, Request, ChargerFault, Timeout).
    static func abortCode(_ reason: HealingAbortReason) -> Int64 {
        switch reason {
        case .temperatureBudgetExceeded, .nearTemperatureLimit: 1
        case .thermalRunawayWarning: 2
        case .nearVoltageLimit, .diagnosisActive: 4
        case .requestChanged, .linkInvalid: 5
        case .chargerUnavailable: 6
        case .marginsNotMet: 7
        }
    }

    func healingStatus(_ w: inout Writer) throws(CANEncodeError) {
        let healing = controller.pointee.configuration.healing
        var stateCode: Int64 = 0
        var protocolCode: Int64 = 0
        var outcome: Int64 = 0
        var doses: Double = 0
        var planned: Double = 0
        var target: Int? = nil
        var abort: Int64 = 0
        var progress: Double = 0
        if case .healing(let session) = controller.pointee.state {
            stateCode = session.phase == .running ? 2 : session.phase == .verifying ? 3 : 1
            protocolCode = session.plan.protocolUsed.busCode
            target = session.plan.cells.count == 1 ? session.plan.cells.first : nil
            if session.plan.protocolUsed == .selfHeatingDose { planned = Double(healing.selfHeating.cycles) }
            if session.phase == .running, session.runMilliseconds > 0 {
                let elapsed = Double(max(Time.elapsed(from: session.phaseStartedAtMilliseconds, to: controller.pointee.nowMilliseconds), 0))
                progress = min(100, elapsed / Double(session.runMilliseconds) * 100)
                doses = (planned * progress / 100).rounded(.down)
            } else if session.phase == .verifying {
                progress = 100
                doses = planned
            }
        } else if let record = state.lastHealing {
            protocolCode = record.protocolUsed.busCode
            target = record.cells.count == 1 ? record.cells.first : nil
            switch record.outcome {
            case .improved: (stateCode, outcome) = (4, 1)
            case .unchanged, .notConfirmed: (stateCode, outcome) = (4, 2)
            case .worse: (stateCode, outcome) = (4, 3)
            case .aborted(let reason): (stateCode, abort) = (5, Self.abortCode(reason))
            }
            progress = stateCode == 4 ? 100 : 0
        }
        if stateCode != 1, stateCode != 2, stateCode != 3, BMSController.recommendedHealing(in: controller) != nil { stateCode = 6 }
        try w.raw(handles.healingState, stateCode)
        try w.raw(handles.healingProtocol, protocolCode)
        try w.raw(handles.healingOutcome, outcome)
        try w.set(handles.healingDoses, doses)
        try w.set(handles.healingDosesPlanned, planned)
        try w.index(handles.healingTarget, target)
        try w.raw(handles.healingAbort, abort)
        try w.set(handles.healingProgress, progress)
    }
}
