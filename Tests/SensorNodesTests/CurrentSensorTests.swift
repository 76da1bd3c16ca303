import CANCore
import CANDatabase
import CellPack
import SensorNodes
import Testing

@Suite("Current sensor (IVT-S format)")
struct CurrentSensorTests {
    static let exact: [NodeParameterKey: Double] = [
        .currentGainError: 0, .currentOffset: 0, .currentNoise: 0, .currentSensorVoltageGainError: 0,
        .currentSensorVoltageOffset: 0, .currentSensorVoltageNoise: 0, .shuntTemperatureNoise: 0,
    ]

    func values(_ rig: Rig, _ result: String) throws -> [(time: Int64, value: Double, counter: Int)] {
        try rig.frames("IVT_Msg_Result_\(result)").map { entry in
            let values = try Fixtures.values(entry.frame)
            return (entry.time, values["IVT_Result_\(result)"] ?? .nan, Int(values["IVT_MsgCount_Result_\(result)"] ?? -1))
        }
    }

    @Test func resultsFollowTheDatabaseCyclesWithCountersAndTheVendorLayout() throws {
        // 12.345 A out of the pack is -12.345 A on the IVT (positive charges).
        var rig = Rig(nodes: try Fixtures.nodes(Self.exact), pack: Fixtures.pack(amps: 12.345))
        try rig.run(until: 1 * second - 1, step: 1 * millisecond)
        let expected = ["I": 100, "U1": 50, "U2": 50, "U3": 10, "T": 2, "W": 10, "As": 10, "Wh": 10]
        for (result, count) in expected {
            let series = try values(rig, result)
            #expect(series.count == count, "\(result): \(series.count) frames")
            for (index, entry) in series.enumerated() { #expect(entry.counter == index % 16) }
        }
        // The README's vector: I = -12.345 A with counter 3 is 521#0003FFFFCFC7.
        let fourth = try rig.frames("IVT_Msg_Result_I")[3].frame
        #expect(fourth.candumpText == "521#0003FFFFCFC7")
        let u1 = try values(rig, "U1")[0]
        #expect(u1.value == 355_200)
        for name in ["I", "U1", "U2", "U3", "T", "W", "As", "Wh"] {
            let frame = try rig.frames("IVT_Msg_Result_\(name)")[0].frame
            #expect(frame.length == 6)
            #expect(frame.data.byte(at: 0) == UInt8(["I", "U1", "U2", "U3", "T", "W", "As", "Wh"].firstIndex(of: name)!))
        }
    }

    @Test func offsetGainAndNoiseMatchTheDevice() throws {
        var rig = Rig(nodes: try Fixtures.nodes(seed: 21, [.currentNoise: 0.05]), pack: Fixtures.pack(amps: 100))
        try rig.run(until: 20 * second, step: 10 * millisecond)
        let sensor = rig.nodes.currentSensor
        #expect(abs(sensor.currentGain - 1) <= 0.001 && sensor.currentGain != 1)
        #expect(abs(sensor.currentOffsetAmps) <= 0.02 && sensor.currentOffsetAmps != 0)
        let amps = try values(rig, "I").map { $0.value / 1000 }
        #expect(amps.count >= 1_900)
        let (mean, sigma) = statistics(amps)
        let expected = -100 * sensor.currentGain + sensor.currentOffsetAmps
        #expect(abs(mean - expected) < 0.004, "mean \(mean) A, expected \(expected) A")
        let expectedSigma = (0.05 * 0.05 + 1e-6 / 12).squareRoot()
        #expect(abs(sigma - expectedSigma) < 0.1 * expectedSigma, "σ \(sigma) A")
    }

    @Test func countersIntegrateTheAverageCurrentOfEveryStep() throws {
        // Charging pulses: the instantaneous current at the step end is 0, the step average -25 A (into the pack).
        var pack = Fixtures.pack(volts: 360, link: 360, amps: 0)
        pack.averageCurrentAmps = -25
        var rig = Rig(nodes: try Fixtures.nodes(Self.exact), pack: pack)
        try rig.run(until: 100 * second, step: 7 * millisecond)
        let charge = try #require(try values(rig, "As").last?.value)
        let energy = try #require(try values(rig, "Wh").last?.value)
        // 25 A for the elapsed time up to the last counter frame (one frame per 100 ms, the last at ~100 s).
        #expect(abs(charge - 2_500) <= 3, "As \(charge)")
        #expect(abs(energy - 360 * 2_500 / 3_600) <= 1.5, "Wh \(energy)")
        #expect(try values(rig, "I").last?.value == 0)
        // With its own errors the counter drifts: offset and gain integrate.
        var biased = Rig(nodes: try Fixtures.nodes(Self.exact.merging([.currentOffset: 0.02, .currentGainError: 0.001]) { $1 }), pack: pack)
        try biased.run(until: 100 * second, step: 7 * millisecond)
        let sensor = biased.nodes.currentSensor
        let expected = (25 * sensor.currentGain + sensor.currentOffsetAmps) * Double(biased.now - 7 * millisecond) / 1e9
        #expect(abs(sensor.chargeAmpereSeconds - expected) < 0.01, "\(sensor.chargeAmpereSeconds) vs \(expected)")
    }

    func command(_ builder: inout CommandBuilder, _ code: Int64, _ raw: [String: Int64] = [:]) throws -> CANFrame {
        var all = raw
        all["IVT_ID_Cmd"] = code
        return try builder.frame([:], raw: all)
    }

    func responses(_ rig: Rig) throws -> [(time: Int64, values: [String: Double])] {
        try rig.frames("IVT_Msg_Response").map { ($0.time, try Fixtures.values($0.frame)) }
    }

    @Test func commandsAreExecutedAndAnswered() throws {
        var pack = Fixtures.pack(amps: -10)
        pack.averageCurrentAmps = -10
        var rig = Rig(nodes: try Fixtures.nodes(Self.exact), pack: pack)
        var builder = try CommandBuilder("IVT_Msg_Cmd")
        try rig.run(until: 1 * second)
        #expect(abs(rig.nodes.currentSensor.chargeAmpereSeconds - 10) < 0.02)
        // Reset the coulomb counter.
        rig.send(try command(&builder, 0x30, ["IVT_Cmd_ResetItems": 1]))
        #expect(rig.nodes.currentSensor.chargeAmpereSeconds == 0)
        #expect(rig.nodes.currentSensor.energyWattSeconds > 0)
        try rig.run(until: rig.now + 50 * millisecond)
        var answers = try responses(rig)
        #expect(answers.count == 1)
        #expect(answers[0].values["IVT_ID_Response"] == 0xB0 && answers[0].values["IVT_Rsp_ResetItems"] == 1)
        // Current result to triggered mode: no more cyclic I frames; a trigger sends exactly one.
        rig.send(try command(&builder, 0x20, ["IVT_Cmd_ResultMode": 1, "IVT_Cmd_ResultCycleTime": 0]))
        #expect(rig.nodes.currentSensor.mode(of: .current) == .triggered)
        let before = try rig.frames("IVT_Msg_Result_I").count
        try rig.run(until: rig.now + 200 * millisecond)
        #expect(try rig.frames("IVT_Msg_Result_I").count == before)
        rig.send(try command(&builder, 0x31, ["IVT_Cmd_TriggerMask": 0b1]))
        try rig.run(until: rig.now + 5 * millisecond)
        #expect(try rig.frames("IVT_Msg_Result_I").count == before + 1)
        // Back to cyclic at 50 ms.
        rig.send(try command(&builder, 0x20, ["IVT_Cmd_ResultMode": 2, "IVT_Cmd_ResultCycleTime": 50]))
        let cyclicFrom = rig.now
        try rig.run(until: rig.now + 1 * second)
        #expect(try rig.frames("IVT_Msg_Result_I").filter { $0.time > cyclicFrom }.count == 20)
        // Stop: no results and no counting; start again.
        rig.send(try command(&builder, 0x34, ["IVT_Cmd_RunMode": 0]))
        let stoppedAt = rig.now
        let charge = rig.nodes.currentSensor.chargeAmpereSeconds
        try rig.run(until: rig.now + 1 * second)
        #expect(rig.log.filter { $0.time > stoppedAt && $0.frame.id.value >= 0x521 && $0.frame.id.value <= 0x528 }.isEmpty)
        #expect(rig.nodes.currentSensor.chargeAmpereSeconds == charge)
        rig.send(try command(&builder, 0x34, ["IVT_Cmd_RunMode": 1]))
        try rig.run(until: rig.now + 1 * second)
        #expect(rig.nodes.currentSensor.chargeAmpereSeconds > charge + 9)
        answers = try responses(rig)
        #expect(answers.map { Int($0.values["IVT_ID_Response"] ?? 0) } == [0xB0, 0xA0, 0xA0, 0xB4, 0xB4])
        #expect(rig.nodes.counters(of: .currentSensor).accepted == 6)
    }

    @Test func invalidCommandsAreRefusedWithWrongCommand() throws {
        var rig = Rig(nodes: try Fixtures.nodes(Self.exact))
        var builder = try CommandBuilder("IVT_Msg_Cmd")
        try rig.run(until: 10 * millisecond)
        let commandID = try Fixtures.identifier("IVT_Msg_Cmd")
        rig.send(try CANFrame(id: commandID, data: [0x55, 0, 0, 0, 0, 0, 0, 0]))  // unknown command code
        rig.send(try command(&builder, 0x30, ["IVT_Cmd_ResetItems": 0]))  // nothing to reset
        rig.send(try command(&builder, 0x34, ["IVT_Cmd_RunMode": 7]))  // no such run mode
        rig.send(try command(&builder, 0x20, ["IVT_Cmd_ResultMode": 3, "IVT_Cmd_ResultCycleTime": 10]))
        rig.send(try command(&builder, 0x21, ["IVT_Cmd_ResultMode": 2, "IVT_Cmd_ResultCycleTime": 0]))  // cyclic every 0 ms
        rig.send(try CANFrame(id: commandID, data: [0x30, 1]))  // wrong length: counted, not answered
        try rig.run(until: 2 * second)
        let answers = try responses(rig)
        #expect(answers.count == 5)
        #expect(answers.allSatisfy { $0.values["IVT_ID_Response"] == 0xFF })
        #expect(answers.map { Int($0.values["IVT_Rsp_RejectedCommand"] ?? 0) } == [0x55, 0x30, 0x34, 0x20, 0x21])
        // Responses keep the DBC minimum interval (GenMsgDelayTime 100 ms).
        for pair in zip(answers, answers.dropFirst()) { #expect(pair.1.time - pair.0.time >= 100 * millisecond) }
        let counters = rig.nodes.counters(of: .currentSensor)
        #expect(counters.invalidMultiplexer == 1 && counters.outOfRange == 4 && counters.wrongLength == 1 && counters.accepted == 0)
        #expect(rig.nodes.currentSensor.isRunning)
        #expect(rig.nodes.currentSensor.mode(of: .current) == .cyclic && rig.nodes.currentSensor.mode(of: .voltage1) == .cyclic)
    }

    @Test func voltageThreeFollowsThePrechargeContactor() throws {
        var rig = Rig(nodes: try Fixtures.nodes(Self.exact), pack: Fixtures.pack(volts: 355, link: 120))
        var contactor = try CommandBuilder("BMS_ContactorCommand")
        try rig.run(until: 200 * millisecond)
        #expect(try values(rig, "U3").last?.value == 120_000)
        try rig.run(until: 400 * millisecond) { rig in
            if rig.now % (40 * millisecond) == 0 {
                rig.send(try contactor.frame([:], raw: ["ContactorCmd_MainPlus": 0, "ContactorCmd_MainMinus": 1, "ContactorCmd_Precharge": 1, "ContactorCmd_EmergencyOpen": 0]))
            }
        }
        #expect(rig.nodes.actuators.contactors == .precharging)
        #expect(try values(rig, "U3").last?.value == 355_000)
        #expect(try values(rig, "U2").last?.value == 120_000)
    }

    @Test func overcurrentAndShuntHeatingShowInTheResults() throws {
        var pack = Fixtures.pack(amps: -600)
        pack.averageCurrentAmps = -600
        var rig = Rig(nodes: try Fixtures.nodes(Self.exact), pack: pack)
        try rig.run(until: 600 * second, step: 100 * millisecond)
        let current = try rig.frames("IVT_Msg_Result_I").last!.frame
        #expect(try Fixtures.values(current)["IVT_Result_I_OCS"] == 1)
        #expect(try Fixtures.values(rig.frames("IVT_Msg_Result_U1").last!.frame)["IVT_Result_U1_OCS"] == 1)
        // 600 A through 100 µΩ at 2 K/W: +72 K after 5 time constants of 120 s.
        let temperature = try #require(try values(rig, "T").last?.value)
        #expect(abs(temperature - (25 + 72 * (1 - 0.0067))) < 0.6, "shunt at \(temperature) °C")
    }
}
