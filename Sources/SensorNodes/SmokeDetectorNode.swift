public import CANCore
public import CANDatabase
import CellPack
import RealModule
import SeededRandom

/// The emulated photoelectric smoke detector (`SMOKE_Status`).
///
/// Obscuration over 1 m of path from the enclosure's smoke mass concentration (Beer–Lambert with the smoke's
/// mass-specific extinction coefficient), through the detector's response (t90), plus noise. `Smoke_Detected`
/// is set at or above the alarm threshold. A dropped channel sets `Smoke_SensorFault`, clears the alarm
/// and keeps the last obscuration.
public struct SmokeDetectorNode: Sendable, FaultableNode {
    var message: OutgoingMessage
    let obscuration: ScaledSignal
    let detected: SignalHandle
    let sensorFault: SignalHandle
    var schedule: PeriodicSchedule
    let extinctionSquareMetresPerGram: Double
    let thresholdPercentPerMetre: Double
    let noisePercentPerMetre: Double
    var lag: FirstOrderLag
    var lastSample: Int64?
    var lastRaw: Int64 = 0

    var faults: ChannelFaults
    var transmitter: NodeTransmitter
    var noise: Xoshiro256
    public internal(set) var counters = CommandCounters()
    public internal(set) var encodeFailures = 0
    public internal(set) var nextDueNanoseconds: Int64

    public var address: NodeAddress { .smokeDetector }
    var sendsChecksums: Bool { message.profile?.checksumByte != nil }
    var channels: [SensorChannel] { [.smokeObscuration] }
    func channelIndex(_ channel: SensorChannel) -> Int? { channels.firstIndex(of: channel) }

    public init(configuration config: NodeConfiguration, database: CANDatabase, seed: UInt64) throws(NodeSetupError) {
        message = try OutgoingMessage("SMOKE_Status", node: "SMOKE", database: database)
        obscuration = try message.scaled("Smoke_Obscuration")
        detected = try message.handle("Smoke_Detected")
        sensorFault = try message.handle("Smoke_SensorFault")
        let phase = nanoseconds(milliseconds: config[.smokePhase])
        schedule = PeriodicSchedule(phaseNanoseconds: phase, periodNanoseconds: try message.cycleNanoseconds())
        extinctionSquareMetresPerGram = config[.smokeMassExtinction]
        thresholdPercentPerMetre = config[.smokeAlarmThreshold]
        noisePercentPerMetre = config[.smokeNoise]
        lag = FirstOrderLag(t90Seconds: config[.smokeResponse])
        let stream = NodeAddress.smokeDetector.randomStream(.faults)
        faults = ChannelFaults(random: Xoshiro256(seed: seed, stream: stream))
        transmitter = NodeTransmitter(random: Xoshiro256(seed: seed, stream: stream ^ 0xFF))
        noise = Xoshiro256(seed: seed, stream: NodeAddress.smokeDetector.randomStream(.noise))
        nextDueNanoseconds = phase
    }

    /// `true` while the node is bus-off.
    public var isBusOff: Bool { transmitter.isBusOff }

    /// Obscuration over 1 m for a smoke mass concentration, %/m.
    func obscurationPercent(milligramsPerCubicMetre: Double) -> Double {
        let extinctionPerMetre = extinctionSquareMetresPerGram * max(milligramsPerCubicMetre, 0) * 1e-3
        return -Double.expMinusOne(-extinctionPerMetre) * 100
    }

    /// Samples and sends `SMOKE_Status` when due.
    public mutating func step(nowNanoseconds now: Int64, observation: PackObservation, into output: inout [CANFrame]) {
        guard now >= nextDueNanoseconds else { return }
        if schedule.fire(at: now) {
            let elapsed = lastSample.map { seconds(now - $0) } ?? 0
            lastSample = now
            let truth = obscurationPercent(milligramsPerCubicMetre: observation.pack.smokeMilligramsPerCubicMetre)
            let sensed = lag.update(towards: truth, seconds: elapsed)
            var reading = sensed + noise.nextGaussian() * noisePercentPerMetre
            reading = faults.apply(reading, channel: 0, at: now)
            let failed = faults.isDropped(0) || !reading.isFinite
            if !failed { lastRaw = obscuration.raw(max(reading, 0)) ?? lastRaw }
            let alarm = !failed && reading >= thresholdPercentPerMetre
            message.begin()
            var complete = message.set(obscuration.handle, raw: lastRaw)
            complete = message.set(detected, raw: alarm ? 1 : 0) && complete
            complete = message.set(sensorFault, raw: failed ? 1 : 0) && complete
            if !(complete && transmitter.transmit(&message, at: now, into: &output)) { encodeFailures += 1 }
        }
        transmitter.flush(at: now, into: &output)
        updateNextDue()
    }

    mutating func updateNextDue() {
        nextDueNanoseconds = min(schedule.dueNanoseconds, transmitter.nextDueNanoseconds)
    }

    /// The smoke detector receives no commands.
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
