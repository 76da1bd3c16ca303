public import CANCore
public import CANDatabase
public import CellPack
import SeededRandom

/// The emulated contactor driver: main+, main− and precharge with auxiliary-contact feedback
/// (`CONT_ContactorFeedback`), commanded by `BMS_ContactorCommand` (E2E checked).
///
/// - Timing: a commanded contactor closes after `close_ms` (operate time including bounce) and opens after
///   `open_ms` (release time); meanwhile the feedback reports `Transition`, never a bouncing state. The
///   contacts conduct from the end of the operate time until the end of the release time.
/// - Safety: every contactor opens when no valid command arrived for `command_timeout_ms`, and on
///   `ContactorCmd_EmergencyOpen`. Frames failing a check are ignored and counted.
/// - Faults: a welded contactor stays closed when commanded open (`Welded` set once the release time has
///   passed); a contactor that fails to close stays open (`CoilFault` set once the operate time has passed).
public struct ContactorNode: Sendable, FaultableNode {
    enum Position: Hashable, Sendable {
        case open
        case closing(until: Int64)
        case closed
        case opening(until: Int64)
    }

    struct Unit: Sendable {
        var position: Position = .open
        var desired = false
        var desiredSince: Int64 = 0
        var welded = false
        var failsToClose = false
        let state: SignalHandle
        let weldedFlag: SignalHandle
        let coilFaultFlag: SignalHandle
        let command: SignalHandle

        var conducts: Bool {
            switch position {
            case .closed, .opening: true
            case .open, .closing: false
            }
        }
    }

    var units: [Unit]
    let emergencyOpen: SignalHandle
    var command: IncomingMessage
    var feedback: OutgoingMessage
    var schedule: PeriodicSchedule
    let closeNanoseconds: Int64
    let openNanoseconds: Int64
    let timeoutNanoseconds: Int64
    var lastValidCommand: Int64?
    var lastEvaluation: Int64 = .min

    var faults: ChannelFaults
    var transmitter: NodeTransmitter
    /// How received commands were handled.
    public internal(set) var counters = CommandCounters()
    public internal(set) var encodeFailures = 0
    public internal(set) var nextDueNanoseconds: Int64

    public var address: NodeAddress { .contactors }
    var sendsChecksums: Bool { feedback.profile?.checksumByte != nil }
    var channels: [SensorChannel] { [] }
    func channelIndex(_ channel: SensorChannel) -> Int? { nil }

    public init(configuration config: NodeConfiguration, database: CANDatabase, seed: UInt64) throws(NodeSetupError) {
        let node = "CONTACTORS"
        command = try IncomingMessage("BMS_ContactorCommand", node: node, database: database)
        feedback = try OutgoingMessage("CONT_ContactorFeedback", node: node, database: database)
        var units: [Unit] = []
        for name in ["MainPlus", "MainMinus", "Precharge"] {
            units.append(Unit(
                state: try feedback.handle("Feedback_\(name)State"), weldedFlag: try feedback.handle("Feedback_\(name)Welded"),
                coilFaultFlag: try feedback.handle("Feedback_\(name)CoilFault"), command: try command.handle("ContactorCmd_\(name)")))
        }
        self.units = units
        emergencyOpen = try command.handle("ContactorCmd_EmergencyOpen")
        let phase = nanoseconds(milliseconds: config[.contactorPhase])
        schedule = PeriodicSchedule(phaseNanoseconds: phase, periodNanoseconds: try feedback.cycleNanoseconds())
        closeNanoseconds = nanoseconds(milliseconds: config[.contactorCloseTime])
        openNanoseconds = nanoseconds(milliseconds: config[.contactorOpenTime])
        timeoutNanoseconds = nanoseconds(milliseconds: config[.contactorCommandTimeout])
        let stream = NodeAddress.contactors.randomStream(.faults)
        faults = ChannelFaults(random: Xoshiro256(seed: seed, stream: stream))
        transmitter = NodeTransmitter(random: Xoshiro256(seed: seed, stream: stream ^ 0xFF))
        nextDueNanoseconds = phase
    }

    /// `true` while the node is bus-off (it neither sends nor receives; commands time out).
    public var isBusOff: Bool { transmitter.isBusOff }

    /// The contacts as they physically are (closed = conducting).
    public var positions: ContactorStates {
        ContactorStates(mainPositive: units[0].conducts, mainNegative: units[1].conducts, precharge: units[2].conducts)
    }

    /// Feedback state of one contactor as sent: 0 Open, 1 Closed, 2 Transition.
    func feedbackState(_ unit: Unit) -> Int64 {
        switch unit.position {
        case .open: 0
        case .closed: 1
        case .closing, .opening: 2
        }
    }

    func weldedReported(_ unit: Unit, at now: Int64) -> Bool {
        unit.welded && !unit.desired && unit.position == .closed && now - unit.desiredSince >= openNanoseconds
    }

    func coilFaultReported(_ unit: Unit, at now: Int64) -> Bool {
        unit.failsToClose && unit.desired && unit.position == .open && now - unit.desiredSince >= closeNanoseconds
    }

