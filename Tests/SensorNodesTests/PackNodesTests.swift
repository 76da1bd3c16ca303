import CANCore
import CANDatabase
import CellPack
import SeededRandom
import SensorNodes
import Testing

/// Counts what the nodes read (a class so copies of the source share it).
final class AccessCounter: @unchecked Sendable {
    // @unchecked: used by one test task only.
    var cells = 0
}

/// A lazily read pack that records every access.
struct CountingCells: CellTruthSource {
    let cells: [CellTruth]
    let counter: AccessCounter

    var cellCount: Int { cells.count }

    func cell(_ index: Int) -> CellTruth? {
        counter.cells += 1
        return cells.cell(index)
    }
}

@Suite("Pack nodes (restbus)")
struct PackNodesTests {
    /// A scripted run: truth that changes, commands from a BMS, a fault; returns the candump lines.
    func scriptedRun(seed: UInt64) throws -> [String] {
        var rig = Rig(nodes: try Fixtures.nodes(seed: seed))
        var contactor = try CommandBuilder("BMS_ContactorCommand")
        var charger = try CommandBuilder("BMS_ChargerCommand")
        var balancing = try CommandBuilder("BMS_BalancingCommand")
        try rig.run(until: 3 * second) { rig in
            let t = Double(rig.now) / 1e9
            rig.cells = Fixtures.cells(volts: { 3.6 + 0.001 * Double($0) + 0.01 * t }, celsius: { 25 + Double($0 % 5) + t })
            rig.pack.enclosureGasPPM = GasAmounts(hydrogen: 100 * t)
            if rig.now % (50 * millisecond) == 0 {
                rig.send(try contactor.frame([:], raw: [
                    "ContactorCmd_MainPlus": 1, "ContactorCmd_MainMinus": 1, "ContactorCmd_Precharge": 0, "ContactorCmd_EmergencyOpen": 0,
                ]))
            }
            if rig.now % (100 * millisecond) == 0 {
                rig.send(try charger.frame(
                    ["ChargerCmd_CurrentSetpoint": 20, "ChargerCmd_VoltageLimit": 400],
                    raw: ["ChargerCmd_Enable": 1, "ChargerCmd_HealingProfile": 0, "ChargerCmd_ProfileSet": 0]))
                rig.send(try balancing.frame([:], raw: ["Balancing_Board": 0, "Balancing_MaskCMU1": 0x0F0]))
            }
            if rig.now == 1 * second { try rig.nodes.inject(SensorFault(parsing: "cmu2.voltage[3] noise 5mV")) }
        }
        return rig.log.map { "\($0.time) \($0.frame.candumpText)" }
    }

    @Test func theSameSeedGivesIdenticalFrames() throws {
        let first = try scriptedRun(seed: 42)
        let second = try scriptedRun(seed: 42)
        let other = try scriptedRun(seed: 43)
        #expect(first.count > 2_000)
        #expect(first == second)
        // Another seed draws other noise, static errors and board clock errors.
        #expect(first != other)
    }

    @Test func idleStepsReadNothingAndSendNothing() throws {
        var nodes = try Fixtures.nodes()
        let counter = AccessCounter()
        let cells = CountingCells(cells: Fixtures.cells(), counter: counter)
        _ = nodes.step(nowNanoseconds: 0, pack: PackReadings(Fixtures.pack()), cells: cells)
        let due = nodes.nextDueNanoseconds
        #expect(due > 0)
        counter.cells = 0
        #expect(nodes.step(nowNanoseconds: due - 1, pack: PackReadings(Fixtures.pack()), cells: cells).isEmpty)
        #expect(counter.cells == 0)
        // Over one second the nodes read cells only when they sample: voltages every 100 ms (2 cells per group),
        // thermistors every 200 ms (1 cell per sensor), the pressure stack every 100 ms (24 cells).
        for millisecondStep in 1...1_000 {
            _ = nodes.step(nowNanoseconds: Int64(millisecondStep) * millisecond, pack: PackReadings(Fixtures.pack()), cells: cells)
        }
        #expect(counter.cells == 10 * 192 + 5 * 96 + 10 * 24)
    }

    @Test func framesFromTheBusAreRoutedAndCounted() throws {
        var nodes = try Fixtures.nodes()
        // Unknown identifiers are counted; known traffic that is not for the nodes is ignored.
        nodes.receive(try CANFrame(id: CANID(standard: 0x7AB), data: [1, 2]), atNanoseconds: 0)
        nodes.receive(try CANFrame(id: CANID(extended: 0x1234567), data: []), atNanoseconds: 0)
        nodes.receive(try CANFrame(errorClass: 0x40, data: [0, 0, 0, 0, 0, 0, 0, 0]), atNanoseconds: 0)
        nodes.receive(try CANFrame(id: Fixtures.identifier("BMS_State"), data: [UInt8](repeating: 0, count: 8)), atNanoseconds: 0)
        nodes.receive(try CANFrame(id: Fixtures.identifier("CMU1_CellVoltages"), data: [UInt8](repeating: 0, count: 8)), atNanoseconds: 0)
        #expect(nodes.routingCounters.unknownIdentifier == 2)
        #expect(nodes.routingCounters.notADataFrame == 1)
        #expect(nodes.counters.rejected == 3)
        #expect(nodes.counters.accepted == 0)
    }

