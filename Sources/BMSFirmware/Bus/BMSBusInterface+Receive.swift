public import CANCore
import CANDatabase

/// What the receive side remembers between frames: edges, node-reported faults (events go out on
/// change), and the charger's presence.
struct ReceiveState: Sendable {
    var resetBit = false
    var vcuChargerConnected = false
    var healingAllowed: Bool?
    var chargerSeenAt = Int64.min
    var chargerSeenSincePoll = false
    var chargerAlive = false
    var chargerFaulted = false
    var lastChargerStatus: ChargerStatus?
    var lastPollAt = Int64.min
    var gasFault = false
    var pressureFault = false
    var smokeFault = false
    var currentFault = false
    var openWire: [Bool] = []
    var temperatureFault: [Bool] = []
    /// End-to-end failures not yet forgiven, per receiver (message and sender): only that sender's good
    /// frames forgive them.
    var outstandingE2EFailures: [Int] = []

    init() {}

    init(topology: PackTopology) {
        openWire = Array(repeating: false, count: topology.seriesCells)
        temperatureFault = Array(repeating: false, count: topology.temperatureSensors)
    }
}

extension BMSBusInterface {
    /// Decodes one received frame into events for the controller (appended to `events`, in order).
    ///
    /// Frames of unknown identifiers, malformed frames and messages the BMS does not consume add no
    /// events and are counted in ``statistics``; a failed end-to-end check adds
    /// ``BMSEvent/e2eFailure(message:)`` and nothing else, and the next good frame of the same sender adds
    /// ``BMSEvent/e2eRecovered(message:)`` after its content. Never traps, whatever the bytes.
    public mutating func receive(_ frame: CANFrame, atNanoseconds now: Int64, into events: inout [BMSEvent]) {
        statistics.received += 1
        guard !frame.isErrorFrame, !frame.isRemoteRequest else {
            statistics.malformed += 1
            return
        }
        let key = frame.id.socketCANValue
        guard let index = receiverIndex[key] else {
            if ignoredIdentifiers.contains(key) { statistics.ignored += 1 } else { statistics.unknownIdentifiers += 1 }
            return
        }
        switch receivers[index].e2e.check(frame) {
        case .wrongLength, .wrongFrame:
            statistics.malformed += 1
            return
        case .badCRC, .repeated:
            statistics.e2eFailures += 1
            receiveState.outstandingE2EFailures[index] = min(receiveState.outstandingE2EFailures[index] + 1, 1_000)
            events.append(.e2eFailure(message: receivers[index].message))
            return
        case .skipped(let lost):
            statistics.lostFrames += lost
        case .ok, .initial:
            break
        }
        let decoded: DecodedFrame
        do {
            decoded = try receivers[index].binding.codec.decode(frame)
        } catch {
            statistics.malformed += 1
            return
        }
        let before = events.count
        let accepted: Bool
        switch receivers[index].kind {
        case .stateRequest: accepted = receiveStateRequest(decoded, into: &events)
        case .contactorFeedback: accepted = receiveContactorFeedback(decoded, into: &events)
        case .chargerStatus: accepted = receiveChargerStatus(decoded, now: now, into: &events)
        case .gas: accepted = receiveGas(decoded, into: &events)
        case .pressure: accepted = receivePressure(decoded, into: &events)
        case .smoke: accepted = receiveSmoke(decoded, into: &events)
        case .insulation: accepted = receiveInsulation(decoded, into: &events)
        case .cellVoltages(let board): accepted = receiveCellVoltages(decoded, board: cellVoltageBoards[board], into: &events)
        case .cellTemperatures(let board): accepted = receiveTemperatures(decoded, board: temperatureBoards[board], into: &events)
        case .ivt(let result): accepted = receiveIVT(decoded, ivt[result], into: &events)
        }
        if accepted {
            statistics.consumed += 1
            if receiveState.outstandingE2EFailures[index] > 0 {
                receiveState.outstandingE2EFailures[index] -= 1
                events.append(.e2eRecovered(message: receivers[index].message))
            }
        } else {
            events.removeSubrange(before...)
            statistics.malformed += 1
        }
    }

