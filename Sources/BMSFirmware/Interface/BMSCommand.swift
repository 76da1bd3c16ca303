/// An action the controller asks the shell to carry out: switch a contactor, drive the charger,
/// bleed cells, broadcast an alarm, answer a request, record a diagnosis, or send a report.
public enum BMSCommand: Hashable, Sendable {
    case closeContactor(Contactor)
    case openContactor(Contactor)
    /// Open every contactor now (main plus, precharge, main minus).
    case openAllContactors
    /// Set the charger's current limit, voltage limit and waveform.
    case commandCharger(ChargerCommand)
    /// Stop the charger (zero current).
    case chargerOff
    /// The complete set of blocks whose bleed resistor is on (empty: none).
    case setBalancing(cells: [Int])
    /// Thermal-runaway warning, alarm or confirmation to every node on the bus.
    case broadcastAlarm(ThermalRunawayAlarm)
    /// The answer to a changed mode request.
    case acknowledgeRequest(ModeRequest, RequestDecision)
    /// A diagnosis flag set or cleared (for the event log and the diagnosis report).
    case recordDiagnosis(DiagnosisTransition)
    /// A healing run finished (improved, unchanged, worse or aborted), with its before/after metrics.
    case recordHealing(HealingRecord)
    /// A cyclic or event-driven status value to send.
    case report(BMSReport)
}

/// A charger setpoint.
public struct ChargerCommand: Hashable, Sendable {
    /// Charge current limit (pack level, into the pack; the on-pulse amplitude for pulsed profiles).
    public var currentMilliamperes: Int32
    /// Constant-voltage limit at the pack terminals.
    public var voltageLimitMillivolts: Int32
    public var profile: ChargeProfile

    public init(currentMilliamperes: Int32, voltageLimitMillivolts: Int32, profile: ChargeProfile) {
        self.currentMilliamperes = currentMilliamperes
        self.voltageLimitMillivolts = voltageLimitMillivolts
        self.profile = profile
    }
}

/// The current waveform the charger applies.
public enum ChargeProfile: Hashable, Sendable {
    /// Plain CC-CV.
    case constantCurrentConstantVoltage
    /// Square pulses at `currentMilliamperes` for `onMilliseconds`, zero for `offMilliseconds`.
    case pulsed(onMilliseconds: Int32, offMilliseconds: Int32)
    /// Forward at `currentMilliamperes`, then reverse (discharge) at `reverseMilliamperes`.
    case asymmetricBidirectional(forwardMilliseconds: Int32, reverseMilliseconds: Int32, reverseMilliamperes: Int32)
    /// Alternating charge and discharge pulses at `currentMilliamperes` with rests between, net charge zero.
    case selfHeatingDose(pulseMilliseconds: Int32, restMilliseconds: Int32, cycles: Int32)
    /// Charge at `currentMilliamperes` for `chargeMilliseconds`, then rest for `restMilliseconds`.
    case restInterleaved(chargeMilliseconds: Int32, restMilliseconds: Int32)
}

/// Accepted or rejected, with the reason.
public enum RequestDecision: Hashable, Sendable {
    case accepted
    case rejected(RequestRejection)
}

/// Why a mode request was refused.
public enum RequestRejection: String, Hashable, Sendable, CaseIterable {
    case emergencyLatched
    case faultActive
    case fatalDiagnosisPending
    case initializing
    case chargerNotConnected
    case thermalRunawayWarning
    case notCharging
    case healingNotRecommended
}

/// A diagnosis flag changing.
public struct DiagnosisTransition: Hashable, Sendable {
    public var id: DiagnosisID
    public var severity: DiagnosisSeverity
    public var active: Bool
    /// Block, sensor or other index the condition was found at, when it has one.
    public var location: Int?
    public var atMilliseconds: Int64

    public init(id: DiagnosisID, severity: DiagnosisSeverity, active: Bool, location: Int?, atMilliseconds: Int64) {
        self.id = id
        self.severity = severity
        self.active = active
        self.location = location
        self.atMilliseconds = atMilliseconds
    }
}
