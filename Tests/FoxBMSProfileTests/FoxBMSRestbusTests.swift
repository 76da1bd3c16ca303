import CANCore
import CANDatabase
import CellPack
import SensorNodes
import Testing

/// The foxBMS profile of the pack-side nodes, driven by a real `VirtualPack`.
@Suite("foxBMS restbus on the virtual pack")
struct FoxBMSRestbusTests {
    static let afeVoltages: UInt32 = 0x270
    static let afeTemperatures: UInt32 = 0x280

    /// Cells of every fourth group heated so neighbouring sensors differ; a 20 A discharge through closed contactors
    /// so voltages and the IVT move.
    func loadedRun(seconds: Int64 = 3, changes: [NodeParameterKey: Double] = [:]) throws -> Rig {
        var rig = try Rig(nodes: try Files.nodes(profile: try Files.profile(contactors: .closed), changes: changes), pack: try Files.virtualPack())
        for cell in rig.heaterWatts.indices where (cell / 2) % 4 == 0 { rig.heaterWatts[cell] = 3 }
        rig.loadAmps = 20
        try rig.run(until: seconds * second)
        return rig
    }

    /// Per frame of `id`: (time, page, [(linear index, valid, raw value)]).
    func pages(_ rig: Rig, _ id: UInt32, perPage: Int) throws -> [(time: Int64, page: Int, slots: [(index: Int, valid: Bool, value: Int64)])] {
        let prefix = id == Self.afeVoltages ? "CellVoltage_" : "CellTemperature_"
        let mux = id == Self.afeVoltages ? "AFE_CellVoltages_Mux" : "AFE_CellTemperatures_Mux"
        return try rig.log.filter { $0.frame.id.value == id }.map { entry in
            let values = try decode(entry.frame)
            let page = Int(try #require(values[mux]).raw)
            let slots = try (0..<perPage).map { slot in
                let index = page * perPage + slot
                let name = prefix + String(index).leftPadded(3)
                return (index, try #require(values[name + "_invalidFlag"]).raw == 1, try #require(values[name]).raw)
            }
            return (entry.time, page, slots)
        }
    }

    @Test func onlyTheFoxBMSMessagesGoOutAtTheirPeriods() throws {
        let rig = try loadedRun()
        let allowed = Set<UInt32>([0x210, Self.afeVoltages, Self.afeTemperatures]).union((0x521...0x528).map { UInt32($0) })
        #expect(Set(rig.log.map(\.frame.id.value)).isSubset(of: allowed))
        #expect(rig.nodes.encodeFailures == 0)
        let periods = try #require(rig.nodes.foxBMSFramePeriodsNanoseconds)
        #expect(periods.voltages == 20 * millisecond && periods.temperatures == 20 * millisecond)
        // 0x270: one frame every 20 ms from t = 0, pages 0...23 in turn (96 cell blocks, 4 per page).
        let voltages = try pages(rig, Self.afeVoltages, perPage: 4)
        #expect(voltages.count == 151)
        for (k, frame) in voltages.enumerated() {
            #expect(frame.time == Int64(k) * 20 * millisecond && frame.page == k % 24, "frame \(k)")
        }
        // 0x280: one frame every 20 ms from t = 10 ms, pages 0...15 (96 sensors, 6 per page).
        let temperatures = try pages(rig, Self.afeTemperatures, perPage: 6)
        #expect(temperatures.count == 150)
        for (k, frame) in temperatures.enumerated() {
            #expect(frame.time == 10 * millisecond + Int64(k) * 20 * millisecond && frame.page == k % 16, "frame \(k)")
        }
        // IVT-S results at the compat DBC's cycle times, counters +1 modulo 16.
        for suffix in ["I", "U1", "U2", "U3", "T", "W", "As", "Wh"] {
            let name = "IVT_Msg_Result_" + suffix
            guard case .cyclic(let cycle) = try #require(try Files.compat().message(named: name)).timing else {
                Issue.record("\(name) is not cyclic")
                continue
            }
            let frames = try rig.frames(name)
            // The sensor's phase is 1 ms (Firmware/nodes/default.yaml current_sensor.phase_ms).
            #expect(frames.first?.time == millisecond && frames.count == (3_000 - 1) / cycle + 1, "\(name)")
            for (previous, next) in zip(frames, frames.dropFirst()) {
                #expect(next.time - previous.time == Int64(cycle) * millisecond, "\(name)")
                let before = try #require(try decode(previous.frame)["IVT_MsgCount_Result_" + suffix]).raw
                let after = try #require(try decode(next.frame)["IVT_MsgCount_Result_" + suffix]).raw
                #expect(after == (before + 1) % 16, "\(name) counter \(before) -> \(after)")
            }
        }
    }

    /// Every cell block and sensor of the topology arrives valid with the pack's truth within the boards' error
    /// budget (LTC6813-1 total error 2.2 mV + 4 σ noise + 1 mV steps; thermistor tolerances + 1 °C steps).
    @Test func everyCellBlockAndSensorCarriesThePacksTruth() throws {
        var rig = try Rig(nodes: try Files.nodes(profile: try Files.profile(contactors: .closed)), pack: try Files.virtualPack())
        rig.loadAmps = 20
        var seenVoltages = Set<Int>()
        var seenTemperatures = Set<Int>()
        var worstVolts = 0.0
        var worstCelsius = 0.0
        try rig.run(until: 3 * second) { rig in
            // Skip the first sample period: the boards' t = 0 samples precede the load step.
            guard rig.now > 300 * millisecond, let last = rig.log.last, last.time == rig.now - millisecond else { return }
            // Frames of the previous step against the truth the boards sampled then (the pack moved one step since).
            for entry in rig.log.reversed() where entry.time == last.time {
                let values = try decode(entry.frame)
                if entry.frame.id.value == Self.afeVoltages, let page = values["AFE_CellVoltages_Mux"]?.raw {
                    for slot in 0..<4 {
                        let index = Int(page) * 4 + slot
                        let name = "CellVoltage_" + String(index).leftPadded(3)
                        guard values[name + "_invalidFlag"]?.raw == 1, let millivolts = values[name]?.physical else { continue }
                        seenVoltages.insert(index)
                        let truth = try #require(rig.pack.groupVolts(index)) * 1000
                        worstVolts = max(worstVolts, abs(millivolts - truth))
                    }
                } else if entry.frame.id.value == Self.afeTemperatures, let page = values["AFE_CellTemperatures_Mux"]?.raw {
                    for slot in 0..<6 {
                        let index = Int(page) * 6 + slot
                        let name = "CellTemperature_" + String(index).leftPadded(3)
                        guard values[name + "_invalidFlag"]?.raw == 1, let celsius = values[name]?.physical else { continue }
                        seenTemperatures.insert(index)
                        let truth = try #require(rig.pack.surfaceCelsius(index * 2))
                        worstCelsius = max(worstCelsius, abs(celsius - truth))
                    }
                }
            }
        }
        #expect(seenVoltages == Set(0..<96))
        #expect(seenTemperatures == Set(0..<96))
        #expect(worstVolts <= 2.2 + 4 * 0.3 + 0.55 + 0.5, "worst voltage error \(worstVolts) mV")
        #expect(worstCelsius <= 1.5, "worst temperature error \(worstCelsius) degC")
    }

    /// Every group a different voltage and temperature (synthetic truth), so a wrong index shows: each foxBMS
    /// index carries exactly its group's value, to the step.
    @Test func everyIndexCarriesItsOwnGroup() throws {
        let exact: [NodeParameterKey: Double] = [
            .cellTotalError: 0, .cellNoise: 0, .thermistorResistanceTolerance: 0, .thermistorBetaTolerance: 0,
        ]
        var nodes = try Files.nodes(profile: try Files.profile(contactors: .open), changes: exact)
        let template = try #require(try Files.virtualPack().cell(0))
        let cells: [CellTruth] = (0..<192).map { cell in
            var truth = template
            truth.terminalVolts = 3.3 + 0.0071 * Double(cell / 2)
            truth.surfaceCelsius = -20 + 1.3 * Double(cell / 2)
            return truth
        }
        let pack = PackReadings(packVolts: 355, linkVolts: 0)
        var voltages = [Int64?](repeating: nil, count: 96)
        var temperatures = [Int64?](repeating: nil, count: 96)
        for step in 0...1_000 {
            for frame in nodes.step(nowNanoseconds: Int64(step) * millisecond, pack: pack, cells: cells) {
                let values = try decode(frame)
                if let page = values["AFE_CellVoltages_Mux"]?.raw, step >= 200 {
                    for slot in 0..<4 { voltages[Int(page) * 4 + slot] = values["CellVoltage_" + String(Int(page) * 4 + slot).leftPadded(3)]?.raw }
                }
                if let page = values["AFE_CellTemperatures_Mux"]?.raw, step >= 200 {
                    for slot in 0..<6 {
                        temperatures[Int(page) * 6 + slot] = values["CellTemperature_" + String(Int(page) * 6 + slot).leftPadded(3)]?.raw
                    }
                }
            }
        }
        // Neighbours differ by 7.1 mV and 1.3 degC, far more than the one-step tolerance.
        for group in 0..<96 {
            let voltage = try #require(voltages[group])
            let temperature = try #require(temperatures[group])
            #expect(abs(Double(voltage) - (3_300 + 7.1 * Double(group))) <= 0.55, "cell block \(group): \(voltage) mV")
            #expect(abs(Double(temperature) - (-20 + 1.3 * Double(group))) <= 0.51, "sensor \(group): \(temperature) degC")
        }
    }

    /// With the boards' static error and noise set to zero, every value is the truth within the 1 mV / 1 °C steps.
    @Test func withoutSensorErrorsValuesAreTheTruthWithinOneStep() throws {
        let exact: [NodeParameterKey: Double] = [
            .cellTotalError: 0, .cellNoise: 0, .thermistorResistanceTolerance: 0, .thermistorBetaTolerance: 0,
        ]
        var rig = try Rig(nodes: try Files.nodes(profile: try Files.profile(contactors: .open), changes: exact), pack: try Files.virtualPack())
        try rig.run(until: 1 * second)
        let voltages = try pages(rig, Self.afeVoltages, perPage: 4).suffix(24)
        let temperatures = try pages(rig, Self.afeTemperatures, perPage: 6).suffix(16)
        #expect(voltages.count == 24 && temperatures.count == 16)
        for frame in voltages {
            for slot in frame.slots {
                let truth = try #require(rig.pack.groupVolts(slot.index)) * 1000
                #expect(slot.valid && abs(Double(slot.value) - truth) <= 0.55, "cell block \(slot.index): \(slot.value) mV vs \(truth)")
            }
        }
        for frame in temperatures {
            for slot in frame.slots {
                let truth = try #require(rig.pack.surfaceCelsius(slot.index * 2))
                #expect(slot.valid && abs(Double(slot.value) - truth) <= 0.51, "sensor \(slot.index): \(slot.value) degC vs \(truth)")
            }
        }
    }

    /// A stock-sized foxBMS (1 × 1 × 18, 8 sensors) on the 96s pack: 5 + 2 pages, unused slots invalid zeros, and
    /// the IVT's U1 is the voltage of the 18 mapped groups, so foxBMS's string-voltage plausibility check holds.
    @Test func stockTopologyReadsItsSubsetAndTheIVTMeasuresThatString() throws {
        let stock = FoxBMSTopology(strings: 1, modulesPerString: 1, cellBlocksPerModule: 18, temperatureSensorsPerModule: 8)
        var rig = try Rig(nodes: try Files.nodes(profile: try Files.profile(topology: stock, contactors: .open)), pack: try Files.virtualPack())
        try rig.run(until: 1 * second)
        let voltages = try pages(rig, Self.afeVoltages, perPage: 4)
        #expect(voltages.map(\.page).prefix(10) == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4])
        let lastPage = try #require(voltages.last { $0.page == 4 })
        #expect(lastPage.slots.map(\.valid) == [true, true, false, false])
        #expect(lastPage.slots[2].value == 0 && lastPage.slots[3].value == 0)
        let temperatures = try pages(rig, Self.afeTemperatures, perPage: 6)
        let secondPage = try #require(temperatures.last { $0.page == 1 })
        #expect(secondPage.slots.map(\.valid) == [true, true, false, false, false, false])
        let u1 = try rig.last("IVT_Msg_Result_U1", "IVT_Result_U1").value / 1000
        let string = (0..<18).reduce(0.0) { $0 + (rig.pack.groupVolts($1) ?? .nan) }
        #expect(abs(u1 - string) < 0.5, "U1 \(u1) V, string \(string) V (pack \(rig.pack.truth.packVolts) V)")
    }

    @Test func currentSignFollowsTheFoxBMSBuild() throws {
        for positiveDischarge in [true, false] {
            var rig = try Rig(
                nodes: try Files.nodes(profile: try Files.profile(positiveCurrentDischarges: positiveDischarge, contactors: .closed)),
                pack: try Files.virtualPack())
            rig.loadAmps = 20
            try rig.run(until: 2 * second)
            let current = try rig.last("IVT_Msg_Result_I", "IVT_Result_I").value
            let lastCharge = try rig.last("IVT_Msg_Result_As", "IVT_Result_As")
            let charge = lastCharge.value
            let sign = positiveDischarge ? 1.0 : -1.0
            // 20 A within the sensor's 0.1 % gain and 20 mA offset (its noise is a few mA).
            #expect(abs(current - sign * 20_000) < 60, "I = \(current) mA")
            // The counter counts the same sign, whole As rounded toward zero.
            let expected = sign * 20 * Double(lastCharge.time) / 1e9
            #expect(abs(charge - expected) <= 1.5, "As = \(charge), expected \(expected)")
        }
    }

    /// foxBMS v1.11.0 sends no IVT command at start-up: its presence check (can.c) passes once a current result
    /// arrived within 200 ms. The sensor is cyclic from power-on, and still answers bench commands.
    @Test func currentSensorPassesThePresenceCheckAndAnswersBenchCommands() throws {
        var rig = try Rig(nodes: try Files.nodes(profile: try Files.profile(contactors: .open)), pack: try Files.virtualPack())
        try rig.run(until: 1 * second)
        let currents = try rig.frames("IVT_Msg_Result_I")
        let firstCurrent = try #require(currents.first)
        #expect(firstCurrent.time <= 10 * millisecond)
        #expect(zip(currents, currents.dropFirst()).allSatisfy { $1.time - $0.time <= 200 * millisecond })
        #expect(try rig.frames("IVT_Msg_Result_As").first.map { $0.time <= 100 * millisecond } == true)
        // A bench host sets I to 50 ms, stops and starts the sensor and sends a wrong code.
        rig.send(try frame("IVT_Msg_Cmd", ["IVT_ID_Cmd": 0x20, "IVT_Cmd_ResultMode": 2, "IVT_Cmd_ResultCycleTime": 50]))
        try rig.run(until: 1_500 * millisecond)
        rig.send(try frame("IVT_Msg_Cmd", ["IVT_ID_Cmd": 0x34, "IVT_Cmd_RunMode": 0]))
        try rig.run(until: 2_000 * millisecond)
        rig.send(try CANFrame(id: try Files.identifier("IVT_Msg_Cmd"), data: [0x99, 0, 0, 0, 0, 0, 0, 0]))
        try rig.run(until: 2_500 * millisecond)
        let responses = try rig.frames("IVT_Msg_Response").map { try decode($0.frame) }
        #expect(responses.map { $0["IVT_ID_Response"]?.raw } == [0xA0, 0xB4, 0xFF])
        #expect(responses[0]["IVT_Rsp_ResultMode"]?.raw == 2 && responses[0]["IVT_Rsp_ResultCycleTime"]?.raw == 50)
        #expect(responses[1]["IVT_Rsp_RunMode"]?.raw == 0)
        #expect(responses[2]["IVT_Rsp_RejectedCommand"]?.raw == 0x99)
        let afterConfig = try rig.frames("IVT_Msg_Result_I").filter { $0.time > 1_100 * millisecond && $0.time <= 1_500 * millisecond }
        #expect(zip(afterConfig, afterConfig.dropFirst()).allSatisfy { $1.time - $0.time == 50 * millisecond })
        #expect(try rig.frames("IVT_Msg_Result_I").allSatisfy { $0.time <= 1_501 * millisecond })
    }

    @Test func sameSeedSameTraffic() throws {
        let first = try loadedRun(seconds: 1).log
        let second = try loadedRun(seconds: 1).log
        #expect(first.count == second.count)
        #expect(zip(first, second).allSatisfy { $0.time == $1.time && $0.frame == $1.frame })
    }
}
