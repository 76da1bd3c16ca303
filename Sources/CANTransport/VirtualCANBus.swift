public import CANCore
import SeededRandom

/// The in-process virtual CAN bus: deterministic fan-out to every attached node on simulated time.
///
/// Without a bus model a sent frame reaches every other attached node at once (like python-can's
/// `virtual` interface, but ordered and repeatable). With a ``BusModel`` each frame occupies the bus
/// for its worst-case bit time at the configured bit rates, queued frames arbitrate by identifier,
/// and bus load and queuing latency become measured numbers (see ``statistics``).
///
/// The bus is single-threaded and owned by one simulation loop; time moves only through
/// ``advance(toNanoseconds:)``. Fault rules (``VirtualBusFault``), node bus-off and a disconnected
/// bus can be injected at any time.
public final class VirtualCANBus {
    /// Identifies an attached node.
    public struct NodeID: Hashable, Sendable, Comparable, CustomStringConvertible {
        public let rawValue: Int
        public static func < (lhs: NodeID, rhs: NodeID) -> Bool { lhs.rawValue < rhs.rawValue }
        public var description: String { "node \(rawValue)" }
    }

    /// Bit rates for the timing model.
    public struct BusModel: Hashable, Sendable {
        /// Arbitration (and classic CAN) bit rate, bit/s.
        public var nominalBitRate: Int
        /// CAN FD data-phase bit rate, bit/s (used by FD frames with BRS).
        public var dataBitRate: Int

        public init(nominalBitRate: Int = 500_000, dataBitRate: Int = 2_000_000) {
            self.nominalBitRate = max(nominalBitRate, 1)
            self.dataBitRate = max(dataBitRate, 1)
        }
    }

    /// Settings fixed when the bus is created.
    public struct Configuration: Hashable, Sendable {
        /// Name used in logs and by ports (`CANBus.interfaceName`).
        public var interfaceName: String
        /// Timing model; `nil` delivers frames with no transmission time.
        public var busModel: BusModel?
        /// Frames each node can hold unread before new ones are dropped (counted).
        public var receiveQueueCapacity: Int
        /// Frames each node can hold waiting for the bus (bus model only); more are refused.
        public var transmitQueueCapacity: Int
        /// Seed for probabilistic faults.
        public var seed: UInt64

        public init(
            interfaceName: String = "virtual", busModel: BusModel? = nil, receiveQueueCapacity: Int = 4096,
            transmitQueueCapacity: Int = 256, seed: UInt64 = 0
        ) {
            self.interfaceName = interfaceName
            self.busModel = busModel
            self.receiveQueueCapacity = max(receiveQueueCapacity, 1)
            self.transmitQueueCapacity = max(transmitQueueCapacity, 1)
            self.seed = seed
        }
    }

    struct PendingTransmission {
        var frame: CANFrame
        var enqueuedAtNanoseconds: Int64
    }

    struct Node {
        var name: String
        var receivesOwnFrames: Bool
        var filters: [CANFilter]
        /// `true` when the filters are exactly the pass-all default: skips filter evaluation.
        var acceptsEverything: Bool
        let receiveQueue: FrameRing
        var transmitQueue: [PendingTransmission] = []
        var transmitHead = 0
        var pendingErrors: [CANBusEvent] = []
        var isBusOff = false
    }

    struct DelayedDelivery {
        var dueNanoseconds: Int64
        var sequence: UInt64
        var frame: CANFrame
        var sender: NodeID
    }

    // The stored state below is exempt from dynamic exclusivity checks (`@exclusivity(unchecked)`): the
    // bus is not Sendable, no method hands out an inout reference to it or calls back into foreign code
    // while one of its accesses is open, and the checks (about 13 per frame sent and delivered) were 2-3 %
    // of a closed-loop simulation step. The compile-time exclusivity checks still apply.

    /// The configuration the bus was created with.
    public let configuration: Configuration
    /// Current simulated time in nanoseconds since the bus was created.
    @exclusivity(unchecked) public private(set) var nowNanoseconds: Int64 = 0
    /// Traffic and timing figures since creation.
    @exclusivity(unchecked) public internal(set) var statistics = BusStatistics()

