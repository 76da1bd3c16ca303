public import CANCore
import CANDatabase
import CellPack
import RealModule
import SeededRandom

extension CellMonitoringNode {
    static let invalidVoltage: Int64 = 65535
    static let openWireVoltage: Int64 = 65534
    static let sensorShorted: Int64 = 4094
    static let sensorOpen: Int64 = 4095
    /// Highest cell-group voltage on the wire, mV (the DBC range of `CellVoltage*`).
    static let maximumMillivolts: Int64 = 5000

    /// Samples and transmits whatever is due at `now` (nothing before ``nextDueNanoseconds``).
    public mutating func step(
        nowNanoseconds now: Int64, observation: PackObservation, cells: some CellTruthSource, into output: inout [CANFrame]
    ) {
        guard now >= nextDueNanoseconds else { return }
        if voltageSample.fire(at: now) { sampleVoltages(at: now, cells: cells) }
        if temperatureSample.fire(at: now) { sampleTemperatures(at: now, cells: cells) }
        if openWireCheck.fire(at: now) {
            for group in 0..<groupCount {
                openWireFlagged[group] = openWireSince[group] != nil || openWireSince[group + 1] != nil
            }
        }
        if balancingMask != 0, let last = lastBalancingCommand, now - last >= balancingTimeoutNanoseconds {
            balancingMask = 0
        }
        // A coarse step sends every page whose slot passed, each at most once, so the receiver gets a full
        // cycle of fresh values per step.
        let voltageSlots = min(voltagePages.fireSlots(at: now), Int64(voltageLayout.count))
        for _ in 0..<voltageSlots {
            let page = voltageLayout[nextVoltagePage % voltageLayout.count]
            nextVoltagePage = (nextVoltagePage + 1) % voltageLayout.count
            emit(page: page, values: voltageRaw, voltage: true, at: now, into: &output)
        }
        let temperatureSlots = min(temperaturePages.fireSlots(at: now), Int64(temperatureLayout.count))
        for _ in 0..<temperatureSlots {
            let page = temperatureLayout[nextTemperaturePage % temperatureLayout.count]
            nextTemperaturePage = (nextTemperaturePage + 1) % temperatureLayout.count
            emit(page: page, values: temperatureRaw, voltage: false, at: now, into: &output)
        }
        transmitter.flush(at: now, into: &output)
        updateNextDue()
    }

    mutating func updateNextDue() {
        var due = min(voltageSample.dueNanoseconds, temperatureSample.dueNanoseconds)
        due = min(due, voltagePages.dueNanoseconds, temperaturePages.dueNanoseconds, openWireCheck.dueNanoseconds)
        if balancingMask != 0, let last = lastBalancingCommand { due = min(due, last &+ balancingTimeoutNanoseconds) }
        nextDueNanoseconds = min(due, transmitter.nextDueNanoseconds)
    }

    private mutating func emit(
        page: (page: Int64, entries: [(handle: SignalHandle, channel: Int)]), values: [Int64], voltage: Bool, at now: Int64,
        into output: inout [CANFrame]
    ) {
        let sent: Bool
        if voltage {
            sent = Self.fill(&voltageMessage, pageHandle: voltagePageHandle, page: page, values: values)
                && transmitter.transmit(&voltageMessage, at: now, into: &output)
        } else {
            sent = Self.fill(&temperatureMessage, pageHandle: temperaturePageHandle, page: page, values: values)
                && transmitter.transmit(&temperatureMessage, at: now, into: &output)
        }
        if !sent { encodeFailures += 1 }
    }

    private static func fill(
        _ message: inout OutgoingMessage, pageHandle: SignalHandle,
        page: (page: Int64, entries: [(handle: SignalHandle, channel: Int)]), values: [Int64]
    ) -> Bool {
        message.begin()
        var complete = message.set(pageHandle, raw: page.page)
        for entry in page.entries { complete = message.set(entry.handle, raw: values[entry.channel]) && complete }
        return complete
    }

    // MARK: Sampling

    mutating func sampleVoltages(at now: Int64, cells: some CellTruthSource) {
        var inputs: [Double] = []
        inputs.reserveCapacity(groupCount)
        cells.groupVolts(firstGroup..<(firstGroup + groupCount), seriesCount: seriesGroups, into: &inputs)
        applyOpenWires(to: &inputs, at: now)
        for group in 0..<groupCount {
            let noiseSample = noise.nextGaussian() * noiseVolts
            guard inputs[group].isFinite else {
                voltageRaw[group] = Self.invalidVoltage
                continue
            }
            var volts = inputs[group] + channelOffsetVolts[group] + noiseSample
            if !faults.isEmpty {
                volts = faults.apply(volts, channel: group, at: now)
                if faults.isDropped(group) {
                    voltageRaw[group] = Self.invalidVoltage
                    continue
                }
            }
            if openWireFlagged[group] {
                voltageRaw[group] = Self.openWireVoltage
                continue
            }
            voltageRaw[group] = millivolts(adcVolts: volts)
        }
    }

