import CANCore
import CANDatabase
import SeededRandom

/// The CAN AFE of the foxBMS profile: takes the cell-monitoring boards' latest readings and sends them in the
/// layouts foxBMS's `debug-can` AFE driver reads, `AFE_CellVoltages` (0x270, 4 × 13-bit mV per page) and
/// `AFE_CellTemperatures` (0x280, 6 × int8 °C per page).
///
/// - Timing: one frame of each message per (DBC cycle ÷ DBC page count), 20 ms with `foxbms-compat.dbc`, cycling
///   through the pages the topology uses; temperatures run half a frame period after voltages. foxBMS drains each
///   of its CAN-to-AFE queues (5 deep) by one frame per 10 ms, so this stays at half its capacity. A coarse step
///   sends each page whose slot passed, at most one full cycle.
/// - Values: a voltage is the board's raw reading (1 mV); a temperature is the board's reading rounded to 1 °C and
///   clamped to −128...127 (a hotter cell still reads hot).
/// - Validity (the `*_invalidFlag` bit is 1 for a VALID value in foxBMS): a board's invalid markers (`Invalid`,
///   `OpenWire`, `SensorOpen`, `SensorShorted`, a dropout) and every reading of a board that is silent or bus-off
///   go out with the bit cleared and the value 0. Unused slots of the last page are invalid zeros; foxBMS ignores
///   indices beyond its topology.
struct FoxBMSCellGateway: Sendable {
    /// One slot of a page: where its value comes from (board index, channel on the board), or `nil` for an unused
    /// slot.
    struct Slot: Sendable {
        let value: SignalHandle
        let flag: SignalHandle
        let source: (board: Int, channel: Int)?
    }

    struct Page: Sendable {
        let multiplexer: Int64
        let slots: [Slot]
    }

    var voltageMessage: OutgoingMessage
    var temperatureMessage: OutgoingMessage
    let voltageMultiplexer: SignalHandle
    let temperatureMultiplexer: SignalHandle
    let voltagePages: [Page]
    let temperaturePages: [Page]
    var voltageSchedule: PeriodicSchedule
    var temperatureSchedule: PeriodicSchedule
    var nextVoltagePage = 0
    var nextTemperaturePage = 0
    var transmitter: NodeTransmitter
    /// Frames that could not be encoded (stays 0 with `foxbms-compat.dbc`).
    var encodeFailures = 0

    /// Highest value the 13-bit voltage field carries, mV.
    static let maximumMillivolts: Int64 = 8191

    init(database: CANDatabase, topology: FoxBMSTopology, groupsPerBoard: Int, seed: UInt64) throws(NodeSetupError) {
        voltageMessage = try OutgoingMessage("AFE_CellVoltages", node: "AFE", database: database)
        temperatureMessage = try OutgoingMessage("AFE_CellTemperatures", node: "AFE", database: database)
        voltageMultiplexer = try voltageMessage.handle("AFE_CellVoltages_Mux")
        temperatureMultiplexer = try temperatureMessage.handle("AFE_CellTemperatures_Mux")
        func source(_ group: Int) -> (board: Int, channel: Int) { (group / groupsPerBoard, group % groupsPerBoard) }
        voltagePages = try Self.pages(
            voltageMessage, prefix: "CellVoltage", perPage: 4, count: topology.cellBlockCount,
            sources: topology.cellBlockGroups.map(source))
        temperaturePages = try Self.pages(
            temperatureMessage, prefix: "CellTemperature", perPage: 6, count: topology.temperatureSensorCount,
            sources: topology.temperatureSensorGroups.map(source))
        let voltagePeriod = try Self.framePeriod(voltageMessage)
        let temperaturePeriod = try Self.framePeriod(temperatureMessage)
        voltageSchedule = PeriodicSchedule(phaseNanoseconds: 0, periodNanoseconds: voltagePeriod)
        temperatureSchedule = PeriodicSchedule(phaseNanoseconds: temperaturePeriod / 2, periodNanoseconds: temperaturePeriod)
        // A stream of its own, beside the nodes' streams (NodeAddress.randomStream uses sort keys below 1,100).
        transmitter = NodeTransmitter(random: Xoshiro256(seed: seed, stream: 0x5345_4E53_0000_0000 | 1_100 << 8 | 3))
    }

    /// The pages one full cycle sends: page k carries linear indices perPage·k ..< perPage·(k+1).
    static func pages(
        _ message: OutgoingMessage, prefix: String, perPage: Int, count: Int, sources: [(board: Int, channel: Int)]
    ) throws(NodeSetupError) -> [Page] {
        var pages: [Page] = []
        for page in 0..<((count + perPage - 1) / perPage) {
            var slots: [Slot] = []
            for slot in 0..<perPage {
                let index = page * perPage + slot
                let name = prefix + "_" + threeDigits(index)
                slots.append(Slot(
                    value: try message.handle(name), flag: try message.handle(name + "_invalidFlag"),
                    source: index < count ? sources[index] : nil))
            }
            pages.append(Page(multiplexer: Int64(page), slots: slots))
        }
        return pages
    }

