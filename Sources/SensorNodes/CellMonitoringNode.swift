import CANCore
public import CANDatabase
import SeededRandom

/// One emulated cell-monitoring board (AFE/CMU, LTC6813-1 class): cell-group voltages and thermistor
/// temperatures on CAN (`CMU<n>_CellVoltages`, `CMU<n>_CellTemperatures`), passive-balancing switches from
/// `BMS_BalancingCommand`.
///
/// Bus behaviour (``step(nowNanoseconds:observation:into:)``, ``receive(_:atNanoseconds:)``) is separate
/// from the backend API that tests and scenarios use (``inject(_:)``, ``clearFaults()``), as Zephyr's
/// emulators do.
///
/// - Sampling: the AFE converts all its groups every `voltage_sample_period_ms`, the thermistors every
///   `temperature_sample_period_ms`, on the board's own clock (phase = board index × `board_phase_step_ms`,
///   period scaled by the board's clock error), so boards sample at different instants (skew). Frames carry
///   the latest sample; pages go out evenly over the DBC cycle.
/// - Voltage errors: a static per-channel error (σ = `total_error_mv` / 3), Gaussian noise, ADC quantisation
///   (`adc_lsb_mv`), then 1 mV on CAN. Readings outside 0...5 V are sent as `Invalid`.
/// - Open sense wire: the floating input drifts towards the wire below (time constant
///   `open_wire_settling_s`), so the group below reads low and the group above reads high by the same
///   amount; the board's own open-wire check (every `open_wire_check_period_s`) then flags both groups
///   `OpenWire` (65534). An open bottom or top wire drives its one group towards 0 V.
/// - Thermistors: NTC B-model with per-part R25/B tolerance, first-order lag to the cell surface, divider and
///   ADC; an open NTC reads `SensorOpen` (4095), a shorted one `SensorShorted` (4094), never a hot cell.
/// - Balancing: the mask of this board's page of `BMS_BalancingCommand` (E2E checked) drives the switches;
///   they open when no valid command arrived for `balancing_timeout_ms`.
public struct CellMonitoringNode: Sendable {
    /// Board number, 1-based (`CMU<board>`).
    public let board: Int
    /// First series group of this board, 0-based across the pack.
    public let firstGroup: Int
    /// Groups on this board.
    public let groupCount: Int
    let seriesGroups: Int

    // Configuration, in SI units.
    let lsbVolts: Double
    let noiseVolts: Double
    let thermistorCell: Int
    let openWireSettlingSeconds: Double
    let balancingTimeoutNanoseconds: Int64

    /// Static error of each voltage channel, V (drawn once from the board's calibration stream).
    public let channelOffsetVolts: [Double]
    /// This board's clock error (fraction; +50e-6 = its clock runs 50 ppm slow, periods 50 ppm long).
    public let clockError: Double
    var thermistors: [Thermistor]
    var thermistorLags: [FirstOrderLag]

    // Schedules.
    var voltageSample: PeriodicSchedule
    var temperatureSample: PeriodicSchedule
    var voltagePages: PeriodicSchedule
    var temperaturePages: PeriodicSchedule
    var openWireCheck: PeriodicSchedule
    var nextVoltagePage = 0
    var nextTemperaturePage = 0
    var lastTemperatureSample: Int64?
    /// Reused buffer for the surface temperatures of the board's cells.
    var surfaceScratch: [Double] = []

    /// Latest raw CAN values (1 mV, 65534 OpenWire, 65535 Invalid; 0.1 °C with offset, 4094/4095).
    public internal(set) var voltageRaw: [Int64]
    public internal(set) var temperatureRaw: [Int64]

    // Sensing-hardware faults.
    /// Open sense wires: open since (first sample after injection), or `nil` when intact. Index 0...groupCount.
    var openWireSince: [Int64?]
    var openWirePending: [Bool]
    /// Groups the open-wire check flagged.
    var openWireFlagged: [Bool]
    var thermistorFaults: [ThermistorFault?]

    /// Balancing switches of this board (bit i = group firstGroup + i).
    public internal(set) var balancingMask: UInt32 = 0
    var lastBalancingCommand: Int64?

