extension CellMonitoringNode {
    /// Injects a fault into this board (backend API; the bus never sees this call).
    ///
    /// - Throws: ``SensorFaultRejected`` for another node's fault or a channel/wire this board lacks.
    public mutating func inject(_ fault: SensorFault) throws(SensorFaultRejected) {
        let (apply, _) = try resolve(fault)
        apply(&self, true)
        updateNextDue()
    }

    /// Removes one injected fault; `false` when it was not active.
    @discardableResult
    public mutating func clear(_ fault: SensorFault) -> Bool {
        guard let (apply, isActive) = try? resolve(fault), isActive(self) else { return false }
        apply(&self, false)
        updateNextDue()
        return true
    }

    /// Removes every injected fault; repaired wires are unflagged at the next open-wire check.
    public mutating func clearFaults() {
        faults.removeAll()
        transmitter.removeAll()
        for wire in openWireSince.indices {
            openWireSince[wire] = nil
            openWirePending[wire] = false
        }
        for sensor in thermistorFaults.indices { thermistorFaults[sensor] = nil }
        updateNextDue()
    }

    /// Active injected faults, in a fixed order.
    public var activeFaults: [SensorFault] {
        var result: [SensorFault] = []
        for wire in openWireSince.indices where openWireSince[wire] != nil || openWirePending[wire] {
            result.append(.openSenseWire(board: board, wire: wire))
        }
        for sensor in thermistorFaults.indices {
            if let fault = thermistorFaults[sensor] { result.append(.thermistor(board: board, sensor: sensor + 1, fault)) }
        }
        for entry in faults.entries {
            let channel: SensorChannel = entry.channel < groupCount
                ? .cellVoltage(board: board, group: entry.channel + 1)
                : .cellTemperature(board: board, sensor: entry.channel - groupCount + 1)
            result.append(.value(channel, entry.fault))
        }
        for fault in transmitter.faults { result.append(.bus(address, fault)) }
        return result
    }

    private typealias Apply = (inout CellMonitoringNode, Bool) -> Void

    /// How to switch `fault` on or off, and whether it is active.
    private func resolve(_ fault: SensorFault) throws(SensorFaultRejected) -> (Apply, (CellMonitoringNode) -> Bool) {
        guard fault.node == address else { throw SensorFaultRejected(fault, "not a fault of \(address)") }
        let groups = groupCount
        switch fault {
        case .value(.cellVoltage(_, let group), let valueFault), .value(.cellTemperature(_, let group), let valueFault):
            guard (1...groups).contains(group) else {
                throw SensorFaultRejected(fault, "\(address) has channels 1...\(groups)")
            }
            guard valueFault.isValid else { throw SensorFaultRejected(fault, "the fault's value is not a usable number") }
            var channel = group - 1
            if case .value(.cellTemperature, _) = fault { channel += groups }
            return (
                { node, on in
                    if on { node.faults.add(valueFault, channel: channel) } else { node.faults.remove(valueFault, channel: channel) }
                },
                { node in node.faults.entries.contains { $0.channel == channel && $0.fault == valueFault } }
            )
        case .openSenseWire(_, let wire):
            guard (0...groups).contains(wire) else {
                throw SensorFaultRejected(fault, "\(address) has sense wires 0...\(groups) (wire w lies between groups w and w+1)")
            }
            return (
                { node, on in
                    if on {
                        if node.openWireSince[wire] == nil { node.openWirePending[wire] = true }
                    } else {
                        node.openWireSince[wire] = nil
                        node.openWirePending[wire] = false
                    }
                },
                { node in node.openWireSince[wire] != nil || node.openWirePending[wire] }
            )
        case .thermistor(_, let sensor, let thermistorFault):
            guard (1...groups).contains(sensor) else { throw SensorFaultRejected(fault, "\(address) has thermistors 1...\(groups)") }
            return (
                { node, on in node.thermistorFaults[sensor - 1] = on ? thermistorFault : nil },
                { node in node.thermistorFaults[sensor - 1] == thermistorFault }
            )
        case .bus(_, let busFault):
            return (
                { node, on in
                    if on { node.transmitter.add(busFault) } else { node.transmitter.remove(busFault) }
                },
                { node in node.transmitter.faults.contains(busFault) }
            )
        default:
            throw SensorFaultRejected(fault, "\(address) has no such channel")
        }
    }
}