    /// AFE quantisation (register 0...65535 LSB), then 1 mV on CAN; above 5 V → Invalid.
    func millivolts(adcVolts volts: Double) -> Int64 {
        guard volts.isFinite else { return Self.invalidVoltage }
        let code = min(max((volts / lsbVolts).rounded(), 0), 65535)
        let millivolts = Int64((code * lsbVolts * 1000).rounded())
        return millivolts > Self.maximumMillivolts ? Self.invalidVoltage : millivolts
    }

    /// The physical effect of open sense wires on the group inputs.
    mutating func applyOpenWires(to inputs: inout [Double], at now: Int64) {
        for wire in 0...groupCount where openWirePending[wire] || openWireSince[wire] != nil {
            if openWirePending[wire] {
                openWirePending[wire] = false
                openWireSince[wire] = now
            }
            guard let since = openWireSince[wire] else { continue }
            let elapsed = seconds(now - since)
            let settled = openWireSettlingSeconds > 0 ? -Double.expMinusOne(-elapsed / openWireSettlingSeconds) : 1
            if wire == 0 {
                inputs[0] *= 1 - settled
            } else if wire == groupCount {
                inputs[groupCount - 1] *= 1 - settled
            } else {
                let shift = inputs[wire - 1] * settled
                inputs[wire - 1] -= shift
                inputs[wire] += shift
            }
        }
    }

    mutating func sampleTemperatures(at now: Int64, cells: some CellTruthSource) {
        let parallel = seriesGroups > 0 ? cells.cellCount / seriesGroups : 0
        let elapsed = lastTemperatureSample.map { seconds(now - $0) } ?? 0
        lastTemperatureSample = now
        // The thermistor cell of every group in one read (a per-cell call may copy the whole pack model):
        // sensor s reads cell (firstGroup + s) × parallel + the thermistor's position in its group.
        let firstCell = firstGroup * parallel + min(thermistorCell, max(parallel - 1, 0))
        var surfaces = surfaceScratch
        surfaceScratch = []
        defer { surfaceScratch = surfaces }
        if parallel > 0 { cells.surfaceCelsius(stride(from: firstCell, to: firstCell + groupCount * parallel, by: parallel), into: &surfaces) }
        for sensor in 0..<groupCount {
            let noiseSample = noise.nextGaussian() * noiseVolts
            let surface = parallel > 0 && sensor < surfaces.count ? surfaces[sensor] : .nan
            let sensed = thermistorLags[sensor].update(towards: surface, seconds: elapsed)
            var ohms = sensed.isFinite ? thermistors[sensor].resistance(celsius: sensed) : Double.infinity
            switch thermistorFaults[sensor] {
            case .open: ohms = .infinity
            case .shorted: ohms = 0
            case nil: break
            }
            let volts = thermistors[sensor].adcVolts(ohms: ohms, noiseVolts: noiseSample)
            switch thermistors[sensor].classify(adcVolts: volts) {
            case .open: temperatureRaw[sensor] = Self.sensorOpen
            case .shorted: temperatureRaw[sensor] = Self.sensorShorted
            case .celsius(var celsius):
                let channel = groupCount + sensor
                if !faults.isEmpty {
                    celsius = faults.apply(celsius, channel: channel, at: now)
                    if faults.isDropped(channel) {
                        // bms.dbc has no generic invalid temperature; a dropped channel reads as an open sensor.
                        temperatureRaw[sensor] = Self.sensorOpen
                        continue
                    }
                }
                temperatureRaw[sensor] = temperatureScale.raw(celsius) ?? Self.sensorOpen
            }
        }
    }

    // MARK: Commands

    /// Handles a received frame: `BMS_BalancingCommand` pages for this board (E2E checked); other
    /// frames are not for this node and are ignored without counting.
    public mutating func receive(_ frame: CANFrame, atNanoseconds now: Int64) {
        guard !transmitter.isBusOff, frame.id == balancingCommand.identifier else { return }
        let prepared = balancingCommand.prepare(frame)
        receive(prepared, addressedBoard: prepared.decoded?.raw(balancingBoardHandle), atNanoseconds: now)
    }

    /// ``receive(_:atNanoseconds:)`` of a `BMS_BalancingCommand` frame already prepared by any board's
    /// ``IncomingMessage/prepare(_:)``, with its `Balancing_Board` value (`addressedBoard`, nil when the frame
    /// does not decode): the pack's boards share one preparation per broadcast frame, each checks the frame's
    /// E2E counter against its own history, and only the addressed one reads its mask.
    mutating func receive(_ prepared: PreparedCommand, addressedBoard: Int64?, atNanoseconds now: Int64) {
        guard !transmitter.isBusOff, prepared.frame.id == balancingCommand.identifier else { return }
        guard balancingCommand.accepts(prepared, counters: &counters) else { return }
        guard addressedBoard == Int64(board - 1), let decoded = prepared.decoded else { return }
        guard let mask = decoded.raw(balancingMaskHandle) else {
            counters.invalidMultiplexer += 1
            return
        }
        guard mask >= 0, mask < Int64(1) << Int64(groupCount) else {
            counters.outOfRange += 1
            return
        }
        balancingMask = UInt32(mask)
        lastBalancingCommand = now
        counters.accepted += 1
        updateNextDue()
    }
}
