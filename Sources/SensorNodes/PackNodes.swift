public import CANCore
public import CANDatabase
public import CellPack

/// Every emulated node of the default configuration on one bus (restbus simulation): the cell-monitoring
/// boards, current sensor, gas / pressure / smoke sensors, insulation monitor, charger and contactors.
///
/// This is what `bmsemu pack` and the lock-step emulator drive. Once per pack step, after the pack stepped,
/// call ``step(nowNanoseconds:cells:pack:)`` with the pack's truth; send the frames it returns; hand every
/// frame from the bus to ``receive(_:atNanoseconds:)``; apply ``actuators`` to the pack's next step.
///
/// ```swift
/// var nodes = try PackNodes(configuration: config, database: database, seed: 42)
/// let frames = nodes.step(nowNanoseconds: t, cells: pack.cells, pack: pack.truth)   // send these
/// nodes.receive(commandFrame, atNanoseconds: t)                                     // from the BMS
/// let inputs = nodes.actuators.packInputs(loadAmps: scenario.load(at: t))           // into the pack
/// try nodes.inject(SensorFault(parsing: "cmu3.voltage[5] stuck 3.7V"))
/// ```
///
/// A step at a time when no node has anything due returns at once (a comparison, plus the current
/// sensor's charge counting). Randomness comes from one seeded stream per node and purpose, so results
/// do not depend on the order of calls between nodes, and the same seed gives identical frames.
public struct PackNodes: Sendable {
    /// The configuration the nodes were built from.
    public let configuration: NodeConfiguration
    /// The cell-monitoring boards, `CMU1` first.
    public internal(set) var cellMonitors: [CellMonitoringNode]
    public internal(set) var currentSensor: CurrentSensorNode
    public internal(set) var gasSensor: GasSensorNode
    public internal(set) var pressureSensor: PressureSensorNode
    public internal(set) var smokeDetector: SmokeDetectorNode
    public internal(set) var insulationMonitor: InsulationMonitorNode
    public internal(set) var charger: ChargerNode
    public internal(set) var contactors: ContactorNode

    let database: CANDatabase
    let contactorCommand: CANID
    let chargerCommand: CANID
    let chargerProfile: CANID
    let balancingCommand: CANID
    let currentSensorCommand: CANID
    /// Frames no node could be asked about: unknown identifiers, error frames.
    public internal(set) var routingCounters = CommandCounters()
    /// Frames the last due step produced: the next step reserves that many at once.
    private var lastOutputCount = 32
    /// Next time any node has something to do.
    public internal(set) var nextDueNanoseconds: Int64 = .min
    var balancing: [Bool]
    var balancingMasks: [UInt32]
    /// The foxBMS profile's AFE, contactor mirror and current-sensor view; `nil` on bmsemu's own bus.
    var foxBMS: FoxBMSBus?

    /// Builds every node of `configuration`, encoding from `database` (normally `Firmware/bms.dbc`).
    ///
    /// With `profile` ``BusProfile/foxBMS(_:)`` the nodes speak the bus of a foxBMS 2 master instead (see
    /// ``FoxBMSProfile``): the cell-monitoring boards measure as always, but their readings go out as foxBMS's
    /// `AFE_CellVoltages` / `AFE_CellTemperatures` (0x270/0x280) from the profile's database; the current sensor
    /// sends its IVT-S results from that database too; the other nodes stay off the bus; contactor positions come
    /// from the profile. `database` must still be `Firmware/bms.dbc`, which defines the boards.
    ///
    /// - Throws: ``NodeSetupError`` if the configuration does not validate (listing every problem), the
    ///   database lacks a message or signal a node needs, or the foxBMS topology does not fit the pack.
    public init(configuration: NodeConfiguration, database: CANDatabase, seed: UInt64, profile: BusProfile = .bmsemu) throws(NodeSetupError) {
        let problems = configuration.validate()
        guard problems.isEmpty else {
            throw NodeSetupError("invalid node configuration:\n" + problems.map { "  \($0)" }.joined(separator: "\n"))
        }
        self.configuration = configuration
        self.database = database
        var boards: [CellMonitoringNode] = []
        for board in 1...configuration.boardCount {
            boards.append(try CellMonitoringNode(board: board, configuration: configuration, database: database, seed: seed))
        }
        cellMonitors = boards
        currentSensor = try CurrentSensorNode(configuration: configuration, database: database, seed: seed)
        gasSensor = try GasSensorNode(configuration: configuration, database: database, seed: seed)
        pressureSensor = try PressureSensorNode(configuration: configuration, database: database, seed: seed)
        smokeDetector = try SmokeDetectorNode(configuration: configuration, database: database, seed: seed)
        insulationMonitor = try InsulationMonitorNode(configuration: configuration, database: database, seed: seed)
        charger = try ChargerNode(configuration: configuration, database: database, seed: seed)
        contactors = try ContactorNode(configuration: configuration, database: database, seed: seed)
        func identifier(_ name: String) throws(NodeSetupError) -> CANID {
            guard let message = database.message(named: name) else { throw NodeSetupError("Firmware database has no message \(name)") }
            return message.id
        }
        contactorCommand = try identifier("BMS_ContactorCommand")
        chargerCommand = try identifier("BMS_ChargerCommand")
        chargerProfile = try identifier("BMS_ChargerProfile")
        balancingCommand = try identifier("BMS_BalancingCommand")
        currentSensorCommand = try identifier("IVT_Msg_Cmd")
        balancing = Array(repeating: false, count: configuration.seriesGroupCount)
        balancingMasks = Array(repeating: 0, count: configuration.boardCount)
        if case .foxBMS(let fox) = profile {
            currentSensor = try CurrentSensorNode(configuration: configuration, database: fox.database, seed: seed)
            foxBMS = try FoxBMSBus(profile: fox, configuration: configuration, seed: seed)
        }
    }

