import CANCore
import CellPack
import SeededRandom
import SensorNodes
import Testing

/// Broken sensors reach foxBMS as cleared validity bits, never as plausible values; faults of nodes that are not
/// on the foxBMS bus are refused.
@Suite("foxBMS restbus faults")
struct FoxBMSFaultTests {
    /// The latest value and validity of every cell block and sensor in the log.
    func latest(_ rig: Rig, after time: Int64) throws -> (voltages: [Int: (Bool, Int64)], temperatures: [Int: (Bool, Int64)]) {
        var voltages: [Int: (Bool, Int64)] = [:]
        var temperatures: [Int: (Bool, Int64)] = [:]
        for entry in rig.log where entry.time > time {
            let values = try decode(entry.frame)
            if let page = values["AFE_CellVoltages_Mux"]?.raw {
                for slot in 0..<4 {
                    let name = "CellVoltage_" + String(Int(page) * 4 + slot).leftPadded(3)
                    voltages[Int(page) * 4 + slot] = (values[name + "_invalidFlag"]?.raw == 1, values[name]?.raw ?? -1)
                }
            } else if let page = values["AFE_CellTemperatures_Mux"]?.raw {
                for slot in 0..<6 {
                    let name = "CellTemperature_" + String(Int(page) * 6 + slot).leftPadded(3)
                    temperatures[Int(page) * 6 + slot] = (values[name + "_invalidFlag"]?.raw == 1, values[name]?.raw ?? -1)
                }
            }
        }
        return (voltages, temperatures)
    }

