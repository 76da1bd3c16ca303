public import CANCore
public import CANDatabase

/// The firmware as a CAN node: the ``BMSController`` behind the ``BMSBusInterface`` of `Firmware/bms.dbc`,
/// one API for the runtime (real time on vcan or lock-step simulation). Pure and deterministic: time is
/// an input, in nanoseconds on any monotonic base.
///
/// ```swift
/// let database = try CANDatabase.parse(dbcBytes)
/// let configuration = try BMSConfiguration.load(firmwareDirectory: "Firmware")      // FirmwareConfig (shell)
/// var node = try BMSFirmwareNode(configuration: configuration, database: database)
/// // For every frame from the bus:
/// node.receive(frame, atNanoseconds: now)
/// // Every task period (or every simulation step, however coarse):
/// for frame in node.step(nowNanoseconds: now) { try bus.send(frame) }
/// for observation in node.takeObservations() { recorder.record(observation) }
/// ```
///
/// A received frame is decoded and handed to the controller at once (a state request is answered, an
/// end-to-end failure stops the charger, in the same call). ``step(nowNanoseconds:)`` runs the cyclic
/// task when its period has passed since the last one (one tick per step: a step ten periods late runs
/// one tick over the whole interval, which the controller integrates), then returns the BMS frames due.
public struct BMSFirmwareNode: Sendable {
    public private(set) var controller: BMSController
    public private(set) var bus: BMSBusInterface
    /// The cyclic task's period.
    public let taskPeriodNanoseconds: Int64
    private var nextTickAt = Int64.min
    private var lastStateName: BMSStateName?
    /// ``BMSController/stateRevision`` when `lastStateName` was taken.
    private var lastStateRevision: UInt64 = 0
    private var events: [BMSEvent] = []
    private var observations: [BMSObservation] = []
    /// Longest backlog of observations kept when nobody takes them (the oldest tenth is dropped when full).
    public static let observationCapacity = 100_000
    /// Observations dropped because the backlog was full.
    public private(set) var droppedObservations = 0

    /// - Parameters:
    ///   - taskPeriodMilliseconds: the cyclic task's period; by default the diagnosis table's nominal
    ///     evaluation period (10 ms, foxBMS's task).
    /// - Throws: ``ConfigurationIssue`` for an unusable configuration, ``BMSBusInterfaceError`` when the
    ///   database lacks what the firmware needs.
    public init(
        configuration: BMSConfiguration, database: CANDatabase, taskPeriodMilliseconds: Int64? = nil,
        busSettings: BMSBusInterface.Settings = .init()
    ) throws {
        controller = try BMSController(configuration: configuration)
        bus = try BMSBusInterface(database: database, topology: configuration.topology, settings: busSettings)
        let period = taskPeriodMilliseconds ?? configuration.diagnosis.evaluationPeriodMilliseconds
        taskPeriodNanoseconds = max(period, 1) * 1_000_000
    }

    /// Decodes a received frame and hands its events to the controller.
    public mutating func receive(_ frame: CANFrame, atNanoseconds now: Int64) {
        events.removeAll(keepingCapacity: true)
        bus.receive(frame, atNanoseconds: now, into: &events)
        deliver(now: now)
    }

    /// Runs the cyclic task if it is due and returns the BMS frames due at `now`.
    public mutating func step(nowNanoseconds now: Int64) -> [CANFrame] {
        events.removeAll(keepingCapacity: true)
        bus.poll(atNanoseconds: now, into: &events)
        deliver(now: now)
        if nextTickAt == Int64.min || now >= nextTickAt {
            let commands = controller.handle(.tick(nowMilliseconds: Self.milliseconds(now)))
            take(commands, now: now)
            let next = (nextTickAt == Int64.min ? now : nextTickAt).addingReportingOverflow(taskPeriodNanoseconds).partialValue
            nextTickAt = next <= now ? now.addingReportingOverflow(taskPeriodNanoseconds).partialValue : next
        }
        var frames: [CANFrame] = []
        bus.transmit(atNanoseconds: now, controller: controller, into: &frames)
        return frames
    }

    /// The notable outputs since the last call, oldest first.
    public mutating func takeObservations() -> [BMSObservation] {
        defer { observations.removeAll(keepingCapacity: true) }
        return observations
    }

    /// Milliseconds (floor) of a nanosecond time.
    static func milliseconds(_ nanoseconds: Int64) -> Int64 {
        let (quotient, remainder) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000)
        return remainder < 0 ? quotient - 1 : quotient
    }

    private mutating func deliver(now: Int64) {
        guard !events.isEmpty else { return }
        for event in events { take(controller.handle(event), now: now) }
    }

    private mutating func take(_ commands: [BMSCommand], now: Int64) {
        for command in commands {
            bus.apply(command, atNanoseconds: now)
            if let observation = BMSObservation(command, atNanoseconds: now) { record(observation) }
        }
        guard lastStateName == nil || controller.stateRevision != lastStateRevision else { return }
        lastStateRevision = controller.stateRevision
        let name = controller.state.name
        if let last = lastStateName, last != name {
            record(BMSObservation(atNanoseconds: now, kind: .stateChanged(from: last, to: name)))
        }
        lastStateName = name
    }

    private mutating func record(_ observation: BMSObservation) {
        if observations.count >= Self.observationCapacity {
            let drop = Self.observationCapacity / 10
            observations.removeFirst(drop)
            droppedObservations += drop
        }
        observations.append(observation)
    }
}
