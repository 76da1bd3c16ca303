import CANCore
import CANDatabase
import CellPack

/// The foxBMS profile's part of ``PackNodes``: the CAN AFE, the contactor mirror and how the current sensor sees
/// the pack.
struct FoxBMSBus: Sendable {
    let profile: FoxBMSProfile
    var gateway: FoxBMSCellGateway
    var mirror: FoxBMSContactorMirror
    /// Series groups the cell blocks read, when they are not the whole pack in order (then the IVT measures their
    /// sum as the string voltage); `nil` when they are.
    let stringGroups: [Int]?
    /// The boards' own (bms.dbc) frames, built and dropped: on this bus their readings travel in 0x270/0x280.
    var discarded: [CANFrame] = []

    init(profile: FoxBMSProfile, configuration: NodeConfiguration, seed: UInt64) throws(NodeSetupError) {
        self.profile = profile
        let groups = configuration.seriesGroupCount
        let problems = profile.topology.problems(seriesGroups: groups)
        guard problems.isEmpty else {
            throw NodeSetupError("the foxBMS topology does not fit the pack (\(groups) series groups):\n"
                + problems.map { "  \($0)" }.joined(separator: "\n"))
        }
        gateway = try FoxBMSCellGateway(
            database: profile.database, topology: profile.topology, groupsPerBoard: configuration.groupsPerBoard, seed: seed)
        mirror = try FoxBMSContactorMirror(profile: profile)
        stringGroups = profile.topology.coversPack(seriesGroups: groups) ? nil : profile.topology.cellBlockGroups
    }

    /// The pack as the IVT-S sees it: current sign per the foxBMS build, string voltage of the mapped groups.
    func currentSensorReadings(_ pack: PackReadings, cells: some CellTruthSource, seriesGroups: Int) -> PackReadings {
        var readings = pack
        if profile.positiveCurrentDischarges {
            // CurrentSensorNode reports −packCurrent (bms.dbc: + charges); foxBMS's stock build wants + discharges.
            readings.packCurrentAmps = -pack.packCurrentAmps
            readings.averageCurrentAmps = -pack.averageCurrentAmps
        }
        if let groups = stringGroups {
            var volts = 0.0
            for group in groups { volts += cells.groupVolts(group, seriesCount: seriesGroups) ?? .nan }
            readings.linkVolts = pack.packVolts > 0 ? pack.linkVolts * volts / pack.packVolts : 0
            readings.packVolts = volts
        }
        return readings
    }

    var nextDueNanoseconds: Int64 { min(gateway.nextDueNanoseconds, mirror.nextDueNanoseconds) }

    /// Why `fault` cannot be injected in this profile, or `nil` when it can.
    static func refusal(_ fault: SensorFault) -> String? {
        switch fault.node {
        case .cellMonitor:
            if case .bus(_, let busFault) = fault, busFault != .silent, busFault != .busOff {
                return "in the foxBMS profile the boards' readings travel in the AFE's 0x270/0x280 frames; a silent or bus-off "
                    + "board makes its cells invalid, other bus faults go to the AFE (PackNodes.injectAFEFault)"
            }
            return nil
        case .currentSensor:
            return nil
        default:
            return "\(fault.node) is not on the foxBMS bus (only the cell-monitoring boards behind the AFE and the IVT-S are)"
        }
    }
}

extension PackNodes {
    /// The foxBMS profile's settings, or `nil` on bmsemu's own bus.
    public var foxBMSProfile: FoxBMSProfile? { foxBMS?.profile }

    /// Contactor positions the foxBMS profile gives the pack (mirrored from 0x220 or fixed); `nil` on bmsemu's bus.
    public var foxBMSContactorMirror: FoxBMSContactorMirror? { foxBMS?.mirror }

    /// Interval between two 0x270 frames and between two 0x280 frames in the foxBMS profile, ns.
    public var foxBMSFramePeriodsNanoseconds: (voltages: Int64, temperatures: Int64)? {
        foxBMS.map { ($0.gateway.voltageFramePeriodNanoseconds, $0.gateway.temperatureFramePeriodNanoseconds) }
    }

