public import CANCore
public import CANDatabase
import CellPack
import SeededRandom

/// The emulated stack-pressure / swelling sensor (`PRESS_PackPressure`).
///
/// - Expansion: the summed thickness change of every cell in groups `first_group...last_group` (one module
///   stack) against their thickness when new and discharged (the sensor is zeroed at assembly; if the cells
///   cannot tell, at the first sample), µm. A lithium-metal stack then reads about 0 when empty and several
///   mm when full, whatever state a scenario starts in.
/// - Stack pressure: the fixture's preload plus its stiffness × expansion (a spring fixture), kPa.
/// - Enclosure gauge pressure: the released gas in a closed enclosure, ΔP = P_atm · x / (1 − x) with x the
///   enclosure's total gas fraction (ppm · 10⁻⁶) [derived; a venting cell shows as a positive step].
/// Each through a first-order response (t90) plus noise. A dropped channel keeps its last value and sets
/// status `Fault`; a clamped value sets `OutOfRange`.
public struct PressureSensorNode: Sendable, FaultableNode {
    enum Status: Int64 {
        case ok = 0, warmingUp = 1, fault = 2, outOfRange = 3
    }

    var message: OutgoingMessage
    let stack: ScaledSignal
    let enclosure: ScaledSignal
    let expansion: ScaledSignal
    let status: SignalHandle
    var schedule: PeriodicSchedule
    let firstGroup: Int
    let lastGroup: Int
    let seriesGroups: Int
    let preloadKilopascals: Double
    let stiffnessKilopascalsPerMicrometre: Double
    let atmosphericPascals: Double
    var stackLag: FirstOrderLag
    var expansionLag: FirstOrderLag
    var enclosureLag: FirstOrderLag
    let noise3: [Double]
    /// Stack thickness at the first sample, mm.
    var referenceThicknessMillimetres: Double?
    var lastSample: Int64?
    var lastRaw: [Int64] = [0, 0, 0]

    var faults: ChannelFaults
    var transmitter: NodeTransmitter
    var noise: Xoshiro256
    public internal(set) var counters = CommandCounters()
    public internal(set) var encodeFailures = 0
    public internal(set) var nextDueNanoseconds: Int64

    public var address: NodeAddress { .pressureSensor }
    var sendsChecksums: Bool { message.profile?.checksumByte != nil }
    var channels: [SensorChannel] { [.stackPressure, .enclosurePressure, .stackExpansion] }
    func channelIndex(_ channel: SensorChannel) -> Int? { channels.firstIndex(of: channel) }

    public init(configuration config: NodeConfiguration, database: CANDatabase, seed: UInt64) throws(NodeSetupError) {
        message = try OutgoingMessage("PRESS_PackPressure", node: "PRESS", database: database)
        stack = try message.scaled("Press_StackPressure")
        enclosure = try message.scaled("Press_EnclosureDelta")
        expansion = try message.scaled("Press_StackExpansion")
        status = try message.handle("Press_SensorStatus")
        let phase = nanoseconds(milliseconds: config[.pressurePhase])
        schedule = PeriodicSchedule(phaseNanoseconds: phase, periodNanoseconds: try message.cycleNanoseconds())
        firstGroup = Int(config[.pressureFirstGroup]) - 1
        lastGroup = Int(config[.pressureLastGroup]) - 1
        seriesGroups = config.seriesGroupCount
        preloadKilopascals = config[.stackPreload]
        stiffnessKilopascalsPerMicrometre = config[.stackStiffness]
        atmosphericPascals = config[.atmosphericPressure]
        stackLag = FirstOrderLag(t90Seconds: config[.stackResponse])
        expansionLag = FirstOrderLag(t90Seconds: config[.stackResponse])
        enclosureLag = FirstOrderLag(t90Seconds: config[.enclosureResponse])
        noise3 = [config[.stackNoise], config[.enclosureNoise], config[.expansionNoise]]
        let stream = NodeAddress.pressureSensor.randomStream(.faults)
        faults = ChannelFaults(random: Xoshiro256(seed: seed, stream: stream))
        transmitter = NodeTransmitter(random: Xoshiro256(seed: seed, stream: stream ^ 0xFF))
        noise = Xoshiro256(seed: seed, stream: NodeAddress.pressureSensor.randomStream(.noise))
        nextDueNanoseconds = phase
    }

    /// `true` while the node is bus-off.
    public var isBusOff: Bool { transmitter.isBusOff }

    /// Summed thickness of the monitored stack, mm (NaN when the pack has fewer groups).
    func stackThickness(_ cells: some CellTruthSource, atAssembly: Bool = false) -> Double {
        let parallel = seriesGroups > 0 ? cells.cellCount / seriesGroups : 0
        let first = firstGroup * parallel
        let end = (lastGroup + 1) * parallel
        guard parallel > 0, end <= cells.cellCount else { return .nan }
        guard atAssembly else { return cells.summedThicknessMillimetres(first..<end) }
        var sum = 0.0
        for index in first..<end { sum += cells.assemblyThicknessMillimetres(index) ?? .nan }
        return sum
    }

    /// Samples and sends `PRESS_PackPressure` when due.
    public mutating func step(
        nowNanoseconds now: Int64, observation: PackObservation, cells: some CellTruthSource, into output: inout [CANFrame]
    ) {
        guard now >= nextDueNanoseconds else { return }
        if schedule.fire(at: now) {
            let elapsed = lastSample.map { seconds(now - $0) } ?? 0
            lastSample = now
            let thickness = stackThickness(cells)
            if referenceThicknessMillimetres == nil {
                let assembly = stackThickness(cells, atAssembly: true)
                let zero = assembly.isFinite ? assembly : thickness
                if zero.isFinite { referenceThicknessMillimetres = zero }
            }
            let reference = referenceThicknessMillimetres ?? thickness
            let micrometres = (thickness - reference) * 1000
            let gasFraction = min(max(observation.pack.enclosureGasPPM.total * 1e-6, 0), 0.99)
            let truth = [
                max(preloadKilopascals + stiffnessKilopascalsPerMicrometre * micrometres, 0),
                atmosphericPascals * gasFraction / (1 - gasFraction),
                micrometres,
            ]
            let sensed = [
                stackLag.update(towards: truth[0], seconds: elapsed), enclosureLag.update(towards: truth[1], seconds: elapsed),
                expansionLag.update(towards: truth[2], seconds: elapsed),
            ]
            let scales = [stack, enclosure, expansion]
            var state = Status.ok
            for channel in 0..<3 {
                var reading = sensed[channel] + noise.nextGaussian() * noise3[channel]
                reading = faults.apply(reading, channel: channel, at: now)
                if faults.isDropped(channel) || !reading.isFinite {
                    state = .fault
                    continue
                }
                if scales[channel].isOutOfRange(reading), state == .ok { state = .outOfRange }
                lastRaw[channel] = scales[channel].raw(reading) ?? lastRaw[channel]
            }
            message.begin()
            var complete = message.set(status, raw: state.rawValue)
            for channel in 0..<3 { complete = message.set(scales[channel].handle, raw: lastRaw[channel]) && complete }
            if !(complete && transmitter.transmit(&message, at: now, into: &output)) { encodeFailures += 1 }
        }
        transmitter.flush(at: now, into: &output)
        updateNextDue()
    }

    mutating func updateNextDue() {
        nextDueNanoseconds = min(schedule.dueNanoseconds, transmitter.nextDueNanoseconds)
    }

    /// The pressure sensor receives no commands.
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
