import CANCore
public import CANDatabase
public import CellPack
import SeededRandom

/// The emulated charger: constant current with a voltage limit, and the dendrite-healing waveforms of
/// ``HealingProfile``, commanded by `BMS_ChargerCommand` / `BMS_ChargerProfile` (E2E checked), reporting on
/// `CHG_ChargerStatus`.
///
/// - Output: a two-level ``CurrentWaveform`` (CellPack convention, + discharges) in ``output``. Pulse, self-
///   heating, STCR and ABC-without-rest profiles are one waveform for the whole dose, exact at any pack step;
///   ABC with a rest switches between the forward/reverse block and rest at the segment boundaries (exact
///   when the emulator steps at least that finely). Changes of amplitude happen at period boundaries.
/// - Limits: the current slews at most `slew_a_per_ms` (constant current ramps; a pulse too short to reach
///   its level delivers the charge-equivalent smaller pulse); the delivered level is off by `gain_error`
///   and `offset_a`; it never exceeds the commanded voltage limit: its CV loop predicts the link voltage with
///   `cv_loop_resistance_ohm` (≥ the pack's resistance, so the loop approaches the limit from below) and
///   tapers the charge current like a CV phase.
/// - Safety: no valid command for `command_timeout_ms` → 0 A, mode `Fault`, `CommandTimeout`. Commands out of
///   range or selecting an unrunnable profile are refused whole and counted, never clamped.
public struct ChargerNode: Sendable, FaultableNode {
    /// `ChargerStatus_Mode`.
    public enum Mode: Int64, Sendable {
        case off = 0, constantCurrent = 1, constantVoltage = 2, profile = 3, derating = 4, fault = 5
    }

    /// The last accepted command.
    public struct Command: Hashable, Sendable {
        public var enable = false
        /// Charge current setpoint, A (≥ 0).
        public var setpointAmps = 0.0
        /// Voltage limit, V.
        public var voltageLimitVolts = 0.0
        public var profile = HealingProfile.none
        public var profileSet: Int64 = 0
    }

    struct RunningProfile: Hashable, Sendable {
        var profile: HealingProfile
        var set: Int64
        var parameters: ProfileParameters
        var startNanoseconds: Int64
        var completed = false
    }

    // Messages.
    var commandMessage: IncomingMessage
    var profileMessage: IncomingMessage
    var statusMessage: OutgoingMessage
    let commandSetpoint: ScaledSignal
    let commandVoltage: ScaledSignal
    let commandEnable: SignalHandle
    let commandProfile: SignalHandle
    let commandSet: SignalHandle
    let profilePage: SignalHandle
    let profileSetHandle: SignalHandle
    let profilePulse: ScaledSignal
    let profileReverse: ScaledSignal
    let profileOn: SignalHandle
    let profileOff: SignalHandle
    let profileReverseTime: SignalHandle
    let profileCount: SignalHandle
    let statusCurrent: ScaledSignal
    let statusVoltage: ScaledSignal
    let statusMode: SignalHandle
    let statusProfile: SignalHandle
    let statusSet: SignalHandle
    let statusOvertemperature: SignalHandle
    let statusOutputFault: SignalHandle
    let statusTimeout: SignalHandle
    let statusE2E: SignalHandle
    let statusProgress: ScaledSignal

    // Configuration.
    let maximumAmps: Double
    let maximumReverseAmps: Double
    let maximumVolts: Double
    /// A/s.
    let slewAmpsPerSecond: Double
    let gainError: Double
    let offsetAmps: Double
    let measurementNoiseAmps: Double
    let timeoutNanoseconds: Int64
    let loopResistanceOhms: Double
    let deratingShare: Double