    /// Time-driven receive events: the charger counts as gone when its status has not arrived for the
    /// timeout and not since the previous poll (so a coarse step, with one status per step, keeps it).
    public mutating func poll(atNanoseconds now: Int64, into events: inout [BMSEvent]) {
        if receiveState.chargerAlive, !receiveState.chargerSeenSincePoll {
            let (age, overflow) = now.subtractingReportingOverflow(receiveState.chargerSeenAt)
            if overflow || age > settings.chargerTimeoutMilliseconds * 1_000_000 {
                receiveState.chargerAlive = false
                emitChargerStatus(into: &events, force: false)
            }
        }
        receiveState.chargerSeenSincePoll = false
        receiveState.lastPollAt = now
    }

    // MARK: Messages

    private mutating func receiveStateRequest(_ frame: DecodedFrame, into events: inout [BMSEvent]) -> Bool {
        let handles = stateRequest
        guard let modeRaw = frame.raw(handles.mode), let reset = frame.raw(handles.resetFaults),
            let connected = frame.raw(handles.chargerConnected)
        else { return false }
        let mode: ModeRequest
        switch modeRaw {
        case 0: mode = .standby
        case 1: mode = .normal
        case 2: mode = .charge
        case 3: mode = .balance
        case 4: mode = .heal
        default: return false
        }
        // The protocol a heal request names (0 Automatic: the diagnosis chooses); sent before the mode.
        if mode == .heal, let code = frame.raw(handles.healingProtocol) {
            events.append(.healingProtocolRequested(HealingProtocol(busCode: code)))
        }
        if let allowed = frame.raw(handles.healingAllowed).map({ $0 == 1 }), allowed != receiveState.healingAllowed {
            receiveState.healingAllowed = allowed
            events.append(.automaticHealingAllowed(allowed))
        }
        events.append(.stateRequested(mode))
        // Rising edge of the reset bit, after the mode it came with.
        if reset == 1, !receiveState.resetBit { events.append(.faultResetRequested) }
        receiveState.resetBit = reset == 1
        let plugged = connected == 1
        if plugged != receiveState.vcuChargerConnected {
            receiveState.vcuChargerConnected = plugged
            emitChargerStatus(into: &events, force: false)
        }
        return true
    }

    private mutating func receiveContactorFeedback(_ frame: DecodedFrame, into events: inout [BMSEvent]) -> Bool {
        var states: [Int64] = []
        for handle in contactorFeedback.states {
            guard let raw = frame.raw(handle) else { return false }
            states.append(raw)
        }
        for (contactor, state) in zip(Contactor.allCases, states) {
            // 0 Open, 1 Closed. Transition and Invalid say nothing new: the last position stands, so a
            // contactor that never reports Open again after an open command is found welded.
            switch state {
            case 0: events.append(.contactorFeedback(contactor, closed: false))
            case 1: events.append(.contactorFeedback(contactor, closed: true))
            default: break
            }
        }
        return true
    }

    private mutating func receiveChargerStatus(_ frame: DecodedFrame, now: Int64, into events: inout [BMSEvent]) -> Bool {
        let handles = chargerStatus
        guard let mode = frame.raw(handles.mode), let overtemperature = frame.raw(handles.overtemperature),
            let outputFault = frame.raw(handles.outputFault)
        else { return false }
        receiveState.chargerSeenAt = now
        receiveState.chargerSeenSincePoll = true
        receiveState.chargerAlive = true
        // Mode 5 is Fault; the charger's own fault flags count as well.
        receiveState.chargerFaulted = mode == 5 || overtemperature == 1 || outputFault == 1
        emitChargerStatus(into: &events, force: true)
        return true
    }

    mutating func emitChargerStatus(into events: inout [BMSEvent], force: Bool) {
        let status = ChargerStatus(
            connected: receiveState.vcuChargerConnected && receiveState.chargerAlive, bidirectional: settings.chargerBidirectional,
            faulted: receiveState.chargerFaulted)
        guard force || status != receiveState.lastChargerStatus else { return }
        receiveState.lastChargerStatus = status
        events.append(.chargerStatus(status))
    }

