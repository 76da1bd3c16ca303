/// The controller's state; each case holds only the data valid in it.
///
/// ```
/// initializing ──▶ standby ──▶ precharge ──▶ normal ◀──▶ charging ◀──▶ healing
///                    ▲  │          │            │           │             │
///                    │  ▼          │            ▼           ▼             ▼
///                    │ balancing   └──────────▶ fault ◀───────────────────┘
///                    └──────── (fault reset, standby request, no fatal flag) ┘
///    any state ──(thermal-runaway alarm, welded contactor)──▶ emergencyShutdown (latched)
/// ```
/// The full transition table is `Firmware/state-machine.md`; tests check the reducer against it.
public enum BMSState: Hashable, Sendable {
    /// Waiting for a first complete set of measurements (cells, temperatures, current, pack voltage).
    case initializing(sinceMilliseconds: Int64)
    /// Contactors open, ready.
    case standby
    /// Closing the contactors with precharge verification.
    case precharge(PrechargeSequence)
    /// Contactors closed; discharge allowed.
    case normal
    /// Contactors closed; the controller drives the charger.
    case charging(ChargingSession)
    /// Contactors open; passive balancing.
    case balancing
    /// Contactors closed; a healing protocol in one of its sense → diagnose → heal → verify phases.
    case healing(HealingSession)
    /// Contactors open after a fatal diagnosis; latched: leaves on a fault reset with standby requested once
    /// no fatal flag is active.
    case fault(FaultRecord)
    /// Contactors open, charger off, alarm broadcast; latched until the controller is restarted.
    case emergencyShutdown(EmergencyRecord)

    /// The state (and phase) as a stable name, as used in reports and in `Firmware/state-machine.md`.
    public var name: BMSStateName {
        switch self {
        case .initializing: .initializing
        case .standby: .standby
        case .precharge(let sequence):
            switch sequence.phase {
            case .closingMinus: .prechargeClosingMinus
            case .closingPrecharge: .prechargeClosingPrecharge
            case .verifyingLinkVoltage: .prechargeVerifying
            case .waitingAfterFailure: .prechargeWaitingAfterFailure
            case .closingPlus: .prechargeClosingPlus
            case .openingPrecharge: .prechargeOpeningPrecharge
            }
        case .normal: .normal
        case .charging(let session):
            switch session.phase {
            case .paused: .chargingPaused
            case .active: .chargingActive
            case .complete: .chargingComplete
            }
        case .balancing: .balancing
        case .healing(let session):
            switch session.phase {
            case .diagnosing: .healingDiagnosing
            case .scheduled: .healingScheduled
            case .running: .healingRunning
            case .verifying: .healingVerifying
            }
        case .fault: .fault
        case .emergencyShutdown: .emergencyShutdown
        }
    }

    /// True in the states whose contactors are (being) closed.
    public var contactorsClosed: Bool {
        switch self {
        case .normal, .charging, .healing: true
        default: false
        }
    }
}

/// Stable names of states and phases.
public enum BMSStateName: String, Hashable, Sendable, CaseIterable {
    case initializing
    case standby
    case prechargeClosingMinus = "precharge.closing_minus"
    case prechargeClosingPrecharge = "precharge.closing_precharge"
    case prechargeVerifying = "precharge.verifying"
    case prechargeWaitingAfterFailure = "precharge.waiting_after_failure"
    case prechargeClosingPlus = "precharge.closing_plus"
    case prechargeOpeningPrecharge = "precharge.opening_precharge"
    case normal
    case chargingPaused = "charging.paused"
    case chargingActive = "charging.active"
    case chargingComplete = "charging.complete"
    case balancing
    case healingDiagnosing = "healing.diagnosing"
    case healingScheduled = "healing.scheduled"
    case healingRunning = "healing.running"
    case healingVerifying = "healing.verifying"
    case fault
    case emergencyShutdown = "emergency_shutdown"
}

/// Precharge: close minus → close precharge → verify link voltage → close plus → open precharge.
public struct PrechargeSequence: Hashable, Sendable {
    /// Where the sequence leads once the contactors are closed.
    public enum Target: String, Hashable, Sendable {
        case normal
        case charging
    }

    public enum Phase: Hashable, Sendable {
        case closingMinus
        case closingPrecharge
        case verifyingLinkVoltage
        case waitingAfterFailure
        case closingPlus
        case openingPrecharge
    }

    public var target: Target
    public var phase: Phase
    /// 1-based attempt (foxBMS BMS_PRECHARGE_TRIES).
    public var attempt: Int
    public var phaseStartedAtMilliseconds: Int64
}

/// Charging: charge (CC-CV or an adaptive profile), paused while charging is not allowed, complete.
public struct ChargingSession: Hashable, Sendable {
    public enum Phase: Hashable, Sendable {
        case paused
        case active
        case complete
    }

    public var phase: Phase
    /// The last setpoint sent (nil while the charger is off).
    public var lastCommand: ChargerCommand?
    public var lastCommandAtMilliseconds: Int64
    /// When the current first stayed below the termination current with every block at the CV level.
    public var terminationSinceMilliseconds: Int64?
    /// Uses the asymmetric-bidirectional profile (an adaptive-healing charge).
    public var asymmetricBidirectional: Bool
    /// An ABC charge handed over to CC-CV near full: the current stays at most the ABC forward current.
    public var finishingAfterAsymmetric = false
}

/// A healing run: diagnose (rest, confirm, before-metrics) → scheduled (wait for margins) → running → verifying.
public struct HealingSession: Hashable, Sendable {
    public enum Phase: Hashable, Sendable {
        case diagnosing
        case scheduled
        case running
        case verifying
    }

    public var plan: HealingPlan
    public var phase: Phase
    public var phaseStartedAtMilliseconds: Int64
    public var startedAtMilliseconds: Int64
    public var before: HealingMetrics
    /// Highest block temperature when the run started (for the temperature budget).
    public var runStartMaximumDeciCelsius: Int32
    public var lastCommand: ChargerCommand?
    public var lastCommandAtMilliseconds: Int64
    public var runMilliseconds: Int64
}

/// Why the controller is in `fault`.
public struct FaultRecord: Hashable, Sendable {
    public var cause: DiagnosisID
    public var sinceMilliseconds: Int64
}

/// Why the controller shut down.
public struct EmergencyRecord: Hashable, Sendable {
    public enum Cause: Hashable, Sendable {
        case thermalRunaway(ThermalRunawayLevel)
        /// A contactor still reports closed after being commanded open (foxBMS alert mode).
        case contactorWelded(Contactor)
    }

    public var cause: Cause
    public var sinceMilliseconds: Int64
}
