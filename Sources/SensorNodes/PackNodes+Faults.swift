extension PackNodes {
    /// Injects a fault into the node it names (backend API; see ``SensorFault`` for the textual forms).
    ///
    /// - Throws: ``SensorFaultRejected`` for a board that does not exist, a channel or wire a node lacks,
    ///   or a fault a node cannot have.
    public mutating func inject(_ fault: SensorFault) throws(SensorFaultRejected) {
        if foxBMS != nil, let reason = FoxBMSBus.refusal(fault) { throw SensorFaultRejected(fault, reason) }
        switch fault.node {
        case .cellMonitor(let board):
            guard cellMonitors.indices.contains(board - 1) else {
                throw SensorFaultRejected(fault, "cmu\(board) does not exist (boards cmu1...cmu\(cellMonitors.count))")
            }
            try cellMonitors[board - 1].inject(fault)
        case .currentSensor: try currentSensor.inject(fault)
        case .gasSensor: try gasSensor.inject(fault)
        case .pressureSensor: try pressureSensor.inject(fault)
        case .smokeDetector: try smokeDetector.inject(fault)
        case .insulationMonitor: try insulationMonitor.inject(fault)
        case .charger: try charger.inject(fault)
        case .contactors: try contactors.inject(fault)
        }
        updateNextDue()
    }

    /// Removes one injected fault; `false` when it was not active.
    @discardableResult
    public mutating func clear(_ fault: SensorFault) -> Bool {
        let removed: Bool
        switch fault.node {
        case .cellMonitor(let board):
            guard cellMonitors.indices.contains(board - 1) else { return false }
            removed = cellMonitors[board - 1].clear(fault)
        case .currentSensor: removed = currentSensor.clear(fault)
        case .gasSensor: removed = gasSensor.clear(fault)
        case .pressureSensor: removed = pressureSensor.clear(fault)
        case .smokeDetector: removed = smokeDetector.clear(fault)
        case .insulationMonitor: removed = insulationMonitor.clear(fault)
        case .charger: removed = charger.clear(fault)
        case .contactors: removed = contactors.clear(fault)
        }
        updateNextDue()
        return removed
    }

    /// Removes every injected fault from every node (in the foxBMS profile also the AFE's bus faults).
    public mutating func clearFaults() {
        foxBMS?.gateway.transmitter.removeAll()
        for index in cellMonitors.indices { cellMonitors[index].clearFaults() }
        currentSensor.clearFaults()
        gasSensor.clearFaults()
        pressureSensor.clearFaults()
        smokeDetector.clearFaults()
        insulationMonitor.clearFaults()
        charger.clearFaults()
        contactors.clearFaults()
        updateNextDue()
    }

    /// Every active injected fault, node by node in the fixed node order.
    public var activeFaults: [SensorFault] {
        cellMonitors.flatMap(\.activeFaults) + currentSensor.activeFaults + gasSensor.activeFaults
            + pressureSensor.activeFaults + smokeDetector.activeFaults + insulationMonitor.activeFaults
            + charger.activeFaults + contactors.activeFaults
    }
}
