/// The fault backend shared by the single-board nodes: value faults on numbered channels and bus faults.
protocol FaultableNode {
    var address: NodeAddress { get }
    var faults: ChannelFaults { get set }
    var transmitter: NodeTransmitter { get set }
    /// `true` when at least one message the node sends carries a CRC (so `bad-crc` can happen).
    var sendsChecksums: Bool { get }
    /// The node-local index of a channel, or `nil` when the node does not have it.
    func channelIndex(_ channel: SensorChannel) -> Int?
    /// Channels in node-local index order (for listing active faults).
    var channels: [SensorChannel] { get }
    mutating func updateNextDue()
}

extension FaultableNode {
    /// Switches a value or bus fault on or off; `nil` when the fault is of another kind (the node handles it).
    mutating func applyCommonFault(_ fault: SensorFault, on: Bool) throws(SensorFaultRejected) -> Bool? {
        guard fault.node == address else { throw SensorFaultRejected(fault, "not a fault of \(address)") }
        switch fault {
        case .value(let channel, let valueFault):
            guard let index = channelIndex(channel) else {
                throw SensorFaultRejected(fault, "\(address) has no channel \(channel)")
            }
            guard valueFault.isValid else { throw SensorFaultRejected(fault, "the fault's value is not a usable number") }
            if on {
                faults.add(valueFault, channel: index)
                return true
            }
            return faults.remove(valueFault, channel: index)
        case .bus(_, let busFault):
            if busFault == .badCRC, !sendsChecksums {
                throw SensorFaultRejected(fault, "\(address) sends no message with a CRC")
            }
            if on {
                transmitter.add(busFault)
                return true
            }
            return transmitter.remove(busFault)
        default:
            return nil
        }
    }

    /// Active value and bus faults, in a fixed order.
    var commonActiveFaults: [SensorFault] {
        let list = channels
        var result: [SensorFault] = faults.entries.compactMap { entry in
            entry.channel < list.count ? .value(list[entry.channel], entry.fault) : nil
        }
        for fault in transmitter.faults { result.append(.bus(address, fault)) }
        return result
    }

    mutating func clearCommonFaults() {
        faults.removeAll()
        transmitter.removeAll()
    }

    /// `inject` for nodes that only have value and bus faults.
    mutating func injectCommonFault(_ fault: SensorFault) throws(SensorFaultRejected) {
        guard try applyCommonFault(fault, on: true) != nil else { throw SensorFaultRejected(fault, "\(address) cannot have this fault") }
        updateNextDue()
    }

    /// `clear` for nodes that only have value and bus faults.
    mutating func clearCommonFault(_ fault: SensorFault) -> Bool {
        let removed = (try? applyCommonFault(fault, on: false)) ?? nil
        updateNextDue()
        return removed ?? false
    }

    /// `clearFaults` for nodes that only have value and bus faults.
    mutating func clearAllCommonFaults() {
        clearCommonFaults()
        updateNextDue()
    }
}