    @Test func brokenSensorsClearTheValidityBit() throws {
        var rig = try Rig(
            nodes: try Files.nodes(profile: try Files.profile(contactors: .open), changes: [.openWireCheckPeriod: 1]),
            pack: try Files.virtualPack())
        try rig.run(until: 500 * millisecond)
        let healthy = try latest(rig, after: 0)
        #expect(healthy.voltages.count == 96 && healthy.voltages.values.allSatisfy(\.0))
        #expect(healthy.temperatures.count == 96 && healthy.temperatures.values.allSatisfy(\.0))
        for text in ["cmu2.wire[4] open", "cmu1.voltage[3] dropout", "cmu1.temperature[2] open", "cmu3.temperature[5] shorted", "cmu4 silent"] {
            try rig.nodes.inject(try SensorFault(parsing: text))
        }
        let injected = rig.now
        try rig.run(until: 3 * second)
        let broken = try latest(rig, after: 2 * second)
        // Board 2's open wire 4 lies between its groups 4 and 5: cell blocks 15 and 16 (flagged by the board's
        // 1 s open-wire check); a dropout on board 1 group 3; board 4 silent: all of 36...47.
        let invalidVoltages = Set([2, 15, 16] + Array(36...47))
        let invalidTemperatures = Set([1, 24 + 4] + Array(36...47))
        for index in 0..<96 {
            let voltage = try #require(broken.voltages[index])
            #expect(voltage.0 == !invalidVoltages.contains(index), "cell block \(index)")
            if !voltage.0 { #expect(voltage.1 == 0, "an invalid voltage goes out as 0") }
            let temperature = try #require(broken.temperatures[index])
            #expect(temperature.0 == !invalidTemperatures.contains(index), "sensor \(index)")
        }
        #expect(injected < 2 * second)
        // Repaired: valid again after the next samples and open-wire check.
        rig.nodes.clearFaults()
        try rig.run(until: 5 * second)
        let repaired = try latest(rig, after: 4_500 * millisecond)
        #expect(repaired.voltages.values.allSatisfy(\.0) && repaired.temperatures.values.allSatisfy(\.0))
    }

    @Test func faultsOfNodesOffTheFoxBMSBusAreRefused() throws {
        var nodes = try Files.nodes()
        for text in ["gas.h2 offset 5ppm", "charger output-fault", "contactors.main-plus welded", "cmu1 delay 10ms", "cmu2 babble 0x100 100/s"] {
            #expect(throws: SensorFaultRejected.self, "\(text)") { try nodes.inject(try SensorFault(parsing: text)) }
        }
        try nodes.inject(try SensorFault(parsing: "cmu1 bus-off"))
        try nodes.inject(try SensorFault(parsing: "ivt.current offset 2A"))
        try nodes.inject(try SensorFault(parsing: "ivt delay 5ms"))
        #expect(nodes.activeFaults.count == 3)
        #expect(nodes.nodeAddresses == (1...8).map { NodeAddress.cellMonitor($0) } + [.currentSensor])
        #expect(nodes.busOffNodes.isEmpty, "a board behind the AFE has no bus port")
    }

    @Test func afeBusFaultsAffectTheAFEFramesOnly() throws {
        var rig = try Rig(nodes: try Files.nodes(profile: try Files.profile(contactors: .open)), pack: try Files.virtualPack())
        let refusedCRC = rig.nodes.injectAFEFault(.badCRC)
        let refusedCounter = rig.nodes.injectAFEFault(.badCounter)
        #expect(!refusedCRC && !refusedCounter)
        try rig.run(until: 200 * millisecond)
        let silenced = rig.nodes.injectAFEFault(.silent)
        #expect(silenced)
        try rig.run(until: 600 * millisecond)
        rig.nodes.clearAFEFaults()
        let delayed = rig.nodes.injectAFEFault(.delay(milliseconds: 7))
        #expect(delayed)
        try rig.run(until: 800 * millisecond)
        let afe = rig.log.filter { $0.frame.id.value == 0x270 || $0.frame.id.value == 0x280 }
        #expect(!afe.contains { $0.time > 200 * millisecond && $0.time <= 600 * millisecond }, "silent AFE")
        // Delayed by 7 ms: voltages at 20k + 7 ms, temperatures at 20k + 17 ms.
        let late = afe.filter { $0.time > 600 * millisecond }
        #expect(!late.isEmpty && late.allSatisfy { ($0.time / millisecond) % 10 == 7 })
        #expect(rig.nodes.afeFaults == [.delay(milliseconds: 7)])
        rig.nodes.clearFaults()
        #expect(rig.nodes.afeFaults.isEmpty, "clearing every fault clears the AFE's too")
        // The IVT kept sending throughout.
        #expect(try rig.frames("IVT_Msg_Result_I").filter { $0.time > 200 * millisecond && $0.time <= 600 * millisecond }.count == 40)
    }
}

/// Contactor positions in the foxBMS profile, mirrored from foxBMS's 0x220 report.
@Suite("foxBMS contactor mirror")
struct FoxBMSContactorMirrorTests {
    @Test func followsTheReportedStateAndOpensWhenReportsStop() throws {
        var nodes = try Files.nodes()
        let pack = PackReadings(packVolts: 355, linkVolts: 0)
        let cells: [CellTruth] = []
        var now: Int64 = 0
        func report(_ frame: CANFrame) -> ContactorStates {
            nodes.receive(frame, atNanoseconds: now)
            _ = nodes.step(nowNanoseconds: now, pack: pack, cells: cells)
            now += 100 * millisecond
            return nodes.actuators.contactors
        }
        #expect(nodes.actuators.contactors == .open)
        #expect(try report(bmsState(state: 5)) == .open)  // STANDBY
        #expect(try report(bmsState(state: 6, substate: 8)) == ContactorStates(mainNegative: true))  // PRECHARGE_CLOSE_MINUS
        #expect(try report(bmsState(state: 6, substate: 9)) == .precharging)
        #expect(try report(bmsState(state: 6, substate: 10)) == .precharging)
        #expect(try report(bmsState(state: 6, substate: 11)) == ContactorStates(mainPositive: true, mainNegative: true, precharge: true))
        #expect(try report(bmsState(state: 7, connectedStrings: 1)) == .closed)  // NORMAL, one string connected
        // A malformed report is counted and changes nothing.
        #expect(report(try CANFrame(id: try Files.identifier("f_BmsState"), data: [0x17, 0])) == .closed)
        #expect(nodes.foxBMSContactorMirror?.counters.wrongLength == 1)
        #expect(nodes.foxBMSContactorMirror?.reportedState == 7)
        // No report for longer than 500 ms: open (the step at the deadline is requested through nextDueNanoseconds).
        let last = try #require(nodes.foxBMSContactorMirror?.lastReportNanoseconds)
        #expect(nodes.nextDueNanoseconds <= last + 500 * millisecond + 1)
        _ = nodes.step(nowNanoseconds: last + 500 * millisecond, pack: pack, cells: cells)
        #expect(nodes.actuators.contactors == .closed)
        _ = nodes.step(nowNanoseconds: last + 500 * millisecond + 1, pack: pack, cells: cells)
        #expect(nodes.actuators.contactors == .open)
        now = last + 600 * millisecond
        #expect(try report(bmsState(state: 10)) == .open)  // ERROR
    }