    /// Moves every contactor towards its desired position at `now`.
    mutating func evaluate(at now: Int64) {
        lastEvaluation = now
        let timedOut = lastValidCommand.map { now - $0 >= timeoutNanoseconds } ?? true
        for index in units.indices {
            var unit = units[index]
            let desired = unit.desired && !timedOut
            if desired != unit.desired {
                unit.desired = desired
                unit.desiredSince = now
            }
            switch unit.position {
            case .open:
                if desired, !unit.failsToClose { unit.position = closeNanoseconds > 0 ? .closing(until: now + closeNanoseconds) : .closed }
            case .closing(let until):
                if !desired { unit.position = .open } else if now >= until { unit.position = .closed }
            case .closed:
                if !desired, !unit.welded { unit.position = openNanoseconds > 0 ? .opening(until: now + openNanoseconds) : .open }
            case .opening(let until):
                if desired { unit.position = .closed } else if now >= until { unit.position = .open }
            }
            units[index] = unit
        }
    }

    /// Advances the contactors and sends the feedback when due.
    public mutating func step(nowNanoseconds now: Int64, into output: inout [CANFrame]) {
        guard now >= nextDueNanoseconds else { return }
        evaluate(at: now)
        if schedule.fire(at: now) {
            feedback.begin()
            var complete = true
            for unit in units {
                complete = feedback.set(unit.state, raw: feedbackState(unit)) && complete
                complete = feedback.set(unit.weldedFlag, raw: weldedReported(unit, at: now) ? 1 : 0) && complete
                complete = feedback.set(unit.coilFaultFlag, raw: coilFaultReported(unit, at: now) ? 1 : 0) && complete
            }
            if !(complete && transmitter.transmit(&feedback, at: now, into: &output)) { encodeFailures += 1 }
        }
        transmitter.flush(at: now, into: &output)
        updateNextDue()
    }

    mutating func updateNextDue() {
        var due = min(schedule.dueNanoseconds, transmitter.nextDueNanoseconds)
        var anyDesired = false
        for unit in units {
            switch unit.position {
            case .closing(let until), .opening(let until): due = min(due, until)
            case .open, .closed: break
            }
            if unit.desired { anyDesired = true }
            if unit.welded || unit.failsToClose {
                let flagTime = unit.desiredSince &+ max(openNanoseconds, closeNanoseconds)
                if flagTime > lastEvaluation { due = min(due, flagTime) }
            }
        }
        if anyDesired, let last = lastValidCommand { due = min(due, last &+ timeoutNanoseconds) }
        nextDueNanoseconds = due
    }

    /// Handles `BMS_ContactorCommand`; other frames are not for this node.
    public mutating func receive(_ frame: CANFrame, atNanoseconds now: Int64) {
        guard !transmitter.isBusOff, frame.id == command.identifier else { return }
        guard let decoded = command.check(frame, counters: &counters) else { return }
        let emergency = decoded.raw(emergencyOpen) == 1
        lastValidCommand = now
        for index in units.indices {
            let desired = !emergency && decoded.raw(units[index].command) == 1
            if desired != units[index].desired {
                units[index].desired = desired
                units[index].desiredSince = now
            }
        }
        counters.accepted += 1
        evaluate(at: now)
        updateNextDue()
    }

    // MARK: Faults

    /// Injects a fault (backend API): contactor welded / fail-to-close, or a bus fault.
    public mutating func inject(_ fault: SensorFault) throws(SensorFaultRejected) {
        try set(fault, on: true)
    }

    /// Removes one injected fault; `false` when it was not active.
    @discardableResult
    public mutating func clear(_ fault: SensorFault) -> Bool {
        guard activeFaults.contains(fault) else { return false }
        try? set(fault, on: false)
        return true
    }

    private mutating func set(_ fault: SensorFault, on: Bool) throws(SensorFaultRejected) {
        if case .contactor(let contactor, let kind) = fault {
            let index = Contactor.allCases.firstIndex(of: contactor) ?? 0
            switch kind {
            case .welded: units[index].welded = on
            case .failToClose: units[index].failsToClose = on
            }
        } else if try applyCommonFault(fault, on: on) == nil {
            throw SensorFaultRejected(fault, "\(address) cannot have this fault")
        }
        updateNextDue()
        nextDueNanoseconds = .min  // re-evaluate the contacts at the next step
    }

    /// Removes every injected fault.
    public mutating func clearFaults() {
        clearCommonFaults()
        for index in units.indices {
            units[index].welded = false
            units[index].failsToClose = false
        }
        updateNextDue()
    }

    /// Active injected faults.
    public var activeFaults: [SensorFault] {
        var result: [SensorFault] = []
        for (index, contactor) in Contactor.allCases.enumerated() {
            if units[index].welded { result.append(.contactor(contactor, .welded)) }
            if units[index].failsToClose { result.append(.contactor(contactor, .failToClose)) }
        }
        return result + commonActiveFaults
    }
}
