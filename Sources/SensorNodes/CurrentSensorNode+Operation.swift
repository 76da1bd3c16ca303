public import CANCore
import CANDatabase
import CellPack
import SeededRandom

extension CurrentSensorNode {
    /// Sends the results and responses due at `now`.
    public mutating func step(nowNanoseconds now: Int64, observation: PackObservation, into output: inout [CANFrame]) {
        guard now >= nextDueNanoseconds else { return }
        for index in results.indices {
            let cyclicDue = results[index].schedule.fire(at: now) && results[index].mode == .cyclic
            let triggered = results[index].triggerPending
            results[index].triggerPending = false
            guard isRunning, cyclicDue || triggered else { continue }
            sendResult(index, at: now, observation: observation, into: &output)
        }
        if !pendingResponses.isEmpty, now >= (lastResponseNanoseconds ?? .min) &+ responseIntervalNanoseconds {
            let response = pendingResponses.removeFirst()
            responseMessage.begin()
            var complete = responseMessage.set(responseIdentifier, raw: response.code)
            for (handle, value) in response.values { complete = responseMessage.set(handle, raw: value) && complete }
            if !(complete && transmitter.transmit(&responseMessage, at: now, into: &output)) { encodeFailures += 1 }
            lastResponseNanoseconds = now
        }
        transmitter.flush(at: now, into: &output)
        updateNextDue()
    }

    mutating func updateNextDue() {
        var due = transmitter.nextDueNanoseconds
        for result in results {
            if result.triggerPending { due = Int64.min }
            if result.mode == .cyclic { due = min(due, result.schedule.dueNanoseconds) }
        }
        if !pendingResponses.isEmpty {
            due = min(due, (lastResponseNanoseconds ?? .min) &+ responseIntervalNanoseconds)
        }
        nextDueNanoseconds = due
    }

    /// One result frame: measure, apply faults, quantise, flag.
    private mutating func sendResult(_ index: Int, at now: Int64, observation: PackObservation, into output: inout [CANFrame]) {
        let pack = observation.pack
        let result = Result(rawValue: index) ?? .current
        var value = 0.0
        var measurementError = false
        switch result {
        case .current:
            value = measure(-pack.packCurrentAmps, gain: currentGain, offset: currentOffsetAmps, sigma: currentNoiseAmps, channel: 0, at: now)
            measurementError = faults.isDropped(0)
            if measurementError { value = lastCurrentAmps } else { lastCurrentAmps = value }
        case .voltage1, .voltage2, .voltage3:
            let input = index == 1 ? pack.packVolts : index == 2 ? pack.linkVolts
                : (observation.contactors.precharge ? pack.packVolts : pack.linkVolts)
            value = measure(input, gain: voltageGains[index - 1], offset: voltageOffsetVolts[index - 1], sigma: voltageNoiseVolts, channel: index, at: now)
            measurementError = faults.isDropped(index)
            if index == 1 {
                if measurementError { value = lastVoltage1 } else { lastVoltage1 = value }
            }
        case .temperature:
            let elapsed = lastTemperatureUpdate.map { seconds(now - $0) } ?? 0
            lastTemperatureUpdate = now
            let meanSquare = squaredCurrentSeconds > 0 ? squaredCurrentIntegral / squaredCurrentSeconds : 0
            squaredCurrentIntegral = 0
            squaredCurrentSeconds = 0
            let target = ambientCelsius + shuntThermalResistance * shuntOhms * meanSquare
            let shunt = shuntLag.update(towards: target, seconds: elapsed)
            value = measure(shunt, gain: 1, offset: 0, sigma: temperatureNoiseCelsius, channel: 4, at: now)
            measurementError = faults.isDropped(4)
        case .power:
            value = lastCurrentAmps * lastVoltage1
            measurementError = faults.isDropped(0) || faults.isDropped(1)
        case .charge:
            value = chargeAmpereSeconds.rounded(.towardZero)
            measurementError = faults.isDropped(0)
        case .energy:
            value = (energyWattSeconds / 3600).rounded(.towardZero)
            measurementError = faults.isDropped(0) || faults.isDropped(1)
        }
        let overcurrent = abs(lastCurrentAmps) > overcurrentAmps
        // The protocol's units: mA and mV for I and U, the DBC scaling for the others.
        let physical = index <= 3 ? value * 1000 : value
        let entry = (
            identifier: results[index].identifier, value: results[index].value, overcurrent: results[index].overcurrent,
            channelError: results[index].channelError, measurementError: results[index].measurementError,
            systemError: results[index].systemError, raw: results[index].scale.raw(physical) ?? 0)
        results[index].message.begin()
        var complete = results[index].message.set(entry.identifier, raw: Int64(index))
        complete = results[index].message.set(entry.value, raw: entry.raw) && complete
        complete = results[index].message.set(entry.overcurrent, raw: overcurrent ? 1 : 0) && complete
        complete = results[index].message.set(entry.channelError, raw: 0) && complete
        complete = results[index].message.set(entry.measurementError, raw: measurementError ? 1 : 0) && complete
        complete = results[index].message.set(entry.systemError, raw: 0) && complete
        if !(complete && transmitter.transmit(&results[index].message, at: now, into: &output)) { encodeFailures += 1 }
    }