    @Test func fuzzedFramesNeverTrapAndAreAllAccountedFor() throws {
        var nodes = try Fixtures.nodes()
        var random = Xoshiro256(seed: 2024, stream: 1)
        let targets = try ["BMS_ContactorCommand", "BMS_ChargerCommand", "BMS_ChargerProfile", "IVT_Msg_Cmd", "BMS_BalancingCommand"]
            .map { try Fixtures.identifier($0) }
        var sent = [Int](repeating: 0, count: targets.count)
        var rightLength = [Int](repeating: 0, count: targets.count)
        var unknown = 0
        let lengths = try targets.map { try Fixtures.database().message(id: $0)!.length }
        for index in 0..<30_000 {
            let length = Int(random.next() % 10)
            var bytes: [UInt8] = []
            for _ in 0..<min(length, 8) { bytes.append(UInt8(truncatingIfNeeded: random.next())) }
            let frame: CANFrame
            let choice = Int(random.next() % 8)
            if choice < targets.count {
                let id = targets[choice]
                frame = random.next() % 50 == 0 ? try CANFrame(remoteRequest: id, length: length % 9) : try CANFrame(id: id, data: bytes)
            } else {
                let raw = UInt32(truncatingIfNeeded: random.next()) & 0x7FF
                frame = try CANFrame(id: CANID(standard: raw), data: bytes)
                if try Fixtures.database().message(id: frame.id) == nil { unknown += 1 }
            }
            if let target = targets.firstIndex(of: frame.id) {
                sent[target] += 1
                if !frame.isRemoteRequest, frame.length == lengths[target] { rightLength[target] += 1 }
            }
            let now = Int64(index) * 100_000
            nodes.receive(frame, atNanoseconds: now)
            if index % 10 == 0 { _ = nodes.step(nowNanoseconds: now, cells: Fixtures.cells(), pack: Fixtures.pack()) }
        }
        #expect(nodes.routingCounters.unknownIdentifier == unknown)
        // Every frame to a node is either executed or rejected for exactly one reason.
        for (index, node) in [NodeAddress.contactors, .charger, .charger, .currentSensor].enumerated() where index != 2 {
            let counters = nodes.counters(of: node)
            let frames = node == .charger ? sent[1] + sent[2] : sent[index]
            #expect(counters.accepted + counters.rejected == frames, "\(node): \(counters)")
        }
        // Random bytes of the right length almost never carry a valid CRC.
        #expect(nodes.counters(of: .contactors).badCRC >= rightLength[0] * 9 / 10)
        #expect(nodes.encodeFailures == 0)
    }

    @Test func frameThatFailChecksAreNeverExecuted() throws {
        var nodes = try Fixtures.nodes()
        var random = Xoshiro256(seed: 99, stream: 2)
        var contactor = try CommandBuilder("BMS_ContactorCommand")
        var charger = try CommandBuilder("BMS_ChargerCommand")
        var balancing = try CommandBuilder("BMS_BalancingCommand")
        var count = 0
        for index in 0..<3_000 {
            // Valid content with a corrupted CRC byte, or the right bytes at the wrong length.
            let frames = [
                try contactor.frame([:], raw: ["ContactorCmd_MainPlus": 1, "ContactorCmd_MainMinus": 1, "ContactorCmd_Precharge": 1, "ContactorCmd_EmergencyOpen": 0]),
                try charger.frame(["ChargerCmd_CurrentSetpoint": 100, "ChargerCmd_VoltageLimit": 400], raw: ["ChargerCmd_Enable": 1, "ChargerCmd_HealingProfile": 0, "ChargerCmd_ProfileSet": 0]),
                try balancing.frame([:], raw: ["Balancing_Board": Int64(index % 8), "Balancing_MaskCMU\(index % 8 + 1)": 0xFFF]),
            ]
            for frame in frames {
                let bad: CANFrame
                if random.next() % 2 == 0, let crcByte = frame.data.count == 3 ? 2 : 7 as Int? {
                    var payload = frame.data
                    payload.set(payload[crcByte] ^ UInt8(1 + random.next() % 255), at: crcByte)
                    bad = try CANFrame(id: frame.id, payload: payload)
                } else {
                    let length = (frame.data.count + 1 + Int(random.next() % 8)) % 9
                    bad = try CANFrame(id: frame.id, data: Array(frame.data.prefix(length)) + [UInt8](repeating: 0, count: max(length - frame.data.count, 0)))
                }
                nodes.receive(bad, atNanoseconds: Int64(index) * millisecond)
                count += 1
            }
            _ = nodes.step(nowNanoseconds: Int64(index) * millisecond, cells: Fixtures.cells(), pack: Fixtures.pack())
        }
        #expect(nodes.actuators.contactors == .open)
        #expect(nodes.actuators.chargerCurrent == .rest)
        #expect(!nodes.actuators.balancing.contains(true))
        #expect(nodes.counters(of: .contactors).accepted == 0 && nodes.counters(of: .charger).accepted == 0)
        #expect(nodes.counters(of: .contactors).rejected + nodes.counters(of: .charger).rejected == 2 * count / 3)
    }
}