    // Bus.
    var voltageMessage: OutgoingMessage
    var temperatureMessage: OutgoingMessage
    let voltagePageHandle: SignalHandle
    let temperaturePageHandle: SignalHandle
    /// Per page: multiplexer value and (signal, channel) pairs.
    let voltageLayout: [(page: Int64, entries: [(handle: SignalHandle, channel: Int)])]
    let temperatureLayout: [(page: Int64, entries: [(handle: SignalHandle, channel: Int)])]
    let temperatureScale: ScaledSignal
    var balancingCommand: IncomingMessage
    let balancingBoardHandle: SignalHandle
    let balancingMaskHandle: SignalHandle

    var faults: ChannelFaults
    var transmitter: NodeTransmitter
    var noise: Xoshiro256

    /// How received commands were handled.
    public internal(set) var counters = CommandCounters()
    /// Frames that could not be encoded (a node/database mismatch; stays 0 with `Firmware/bms.dbc`).
    public internal(set) var encodeFailures = 0
    /// Next time this node has something to do; stepping earlier does nothing.
    public internal(set) var nextDueNanoseconds: Int64 = 0

    /// Builds board `board` (1-based) of `configuration`, encoding with `database`.
    ///
    /// - Throws: ``NodeSetupError`` when the database lacks a message or signal the board needs.
    public init(board: Int, configuration: NodeConfiguration, database: CANDatabase, seed: UInt64) throws(NodeSetupError) {
        let config = configuration
        guard board >= 1, board <= config.boardCount else {
            throw NodeSetupError("board \(board) does not exist (the configuration has \(config.boardCount))")
        }
        let address = NodeAddress.cellMonitor(board)
        let nodeName = address.databaseNodeName
        self.board = board
        groupCount = config.groupsPerBoard
        firstGroup = (board - 1) * groupCount
        seriesGroups = config.seriesGroupCount

        lsbVolts = config[.cellADCResolution] * 1e-3
        noiseVolts = config[.cellNoise] * 1e-3
        thermistorCell = Int(config[.thermistorCellInGroup])
        openWireSettlingSeconds = config[.openWireSettling]
        balancingTimeoutNanoseconds = nanoseconds(milliseconds: config[.balancingTimeout])

        var calibration = Xoshiro256(seed: seed, stream: address.randomStream(.calibration))
        clockError = calibration.uniform(tolerance: config[.boardClockTolerance] * 1e-6)
        let totalError = config[.cellTotalError] * 1e-3
        channelOffsetVolts = (0..<groupCount).map { _ in calibration.staticError(maximum: totalError) }
        var thermistors: [Thermistor] = []
        for _ in 0..<groupCount {
            let r25 = config[.thermistorNominalResistance]
            let beta = config[.thermistorBeta]
            thermistors.append(Thermistor(
                nominalOhms: r25, nominalBeta: beta,
                actualOhms: r25 * (1 + calibration.uniform(tolerance: config[.thermistorResistanceTolerance])),
                actualBeta: beta * (1 + calibration.uniform(tolerance: config[.thermistorBetaTolerance])),
                pullUpOhms: config[.thermistorPullUp], referenceVolts: config[.thermistorReference], lsbVolts: lsbVolts,
                openAboveOhms: config[.thermistorOpenThreshold], shortedBelowOhms: config[.thermistorShortThreshold]))
        }
        self.thermistors = thermistors
        thermistorLags = Array(repeating: FirstOrderLag(timeConstantSeconds: config[.thermistorTimeConstant]), count: groupCount)

        voltageMessage = try OutgoingMessage("\(nodeName)_CellVoltages", node: nodeName, database: database)
        temperatureMessage = try OutgoingMessage("\(nodeName)_CellTemperatures", node: nodeName, database: database)
        voltagePageHandle = try voltageMessage.handle("\(nodeName)_VoltagePage")
        temperaturePageHandle = try temperatureMessage.handle("\(nodeName)_TemperaturePage")
        let firstNumber = firstGroup + 1
        voltageLayout = try Self.pageLayout(voltageMessage, prefix: "CellVoltage", first: firstNumber, count: groupCount)
        temperatureLayout = try Self.pageLayout(temperatureMessage, prefix: "CellTemperature", first: firstNumber, count: groupCount)
        temperatureScale = try temperatureMessage.scaled("CellTemperature\(threeDigits(firstNumber))")
        balancingCommand = try IncomingMessage("BMS_BalancingCommand", node: nodeName, database: database)
        balancingBoardHandle = try balancingCommand.handle("Balancing_Board")
        balancingMaskHandle = try balancingCommand.handle("Balancing_Mask\(nodeName)")

        let scale = 1 + clockError
        let phase = nanoseconds(milliseconds: Double(board - 1) * config[.boardPhaseStep])
        let voltageCycle = try voltageMessage.cycleNanoseconds()
        let temperatureCycle = try temperatureMessage.cycleNanoseconds()
        func period(_ nominal: Int64) -> Int64 { Int64(clamping: (Double(nominal) * scale).rounded()) }
        voltagePages = PeriodicSchedule(
            phaseNanoseconds: phase, periodNanoseconds: period(voltageCycle / Int64(max(voltageLayout.count, 1))))
        temperaturePages = PeriodicSchedule(
            phaseNanoseconds: phase, periodNanoseconds: period(temperatureCycle / Int64(max(temperatureLayout.count, 1))))
        voltageSample = PeriodicSchedule(
            phaseNanoseconds: phase, periodNanoseconds: period(nanoseconds(milliseconds: config[.voltageSamplePeriod])))
        temperatureSample = PeriodicSchedule(
            phaseNanoseconds: phase, periodNanoseconds: period(nanoseconds(milliseconds: config[.temperatureSamplePeriod])))
        let checkPeriod = period(nanoseconds(seconds: config[.openWireCheckPeriod]))
        openWireCheck = PeriodicSchedule(phaseNanoseconds: phase + checkPeriod, periodNanoseconds: checkPeriod)

        voltageRaw = Array(repeating: 65535, count: groupCount)
        temperatureRaw = Array(repeating: 4095, count: groupCount)
        openWireSince = Array(repeating: nil, count: groupCount + 1)
        openWirePending = Array(repeating: false, count: groupCount + 1)
        openWireFlagged = Array(repeating: false, count: groupCount)
        thermistorFaults = Array(repeating: nil, count: groupCount)

        faults = ChannelFaults(random: Xoshiro256(seed: seed, stream: address.randomStream(.faults)))
        transmitter = NodeTransmitter(random: Xoshiro256(seed: seed, stream: address.randomStream(.faults) ^ 0xFF))
        noise = Xoshiro256(seed: seed, stream: address.randomStream(.noise))
        nextDueNanoseconds = phase
    }