    /// Sensor status of the enclosure sensors: 0 Ok, 1 WarmingUp, 2 Fault, 3 OutOfRange.
    private enum EnclosureStatus {
        /// `overRange`: the reading sits at the range end because the quantity is above it (bms.dbc
        /// `OutOfRange`); for a gas sensor that is a lot of gas, not a broken sensor.
        case ok, warmingUp, fault, overRange

        init?(_ raw: Int64) {
            switch raw {
            case 0: self = .ok
            case 1: self = .warmingUp
            case 2: self = .fault
            case 3: self = .overRange
            default: return nil
            }
        }
    }

    private mutating func receiveGas(_ frame: DecodedFrame, into events: inout [BMSEvent]) -> Bool {
        guard let raw = frame.raw(gas.hydrogen), let statusRaw = frame.raw(gas.status), let status = EnclosureStatus(statusRaw) else {
            return false
        }
        switch status {
        case .warmingUp:
            // Alive, no reading yet: not a communication loss (the firmware reports the sensor as starting up).
            events.append(.sensorStartingUp(.gas(0)))
        case .fault:
            Self.setFault(&receiveState.gasFault, true, .gasSensor(0), into: &events)
        case .ok, .overRange:
            // 65535 is the database's Invalid value: a fault, not a concentration. A saturated reading is the
            // range end, a valid (high) concentration: the tracker's step check still catches a sensor that
            // jumps there within one sample.
            let invalid = frame.hasValueName(gas.hydrogen)
            Self.setFault(&receiveState.gasFault, invalid, .gasSensor(0), into: &events)
            if !invalid { events.append(.gasMeasured(sensor: 0, hydrogenPartsPerMillion: Int32(clamping: raw))) }
        }
        return true
    }

    private mutating func receivePressure(_ frame: DecodedFrame, into events: inout [BMSEvent]) -> Bool {
        guard let delta = frame.raw(pressure.enclosureDelta), let statusRaw = frame.raw(pressure.status),
            let status = EnclosureStatus(statusRaw)
        else { return false }
        switch status {
        case .warmingUp:
            events.append(.sensorStartingUp(.pressure(0)))
        case .fault, .overRange:
            // Any of three channels out of range, holding its last in-range value: no usable reading.
            Self.setFault(&receiveState.pressureFault, true, .pressureSensor(0), into: &events)
        case .ok:
            Self.setFault(&receiveState.pressureFault, false, .pressureSensor(0), into: &events)
            // Gauge (database) → absolute (controller): the standard atmosphere as reference.
            events.append(.pressureMeasured(sensor: 0, pascals: Int32(clamping: Int64(settings.atmosphericPascals) + delta)))
        }
        return true
    }

    private mutating func receiveSmoke(_ frame: DecodedFrame, into events: inout [BMSEvent]) -> Bool {
        guard let detected = frame.raw(smoke.detected), let fault = frame.raw(smoke.fault) else { return false }
        Self.setFault(&receiveState.smokeFault, fault == 1, .smokeSensor(0), into: &events)
        if fault == 0 { events.append(.smokeMeasured(sensor: 0, detected: detected == 1)) }
        return true
    }

    private mutating func receiveInsulation(_ frame: DecodedFrame, into events: inout [BMSEvent]) -> Bool {
        guard let kiloohms = frame.raw(insulation.resistance), let status = frame.raw(insulation.status),
            let valid = frame.raw(insulation.valid), let selfTest = frame.raw(insulation.selfTest)
        else { return false }
        // Only a valid measurement outside a self test from a working device is a reading (status 3 is
        // DeviceFault, which the insulation timeout covers); a working device without a reading yet (self
        // test, first measurement) is alive and starting up.
        if valid == 1, selfTest == 0, status != 3 {
            events.append(.insulationMeasured(kiloohms: Int32(clamping: kiloohms)))
        } else if status != 3 {
            events.append(.sensorStartingUp(.insulation))
        }
        return true
    }