    /// DBC cycle time ÷ the number of pages the DBC declares: the interval between two frames.
    static func framePeriod(_ message: OutgoingMessage) throws(NodeSetupError) -> Int64 {
        let cycle = try message.cycleNanoseconds()
        var pages = Set<Int64>()
        for signal in message.codec.message.signals {
            if let page = signal.multiplexCondition?.values.first?.lowerBound { pages.insert(page) }
        }
        guard !pages.isEmpty else { throw NodeSetupError("message \(message.name) has no multiplexed pages") }
        return cycle / Int64(pages.count)
    }

    /// Interval between two voltage frames, ns.
    var voltageFramePeriodNanoseconds: Int64 { voltageSchedule.periodNanoseconds }
    /// Interval between two temperature frames, ns.
    var temperatureFramePeriodNanoseconds: Int64 { temperatureSchedule.periodNanoseconds }

    var nextDueNanoseconds: Int64 {
        min(voltageSchedule.dueNanoseconds, temperatureSchedule.dueNanoseconds, transmitter.nextDueNanoseconds)
    }

    /// Sends the pages due at `now` with the boards' latest readings.
    mutating func step(nowNanoseconds now: Int64, boards: [CellMonitoringNode], into output: inout [CANFrame]) {
        let voltageSlots = min(voltageSchedule.fireSlots(at: now), Int64(voltagePages.count))
        for _ in 0..<voltageSlots {
            let page = voltagePages[nextVoltagePage]
            nextVoltagePage = (nextVoltagePage + 1) % voltagePages.count
            emit(page, voltage: true, boards: boards, at: now, into: &output)
        }
        let temperatureSlots = min(temperatureSchedule.fireSlots(at: now), Int64(temperaturePages.count))
        for _ in 0..<temperatureSlots {
            let page = temperaturePages[nextTemperaturePage]
            nextTemperaturePage = (nextTemperaturePage + 1) % temperaturePages.count
            emit(page, voltage: false, boards: boards, at: now, into: &output)
        }
        transmitter.flush(at: now, into: &output)
    }

    private mutating func emit(_ page: Page, voltage: Bool, boards: [CellMonitoringNode], at now: Int64, into output: inout [CANFrame]) {
        var complete: Bool
        if voltage {
            voltageMessage.begin()
            complete = voltageMessage.set(voltageMultiplexer, raw: page.multiplexer)
            for slot in page.slots {
                let (value, valid) = slot.source.map { Self.voltage(boards, $0) } ?? (0, false)
                complete = voltageMessage.set(slot.value, raw: value) && complete
                complete = voltageMessage.set(slot.flag, raw: valid ? 1 : 0) && complete
            }
            complete = complete && transmitter.transmit(&voltageMessage, at: now, into: &output)
        } else {
            temperatureMessage.begin()
            complete = temperatureMessage.set(temperatureMultiplexer, raw: page.multiplexer)
            for slot in page.slots {
                let (value, valid) = slot.source.map { Self.temperature(boards, $0) } ?? (0, false)
                complete = temperatureMessage.set(slot.value, raw: value) && complete
                complete = temperatureMessage.set(slot.flag, raw: valid ? 1 : 0) && complete
            }
            complete = complete && transmitter.transmit(&temperatureMessage, at: now, into: &output)
        }
        if !complete { encodeFailures += 1 }
    }

    /// `true` when the board delivers no readings to the AFE (silent or bus-off).
    static func isSilent(_ board: CellMonitoringNode) -> Bool {
        board.isBusOff || board.transmitter.faults.contains(.silent)
    }

    /// A voltage slot: the board's reading in mV, or (0, invalid).
    static func voltage(_ boards: [CellMonitoringNode], _ source: (board: Int, channel: Int)) -> (Int64, Bool) {
        let board = boards[source.board]
        let raw = board.voltageRaw[source.channel]
        guard !isSilent(board), raw >= 0, raw <= maximumMillivolts else { return (0, false) }
        return (raw, true)
    }

    /// A temperature slot: the board's reading rounded to 1 °C and clamped to int8, or (0, invalid).
    static func temperature(_ boards: [CellMonitoringNode], _ source: (board: Int, channel: Int)) -> (Int64, Bool) {
        let board = boards[source.board]
        let raw = board.temperatureRaw[source.channel]
        guard !isSilent(board), raw != CellMonitoringNode.sensorOpen, raw != CellMonitoringNode.sensorShorted else { return (0, false) }
        let celsius = board.temperatureScale.physical(raw)
        guard celsius.isFinite else { return (0, false) }
        return (Int64(min(max(celsius.rounded(), -128), 127)), true)
    }
}