    /// Random bytes from the bus (foxBMS's identifiers, the IVT command, unknown ones; any length; remote and error
    /// frames) never trap, and each frame is accepted or counted by exactly one counter.
    @Test func randomFramesFromTheBusAreCountedNeverTrusted() throws {
        var nodes = try Files.nodes()
        var random = Xoshiro256(seed: 8, stream: 2)
        let identifiers: [UInt32] = [0x220, 0x411, 0x210, 0x231, 0x270, 0x521, 0x123, 0x7FF]
        var reports = 0
        for index in 0..<20_000 {
            let id = try CANID(standard: identifiers[Int(random.next() % UInt64(identifiers.count))])
            let length = Int(random.next() % 9)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let frame: CANFrame
            switch random.next() % 20 {
            case 0: frame = try CANFrame(remoteRequest: id, length: length)
            case 1: frame = try CANFrame(errorClass: 0x40, data: [0, 0, 0, 0, 0, 0, 0, 0])
            default: frame = try CANFrame(id: id, data: bytes)
            }
            if frame.id.value == 0x220, !frame.isErrorFrame { reports += 1 }
            nodes.receive(frame, atNanoseconds: Int64(index) * millisecond)
            _ = nodes.step(nowNanoseconds: Int64(index) * millisecond, pack: PackReadings(packVolts: 355, linkVolts: 0), cells: [CellTruth]())
        }
        let mirror = try #require(nodes.foxBMSContactorMirror)
        #expect(mirror.counters.accepted + mirror.counters.rejected == reports)
        #expect(mirror.counters.accepted > 0 && mirror.counters.wrongLength > 0 && mirror.counters.notADataFrame > 0)
        #expect(nodes.routingCounters.unknownIdentifier > 0 && nodes.routingCounters.notADataFrame > 0)
        #expect(nodes.counters(of: .currentSensor).rejected > 0)
    }

    @Test func fixedSourcesIgnoreReports() throws {
        for (source, expected) in [(FoxBMSProfile.ContactorSource.open, ContactorStates.open), (.closed, .closed)] {
            var nodes = try Files.nodes(profile: try Files.profile(contactors: source))
            nodes.receive(try bmsState(state: 7, connectedStrings: 1), atNanoseconds: 0)
            #expect(nodes.actuators.contactors == expected)
            nodes.receive(try bmsState(state: 10), atNanoseconds: 1)
            #expect(nodes.actuators.contactors == expected)
        }
    }

    /// Closed loop: the load flows while foxBMS reports a connected string and stops once its reports stop.
    @Test func loadFlowsOnlyWhileFoxBMSReportsAConnectedString() throws {
        var rig = try Rig(nodes: try Files.nodes(), pack: try Files.virtualPack())
        rig.loadAmps = 20
        try rig.run(until: 2 * second) { rig in
            if rig.now >= 500 * millisecond, rig.now <= 1_200 * millisecond, rig.now % (100 * millisecond) == 0 {
                rig.send(try bmsState(state: 7, connectedStrings: 1))
            }
        }
        func current(at time: Int64) throws -> Double { try rig.last("IVT_Msg_Result_I", "IVT_Result_I", atOrBefore: time).value }
        #expect(abs(try current(at: 400 * millisecond)) < 100)
        #expect(abs(try current(at: 1_000 * millisecond) - 20_000) < 100)
        #expect(abs(try current(at: 1_900 * millisecond)) < 100, "open 500 ms after the last report")
    }
}