    // MARK: Bus

    /// Runs every node up to `now` with the pack's truth and returns the frames they send, in a fixed node
    /// order (contactors, boards, current sensor, gas, pressure, smoke, insulation, charger).
    ///
    /// Call once per pack step, after the pack stepped to `now`; `cells` and `pack` are its truth. Nodes
    /// read the truth only when they sample. A node whose events were missed (a coarse step) acts once and
    /// skips to its next slot; a multiplexed message sends each page whose slot passed (up to one full cycle).
    public mutating func step(nowNanoseconds now: Int64, cells: [CellTruth], pack: PackTruth) -> [CANFrame] {
        step(nowNanoseconds: now, pack: PackReadings(pack), cells: cells)
    }

    /// ``step(nowNanoseconds:cells:pack:)`` with pack-level ``PackReadings`` and lazily read cells: a pack model
    /// that computes cell truth on demand conforms to ``CellTruthSource`` and is asked only for the cells
    /// being sampled.
    public mutating func step<Cells: CellTruthSource>(nowNanoseconds now: Int64, pack: PackReadings, cells: Cells) -> [CANFrame] {
        if foxBMS != nil { return stepFoxBMS(nowNanoseconds: now, pack: pack, cells: cells) }
        currentSensor.accumulate(nowNanoseconds: now, pack: pack)
        guard now >= nextDueNanoseconds else { return [] }
        var output: [CANFrame] = []
        output.reserveCapacity(lastOutputCount)  // one allocation per due step instead of growing through 1, 2, 4, ...
        contactors.step(nowNanoseconds: now, into: &output)
        let observation = PackObservation(pack: pack, contactors: contactors.positions)
        for index in cellMonitors.indices where now >= cellMonitors[index].nextDueNanoseconds {
            cellMonitors[index].step(nowNanoseconds: now, observation: observation, cells: cells, into: &output)
        }
        currentSensor.step(nowNanoseconds: now, observation: observation, into: &output)
        gasSensor.step(nowNanoseconds: now, observation: observation, into: &output)
        pressureSensor.step(nowNanoseconds: now, observation: observation, cells: cells, into: &output)
        smokeDetector.step(nowNanoseconds: now, observation: observation, into: &output)
        insulationMonitor.step(nowNanoseconds: now, observation: observation, into: &output)
        charger.step(nowNanoseconds: now, observation: observation, into: &output)
        refreshBalancing()
        updateNextDue()
        lastOutputCount = max(32, output.count)
        return output
    }

    /// Hands a frame from the bus to the nodes it concerns. Commands that fail a check are counted by the
    /// node and never executed; identifiers the database does not know are counted in ``routingCounters``;
    /// other known traffic (BMS status frames, the nodes' own frames) is ignored.
    public mutating func receive(_ frame: CANFrame, atNanoseconds now: Int64) {
        guard !frame.isErrorFrame else {
            routingCounters.notADataFrame += 1
            return
        }
        if foxBMS != nil { return receiveFoxBMS(frame, atNanoseconds: now) }
        switch frame.id {
        case contactorCommand:
            contactors.receive(frame, atNanoseconds: now)
            nextDueNanoseconds = min(nextDueNanoseconds, contactors.nextDueNanoseconds)
        case chargerCommand, chargerProfile:
            charger.receive(frame, atNanoseconds: now)
            nextDueNanoseconds = min(nextDueNanoseconds, charger.nextDueNanoseconds)
        case balancingCommand:
            // One preparation (shape, CRC, decoding) for all boards; each checks its own counter.
            if let first = cellMonitors.first {
                let prepared = first.balancingCommand.prepare(frame)
                let addressed = prepared.decoded?.raw(first.balancingBoardHandle)
                for index in cellMonitors.indices {
                    cellMonitors[index].receive(prepared, addressedBoard: addressed, atNanoseconds: now)
                    nextDueNanoseconds = min(nextDueNanoseconds, cellMonitors[index].nextDueNanoseconds)
                }
            }
            refreshBalancing()
        case currentSensorCommand:
            currentSensor.receive(frame, atNanoseconds: now)
            nextDueNanoseconds = min(nextDueNanoseconds, currentSensor.nextDueNanoseconds)
        default:
            if database.message(id: frame.id) == nil { routingCounters.unknownIdentifier += 1 }
        }
    }

