public import CANCore
public import CANTransport

/// Runs participants in lock-step on one virtual bus and simulated time: deterministic, as fast as
/// the CPU allows, and bit-for-bit repeatable.
///
/// Each base step (e.g. 1 ms): the bus advances to the step time, then every participant in
/// registration order receives what arrived and steps. Frames a participant sends are on the bus at
/// once (ideal bus) or after their transmission time (bus model). A tap node records every frame
/// with its bus timestamp, as `candump -L` would on a real interface.
public struct LockstepSimulation {
    /// The bus every participant is attached to.
    public let bus: VirtualCANBus
    /// Base step in nanoseconds.
    public let stepNanoseconds: Int64
    /// Current simulated time.
    public private(set) var nowNanoseconds: Int64 = 0
    /// Interface name written into recorded log lines.
    public var logInterfaceName: String
    /// Offset added to simulated time in log timestamps (a fixed epoch keeps logs reproducible).
    public var logEpochNanoseconds: Int64

    var participants: [any SimulationParticipant] = []
    var ports: [VirtualCANBus.NodeID] = []
    let tap: VirtualCANBus.NodeID
    /// Frames seen on the bus, in bus order, if recording is on.
    public private(set) var recordedFrames: [CANLogRecord] = []
    /// Trace events reported by participants and the scenario.
    public private(set) var events: [TraceEvent] = []
    /// Whether frames are kept in ``recordedFrames`` for the whole run (short runs and tests).
    public var recordsFrames: Bool
    /// Frames seen on the bus during the last ``step()``, in bus order (streaming recorders read these).
    public private(set) var lastStepFrames: [CANLogRecord] = []
    /// Trace events reported during the last ``step()``.
    public private(set) var lastStepEventCount = 0
    /// Reused by ``step()``: what a participant produced, and what it received.
    private var stepOutput = StepOutput()
    private var inboxBuffer: [CANBusEvent] = []

    /// Creates a simulation with a fresh bus.
    public init(
        busConfiguration: VirtualCANBus.Configuration = .init(receiveQueueCapacity: 1 << 16),
        stepNanoseconds: Int64 = 1_000_000, recordsFrames: Bool = true,
        logInterfaceName: String = "vcan0", logEpochNanoseconds: Int64 = 1_700_000_000_000_000_000
    ) {
        bus = VirtualCANBus(configuration: busConfiguration)
        self.stepNanoseconds = max(stepNanoseconds, 1)
        self.recordsFrames = recordsFrames
        self.logInterfaceName = logInterfaceName
        self.logEpochNanoseconds = logEpochNanoseconds
        tap = bus.attach(name: "tap", receiveOwnFrames: false, filters: [.all])
    }

    /// Adds a participant; participants step in the order they were added.
    public mutating func add(_ participant: any SimulationParticipant) {
        ports.append(bus.attach(name: participant.name, filters: participant.receiveFilters))
        participants.append(participant)
    }

    /// The participant at `index`, for inspection by the scenario runner.
    public func participant(at index: Int) -> any SimulationParticipant { participants[index] }

    /// Replaces the participant at `index` after the scenario runner modified it (fault injection).
    public mutating func modifyParticipant<T: SimulationParticipant>(at index: Int, as type: T.Type, _ body: (inout T) -> Void) {
        guard var concrete = participants[index] as? T else { return }
        body(&concrete)
        participants[index] = concrete
    }

    /// Records a trace event from outside the participants (scenario timeline, runner).
    public mutating func record(_ event: TraceEvent) { events.append(event) }

    /// The bus node of the participant with this name (for sender-specific bus faults).
    public func node(ofParticipantNamed name: String) -> VirtualCANBus.NodeID? {
        participants.firstIndex { $0.name == name }.map { ports[$0] }
    }

    /// Advances by one base step.
    public mutating func step() {
        lastStepFrames.removeAll(keepingCapacity: true)
        let eventsBefore = events.count
        defer { lastStepEventCount = events.count - eventsBefore }
        nowNanoseconds += stepNanoseconds
        bus.advance(toNanoseconds: nowNanoseconds)
        drainTap()
        // Buffers kept between steps (moved out so they are uniquely referenced): no allocation and no
        // regrowth per step for a hundred frames.
        var output = stepOutput
        var inbox = inboxBuffer
        stepOutput = StepOutput()
        inboxBuffer = []
        defer {
            stepOutput = output
            inboxBuffer = inbox
        }
        for index in participants.indices {
            inbox.removeAll(keepingCapacity: true)
            while let event = bus.receive(for: ports[index]) { inbox.append(event) }
            output.frames.removeAll(keepingCapacity: true)
            output.events.removeAll(keepingCapacity: true)
            participants[index].step(nowNanoseconds: nowNanoseconds, inbox: inbox, output: &output)
            for frame in output.frames {
                do {
                    try bus.send(frame, from: ports[index])
                } catch {
                    events.append(TraceEvent(
                        timeNanoseconds: nowNanoseconds, kind: "bus.send_failed", subject: frame.candumpText,
                        source: participants[index].name))
                }
            }
            events.append(contentsOf: output.events)
        }
        drainTap()
    }

    /// Steps until simulated time reaches `nanoseconds` (or `shouldStop` says so between steps).
    public mutating func run(untilNanoseconds nanoseconds: Int64, shouldStop: () -> Bool = { false }) {
        while nowNanoseconds + stepNanoseconds <= nanoseconds {
            step()
            if shouldStop() { return }
        }
    }

    mutating func drainTap() {
        while let event = bus.receive(for: tap) {
            guard case .frame(let frame, let timestamp, _) = event else { continue }
            let absolute = logEpochNanoseconds &+ Int64(clamping: timestamp.totalNanoseconds)
            let record = CANLogRecord(timestamp: CANTimestamp(totalNanoseconds: UInt64(max(absolute, 0))), interface: logInterfaceName, frame: frame)
            if recordsFrames { recordedFrames.append(record) }
            lastStepFrames.append(record)
        }
    }
}