    // State.
    /// The last accepted command.
    public internal(set) var command = Command()
    var profileSets = [ProfileParameters](repeating: ProfileParameters(), count: 16)
    var running: RunningProfile?
    var lastValidCommand: Int64?
    var commandTimedOut = false
    var lastCommandFailedE2E = false
    var lastControl: Int64?
    /// When the last accepted command changed what the charger should deliver (ramps start there).
    var lastCommandChange: Int64 = .min
    /// Regulated waveform (before accuracy errors and output faults), charge-positive, applied since
    /// `regulatedSince`; what the CV loop reasons about.
    var regulated = Levels.off
    var regulatedSince: Int64 = 0
    /// Delivered waveform, charge-positive.
    var delivered = Levels.off
    /// Average charge current over a full period of what is delivered, A.
    public internal(set) var deliveredAverageAmps = 0.0
    /// Mode as reported.
    public internal(set) var mode = Mode.off
    var progressPercent = 0.0
    var outputFault = false
    var overtemperature = false
    let controlPeriodNanoseconds: Int64
    /// Next scheduled control update (period boundaries while a profile runs).
    var nextControl: Int64 = 0
    /// A command, page or fault asks for an update at the next step (without moving a profile's amplitude).
    var controlRequested = false
    var statusSchedule: PeriodicSchedule
    var lastLinkVolts = 0.0
    /// Link voltage and regulated level in the middle of the last forward pulse of a profile.
    var forwardSample: (volts: Double, level: Double)?
    var nextForwardSample: Int64 = .max
    /// The CV loop's last estimate of the pack voltage at zero current, V.
    var previousEstimate: Double?
    var lastReportedAmps = 0.0

    var faults: ChannelFaults
    var transmitter: NodeTransmitter
    var noise: Xoshiro256
    /// How received commands were handled.
    public internal(set) var counters = CommandCounters()
    public internal(set) var encodeFailures = 0
    public internal(set) var nextDueNanoseconds: Int64

    public var address: NodeAddress { .charger }
    var sendsChecksums: Bool { statusMessage.profile?.checksumByte != nil }
    var channels: [SensorChannel] { [.chargerCurrent, .chargerVoltage, .chargerOutput] }
    func channelIndex(_ channel: SensorChannel) -> Int? { channels.firstIndex(of: channel) }

    public init(configuration config: NodeConfiguration, database: CANDatabase, seed: UInt64) throws(NodeSetupError) {
        let node = "CHARGER"
        commandMessage = try IncomingMessage("BMS_ChargerCommand", node: node, database: database)
        profileMessage = try IncomingMessage("BMS_ChargerProfile", node: node, database: database)
        statusMessage = try OutgoingMessage("CHG_ChargerStatus", node: node, database: database)
        func scaled(_ message: IncomingMessage, _ name: String) throws(NodeSetupError) -> ScaledSignal {
            let handle = try message.handle(name)
            guard let signal = message.codec.signal(handle) else { throw NodeSetupError("no signal \(name)") }
            return ScaledSignal(handle: handle, signal: signal)
        }
        commandSetpoint = try scaled(commandMessage, "ChargerCmd_CurrentSetpoint")
        commandVoltage = try scaled(commandMessage, "ChargerCmd_VoltageLimit")
        commandEnable = try commandMessage.handle("ChargerCmd_Enable")
        commandProfile = try commandMessage.handle("ChargerCmd_HealingProfile")
        commandSet = try commandMessage.handle("ChargerCmd_ProfileSet")
        profilePage = try profileMessage.handle("ChargerProfile_Page")
        profileSetHandle = try profileMessage.handle("ChargerProfile_Set")
        profilePulse = try scaled(profileMessage, "ChargerProfile_PulseCurrent")
        profileReverse = try scaled(profileMessage, "ChargerProfile_ReverseCurrent")
        profileOn = try profileMessage.handle("ChargerProfile_OnTime")
        profileOff = try profileMessage.handle("ChargerProfile_OffTime")
        profileReverseTime = try profileMessage.handle("ChargerProfile_ReverseTime")
        profileCount = try profileMessage.handle("ChargerProfile_PulseCount")
        statusCurrent = try statusMessage.scaled("ChargerStatus_Current")
        statusVoltage = try statusMessage.scaled("ChargerStatus_Voltage")
        statusMode = try statusMessage.handle("ChargerStatus_Mode")
        statusProfile = try statusMessage.handle("ChargerStatus_ActiveProfile")
        statusSet = try statusMessage.handle("ChargerStatus_ProfileSet")
        statusOvertemperature = try statusMessage.handle("ChargerStatus_Overtemperature")
        statusOutputFault = try statusMessage.handle("ChargerStatus_OutputFault")
        statusTimeout = try statusMessage.handle("ChargerStatus_CommandTimeout")
        statusE2E = try statusMessage.handle("ChargerStatus_CommandE2EError")
        statusProgress = try statusMessage.scaled("ChargerStatus_ProfileProgress")

        maximumAmps = config[.chargerMaximumCurrent]
        maximumReverseAmps = config[.chargerMaximumReverseCurrent]
        maximumVolts = config[.chargerMaximumVoltage]
        slewAmpsPerSecond = config[.chargerSlewRate] * 1000
        gainError = config[.chargerGainError]
        offsetAmps = config[.chargerOffset]
        measurementNoiseAmps = config[.chargerMeasurementNoise]
        timeoutNanoseconds = nanoseconds(milliseconds: config[.chargerCommandTimeout])
        loopResistanceOhms = config[.chargerVoltageLoopResistance]
        deratingShare = config[.chargerDeratingShare]
        let phase = nanoseconds(milliseconds: config[.chargerPhase])
        controlPeriodNanoseconds = max(nanoseconds(milliseconds: config[.chargerControlPeriod]), 1)
        statusSchedule = PeriodicSchedule(phaseNanoseconds: phase, periodNanoseconds: try statusMessage.cycleNanoseconds())

        let stream = NodeAddress.charger.randomStream(.faults)
        faults = ChannelFaults(random: Xoshiro256(seed: seed, stream: stream))
        transmitter = NodeTransmitter(random: Xoshiro256(seed: seed, stream: stream ^ 0xFF))
        noise = Xoshiro256(seed: seed, stream: NodeAddress.charger.randomStream(.noise))
        nextDueNanoseconds = min(phase, 0)
    }