    @exclusivity(unchecked) var nodes: [Node] = []
    @exclusivity(unchecked) var faults: [(id: Int, fault: VirtualBusFault)] = []
    var nextFaultID = 0
    @exclusivity(unchecked) var delayed: [DelayedDelivery] = []
    @exclusivity(unchecked) var sequence: UInt64 = 0
    @exclusivity(unchecked) var random: Xoshiro256
    @exclusivity(unchecked) var inFlight: (frame: CANFrame, sender: NodeID, endNanoseconds: Int64)?
    @exclusivity(unchecked) var busIdleFromNanoseconds: Int64 = 0
    /// `true` while the bus wiring is cut: nothing is acknowledged or delivered.
    @exclusivity(unchecked) public private(set) var isDisconnected = false

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.random = Xoshiro256(seed: configuration.seed, stream: 0xB05)
    }

    // MARK: - Nodes

    /// Attaches a node and returns its identifier.
    ///
    /// - Parameters:
    ///   - receiveOwnFrames: also deliver this node's own frames back to it (`CAN_RAW_RECV_OWN_MSGS`).
    ///   - filters: receive filters with `CAN_RAW_FILTER` semantics (any match passes; empty passes nothing).
    @discardableResult
    public func attach(name: String, receiveOwnFrames: Bool = false, filters: [CANFilter] = [.all]) -> NodeID {
        nodes.append(Node(
            name: name, receivesOwnFrames: receiveOwnFrames, filters: filters, acceptsEverything: filters == [.all],
            receiveQueue: FrameRing(capacity: configuration.receiveQueueCapacity, placeholder: VirtualCANBus.placeholderFrame)))
        return NodeID(rawValue: nodes.count - 1)
    }

    /// Number of attached nodes.
    public var nodeCount: Int { nodes.count }

    /// The name a node was attached with.
    public func name(of node: NodeID) -> String { nodes[node.rawValue].name }

    /// Replaces a node's receive filters.
    public func setFilters(_ filters: [CANFilter], for node: NodeID) {
        nodes[node.rawValue].filters = filters
        nodes[node.rawValue].acceptsEverything = filters == [.all]
    }

    /// A ``CANBus`` endpoint for `node`, so code written for SocketCAN runs unchanged on the virtual bus.
    public func port(for node: NodeID) -> Port { Port(bus: self, node: node) }

    // MARK: - Sending and receiving

    /// Sends a frame from `node` at the current simulated time.
    ///
    /// - Throws: ``CANTransportError`` `.busOff` if the node is bus-off, `.transmitQueueFull` if its
    ///   transmit queue is full (bus model), `.invalidArgument` for error frames (controllers report
    ///   errors, they do not send them).
    public func send(_ frame: CANFrame, from node: NodeID) throws(CANTransportError) {
        guard !frame.isErrorFrame else {
            statistics.framesRefused &+= 1
            throw CANTransportError(.invalidArgument, "\(configuration.interfaceName): error frames cannot be sent")
        }
        guard !nodes[node.rawValue].isBusOff else {
            statistics.framesRefused &+= 1
            throw CANTransportError(.busOff, "\(configuration.interfaceName): \(nodes[node.rawValue].name) is bus-off")
        }
        if isDisconnected {
            statistics.framesRefused &+= 1
            reportError(CANBusError.noAcknowledgementPassive, to: node)
            return
        }
        if configuration.busModel != nil {
            let pending = nodes[node.rawValue].transmitQueue.count - nodes[node.rawValue].transmitHead
            guard pending < configuration.transmitQueueCapacity else {
                statistics.framesRefused &+= 1
                throw CANTransportError(.transmitQueueFull, "\(configuration.interfaceName): transmit queue of \(nodes[node.rawValue].name) is full")
            }
            nodes[node.rawValue].transmitQueue.append(PendingTransmission(frame: frame, enqueuedAtNanoseconds: nowNanoseconds))
            runBusModel(untilNanoseconds: nowNanoseconds)
        } else {
            statistics.framesTransmitted &+= 1
            transmitComplete(frame, from: node, atNanoseconds: nowNanoseconds)
        }
    }

    /// The next event for `node`, or `nil` if its queue is empty. Errors and drop reports come first.
    public func receive(for node: NodeID) -> CANBusEvent? {
        if !nodes[node.rawValue].pendingErrors.isEmpty {
            return nodes[node.rawValue].pendingErrors.removeFirst()
        }
        let queue = nodes[node.rawValue].receiveQueue
        if queue.unreportedDrops > 0 { return .framesDropped(count: queue.takeDrops()) }
        guard let entry = queue.pop() else { return nil }
        return .frame(entry.frame, timestamp: CANTimestamp(totalNanoseconds: UInt64(max(entry.timestampNanoseconds, 0))), isOwnEcho: entry.isOwnEcho)
    }

    /// Frames waiting in `node`'s receive queue.
    public func pendingFrameCount(for node: NodeID) -> Int { nodes[node.rawValue].receiveQueue.count }

    /// Moves simulated time forward, completing transmissions and delayed deliveries due by then.
    /// Moving backwards is ignored.
    public func advance(toNanoseconds time: Int64) {
        guard time > nowNanoseconds else { return }
        if configuration.busModel != nil {
            runBusModel(untilNanoseconds: time)
        }
        deliverDelayed(upToNanoseconds: time)
        nowNanoseconds = time
    }

    // MARK: - Faults

    /// Adds a fault rule and returns an identifier for ``removeFault(_:)``.
    @discardableResult
    public func addFault(_ fault: VirtualBusFault) -> Int {
        nextFaultID += 1
        faults.append((nextFaultID, fault))
        return nextFaultID
    }

    /// Removes a fault rule; unknown identifiers are ignored.
    public func removeFault(_ id: Int) {
        faults.removeAll { $0.id == id }
    }

    /// Removes every fault rule.
    public func removeAllFaults() { faults.removeAll() }

    /// Puts a node's controller into (or out of) bus-off. Entering reports `bus-off` to the node;
    /// leaving reports `restarted-after-bus-off`. Its queued transmissions are discarded on entry.
    public func setBusOff(_ busOff: Bool, for node: NodeID) {
        guard nodes[node.rawValue].isBusOff != busOff else { return }
        nodes[node.rawValue].isBusOff = busOff
        if busOff {
            statistics.framesRefused &+= UInt64(nodes[node.rawValue].transmitQueue.count - nodes[node.rawValue].transmitHead)
            nodes[node.rawValue].transmitQueue.removeAll()
            nodes[node.rawValue].transmitHead = 0
            reportError(CANBusError.busOffReport, to: node)
        } else {
            reportError(CANBusError.restartedReport, to: node)
        }
    }

    /// Whether a node's controller is bus-off.
    public func isBusOff(_ node: NodeID) -> Bool { nodes[node.rawValue].isBusOff }

    /// Cuts (or restores) the bus wiring: while cut, senders see missing acknowledgements and nothing is delivered.
    public func setDisconnected(_ disconnected: Bool) { isDisconnected = disconnected }

    // MARK: - Delivery

    func reportError(_ error: CANBusError?, to node: NodeID) {
        guard let error else { return }
        let timestamp = CANTimestamp(totalNanoseconds: UInt64(max(nowNanoseconds, 0)))
        nodes[node.rawValue].pendingErrors.append(.busError(error, timestamp: timestamp))
    }

    /// Applies fault rules, then hands the frame to every receiver (or schedules it).
    func transmitComplete(_ frame: CANFrame, from sender: NodeID, atNanoseconds time: Int64) {
        var frame = frame
        var copies = 1
        var extraDelay: Int64 = 0
        for (_, fault) in faults where fault.applies(to: frame, from: sender, at: time) {
            if fault.probability < 1, random.nextUnit() >= fault.probability { continue }
            switch fault.action {
            case .drop:
                statistics.framesDroppedByFaults &+= 1
                return
            case .delay(let nanoseconds):
                extraDelay += max(nanoseconds, 0)
            case .corrupt(let mask):
                frame = frame.xoring(mask)
            case .duplicate:
                copies = 2
            }
        }
        for _ in 0..<copies {
            if extraDelay > 0 {
                sequence &+= 1
                let entry = DelayedDelivery(dueNanoseconds: time + extraDelay, sequence: sequence, frame: frame, sender: sender)
                let index = delayed.firstIndex { ($0.dueNanoseconds, $0.sequence) > (entry.dueNanoseconds, entry.sequence) } ?? delayed.endIndex
                delayed.insert(entry, at: index)
            } else {
                fanOut(frame, from: sender, atNanoseconds: time)
            }
        }
    }

    @inline(__always)
    func fanOut(_ frame: CANFrame, from sender: NodeID, atNanoseconds time: Int64) {
        var delivered: UInt64 = 0
        var dropped: UInt64 = 0
        nodes.withUnsafeBufferPointer { all in
            for index in all.indices {
                let isSender = index == sender.rawValue
                if isSender && !all[index].receivesOwnFrames { continue }
                guard all[index].acceptsEverything || all[index].filters.anyMatches(frame) else { continue }
                if all[index].receiveQueue.push(frame, timestampNanoseconds: time, isOwnEcho: isSender) {
                    delivered &+= 1
                } else {
                    dropped &+= 1
                }
            }
        }
        statistics.framesDelivered &+= delivered
        statistics.framesDroppedByReceivers &+= dropped
    }

    func deliverDelayed(upToNanoseconds time: Int64) {
        var delivered = 0
        for entry in delayed {
            guard entry.dueNanoseconds <= time else { break }
            fanOut(entry.frame, from: entry.sender, atNanoseconds: entry.dueNanoseconds)
            delivered += 1
        }
        if delivered > 0 { delayed.removeFirst(delivered) }
    }
}