    /// Injects a bus fault into the foxBMS profile's CAN AFE (the sender of 0x270/0x280): `silent`, `bus-off`,
    /// `delay`, `babble` or `dlc`. `false` on bmsemu's bus, and for `bad-counter`/`bad-crc` (the AFE frames carry
    /// neither).
    @discardableResult
    public mutating func injectAFEFault(_ fault: BusFault) -> Bool {
        guard foxBMS != nil, fault != .badCounter, fault != .badCRC else { return false }
        foxBMS!.gateway.transmitter.add(fault)
        updateNextDue()
        return true
    }

    /// Removes every bus fault of the foxBMS profile's CAN AFE.
    public mutating func clearAFEFaults() {
        guard foxBMS != nil else { return }
        foxBMS!.gateway.transmitter.removeAll()
        updateNextDue()
    }

    /// Bus faults active on the foxBMS profile's CAN AFE.
    public var afeFaults: [BusFault] { foxBMS?.gateway.transmitter.faults ?? [] }

    // MARK: Bus (foxBMS profile)

    /// ``step(nowNanoseconds:pack:cells:)`` on the foxBMS bus: the boards sample (their own frames are dropped),
    /// the AFE sends 0x270/0x280 pages, the IVT-S sends its results.
    mutating func stepFoxBMS<Cells: CellTruthSource>(nowNanoseconds now: Int64, pack: PackReadings, cells: Cells) -> [CANFrame] {
        guard var fox = foxBMS else { return [] }
        foxBMS = nil  // taken out while it is worked on, so its arrays are not copied
        defer { foxBMS = fox }
        let readings = fox.currentSensorReadings(pack, cells: cells, seriesGroups: configuration.seriesGroupCount)
        currentSensor.accumulate(nowNanoseconds: now, pack: readings)
        guard now >= nextDueNanoseconds else { return [] }
        var output: [CANFrame] = []
        output.reserveCapacity(8)
        fox.mirror.expire(atNanoseconds: now)
        let observation = PackObservation(pack: readings, contactors: fox.mirror.positions)
        for index in cellMonitors.indices where now >= cellMonitors[index].nextDueNanoseconds {
            cellMonitors[index].step(nowNanoseconds: now, observation: observation, cells: cells, into: &fox.discarded)
        }
        fox.discarded.removeAll(keepingCapacity: true)
        fox.gateway.step(nowNanoseconds: now, boards: cellMonitors, into: &output)
        currentSensor.step(nowNanoseconds: now, observation: observation, into: &output)
        nextDueNanoseconds = Self.foxBMSNextDue(fox, boards: cellMonitors, currentSensor: currentSensor)
        return output
    }

    /// ``receive(_:atNanoseconds:)`` on the foxBMS bus: IVT commands to the sensor, 0x220 to the contactor mirror;
    /// other identifiers of the database (foxBMS's outputs, the 0x210 request, the restbus's own frames) are ignored,
    /// unknown ones counted.
    mutating func receiveFoxBMS(_ frame: CANFrame, atNanoseconds now: Int64) {
        guard var fox = foxBMS else { return }
        foxBMS = nil
        defer { foxBMS = fox }
        switch frame.id {
        case currentSensorCommand:
            currentSensor.receive(frame, atNanoseconds: now)
        case fox.mirror.identifier:
            fox.mirror.receive(frame, atNanoseconds: now)
        default:
            if fox.profile.database.message(id: frame.id) == nil { routingCounters.unknownIdentifier += 1 }
        }
        nextDueNanoseconds = Self.foxBMSNextDue(fox, boards: cellMonitors, currentSensor: currentSensor)
    }

    static func foxBMSNextDue(_ fox: FoxBMSBus, boards: [CellMonitoringNode], currentSensor: CurrentSensorNode) -> Int64 {
        var due = min(fox.nextDueNanoseconds, currentSensor.nextDueNanoseconds)
        for board in boards { due = min(due, board.nextDueNanoseconds) }
        return due
    }
}
