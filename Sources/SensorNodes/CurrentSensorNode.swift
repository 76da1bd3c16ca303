import CANCore
public import CANDatabase
import CellPack
import SeededRandom

/// The emulated shunt current sensor in the Isabellenhütte IVT-S message format: results I, U1, U2, U3, T,
/// W, As and Wh (`IVT_Msg_Result_*`, Motorola, result id in byte 0, 4-bit counter and status bits OCS /
/// channel error / measurement error / system error in byte 1, signed 32-bit value in bytes 2...5), and the
/// command subset of `IVT_Msg_Cmd` with answers on `IVT_Msg_Response`.
///
/// - Measurement: each device draws its gain error and offset once (within the configured maxima), adds
///   Gaussian noise per result and quantises to the protocol's 1 mA / 1 mV / 0.1 °C / 1 W steps. Current is
///   positive when it charges the pack (the DBC convention; CellPack counts discharge positive).
/// - Counters: As and Wh integrate the sensor's own (offset- and gain-afflicted) current over every pack
///   step, using the step's average current, so pulse trains are counted exactly at any step size; noise
///   averages out and is not integrated.
/// - U3 is wired behind the precharge contactor: pack voltage while it is closed, else the link voltage.
/// - T is the shunt temperature: ambient plus I²·R·R_th, through the shunt's thermal time constant.
/// - Commands: result mode and cycle time (0x20...0x27 → 0xA0...0xA7), reset counters (0x30 → 0xB0),
///   trigger (0x31, results in triggered mode), run/stop (0x34 → 0xB4). Unknown codes and invalid values
///   are answered with 0xFF (`WrongCommand`) and counted, never executed. Responses keep the DBC's
///   minimum interval (`GenMsgDelayTime`).
public struct CurrentSensorNode: Sendable, FaultableNode {
    /// Result channels in protocol order (result id 0...7).
    public enum Result: Int, CaseIterable, Sendable {
        case current = 0, voltage1, voltage2, voltage3, temperature, power, charge, energy

        var suffix: String { ["I", "U1", "U2", "U3", "T", "W", "As", "Wh"][rawValue] }
    }

    /// How a result channel reports (`IVT_Cmd_ResultMode`).
    public enum ResultMode: Int64, Sendable {
        case disabled = 0, triggered = 1, cyclic = 2
    }

    struct ResultMessage: Sendable {
        var message: OutgoingMessage
        let identifier: SignalHandle
        let value: SignalHandle
        let overcurrent: SignalHandle
        let channelError: SignalHandle
        let measurementError: SignalHandle
        let systemError: SignalHandle
        let scale: ScaledSignal
        var mode: ResultMode = .cyclic
        var schedule: PeriodicSchedule
        var cycleMilliseconds: Int64
        var triggerPending = false
    }

    var results: [ResultMessage]
    var responseMessage: OutgoingMessage
    let responseIdentifier: SignalHandle
    let responseMode: SignalHandle
    let responseCycle: SignalHandle
    let responseReset: SignalHandle
    let responseRunMode: SignalHandle
    let responseRejected: SignalHandle
    let responseIntervalNanoseconds: Int64
    var pendingResponses: [(code: Int64, values: [(SignalHandle, Int64)])] = []
    var lastResponseNanoseconds: Int64?
    var command: IncomingMessage
    let commandCode: SignalHandle
    let commandMode: SignalHandle
    let commandCycle: SignalHandle
    let commandReset: SignalHandle
    let commandTrigger: SignalHandle
    let commandRunMode: SignalHandle

    /// Static errors of this device (drawn once from its calibration stream).
    public let currentGain: Double
    public let currentOffsetAmps: Double
    /// Gain and offset of U1, U2, U3.
    public let voltageGains: [Double]
    public let voltageOffsetVolts: [Double]
    let currentNoiseAmps: Double
    let voltageNoiseVolts: Double
    let temperatureNoiseCelsius: Double
    let overcurrentAmps: Double
    let shuntOhms: Double
    let shuntThermalResistance: Double
    let ambientCelsius: Double
    var shuntLag: FirstOrderLag

    /// `false` after a stop command: no results, no counting.
    public internal(set) var isRunning = true
    /// Coulomb counter, As (+ charge), from the sensor's own current measurement.
    public internal(set) var chargeAmpereSeconds = 0.0
    /// Energy counter, Ws.
    public internal(set) var energyWattSeconds = 0.0
    var squaredCurrentIntegral = 0.0
    var squaredCurrentSeconds = 0.0
    var lastIntegration: Int64?
    var lastTemperatureUpdate: Int64?
    /// Latest measured current (A, + charge) and U1 (V), for the power result.
    var lastCurrentAmps = 0.0
    var lastVoltage1 = 0.0

    var faults: ChannelFaults
    var transmitter: NodeTransmitter
    var noise: Xoshiro256
    /// How received commands were handled.
    public internal(set) var counters = CommandCounters()
    /// Frames that could not be encoded (stays 0 with `Firmware/bms.dbc`).
    public internal(set) var encodeFailures = 0
    /// Next time this node has something to do.
    public internal(set) var nextDueNanoseconds: Int64 = 0

    public var address: NodeAddress { .currentSensor }
    var sendsChecksums: Bool { false }
    var channels: [SensorChannel] { [.current, .voltage1, .voltage2, .voltage3, .shuntTemperature] }
    func channelIndex(_ channel: SensorChannel) -> Int? { channels.firstIndex(of: channel) }

