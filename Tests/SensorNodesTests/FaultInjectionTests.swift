import CANCore
import CANDatabase
import CellPack
import SensorNodes
import Testing

@Suite("Fault injection")
struct FaultInjectionTests {
    static let exact: [NodeParameterKey: Double] = [
        .cellNoise: 0, .cellTotalError: 0, .currentGainError: 0, .currentOffset: 0, .currentNoise: 0, .hydrogenNoise: 0,
    ]

    func cell26(_ rig: Rig) throws -> [(time: Int64, millivolts: Double)] {
        try rig.frames("CMU3_CellVoltages").compactMap { entry in
            try Fixtures.values(entry.frame)["CellVoltage026"].map { (entry.time, $0) }
        }
    }

    func amps(_ rig: Rig) throws -> [Double] {
        try rig.frames("IVT_Msg_Result_I").map { try Fixtures.values($0.frame)["IVT_Result_I"]! / 1000 }
    }

    @Test func valueFaultsChangeReadingsAsStated() throws {
        var rig = Rig(nodes: try Fixtures.nodes(Self.exact), pack: Fixtures.pack(amps: -10))
        try rig.run(until: 200 * millisecond)
        #expect(try cell26(rig).last?.millivolts == 3700)
        // Stuck.
        try rig.nodes.inject(SensorFault(parsing: "cmu3.voltage[2] stuck 4.3V"))
        try rig.run(until: 400 * millisecond)
        #expect(try cell26(rig).last?.millivolts == 4300)
        rig.nodes.clearFaults()
        // Gain and offset combine: 3.7 V × 1.01 − 5 mV.
        try rig.nodes.inject(SensorFault(parsing: "cmu3.voltage[2] gain +1%"))
        try rig.nodes.inject(SensorFault(parsing: "cmu3.voltage[2] offset -5mV"))
        try rig.run(until: 600 * millisecond)
        #expect(try cell26(rig).last?.millivolts == (3700 * 1.01 - 5).rounded())
        // Other channels are untouched.
        #expect(try rig.frames("CMU3_CellVoltages").compactMap { try Fixtures.values($0.frame)["CellVoltage025"] }.last == 3700)
        rig.nodes.clearFaults()
        // Drift: 36 mV per hour is 10 µV/s, 1 mV after 100 s.
        try rig.nodes.inject(SensorFault(parsing: "ivt.current drift 3.6A/h"))
        let start = rig.now
        try rig.run(until: start + 100 * second, step: 10 * millisecond)
        let drifted = try amps(rig).last!
        #expect(abs(drifted - (10 + 0.1)) < 0.0015, "after 100 s: \(drifted) A")
        rig.nodes.clearFaults()
        // Extra noise: σ as stated, from the node's fault stream.
        try rig.nodes.inject(SensorFault(parsing: "ivt.current noise 0.5A"))
        let noisyFrom = rig.now
        try rig.run(until: noisyFrom + 20 * second, step: 10 * millisecond)
        let noisy = try rig.frames("IVT_Msg_Result_I").filter { $0.time >= noisyFrom }.map { try Fixtures.values($0.frame)["IVT_Result_I"]! / 1000 }
        let (mean, sigma) = statistics(noisy)
        #expect(abs(mean - 10) < 0.05 && abs(sigma - 0.5) < 0.05, "mean \(mean), σ \(sigma)")
        rig.nodes.clearFaults()
        // Dropout: the DBC's invalid marker / error bit.
        try rig.nodes.inject(SensorFault(parsing: "cmu3.voltage[2] dropout"))
        try rig.nodes.inject(SensorFault(parsing: "ivt.current dropout"))
        try rig.run(until: rig.now + 200 * millisecond)
        #expect(try cell26(rig).last?.millivolts == 65535)
        #expect(try Fixtures.values(rig.frames("IVT_Msg_Result_I").last!.frame)["IVT_Result_I_Measurement_Error"] == 1)
        #expect(rig.nodes.activeFaults.count == 2)
        #expect(rig.nodes.clear(try SensorFault(parsing: "ivt.current dropout")))
        #expect(!rig.nodes.clear(try SensorFault(parsing: "ivt.current dropout")))
        try rig.run(until: rig.now + 200 * millisecond)
        #expect(try Fixtures.values(rig.frames("IVT_Msg_Result_I").last!.frame)["IVT_Result_I_Measurement_Error"] == 0)
    }

    @Test func silentAndBusOffNodesStopTransmitting() throws {
        var rig = Rig(nodes: try Fixtures.nodes())
        try rig.nodes.inject(SensorFault(parsing: "cmu4 silent"))
        try rig.nodes.inject(SensorFault(parsing: "gas bus-off"))
        try rig.run(until: 1 * second)
        #expect(try rig.frames("CMU4_CellVoltages").isEmpty && rig.frames("CMU4_CellTemperatures").isEmpty)
        #expect(try rig.frames("GAS_Concentrations").isEmpty)
        #expect(try rig.frames("CMU5_CellVoltages").count == 40)
        #expect(rig.nodes.busOffNodes == [.gasSensor])
        // A bus-off node does not receive either: balancing commands for board 4 still work (silent only),
        // contactor commands to a bus-off contactor node do not.
        try rig.nodes.inject(SensorFault(parsing: "contactors bus-off"))
        var builder = try CommandBuilder("BMS_ContactorCommand")
        rig.send(try builder.frame([:], raw: ["ContactorCmd_MainPlus": 1, "ContactorCmd_MainMinus": 1, "ContactorCmd_Precharge": 0, "ContactorCmd_EmergencyOpen": 0]))
        try rig.run(until: rig.now + 30 * millisecond)
        #expect(rig.nodes.actuators.contactors == .open)
        #expect(rig.nodes.counters(of: .contactors).accepted == 0)
        #expect(rig.nodes.busOffNodes == [.gasSensor, .contactors])
        // Recovery.
        rig.nodes.clearFaults()
        let back = rig.now
        try rig.run(until: back + 1 * second)
        #expect(try rig.frames("CMU4_CellVoltages").filter { $0.time > back }.count >= 39)
        #expect(rig.nodes.busOffNodes.isEmpty)
    }

