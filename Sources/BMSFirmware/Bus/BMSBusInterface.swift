import CANCore
public import CANDatabase

/// The firmware's side of the CAN bus, built from `Firmware/bms.dbc`: decodes every frame the BMS
/// consumes into ``BMSEvent``s and encodes the controller's ``BMSCommand``s and reports into the BMS's
/// frames at their database cycle times. Pure and deterministic: time is an input (nanoseconds on any
/// monotonic base), nothing is allocated per frame on the receive path beyond the events it returns.
///
/// ```swift
/// let database = try CANDatabase.parse(bytes)                          // Firmware/bms.dbc, read by the shell
/// var bus = try BMSBusInterface(database: database, topology: configuration.topology)
/// var events: [BMSEvent] = []
/// bus.receive(frame, atNanoseconds: now, into: &events)                // → controller.handle(event)
/// for command in controller.handle(.tick(nowMilliseconds: now / 1_000_000)) { bus.apply(command, atNanoseconds: now) }
/// var frames: [CANFrame] = []
/// bus.transmit(atNanoseconds: now, controller: controller, into: &frames)   // due BMS frames
/// ```
///
/// Receive side: every consumed message is checked end to end (counter, and the CRC where the database
/// has one): a corrupt or repeated frame becomes ``BMSEvent/e2eFailure(message:)`` and its content is
/// dropped. Invalid, open-wire and sensor-fault encodings become sensor-fault events, never values.
/// Unknown identifiers, wrong lengths and undecodable frames are counted in ``statistics`` and ignored.
///
/// Transmit side: cyclic messages keep their period (a multiplexed message sends one page per
/// period / pages, so every page once per cycle); a step longer than a period sends each due message
/// once (all pages of a multiplexed one), never a backlog. A change of contactor, charger, profile or
/// balancing command, and a rising thermal-runaway stage, is sent at once and restarts that period.
/// E2E counters and CRCs are filled in where the database marks them. How the database and the
/// controller's conventions are reconciled (current sign, one contactor frame, alarm levels, fault
/// reset, charger profiles) is listed in `Firmware/README.md` ("Firmware on the bus").
public struct BMSBusInterface: Sendable {
    /// Frame counts since creation.
    public struct Statistics: Hashable, Sendable {
        /// Frames handed to ``receive(_:atNanoseconds:into:)``.
        public var received = 0
        /// Frames whose content became events.
        public var consumed = 0
        /// Frames of identifiers the database does not know.
        public var unknownIdentifiers = 0
        /// Frames of known messages the BMS does not consume (its own, other nodes' traffic).
        public var ignored = 0
        /// Wrong length, remote or error frames, multiplexer values without signals, values out of protocol.
        public var malformed = 0
        /// Frames that failed their end-to-end check (bad CRC, repeated counter).
        public var e2eFailures = 0
        /// Frames that passed the check with lost frames before them (counter skipped).
        public var lostFrames = 0
        /// Frames handed out by ``transmit(atNanoseconds:controller:into:)``.
        public var sent = 0
        /// Physical values beyond a signal's DBC range, sent as the nearest limit.
        public var clippedValues = 0
        /// Frames that could not be encoded (not expected with a consistent database).
        public var encodeFailures = 0
    }

    /// Settings that the database does not carry.
    public struct Settings: Hashable, Sendable {
        /// The charger can draw current from the pack (bms.dbc's CHARGER node runs ABC profiles).
        public var chargerBidirectional: Bool
        /// Without a charger status for this long (and none since the last step) the charger counts as gone.
        public var chargerTimeoutMilliseconds: Int64
        /// The enclosure sensor reports gauge pressure; the controller works on absolute pressure.
        public var atmosphericPascals: Int32

        public init(chargerBidirectional: Bool = true, chargerTimeoutMilliseconds: Int64 = 300, atmosphericPascals: Int32 = 101_325) {
            self.chargerBidirectional = chargerBidirectional
            self.chargerTimeoutMilliseconds = chargerTimeoutMilliseconds
            self.atmosphericPascals = atmosphericPascals
        }
    }

    public internal(set) var statistics = Statistics()
    public let settings: Settings
    let topology: PackTopology

    // Receive side.
    var receivers: [Receiver]
    let receiverIndex: [UInt32: Int]
    let ignoredIdentifiers: Set<UInt32>
    let stateRequest: StateRequestHandles
    let contactorFeedback: ContactorFeedbackHandles
    let chargerStatus: ChargerStatusHandles
    let gas: GasHandles
    let pressure: PressureHandles
    let smoke: SmokeHandles
    let insulation: InsulationHandles
    let cellVoltageBoards: [CellBoardHandles]
    let temperatureBoards: [CellBoardHandles]
    let ivt: [IVTResultHandles]
    var receiveState = ReceiveState()

    // Transmit side.
    var slots: [TransmitSlot]
    let transmitHandles: TransmitHandles
    var transmitState: TransmitState

