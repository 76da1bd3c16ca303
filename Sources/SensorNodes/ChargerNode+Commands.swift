public import CANCore
import CANDatabase

extension ChargerNode {
    /// Handles `BMS_ChargerCommand` and `BMS_ChargerProfile`; other frames are not for this node.
    ///
    /// A command is executed only when it passes every check: length, E2E (CRC and counter), multiplexer,
    /// and ranges (setpoint ≤ the charger's maximum current, voltage limit ≤ its maximum voltage, a known
    /// profile whose parameter set, once complete, describes a runnable period). Anything else is refused
    /// whole and counted; the charger keeps its last valid command and stops at the command timeout.
    public mutating func receive(_ frame: CANFrame, atNanoseconds now: Int64) {
        guard !transmitter.isBusOff else { return }
        if frame.id == commandMessage.identifier {
            receiveCommand(frame, at: now)
        } else if frame.id == profileMessage.identifier {
            receiveProfilePage(frame)
        }
    }

    private mutating func receiveCommand(_ frame: CANFrame, at now: Int64) {
        let before = counters
        guard let decoded = commandMessage.check(frame, counters: &counters) else {
            if counters.badCRC > before.badCRC || counters.repeatedCounter > before.repeatedCounter { lastCommandFailedE2E = true }
            return
        }
        lastCommandFailedE2E = false
        guard let setpointRaw = decoded.raw(commandSetpoint.handle), let voltageRaw = decoded.raw(commandVoltage.handle),
            let enable = decoded.raw(commandEnable), let profileRaw = decoded.raw(commandProfile),
            let set = decoded.raw(commandSet)
        else {
            counters.invalidMultiplexer += 1
            return
        }
        let setpoint = commandSetpoint.physical(setpointRaw)
        let voltage = commandVoltage.physical(voltageRaw)
        guard setpointRaw >= commandSetpoint.rawMinimum, setpointRaw <= commandSetpoint.rawMaximum, setpoint <= maximumAmps,
            voltageRaw >= commandVoltage.rawMinimum, voltageRaw <= commandVoltage.rawMaximum, voltage <= maximumVolts,
            let profile = HealingProfile(rawValue: profileRaw), (0...15).contains(set)
        else {
            counters.outOfRange += 1
            return
        }
        if enable == 1, profile != .none {
            let parameters = profileSets[Int(set)]
            if parameters.isComplete, !parameters.isRunnable(for: profile) {
                counters.notApplicable += 1
                return
            }
        }
        let accepted = Command(enable: enable == 1, setpointAmps: setpoint, voltageLimitVolts: voltage, profile: profile, profileSet: set)
        if accepted != command { lastCommandChange = now }
        command = accepted
        lastValidCommand = now
        commandTimedOut = false
        counters.accepted += 1
        controlRequested = true
        updateNextDue()
    }

    private mutating func receiveProfilePage(_ frame: CANFrame) {
        guard let decoded = profileMessage.check(frame, counters: &counters) else { return }
        guard let page = decoded.raw(profilePage), let set = decoded.raw(profileSetHandle), (0...15).contains(set) else {
            counters.invalidMultiplexer += 1
            return
        }
        var parameters = profileSets[Int(set)]
        switch page {
        case 0:
            guard let pulse = decoded.raw(profilePulse.handle), let reverse = decoded.raw(profileReverse.handle),
                pulse <= profilePulse.rawMaximum, reverse <= profileReverse.rawMaximum,
                profilePulse.physical(pulse) <= maximumAmps, profileReverse.physical(reverse) <= maximumReverseAmps
            else {
                counters.outOfRange += 1
                return
            }
            parameters.pulseAmps = profilePulse.physical(pulse)
            parameters.reverseAmps = profileReverse.physical(reverse)
        case 1:
            guard let on = decoded.raw(profileOn), let off = decoded.raw(profileOff) else {
                counters.invalidMultiplexer += 1
                return
            }
            parameters.onMilliseconds = on
            parameters.offMilliseconds = off
        case 2:
            guard let reverseTime = decoded.raw(profileReverseTime), let count = decoded.raw(profileCount) else {
                counters.invalidMultiplexer += 1
                return
            }
            parameters.reverseMilliseconds = reverseTime
            parameters.count = count
        default:
            counters.invalidMultiplexer += 1
            return
        }
        parameters.pages |= 1 << UInt8(page)
        profileSets[Int(set)] = parameters
        counters.accepted += 1
        controlRequested = true
        updateNextDue()
    }

    // MARK: Faults

    /// Injects a fault (backend API): value faults on `charger.current` / `.voltage` (what it reports) or
    /// `charger.output` (what it delivers), `output-fault`, `overtemperature`, or a bus fault.
    public mutating func inject(_ fault: SensorFault) throws(SensorFaultRejected) {
        try set(fault, on: true)
    }

    /// Removes one injected fault; `false` when it was not active.
    @discardableResult
    public mutating func clear(_ fault: SensorFault) -> Bool {
        guard activeFaults.contains(fault) else { return false }
        try? set(fault, on: false)
        return true
    }

    private mutating func set(_ fault: SensorFault, on: Bool) throws(SensorFaultRejected) {
        if case .charger(let kind) = fault {
            switch kind {
            case .outputFault: outputFault = on
            case .overtemperature: overtemperature = on
            }
        } else if try applyCommonFault(fault, on: on) == nil {
            throw SensorFaultRejected(fault, "\(address) cannot have this fault")
        }
        controlRequested = true
        updateNextDue()
    }

    /// Removes every injected fault.
    public mutating func clearFaults() {
        clearCommonFaults()
        outputFault = false
        overtemperature = false
        controlRequested = true
        updateNextDue()
    }

    /// Active injected faults.
    public var activeFaults: [SensorFault] {
        var result: [SensorFault] = []
        if outputFault { result.append(.charger(.outputFault)) }
        if overtemperature { result.append(.charger(.overtemperature)) }
        return result + commonActiveFaults
    }
}