    @Test func delayedFramesLeaveLate() throws {
        var plain = Rig(nodes: try Fixtures.nodes())
        var delayed = Rig(nodes: try Fixtures.nodes())
        try delayed.nodes.inject(SensorFault(parsing: "ivt delay 30ms"))
        try plain.run(until: 1 * second)
        try delayed.run(until: 1 * second)
        let original = try plain.frames("IVT_Msg_Result_I")
        let late = try delayed.frames("IVT_Msg_Result_I")
        #expect(late.count == original.count - 3)
        for (a, b) in zip(original, late) {
            #expect(b.time - a.time == 30 * millisecond)
            #expect(b.frame == a.frame)
        }
    }

    @Test func aBabblingNodeFloodsItsIdentifier() throws {
        var rig = Rig(nodes: try Fixtures.nodes())
        try rig.nodes.inject(SensorFault(parsing: "smoke babble 0x001 2000/s"))
        try rig.run(until: 1 * second - 1, step: 1 * millisecond)
        let flood = rig.log.filter { $0.frame.id.value == 0x001 }
        #expect(flood.count == 1999)  // due every 0.5 ms from 0 ms; the last step is at 999 ms
        #expect(flood.allSatisfy { $0.frame.length == 8 })
        #expect(Set(flood.map(\.frame.data)).count > 1900, "payloads vary")
        // The node's own traffic goes on.
        #expect(try rig.frames("SMOKE_Status").count == 10)
        // A bus-off babbler is quiet and does not keep the nodes busy.
        try rig.nodes.inject(SensorFault(parsing: "smoke bus-off"))
        let off = rig.now
        try rig.run(until: off + 100 * millisecond)
        #expect(rig.log.filter { $0.frame.id.value == 0x001 && $0.time > off }.isEmpty)
        #expect(rig.nodes.nextDueNanoseconds > rig.now - millisecond, "something stays due after the last step")
        // The flood stops with the fault.
        rig.nodes.clearFaults()
        let stop = rig.now
        try rig.run(until: stop + 100 * millisecond)
        #expect(rig.log.filter { $0.frame.id.value == 0x001 && $0.time > stop }.isEmpty)
    }

    @Test func wrongLengthAndCorruptedE2EReachTheReceiverAsSuch() throws {
        var rig = Rig(nodes: try Fixtures.nodes())
        try rig.nodes.inject(SensorFault(parsing: "cmu1 dlc 5"))
        try rig.nodes.inject(SensorFault(parsing: "cmu2 bad-crc"))
        try rig.nodes.inject(SensorFault(parsing: "cmu3 bad-counter"))
        try rig.nodes.inject(SensorFault(parsing: "press bad-counter"))
        try rig.run(until: 500 * millisecond)
        #expect(try rig.frames("CMU1_CellVoltages").allSatisfy { $0.frame.length == 5 })
        var crc = E2EReceiverHarness(name: "CMU2_CellVoltages")
        for entry in try rig.frames("CMU2_CellVoltages") {
            guard case .badCRC = crc.check(entry.frame) else {
                Issue.record("frame passed the CRC check")
                continue
            }
        }
        var counter = E2EReceiverHarness(name: "CMU3_CellVoltages")
        let results = try rig.frames("CMU3_CellVoltages").map { counter.check($0.frame) }
        #expect(results.first == .initial)
        #expect(results.dropFirst().allSatisfy { $0 == .repeated })
        var pressure = E2EReceiverHarness(name: "PRESS_PackPressure")
        #expect(try rig.frames("PRESS_PackPressure").dropFirst().map { pressure.check($0.frame) }.dropFirst().allSatisfy { $0 == .repeated })
        // A node without CRC cannot have a bad CRC.
        #expect(throws: SensorFaultRejected.self) { try rig.nodes.inject(SensorFault(parsing: "ivt bad-crc")) }
        // Untouched nodes stay valid.
        var clean = E2EReceiverHarness(name: "CMU4_CellVoltages")
        #expect(try rig.frames("CMU4_CellVoltages").allSatisfy { try clean.accepts($0.frame) })
    }

    @Test func faultsForMissingTargetsAreRejected() throws {
        var nodes = try Fixtures.nodes()
        for text in [
            "cmu9.voltage[1] stuck 3V", "cmu1.voltage[13] stuck 3V", "cmu1.temperature[13] open", "cmu1.wire[13] open",
            "cmu9 silent",
        ] {
            #expect(throws: SensorFaultRejected.self, "\(text)") { try nodes.inject(SensorFault(parsing: text)) }
        }
        #expect(throws: SensorFaultRejected.self) { try nodes.inject(.value(.hydrogen, .stuck(.nan))) }
        #expect(nodes.activeFaults.isEmpty)
        // Every canonical fault text can be injected into the default configuration and cleared again.
        for text in SensorFaultParsingTests.canonical {
            let fault = try SensorFault(parsing: text)
            try nodes.inject(fault)
            #expect(nodes.activeFaults.contains(fault), "\(text)")
        }
        #expect(nodes.activeFaults.count == SensorFaultParsingTests.canonical.count)
        for text in SensorFaultParsingTests.canonical { #expect(nodes.clear(try SensorFault(parsing: text)), "\(text)") }
        #expect(nodes.activeFaults.isEmpty)
    }
}