    /// Two levels of a periodic waveform: amps (charge-positive) and seconds.
    struct Levels: Hashable, Sendable {
        var first: Double
        var firstSeconds: Double
        var second: Double
        var secondSeconds: Double

        static let off = Levels(first: 0, firstSeconds: 1, second: 0, secondSeconds: 0)

        static func constant(_ amps: Double) -> Levels { Levels(first: amps, firstSeconds: 1, second: amps, secondSeconds: 0) }

        var period: Double { secondSeconds > 0 ? firstSeconds + secondSeconds : firstSeconds }
        var average: Double { secondSeconds > 0 ? (first * firstSeconds + second * secondSeconds) / period : first }

        /// The level in force just before `elapsed` nanoseconds into the waveform (integer phase arithmetic,
        /// so a sample exactly on a boundary sees the segment that ends there).
        func level(before elapsed: Int64) -> Double {
            let firstNanoseconds = nanoseconds(seconds: firstSeconds)
            let periodNanoseconds = firstNanoseconds + nanoseconds(seconds: secondSeconds)
            guard secondSeconds > 0, periodNanoseconds > 0 else { return first }
            var phase = elapsed % periodNanoseconds
            if phase <= 0 { phase += periodNanoseconds }
            return phase <= firstNanoseconds ? first : second
        }
    }

    /// `true` while the node is bus-off (it neither sends nor receives; commands time out).
    public var isBusOff: Bool { transmitter.isBusOff }

    /// The current the charger delivers, CellPack convention (+ discharges; charging is negative).
    public var output: CurrentWaveform {
        CurrentWaveform(
            firstAmps: -delivered.first, firstSeconds: delivered.firstSeconds, secondAmps: -delivered.second,
            secondSeconds: delivered.secondSeconds)
    }

    /// The parameter set `set` as received so far.
    public func profileParameters(set: Int) -> ProfileParameters? {
        profileSets.indices.contains(set) ? profileSets[set] : nil
    }
}
