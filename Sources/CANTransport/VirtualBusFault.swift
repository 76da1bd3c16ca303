public import CANCore

/// A fault rule on the virtual bus: which frames it hits, when, how often, and what it does to them.
///
/// Faults are deterministic: "probability" draws come from the bus's seeded generator, so the same
/// seed and the same traffic give the same faults.
public struct VirtualBusFault: Hashable, Sendable {
    /// What happens to a frame the rule hits.
    public enum Action: Hashable, Sendable {
        /// The frame is lost: no receiver sees it (a receiver-side loss such as EMI on a stub).
        case drop
        /// The frame reaches receivers this many nanoseconds late (gateway, overloaded node).
        case delay(nanoseconds: Int64)
        /// Payload bytes are XOR-ed with `mask` (byte 0 of the mask hits byte 0 of the data) and
        /// delivered: the corruption a faulty sender or a CRC collision would let through.
        case corrupt(xorMask: CANPayload)
        /// The frame is delivered twice (retransmission after a lost acknowledgement).
        case duplicate
    }

    /// Frames the rule applies to; `nil` hits every data frame.
    public var filter: CANFilter?
    /// Only frames sent by this node; `nil` for any sender.
    public var sender: VirtualCANBus.NodeID?
    /// Active from this simulated time (ns), inclusive.
    public var activeFromNanoseconds: Int64
    /// Active until this simulated time (ns), exclusive; `nil` for no end.
    public var activeUntilNanoseconds: Int64?
    /// Chance that a matching frame is hit, 0...1.
    public var probability: Double
    /// The action.
    public var action: Action

    public init(
        action: Action, filter: CANFilter? = nil, sender: VirtualCANBus.NodeID? = nil, probability: Double = 1,
        activeFromNanoseconds: Int64 = 0, activeUntilNanoseconds: Int64? = nil
    ) {
        self.action = action
        self.filter = filter
        self.sender = sender
        self.probability = min(max(probability, 0), 1)
        self.activeFromNanoseconds = activeFromNanoseconds
        self.activeUntilNanoseconds = activeUntilNanoseconds
    }

    func applies(to frame: CANFrame, from node: VirtualCANBus.NodeID, at time: Int64) -> Bool {
        guard time >= activeFromNanoseconds else { return false }
        if let end = activeUntilNanoseconds, time >= end { return false }
        if let sender, sender != node { return false }
        if let filter, !filter.matches(frame) { return false }
        return true
    }
}
