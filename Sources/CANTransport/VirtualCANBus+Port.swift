public import CANCore

extension VirtualCANBus {
    /// A ``CANBus`` endpoint of one node on a ``VirtualCANBus``.
    ///
    /// `receive(timeoutNanoseconds:)` never waits: on the simulated bus time moves only when the
    /// simulation loop calls ``VirtualCANBus/advance(toNanoseconds:)``, so the port returns what has
    /// arrived by the current simulated time.
    public final class Port: CANBus {
        /// The bus this port belongs to.
        public let bus: VirtualCANBus
        /// The node this port speaks for.
        public let node: NodeID

        init(bus: VirtualCANBus, node: NodeID) {
            self.bus = bus
            self.node = node
        }

        public var interfaceName: String { bus.configuration.interfaceName }

        public func send(_ frame: CANFrame) throws(CANTransportError) {
            try bus.send(frame, from: node)
        }

        public func receive(timeoutNanoseconds: Int64) throws(CANTransportError) -> CANBusEvent? {
            bus.receive(for: node)
        }
    }
}