    /// Page layout of a multiplexed message: for each page value, the channel signals it carries.
    static func pageLayout(
        _ message: OutgoingMessage, prefix: String, first: Int, count: Int
    ) throws(NodeSetupError) -> [(page: Int64, entries: [(handle: SignalHandle, channel: Int)])] {
        var pages: [(page: Int64, entries: [(handle: SignalHandle, channel: Int)])] = []
        for channel in 0..<count {
            let name = prefix + threeDigits(first + channel)
            let handle = try message.handle(name)
            guard let signal = message.codec.signal(handle), let page = signal.multiplexCondition?.values.first?.lowerBound
            else { throw NodeSetupError("signal \(name) of \(message.name) is not on a multiplexed page") }
            if let index = pages.firstIndex(where: { $0.page == page }) {
                pages[index].entries.append((handle, channel))
            } else {
                pages.append((page, [(handle, channel)]))
            }
        }
        pages.sort { $0.page < $1.page }
        return pages
    }

    /// Node address (`cmu<board>`).
    public var address: NodeAddress { .cellMonitor(board) }

    /// `true` while the node is bus-off (it neither sends nor receives).
    public var isBusOff: Bool { transmitter.isBusOff }

    /// Balancing switches of this board's groups, true = bleeding.
    public var balancingSwitches: [Bool] { (0..<groupCount).map { balancingMask & (1 << UInt32($0)) != 0 } }
}