extension VirtualCANBus {
    static let placeholderFrame = try! CANFrame(id: CANID(standard: 0), data: [UInt8]())
}

extension CANFrame {
    /// The frame with its payload XOR-ed by `mask` (bytes beyond the payload are ignored).
    func xoring(_ mask: CANPayload) -> CANFrame {
        guard !isRemoteRequest, !data.isEmpty else { return self }
        var payload = data
        for index in 0..<Swift.min(payload.count, mask.count) {
            payload.set(payload[index] ^ mask[index], at: index)
        }
        switch format {
        case .classic: return (try? CANFrame(id: id, payload: payload, len8DLC: len8DLC)) ?? self
        case .fd: return (try? CANFrame(fdID: id, payload: payload, flags: fdFlags)) ?? self
        }
    }
}

extension CANBusError {
    static let busOffReport = CANBusError(frame: try! CANFrame(errorClass: 0x040, data: [0, 0, 0, 0, 0, 0, 0, 0]))
    static let restartedReport = CANBusError(frame: try! CANFrame(errorClass: 0x100, data: [0, 0, 0, 0, 0, 0, 0, 0]))
    /// No acknowledgement while error passive (TX), as a controller reports a cut bus.
    static let noAcknowledgementPassive = CANBusError(frame: try! CANFrame(errorClass: 0x024, data: [0, 0x20, 0, 0, 0, 0, 0, 0]))
}