    /// Builds the interface for a pack of `topology` from a parsed database.
    ///
    /// - Throws: ``BMSBusInterfaceError`` naming the first message, signal or cell group the database
    ///   lacks, or a message whose layout or end-to-end signals cannot be used.
    public init(database: CANDatabase, topology: PackTopology, settings: Settings = Settings()) throws(BMSBusInterfaceError) {
        self.topology = topology
        self.settings = settings
        var receivers: [Receiver] = []
        var index: [UInt32: Int] = [:]
        func add(_ binding: MessageBinding, _ kind: Receiver.Kind, message: BMSMessage) throws(BMSBusInterfaceError) {
            index[binding.id.socketCANValue] = receivers.count
            receivers.append(Receiver(binding: binding, e2e: E2EReceiver(profile: try binding.profile()), kind: kind, message: message))
        }
        let request = try MessageBinding(database, "VCU_StateRequest")
        stateRequest = try StateRequestHandles(request)
        try add(request, .stateRequest, message: .stateRequest)
        let feedback = try MessageBinding(database, "CONT_ContactorFeedback")
        contactorFeedback = try ContactorFeedbackHandles(feedback)
        try add(feedback, .contactorFeedback, message: .contactorFeedback)
        let charger = try MessageBinding(database, "CHG_ChargerStatus")
        chargerStatus = try ChargerStatusHandles(charger)
        try add(charger, .chargerStatus, message: .charger)
        let gasMessage = try MessageBinding(database, "GAS_Concentrations")
        gas = try GasHandles(gasMessage)
        try add(gasMessage, .gas, message: .gas)
        let pressureMessage = try MessageBinding(database, "PRESS_PackPressure")
        pressure = try PressureHandles(pressureMessage)
        try add(pressureMessage, .pressure, message: .pressure)
        let smokeMessage = try MessageBinding(database, "SMOKE_Status")
        smoke = try SmokeHandles(smokeMessage)
        try add(smokeMessage, .smoke, message: .smoke)
        let imd = try MessageBinding(database, "IMD_Insulation")
        insulation = try InsulationHandles(imd)
        try add(imd, .insulation, message: .insulation)

        var voltageBoards: [CellBoardHandles] = []
        var temperatureBoards: [CellBoardHandles] = []
        var board = 1
        while let voltages = database.message(named: "CMU\(board)_CellVoltages") {
            let binding = try MessageBinding(database, voltages.name)
            let handles = try CellBoardHandles(binding, prefix: "CellVoltage", board: board - 1)
            try add(binding, .cellVoltages(voltageBoards.count), message: .cellVoltages)
            voltageBoards.append(handles)
            if database.message(named: "CMU\(board)_CellTemperatures") != nil {
                let temperatures = try MessageBinding(database, "CMU\(board)_CellTemperatures")
                let temperatureHandles = try CellBoardHandles(temperatures, prefix: "CellTemperature", board: board - 1)
                try add(temperatures, .cellTemperatures(temperatureBoards.count), message: .cellTemperatures)
                temperatureBoards.append(temperatureHandles)
            }
            board += 1
        }
        let carriedCells = Set(voltageBoards.flatMap { $0.pages.flatMap { $0.map(\.index) } })
        for cell in 0..<topology.seriesCells where !carriedCells.contains(cell) { throw .missingCellVoltage(cell: cell) }
        let carriedSensors = Set(temperatureBoards.flatMap { $0.pages.flatMap { $0.map(\.index) } })
        for sensor in 0..<topology.temperatureSensors where !carriedSensors.contains(sensor) { throw .missingTemperature(sensor: sensor) }
        cellVoltageBoards = voltageBoards
        self.temperatureBoards = temperatureBoards

        var results: [IVTResultHandles] = []
        for (suffix, kind) in [("I", IVTResultHandles.Kind.current), ("U1", .packVoltage), ("U2", .linkVoltage), ("As", .chargeCounter)] {
            let binding = try MessageBinding(database, "IVT_Msg_Result_\(suffix)")
            let handles = try IVTResultHandles(binding, suffix: suffix, kind: kind)
            try add(binding, .ivt(results.count), message: kind == .packVoltage || kind == .linkVoltage ? .packVoltage : .current)
            results.append(handles)
        }
        ivt = results
        self.receivers = receivers
        receiverIndex = index
        // Every other message of the database is known traffic the BMS does not consume.
        ignoredIdentifiers = Set(database.messages.map(\.id.socketCANValue).filter { index[$0] == nil })

        let handles = try TransmitHandles(database, boards: voltageBoards, topology: topology)
        transmitHandles = handles
        slots = handles.slots
        transmitState = TransmitState(topology: topology, boards: handles.balancingBoards.count)
        receiveState = ReceiveState(topology: topology)
        receiveState.outstandingE2EFailures = Array(repeating: 0, count: receivers.count)
    }
}

/// A consumed message: codec, end-to-end receiver, what it carries.
struct Receiver: Sendable {
    enum Kind: Sendable {
        case stateRequest
        case contactorFeedback
        case chargerStatus
        case gas
        case pressure
        case smoke
        case insulation
        case cellVoltages(Int)
        case cellTemperatures(Int)
        case ivt(Int)
    }

    let binding: MessageBinding
    var e2e: E2EReceiver
    let kind: Kind
    /// The message named in an end-to-end failure event.
    let message: BMSMessage
}
