public import CANCore
public import CANTransport
public import Emulator

/// Runs one pure participant against one bus endpoint in real time.
///
/// The participant steps on a fixed cycle (absolute deadlines, so no drift) and, when
/// `eventDriven` is set, also as soon as frames arrive, so a fault frame is handled within the poll
/// wake-up latency instead of at the next cycle. Between deadlines the loop waits in the bus's
/// `receive` (poll, no busy waiting). Time seen by the participant is monotonic nanoseconds since
/// `startNanoseconds`, the same scale as in lock-step simulation.
public struct RealTimeParticipantLoop<Participant: SimulationParticipant> {
    public private(set) var participant: Participant
    public let bus: any CANBus
    public private(set) var scheduler: DeadlineScheduler
    public let startNanoseconds: Int64
    public let eventDriven: Bool
    /// Frames lost by the transport since the start.
    public private(set) var framesDropped: UInt64 = 0
    /// Frames the bus refused to send, with the last reason.
    public private(set) var sendFailures: UInt64 = 0
    public private(set) var lastSendFailure: CANTransportError?

    public init(participant: Participant, bus: any CANBus, periodNanoseconds: Int64, startNanoseconds: Int64 = MonotonicClock.nanoseconds(), eventDriven: Bool = true) {
        self.participant = participant
        self.bus = bus
        self.startNanoseconds = startNanoseconds
        self.scheduler = DeadlineScheduler(periodNanoseconds: periodNanoseconds, startNanoseconds: startNanoseconds)
        self.eventDriven = eventDriven
    }

    /// Runs until `shouldStop` returns true (checked at least once per cycle) or `untilNanoseconds` (since start) passes.
    ///
    /// - Parameters:
    ///   - onEvent: called with each trace event the participant reports.
    ///   - onFrame: called with each frame the participant received (with its kernel timestamp) or sent
    ///     (with the wall time of sending), for logging.
    public mutating func run(
        untilNanoseconds: Int64 = .max, shouldStop: () -> Bool = { ShutdownSignal.isRequested },
        onEvent: (TraceEvent) -> Void = { _ in }, onFrame: (CANFrame, CANTimestamp, Bool) -> Void = { _, _, _ in }
    ) throws(CANTransportError) {
        var inbox: [CANBusEvent] = []
        var output = StepOutput()
        while !shouldStop() {
            let now = MonotonicClock.nanoseconds()
            if now - startNanoseconds >= untilNanoseconds { return }
            if now >= scheduler.nextDeadlineNanoseconds {
                // Take what has arrived first: under overload the loop is always past its deadline and
                // would otherwise never reach the waiting receive below.
                while let pending = try bus.receive(timeoutNanoseconds: 0) { collect(pending, into: &inbox, onFrame: onFrame) }
                let deadline = scheduler.completeCycle(wokeAtNanoseconds: now)
                try step(at: max(deadline, now) - startNanoseconds, inbox: &inbox, output: &output, onEvent: onEvent, onFrame: onFrame)
                continue
            }
            let wait = min(scheduler.nextDeadlineNanoseconds - now, 50_000_000)
            guard let event = try bus.receive(timeoutNanoseconds: wait) else {
                // A bus that cannot wait (the in-process virtual bus) returns at once: sleep instead of spinning.
                if MonotonicClock.nanoseconds() < now + wait - 100_000 {
                    MonotonicClock.sleep(untilNanoseconds: now + wait, interruptible: shouldStop)
                }
                continue
            }
            collect(event, into: &inbox, onFrame: onFrame)
            while let more = try bus.receive(timeoutNanoseconds: 0) { collect(more, into: &inbox, onFrame: onFrame) }
            if eventDriven {
                try step(at: MonotonicClock.nanoseconds() - startNanoseconds, inbox: &inbox, output: &output, onEvent: onEvent, onFrame: onFrame)
            }
        }
    }

    private mutating func collect(_ event: CANBusEvent, into inbox: inout [CANBusEvent], onFrame: (CANFrame, CANTimestamp, Bool) -> Void) {
        switch event {
        case .frame(let frame, let timestamp, _): onFrame(frame, timestamp, false)
        case .framesDropped(let count): framesDropped &+= count
        case .busError: break
        }
        inbox.append(event)
    }

    private mutating func step(
        at time: Int64, inbox: inout [CANBusEvent], output: inout StepOutput, onEvent: (TraceEvent) -> Void,
        onFrame: (CANFrame, CANTimestamp, Bool) -> Void
    ) throws(CANTransportError) {
        output.frames.removeAll(keepingCapacity: true)
        output.events.removeAll(keepingCapacity: true)
        participant.step(nowNanoseconds: time, inbox: inbox, output: &output)
        inbox.removeAll(keepingCapacity: true)
        for frame in output.frames {
            do {
                try bus.send(frame)
                onFrame(frame, CANTimestamp(totalNanoseconds: UInt64(max(MonotonicClock.wallNanoseconds(), 0))), true)
            } catch {
                sendFailures &+= 1
                lastSendFailure = error
                if error.kind == .closed { throw error }
            }
        }
        for event in output.events { onEvent(event) }
    }
}
