public import CANCore
public import CANTransport

/// One box of the system in a lock-step simulation: the virtual pack with its sensor nodes, the
/// firmware, a test peer. Each is pure: it sees simulated time and received frames, and answers with
/// frames to send and trace events.
public protocol SimulationParticipant {
    /// Name of its node on the bus (appears in logs and statistics).
    var name: String { get }
    /// Receive filters for its bus node (`CAN_RAW_FILTER` semantics).
    var receiveFilters: [CANFilter] { get }
    /// Advances to `nowNanoseconds`: handle `inbox` (everything received since the last step, in
    /// arrival order), append frames to send and trace events to `output`.
    mutating func step(nowNanoseconds: Int64, inbox: [CANBusEvent], output: inout StepOutput)
    /// How far the participant's own program has come (a cycling vehicle: cycles completed, and whether it
    /// finished), or `nil` without one. Runners read it every step, through the existential, without
    /// copying the participant out of the simulation.
    var programProgress: (completed: Int, finished: Bool)? { get }
}

extension SimulationParticipant {
    public var programProgress: (completed: Int, finished: Bool)? { nil }
}

/// What a participant produces in one step.
public struct StepOutput: Sendable {
    /// Frames to send, in order.
    public var frames: [CANFrame] = []
    /// Observations for the trace and for scenario expectations.
    public var events: [TraceEvent] = []

    public init() {}
}
