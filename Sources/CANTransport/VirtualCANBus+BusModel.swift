import CANCore

extension VirtualCANBus {
    /// Runs arbitration and transmission up to `time`: whenever the bus is idle, the pending head
    /// frame with the winning identifier (``CANID`` ordering) starts; it occupies the bus for its
    /// worst-case bit time and is delivered when it ends.
    func runBusModel(untilNanoseconds time: Int64) {
        guard let model = configuration.busModel else { return }
        while true {
            if let flight = inFlight {
                guard flight.endNanoseconds <= time else { return }
                inFlight = nil
                busIdleFromNanoseconds = flight.endNanoseconds
                statistics.framesTransmitted &+= 1
                deliverDelayed(upToNanoseconds: flight.endNanoseconds)
                transmitComplete(flight.frame, from: flight.sender, atNanoseconds: flight.endNanoseconds)
            }
            // Earliest moment a transmission can start: bus idle and some head frame enqueued.
            var earliestEnqueue = Int64.max
            for node in nodes where node.transmitHead < node.transmitQueue.count {
                earliestEnqueue = min(earliestEnqueue, node.transmitQueue[node.transmitHead].enqueuedAtNanoseconds)
            }
            guard earliestEnqueue != .max else { return }
            let start = max(busIdleFromNanoseconds, earliestEnqueue)
            guard start <= time else { return }
            // Arbitration among every head frame queued by `start`.
            var winner = -1
            for index in nodes.indices where nodes[index].transmitHead < nodes[index].transmitQueue.count {
                let head = nodes[index].transmitQueue[nodes[index].transmitHead]
                guard head.enqueuedAtNanoseconds <= start else { continue }
                if winner < 0 || head.frame.id < nodes[winner].transmitQueue[nodes[winner].transmitHead].frame.id {
                    winner = index
                }
            }
            let pending = nodes[winner].transmitQueue[nodes[winner].transmitHead]
            nodes[winner].transmitHead += 1
            if nodes[winner].transmitHead == nodes[winner].transmitQueue.count {
                nodes[winner].transmitQueue.removeAll(keepingCapacity: true)
                nodes[winner].transmitHead = 0
            }
            let duration = Int64(pending.frame.worstCaseBitLength.nanoseconds(
                nominalBitRate: model.nominalBitRate, dataBitRate: model.dataBitRate))
            statistics.queuingLatency.record(start - pending.enqueuedAtNanoseconds)
            statistics.busyNanoseconds += duration
            inFlight = (pending.frame, NodeID(rawValue: winner), start + duration)
        }
    }
}
