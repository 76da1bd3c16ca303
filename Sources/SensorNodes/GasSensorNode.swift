public import CANCore
public import CANDatabase
import CellPack
import SeededRandom

/// The emulated enclosure gas sensor (`GAS_Concentrations`: H₂, CO, CO₂ in ppm and a status).
///
/// Each species is the pack's enclosure concentration plus the air's background, through a first-order
/// response with the sensor's t90, plus Gaussian noise. During the warm-up after power-on the status is
/// `WarmingUp` and every value `Invalid`; above its measuring range a value reads the range end with status
/// `OutOfRange`; a dropped channel reads `Invalid` with status `Fault`.
public struct GasSensorNode: Sendable, FaultableNode {
    static let invalid: Int64 = 65535

    enum Status: Int64 {
        case ok = 0, warmingUp = 1, fault = 2, outOfRange = 3
    }

    var message: OutgoingMessage
    let values: [ScaledSignal]
    let status: SignalHandle
    var schedule: PeriodicSchedule
    var lags: [FirstOrderLag]
    let noisePPM: [Double]
    let fullScalePPM: [Double]
    let backgroundPPM: [Double]
    let warmUpNanoseconds: Int64
    var powerOn: Int64?
    var lastSample: Int64?

    var faults: ChannelFaults
    var transmitter: NodeTransmitter
    var noise: Xoshiro256
    /// The node receives no commands; kept for a uniform interface.
    public internal(set) var counters = CommandCounters()
    public internal(set) var encodeFailures = 0
    public internal(set) var nextDueNanoseconds: Int64

    public var address: NodeAddress { .gasSensor }
    var sendsChecksums: Bool { message.profile?.checksumByte != nil }
    var channels: [SensorChannel] { [.hydrogen, .carbonMonoxide, .carbonDioxide] }
    func channelIndex(_ channel: SensorChannel) -> Int? { channels.firstIndex(of: channel) }

    public init(configuration config: NodeConfiguration, database: CANDatabase, seed: UInt64) throws(NodeSetupError) {
        message = try OutgoingMessage("GAS_Concentrations", node: "GAS", database: database)
        values = [try message.scaled("Gas_H2"), try message.scaled("Gas_CO"), try message.scaled("Gas_CO2")]
        status = try message.handle("Gas_SensorStatus")
        let phase = nanoseconds(milliseconds: config[.gasPhase])
        schedule = PeriodicSchedule(phaseNanoseconds: phase, periodNanoseconds: try message.cycleNanoseconds())
        lags = [
            FirstOrderLag(t90Seconds: config[.hydrogenResponse]), FirstOrderLag(t90Seconds: config[.carbonMonoxideResponse]),
            FirstOrderLag(t90Seconds: config[.carbonDioxideResponse]),
        ]
        noisePPM = [config[.hydrogenNoise], config[.carbonMonoxideNoise], config[.carbonDioxideNoise]]
        fullScalePPM = [config[.hydrogenFullScale], config[.carbonMonoxideFullScale], config[.carbonDioxideFullScale]]
        backgroundPPM = [config[.hydrogenBackground], config[.carbonMonoxideBackground], config[.carbonDioxideBackground]]
        warmUpNanoseconds = nanoseconds(seconds: config[.gasWarmUp])
        let stream = NodeAddress.gasSensor.randomStream(.faults)
        faults = ChannelFaults(random: Xoshiro256(seed: seed, stream: stream))
        transmitter = NodeTransmitter(random: Xoshiro256(seed: seed, stream: stream ^ 0xFF))
        noise = Xoshiro256(seed: seed, stream: NodeAddress.gasSensor.randomStream(.noise))
        nextDueNanoseconds = phase
    }

    /// `true` while the node is bus-off.
    public var isBusOff: Bool { transmitter.isBusOff }

    /// Samples and sends `GAS_Concentrations` when due.
    public mutating func step(nowNanoseconds now: Int64, observation: PackObservation, into output: inout [CANFrame]) {
        guard now >= nextDueNanoseconds else { return }
        let start = powerOn ?? now
        powerOn = start
        if schedule.fire(at: now) {
            let elapsed = lastSample.map { seconds(now - $0) } ?? 0
            lastSample = now
            let gas = observation.pack.enclosureGasPPM
            let truth = [gas.hydrogen, gas.carbonMonoxide, gas.carbonDioxide]
            let warming = now - start < warmUpNanoseconds
            var state = warming ? Status.warmingUp : Status.ok
            var raws: [Int64] = [Self.invalid, Self.invalid, Self.invalid]
            for channel in 0..<3 {
                let sensed = lags[channel].update(towards: truth[channel] + backgroundPPM[channel], seconds: elapsed)
                var reading = sensed + noise.nextGaussian() * noisePPM[channel]
                reading = faults.apply(reading, channel: channel, at: now)
                if faults.isDropped(channel) || !reading.isFinite {
                    state = .fault
                    continue
                }
                guard !warming else { continue }
                if reading > fullScalePPM[channel] {
                    reading = fullScalePPM[channel]
                    if state == .ok { state = .outOfRange }
                }
                raws[channel] = values[channel].raw(max(reading, 0)) ?? Self.invalid
            }
            message.begin()
            var complete = message.set(status, raw: state.rawValue)
            for channel in 0..<3 { complete = message.set(values[channel].handle, raw: raws[channel]) && complete }
            if !(complete && transmitter.transmit(&message, at: now, into: &output)) { encodeFailures += 1 }
        }
        transmitter.flush(at: now, into: &output)
        updateNextDue()
    }

    mutating func updateNextDue() {
        nextDueNanoseconds = min(schedule.dueNanoseconds, transmitter.nextDueNanoseconds)
    }

    /// The gas sensor receives no commands.
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