    /// A reading: gain, offset and noise of the device, then the channel's injected faults.
    private mutating func measure(_ input: Double, gain: Double, offset: Double, sigma: Double, channel: Int, at now: Int64) -> Double {
        let noiseSample = noise.nextGaussian() * sigma
        guard input.isFinite else { return 0 }
        let value = input * gain + offset + noiseSample
        return faults.isEmpty ? value : faults.apply(value, channel: channel, at: now)
    }

    // MARK: Commands

    /// Handles `IVT_Msg_Cmd`; other frames are not for this node.
    public mutating func receive(_ frame: CANFrame, atNanoseconds now: Int64) {
        guard !transmitter.isBusOff, frame.id == command.identifier else { return }
        let byte0 = Int64(frame.data.byte(at: 0) ?? 0)
        guard let decoded = command.check(frame, counters: &counters) else {
            if frame.data.count == command.codec.message.length { reject(byte0) }
            return
        }
        guard let code = decoded.raw(commandCode) else { return reject(byte0, outOfRange: true) }
        switch code {
        case 0x20...0x27:
            let index = Int(code - 0x20)
            guard let rawMode = decoded.raw(commandMode), let mode = ResultMode(rawValue: rawMode),
                let cycle = decoded.raw(commandCycle), cycle <= 60_000, mode != .cyclic || cycle >= 1
            else { return reject(code, outOfRange: true) }
            results[index].mode = mode
            if mode == .cyclic {
                results[index].cycleMilliseconds = cycle
                results[index].schedule = PeriodicSchedule(phaseNanoseconds: now + cycle * 1_000_000, periodNanoseconds: cycle * 1_000_000)
            }
            respond(0xA0 + Int64(index), [(responseMode, rawMode), (responseCycle, cycle)])
        case 0x30:
            guard let items = decoded.raw(commandReset), (1...3).contains(items) else { return reject(code, outOfRange: true) }
            if items & 1 != 0 { chargeAmpereSeconds = 0 }
            if items & 2 != 0 { energyWattSeconds = 0 }
            respond(0xB0, [(responseReset, items)])
        case 0x31:
            guard let mask = decoded.raw(commandTrigger) else { return reject(code, outOfRange: true) }
            guard isRunning else {
                counters.notApplicable += 1
                return
            }
            for index in results.indices where mask & (1 << Int64(index)) != 0 && results[index].mode == .triggered {
                results[index].triggerPending = true
            }
        case 0x34:
            guard let run = decoded.raw(commandRunMode), run == 0 || run == 1 else { return reject(code, outOfRange: true) }
            isRunning = run == 1
            if isRunning { lastIntegration = now }
            respond(0xB4, [(responseRunMode, run)])
        default:
            return reject(code, outOfRange: true)
        }
        counters.accepted += 1
        updateNextDue()
    }

    /// Queues `WrongCommand` (0xFF) for a refused command; counts it when the frame itself was valid.
    private mutating func reject(_ code: Int64, outOfRange: Bool = false) {
        if outOfRange { counters.outOfRange += 1 }
        respond(0xFF, [(responseRejected, code & 0xFF)])
        updateNextDue()
    }

    private mutating func respond(_ code: Int64, _ values: [(SignalHandle, Int64)]) {
        // A sensor's response buffer is small; a flood of commands loses the oldest answers.
        if pendingResponses.count >= 16 { pendingResponses.removeFirst() }
        pendingResponses.append((code, values))
    }

    // MARK: Faults

    /// Injects a value or bus fault (backend API).
    public mutating func inject(_ fault: SensorFault) throws(SensorFaultRejected) { try injectCommonFault(fault) }

    /// Removes one injected fault; `false` when it was not active.
    @discardableResult
    public mutating func clear(_ fault: SensorFault) -> Bool { clearCommonFault(fault) }

    /// Removes every injected fault.
    public mutating func clearFaults() { clearAllCommonFaults() }

    /// Active injected faults.
    public var activeFaults: [SensorFault] { commonActiveFaults }
}
