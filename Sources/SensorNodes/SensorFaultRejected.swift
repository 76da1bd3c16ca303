/// Why a node refused a fault: it is addressed to another node, names a channel the node does not have,
/// or cannot happen on this node (a bad CRC on messages without a CRC).
public struct SensorFaultRejected: Error, Hashable, Sendable, CustomStringConvertible {
    /// The fault as given.
    public let fault: SensorFault
    /// What is wrong.
    public let reason: String

    public init(_ fault: SensorFault, _ reason: String) {
        self.fault = fault
        self.reason = reason
    }

    public var description: String { "\(fault): \(reason)" }
}
