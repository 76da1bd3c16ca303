public import CANCore
public import CANDatabase
import CellPack
import SeededRandom

/// The emulated insulation monitoring device (`IMD_Insulation`, one measurement per DBC cycle like a Bender
/// iso165c).
///
/// After power-on it runs a self test (`Imd_SelfTestActive`, measurement invalid). Then it reports the pack's
/// isolation resistance in kΩ through its response (a first-order lag on the conductance, t90), with relative
/// noise; above its range it sends `AboveRange`. Status: `Alarm` below the alarm threshold, `Warning` below
/// the warning threshold. A dropped channel reports `DeviceFault` with the measurement invalid. The pack
/// truth carries no fault location, so `Imd_FaultLocation` is `Unknown`.
public struct InsulationMonitorNode: Sendable, FaultableNode {
    static let aboveRange: Int64 = 65535

    enum Status: Int64 {
        case ok = 0, warning = 1, alarm = 2, deviceFault = 3
    }

    var message: OutgoingMessage
    let resistance: ScaledSignal
    let status: SignalHandle
    let valid: SignalHandle
    let selfTest: SignalHandle
    let location: SignalHandle
    var schedule: PeriodicSchedule
    let relativeNoise: Double
    let warningKiloohms: Double
    let alarmKiloohms: Double
    let maximumKiloohms: Double
    let selfTestNanoseconds: Int64
    /// Lag on the conductance, µS.
    var lag: FirstOrderLag
    var powerOn: Int64?
    var lastSample: Int64?

    var faults: ChannelFaults
    var transmitter: NodeTransmitter
    var noise: Xoshiro256
    public internal(set) var counters = CommandCounters()
    public internal(set) var encodeFailures = 0
    public internal(set) var nextDueNanoseconds: Int64

    public var address: NodeAddress { .insulationMonitor }
    var sendsChecksums: Bool { message.profile?.checksumByte != nil }
    var channels: [SensorChannel] { [.insulationResistance] }
    func channelIndex(_ channel: SensorChannel) -> Int? { channels.firstIndex(of: channel) }

    public init(configuration config: NodeConfiguration, database: CANDatabase, seed: UInt64) throws(NodeSetupError) {
        message = try OutgoingMessage("IMD_Insulation", node: "IMD", database: database)
        resistance = try message.scaled("Imd_InsulationResistance")
        status = try message.handle("Imd_Status")
        valid = try message.handle("Imd_MeasurementValid")
        selfTest = try message.handle("Imd_SelfTestActive")
        location = try message.handle("Imd_FaultLocation")
        let phase = nanoseconds(milliseconds: config[.insulationPhase])
        schedule = PeriodicSchedule(phaseNanoseconds: phase, periodNanoseconds: try message.cycleNanoseconds())
        relativeNoise = config[.insulationRelativeNoise]
        warningKiloohms = config[.insulationWarning]
        alarmKiloohms = config[.insulationAlarm]
        maximumKiloohms = config[.insulationMaximum]
        selfTestNanoseconds = nanoseconds(seconds: config[.insulationSelfTest])
        lag = FirstOrderLag(t90Seconds: config[.insulationResponse])
        let stream = NodeAddress.insulationMonitor.randomStream(.faults)
        faults = ChannelFaults(random: Xoshiro256(seed: seed, stream: stream))
        transmitter = NodeTransmitter(random: Xoshiro256(seed: seed, stream: stream ^ 0xFF))
        noise = Xoshiro256(seed: seed, stream: NodeAddress.insulationMonitor.randomStream(.noise))
        nextDueNanoseconds = phase
    }

    /// `true` while the node is bus-off.
    public var isBusOff: Bool { transmitter.isBusOff }

    /// Measures and sends `IMD_Insulation` when due.
    public mutating func step(nowNanoseconds now: Int64, observation: PackObservation, into output: inout [CANFrame]) {
        guard now >= nextDueNanoseconds else { return }
        let start = powerOn ?? now
        powerOn = start
        if schedule.fire(at: now) {
            var raw = Self.aboveRange
            var state = Status.ok
            var measurementValid = false
            let testing = now - start < selfTestNanoseconds
            let noiseSample = noise.nextGaussian()
            if !testing {
                let elapsed = lastSample.map { seconds(now - $0) } ?? 0
                lastSample = now
                let truthKiloohms = observation.pack.isolationOhms / 1000
                let microsiemens = truthKiloohms > 0 ? 1000 / truthKiloohms : .infinity
                let sensed = lag.update(towards: microsiemens, seconds: elapsed)
                var kiloohms = (sensed > 0 ? 1000 / sensed : .infinity) * (1 + relativeNoise * noiseSample)
                kiloohms = faults.apply(kiloohms, channel: 0, at: now)
                if faults.isDropped(0) || kiloohms.isNaN {
                    state = .deviceFault
                } else {
                    measurementValid = true
                    kiloohms = max(kiloohms, 0)
                    if kiloohms < alarmKiloohms { state = .alarm } else if kiloohms < warningKiloohms { state = .warning }
                    if kiloohms <= maximumKiloohms { raw = resistance.raw(kiloohms) ?? Self.aboveRange }
                }
            }
            message.begin()
            var complete = message.set(resistance.handle, raw: raw)
            complete = message.set(status, raw: state.rawValue) && complete
            complete = message.set(valid, raw: measurementValid ? 1 : 0) && complete
            complete = message.set(selfTest, raw: testing ? 1 : 0) && complete
            complete = message.set(location, raw: 0) && complete
            if !(complete && transmitter.transmit(&message, at: now, into: &output)) { encodeFailures += 1 }
        }
        transmitter.flush(at: now, into: &output)
        updateNextDue()
    }

    mutating func updateNextDue() {
        nextDueNanoseconds = min(schedule.dueNanoseconds, transmitter.nextDueNanoseconds)
    }

    /// The insulation monitor receives no commands on this bus.
    public mutating func receive(_ frame: CANFrame, atNanoseconds now: Int64) {}

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