    public init(configuration: NodeConfiguration, database: CANDatabase, seed: UInt64) throws(NodeSetupError) {
        let config = configuration
        let node = "IVT"
        let phase = nanoseconds(milliseconds: config[.currentSensorPhase])
        var results: [ResultMessage] = []
        for result in Result.allCases {
            let suffix = result.suffix
            let message = try OutgoingMessage("IVT_Msg_Result_\(suffix)", node: node, database: database)
            let cycle = try message.cycleNanoseconds()
            results.append(ResultMessage(
                message: message, identifier: try message.handle("IVT_ID_Result_\(suffix)"),
                value: try message.handle("IVT_Result_\(suffix)"), overcurrent: try message.handle("IVT_Result_\(suffix)_OCS"),
                channelError: try message.handle("IVT_Result_\(suffix)_Channel_Error"),
                measurementError: try message.handle("IVT_Result_\(suffix)_Measurement_Error"),
                systemError: try message.handle("IVT_Result_\(suffix)_System_Error"),
                scale: try message.scaled("IVT_Result_\(suffix)"),
                schedule: PeriodicSchedule(phaseNanoseconds: phase, periodNanoseconds: cycle),
                cycleMilliseconds: cycle / 1_000_000))
        }
        self.results = results
        responseMessage = try OutgoingMessage("IVT_Msg_Response", node: node, database: database)
        responseIdentifier = try responseMessage.handle("IVT_ID_Response")
        responseMode = try responseMessage.handle("IVT_Rsp_ResultMode")
        responseCycle = try responseMessage.handle("IVT_Rsp_ResultCycleTime")
        responseReset = try responseMessage.handle("IVT_Rsp_ResetItems")
        responseRunMode = try responseMessage.handle("IVT_Rsp_RunMode")
        responseRejected = try responseMessage.handle("IVT_Rsp_RejectedCommand")
        switch responseMessage.codec.message.timing {
        case .eventDriven(let minimum): responseIntervalNanoseconds = Int64(minimum ?? 0) * 1_000_000
        default: responseIntervalNanoseconds = 0
        }
        command = try IncomingMessage("IVT_Msg_Cmd", node: node, database: database)
        commandCode = try command.handle("IVT_ID_Cmd")
        commandMode = try command.handle("IVT_Cmd_ResultMode")
        commandCycle = try command.handle("IVT_Cmd_ResultCycleTime")
        commandReset = try command.handle("IVT_Cmd_ResetItems")
        commandTrigger = try command.handle("IVT_Cmd_TriggerMask")
        commandRunMode = try command.handle("IVT_Cmd_RunMode")

        var calibration = Xoshiro256(seed: seed, stream: NodeAddress.currentSensor.randomStream(.calibration))
        currentGain = 1 + calibration.staticError(maximum: config[.currentGainError])
        currentOffsetAmps = calibration.staticError(maximum: config[.currentOffset])
        var gains: [Double] = []
        var offsets: [Double] = []
        for _ in 0..<3 {
            gains.append(1 + calibration.staticError(maximum: config[.currentSensorVoltageGainError]))
            offsets.append(calibration.staticError(maximum: config[.currentSensorVoltageOffset]))
        }
        voltageGains = gains
        voltageOffsetVolts = offsets
        currentNoiseAmps = config[.currentNoise]
        voltageNoiseVolts = config[.currentSensorVoltageNoise]
        temperatureNoiseCelsius = config[.shuntTemperatureNoise]
        overcurrentAmps = config[.overcurrentThreshold]
        shuntOhms = config[.shuntResistance] * 1e-6
        shuntThermalResistance = config[.shuntThermalResistance]
        ambientCelsius = config[.shuntAmbient]
        shuntLag = FirstOrderLag(timeConstantSeconds: config[.shuntTimeConstant])

        let stream = NodeAddress.currentSensor.randomStream(.faults)
        faults = ChannelFaults(random: Xoshiro256(seed: seed, stream: stream))
        transmitter = NodeTransmitter(random: Xoshiro256(seed: seed, stream: stream ^ 0xFF))
        noise = Xoshiro256(seed: seed, stream: NodeAddress.currentSensor.randomStream(.noise))
        nextDueNanoseconds = phase
    }

    /// `true` while the node is bus-off.
    public var isBusOff: Bool { transmitter.isBusOff }

    /// The reporting mode of a result.
    public func mode(of result: Result) -> ResultMode { results[result.rawValue].mode }

    /// The cycle time of a result, ms.
    public func cycleMilliseconds(of result: Result) -> Int64 { results[result.rawValue].cycleMilliseconds }

    // MARK: Counting

    /// Integrates the coulomb and energy counters over the pack step that ended at `now`. Call once per
    /// pack step (``PackNodes`` does); it costs a few multiplications.
    public mutating func accumulate(nowNanoseconds now: Int64, pack: PackReadings) {
        guard let last = lastIntegration else {
            lastIntegration = now
            return
        }
        lastIntegration = now
        guard now > last, isRunning else { return }
        let dt = seconds(now - last)
        let trueAmps = -pack.averageCurrentAmps
        guard trueAmps.isFinite else { return }
        squaredCurrentIntegral += trueAmps * trueAmps * dt
        squaredCurrentSeconds += dt
        var amps = trueAmps * currentGain + currentOffsetAmps
        var volts = pack.packVolts * voltageGains[0] + voltageOffsetVolts[0]
        if !faults.isEmpty {
            if faults.isDropped(0) { return }
            amps = faults.apply(amps, channel: 0, at: now)
            volts = faults.apply(volts, channel: 1, at: now)
        }
        chargeAmpereSeconds += amps * dt
        if volts.isFinite { energyWattSeconds += amps * volts * dt }
    }
}