    mutating func updateNextDue() {
        if let fox = foxBMS {
            nextDueNanoseconds = Self.foxBMSNextDue(fox, boards: cellMonitors, currentSensor: currentSensor)
            return
        }
        var due = min(contactors.nextDueNanoseconds, currentSensor.nextDueNanoseconds, gasSensor.nextDueNanoseconds)
        due = min(due, pressureSensor.nextDueNanoseconds, smokeDetector.nextDueNanoseconds, insulationMonitor.nextDueNanoseconds)
        due = min(due, charger.nextDueNanoseconds)
        for board in cellMonitors { due = min(due, board.nextDueNanoseconds) }
        nextDueNanoseconds = due
    }

    mutating func refreshBalancing() {
        for index in cellMonitors.indices where cellMonitors[index].balancingMask != balancingMasks[index] {
            let mask = cellMonitors[index].balancingMask
            balancingMasks[index] = mask
            let board = cellMonitors[index]
            for group in 0..<board.groupCount {
                balancing[board.firstGroup + group] = mask & (1 << UInt32(group)) != 0
            }
        }
    }

    // MARK: Actuators and observation

    /// What the nodes do to the pack now: delivered charger current, contactor positions, balancing switches.
    public var actuators: ActuatorState {
        if let fox = foxBMS {
            // foxBMS commands no charger and its balancing goes to the debug-can AFE's dummy functions.
            return ActuatorState(chargerCurrent: .rest, contactors: fox.mirror.positions, balancing: balancing)
        }
        return ActuatorState(chargerCurrent: charger.output, contactors: contactors.positions, balancing: balancing)
    }

    /// Command handling of one node.
    public func counters(of node: NodeAddress) -> CommandCounters {
        switch node {
        case .cellMonitor(let board): cellMonitors.indices.contains(board - 1) ? cellMonitors[board - 1].counters : CommandCounters()
        case .currentSensor: currentSensor.counters
        case .gasSensor: gasSensor.counters
        case .pressureSensor: pressureSensor.counters
        case .smokeDetector: smokeDetector.counters
        case .insulationMonitor: insulationMonitor.counters
        case .charger: charger.counters
        case .contactors: contactors.counters
        }
    }

    /// Every node's address, in the fixed node order (in the foxBMS profile: the boards and the current sensor).
    public var nodeAddresses: [NodeAddress] {
        if foxBMS != nil { return cellMonitors.map(\.address) + [.currentSensor] }
        return cellMonitors.map(\.address) + [
            .currentSensor, .gasSensor, .pressureSensor, .smokeDetector, .insulationMonitor, .charger, .contactors,
        ]
    }

    /// All command counters summed (a broadcast balancing frame is counted by each board) plus the routing
    /// counters.
    public var counters: CommandCounters {
        nodeAddresses.reduce(routingCounters) { $0 + counters(of: $1) }
    }

    /// Nodes whose controller is bus-off (injected); the emulator may mirror this on the bus with
    /// `VirtualCANBus.setBusOff` where each node has its own bus port. The node itself neither sends nor
    /// receives either way.
    public var busOffNodes: [NodeAddress] {
        if foxBMS != nil {
            // The boards sit behind the AFE and have no bus port of their own in this profile.
            return currentSensor.isBusOff ? [.currentSensor] : []
        }
        var result = cellMonitors.filter(\.isBusOff).map(\.address)
        if currentSensor.isBusOff { result.append(.currentSensor) }
        if gasSensor.isBusOff { result.append(.gasSensor) }
        if pressureSensor.isBusOff { result.append(.pressureSensor) }
        if smokeDetector.isBusOff { result.append(.smokeDetector) }
        if insulationMonitor.isBusOff { result.append(.insulationMonitor) }
        if charger.isBusOff { result.append(.charger) }
        if contactors.isBusOff { result.append(.contactors) }
        return result
    }

    /// Frames the nodes could not encode (0 with a matching database).
    public var encodeFailures: Int {
        if let fox = foxBMS {
            // The boards' dropped bms.dbc frames count too: a failure there is still a node/database mismatch.
            return cellMonitors.reduce(0) { $0 + $1.encodeFailures } + currentSensor.encodeFailures + fox.gateway.encodeFailures
        }
        return cellMonitors.reduce(0) { $0 + $1.encodeFailures } + currentSensor.encodeFailures + gasSensor.encodeFailures
            + pressureSensor.encodeFailures + smokeDetector.encodeFailures + insulationMonitor.encodeFailures
            + charger.encodeFailures + contactors.encodeFailures
    }
}