    private mutating func receiveCellVoltages(_ frame: DecodedFrame, board: CellBoardHandles, into events: inout [BMSEvent]) -> Bool {
        guard let page = frame.raw(board.multiplexer), page >= 0, Int(page) < board.pages.count else { return false }
        var first = -1
        var run: [Int32] = []
        for channel in board.pages[Int(page)] {
            guard let reading = frame.integerReading(channel.handle) else { return false }
            let raw = reading.raw
            let cell = channel.index
            guard cell < topology.seriesCells else { continue }
            // Coded values (65534 OpenWire, 65535 Invalid) go on as their raw code, outside the valid
            // 1.0-5.0 V window: the controller classifies the block a measurement fault, never a cell state.
            // The name only for a coded value (looking it up for every cell would copy the value table).
            let openWire = reading.isNamed && frame.valueName(channel.handle) == "OpenWire"
            Self.setFault(&receiveState.openWire[cell], openWire, .cellVoltageOpenWire(cell: cell), into: &events)
            if first >= 0, first + run.count != cell {
                events.append(.cellVoltagesMeasured(firstCell: first, millivolts: run))
                run.removeAll(keepingCapacity: true)
            }
            if run.isEmpty { first = cell }
            run.append(Int32(clamping: raw))
        }
        if !run.isEmpty { events.append(.cellVoltagesMeasured(firstCell: first, millivolts: run)) }
        return true
    }

    private mutating func receiveTemperatures(_ frame: DecodedFrame, board: CellBoardHandles, into events: inout [BMSEvent]) -> Bool {
        guard let page = frame.raw(board.multiplexer), page >= 0, Int(page) < board.pages.count else { return false }
        var first = -1
        var run: [Int32] = []
        func flush() {
            if !run.isEmpty { events.append(.cellTemperaturesMeasured(firstSensor: first, deciCelsius: run, channel: .primary)) }
            run.removeAll(keepingCapacity: true)
        }
        for channel in board.pages[Int(page)] {
            guard let reading = frame.integerReading(channel.handle) else { return false }
            let physical = reading.physical
            let sensor = channel.index
            guard sensor < topology.temperatureSensors else { continue }
            // 4094 SensorShorted / 4095 SensorOpen: a broken thermistor, reported as such and never
            // passed on as a temperature (it would read ~309 °C).
            let coded = reading.isNamed
            if coded || (first >= 0 && first + run.count != sensor) || coded != receiveState.temperatureFault[sensor] { flush() }
            Self.setFault(&receiveState.temperatureFault[sensor], coded, .temperatureSensor(sensor: sensor), into: &events)
            if coded { continue }
            if run.isEmpty { first = sensor }
            run.append(Int32(clamping: (physical * 10).rounded()))
        }
        flush()
        return true
    }

    private mutating func receiveIVT(_ frame: DecodedFrame, _ handles: IVTResultHandles, into events: inout [BMSEvent]) -> Bool {
        guard let identifier = frame.raw(handles.identifier), identifier == handles.expectedIdentifier,
            let value = frame.raw(handles.value)
        else { return false }
        var error = false
        for handle in handles.errors {
            guard let bit = frame.raw(handle) else { return false }
            if bit == 1 { error = true }
        }
        switch handles.kind {
        case .current:
            Self.setFault(&receiveState.currentFault, error, .currentSensor, into: &events)
            // bms.dbc counts charging positive; the controller counts discharge positive.
            events.append(.packCurrentMeasured(milliamperes: Int32(clamping: Self.negated(value))))
        case .chargeCounter:
            if !error { events.append(.chargeCounterMeasured(ampereSeconds: Self.negated(value))) }
        case .packVoltage:
            if !error { events.append(.packVoltageMeasured(millivolts: Int32(clamping: value))) }
        case .linkVoltage:
            if !error { events.append(.linkVoltageMeasured(millivolts: Int32(clamping: value))) }
        }
        return true
    }

    /// Emits a sensor-fault event when a node-reported fault changes.
    private static func setFault(_ flag: inout Bool, _ active: Bool, _ fault: SensorFault, into events: inout [BMSEvent]) {
        guard flag != active else { return }
        flag = active
        events.append(active ? .sensorFaultReported(fault) : .sensorFaultCleared(fault))
    }

    /// −value without trapping on `Int64.min`.
    static func negated(_ value: Int64) -> Int64 { value == .min ? .max : -value }
}
