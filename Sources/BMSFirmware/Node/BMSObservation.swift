/// A notable output of the firmware, for trace recorders and reports: what the controller did (verbs),
/// what it concluded (state changes, diagnoses, alarms, healing outcomes) and its pack-level estimates.
public struct BMSObservation: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// The controller commanded a contactor.
        case contactor(Contactor, closed: Bool)
        /// The controller opened every contactor at once.
        case allContactorsOpened
        /// The state (or phase) changed.
        case stateChanged(from: BMSStateName, to: BMSStateName)
        /// A charger setpoint (nil: charger off).
        case charger(ChargerCommand?)
        /// The bleed set changed (empty: balancing stopped).
        case balancing(cells: [Int])
        /// A thermal-runaway stage was broadcast.
        case alarm(ThermalRunawayAlarm)
        /// A diagnosis row set or cleared.
        case diagnosis(DiagnosisTransition)
        /// A healing run ended.
        case healing(HealingRecord)
        /// A changed mode request was answered.
        case requestAnswered(ModeRequest, RequestDecision)
        /// Pack SOC and SOH (sent at the controller's state-estimate period).
        case estimates(StateEstimatesReport)
    }

    /// When the firmware produced it (the node's time base).
    public var atNanoseconds: Int64
    public var kind: Kind

    public init(atNanoseconds: Int64, kind: Kind) {
        self.atNanoseconds = atNanoseconds
        self.kind = kind
    }

    /// The observation a command stands for, if it is notable (cyclic status reports are not).
    init?(_ command: BMSCommand, atNanoseconds time: Int64) {
        let kind: Kind
        switch command {
        case .closeContactor(let contactor): kind = .contactor(contactor, closed: true)
        case .openContactor(let contactor): kind = .contactor(contactor, closed: false)
        case .openAllContactors: kind = .allContactorsOpened
        case .commandCharger(let setpoint): kind = .charger(setpoint)
        case .chargerOff: kind = .charger(nil)
        case .setBalancing(let cells): kind = .balancing(cells: cells)
        case .broadcastAlarm(let alarm): kind = .alarm(alarm)
        case .acknowledgeRequest(let request, let decision): kind = .requestAnswered(request, decision)
        case .recordDiagnosis(let transition): kind = .diagnosis(transition)
        case .recordHealing(let record): kind = .healing(record)
        case .report(.stateEstimates(let estimates)): kind = .estimates(estimates)
        case .report: return nil
        }
        self.init(atNanoseconds: time, kind: kind)
    }
}
