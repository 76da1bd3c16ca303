import CANCore
import CANDatabase
import CellPack
import SensorNodes
import Testing

@Suite("Cell-monitoring boards")
struct CellMonitoringTests {
    /// Raw values of a cell-voltage or temperature signal over a run, by the frame time.
    func series(_ rig: Rig, message: String, signal: String) throws -> [(time: Int64, raw: Int64)] {
        let handle = try Fixtures.database().codec(forMessageNamed: message).handle(named: signal)
        var result: [(time: Int64, raw: Int64)] = []
        for entry in try rig.frames(message) {
            if let raw = try Fixtures.decode(entry.frame).raw(handle) { result.append((entry.time, raw)) }
        }
        return result
    }

    @Test func pagesFollowTheDatabaseCycleWithBoardPhases() throws {
        var rig = Rig(nodes: try Fixtures.nodes())
        try rig.run(until: 1 * second - 100_000, step: 100_000)
        for board in 1...8 {
            let frames = try rig.frames("CMU\(board)_CellVoltages")
            #expect(frames.count == 40, "board \(board): \(frames.count) voltage frames in 1 s")
            // First frame at the board's phase, then every 25 ms (4 pages per 100 ms) within the clock tolerance.
            #expect(frames[0].time == Int64(board - 1) * 3 * millisecond)
            let span = Double(frames[39].time - frames[0].time) / 39
            #expect(abs(span - 25e6) < 0.2e6, "board \(board): mean page interval \(span) ns")
            var counter: Int64 = -1
            for (index, entry) in frames.enumerated() {
                let values = try Fixtures.values(entry.frame)
                #expect(values["CMU\(board)_VoltagePage"] == Double(index % 4))
                let next = Int64(values["CMU\(board)_VoltageCounter"] ?? -1)
                if counter >= 0 { #expect(next == (counter + 1) % 16) }
                counter = next
            }
            let temperatures = try rig.frames("CMU\(board)_CellTemperatures")
            #expect(temperatures.count == 15, "3 pages per 200 ms")
        }
        #expect(rig.nodes.encodeFailures == 0)
    }

    @Test func coarseStepsSendEveryPageOnce() throws {
        var rig = Rig(nodes: try Fixtures.nodes())
        try rig.run(until: 5 * second, step: 1 * second)
        for board in 1...8 {
            for step in 1...5 {
                let time = Int64(step) * second
                let voltagePages = try rig.frames("CMU\(board)_CellVoltages").filter { $0.time == time }
                    .map { try Fixtures.values($0.frame)["CMU\(board)_VoltagePage"]! }
                #expect(voltagePages.sorted() == [0, 1, 2, 3], "board \(board) at \(step) s: pages \(voltagePages)")
                let temperaturePages = try rig.frames("CMU\(board)_CellTemperatures").filter { $0.time == time }.count
                #expect(temperaturePages == 3)
            }
        }
        // The other nodes send each message once per coarse step, with fresh values.
        #expect(try rig.frames("IVT_Msg_Result_I").count == 5)  // first due at its 1 ms phase, so from the 1 s step on
    }

    @Test func quantisationOffsetsAndNoiseHaveTheConfiguredStatistics() throws {
        // 2 mV noise makes the statistics visible above the 1 mV CAN step.
        var rig = Rig(nodes: try Fixtures.nodes(seed: 11, [.cellNoise: 2]))
        try rig.run(until: 100 * second, step: 5 * millisecond)
        let board = rig.nodes.cellMonitors[2]
        let samples = try series(rig, message: "CMU3_CellVoltages", signal: "CellVoltage026").map { Double($0.raw) }
        #expect(samples.count >= 990)
        let (mean, sigma) = statistics(samples)
        let expectedMean = 3700 + board.channelOffsetVolts[1] * 1000
        #expect(abs(mean - expectedMean) < 0.25, "mean \(mean) mV, expected \(expectedMean) mV")
        let expectedSigma = (4 + 1.0 / 12).squareRoot()
        #expect(abs(sigma - expectedSigma) < 0.15 * expectedSigma, "σ \(sigma) mV, expected \(expectedSigma) mV")
        // Static errors: within the datasheet's 2.2 mV, spread like a 3σ bound.
        let offsets = rig.nodes.cellMonitors.flatMap(\.channelOffsetVolts).map { $0 * 1000 }
        #expect(offsets.allSatisfy { abs($0) <= 2.2 })
        let spread = statistics(offsets).sigma
        #expect(spread > 0.5 && spread < 0.95, "offset σ \(spread) mV")
    }

    @Test func withoutErrorsReadingsAreTheQuantisedTruth() throws {
        var rig = Rig(
            nodes: try Fixtures.nodes([.cellNoise: 0, .cellTotalError: 0]),
            cells: Fixtures.cells(volts: { 3.0 + Double($0) * 0.0123456 }))
        try rig.run(until: 200 * millisecond)
        for board in 1...8 {
            for entry in try rig.frames("CMU\(board)_CellVoltages") {
                for (name, value) in try Fixtures.values(entry.frame) where name.hasPrefix("CellVoltage") {
                    let group = Int(name.dropFirst("CellVoltage".count))! - 1
                    // The AFE's 100 µV register, then 1 mV on CAN (both round half away from zero).
                    let register = ((3.0 + Double(group) * 0.0123456) / 0.0001).rounded()
                    #expect(value == (register / 10).rounded(), "\(name)")
                }
            }
        }
        // Out of the AFE's 0...5 V range: Invalid, never a clipped plausible value.
        rig.cells = Fixtures.cells(volts: { $0 == 0 ? 5.2 : 3.7 })
        try rig.run(until: 400 * millisecond)
        let first = try series(rig, message: "CMU1_CellVoltages", signal: "CellVoltage001").last
        #expect(first?.raw == 65535)
    }

    @Test func boardsSampleAtTheirOwnInstants() throws {
        // A 10 V/s ramp turns each reading into a timestamp of its sample (10 mV per ms).
        var rig = Rig(nodes: try Fixtures.nodes([.cellNoise: 0, .cellTotalError: 0, .boardClockTolerance: 0]))
        rig.run(until: 350 * millisecond, step: 100_000) { rig in
            let volts = 0.5 + 10 * Double(rig.now) / 1e9
            rig.cells = Fixtures.cells(volts: { _ in volts })
        }
        var firstSample: [Double] = []
        for board in 1...8 {
            let number = (board - 1) * 12 + 1
            let readings = try series(rig, message: "CMU\(board)_CellVoltages", signal: "CellVoltage" + String(1000 + number).dropFirst())
            let sampleMilliseconds = readings.map { (Double($0.raw) - 500) / 10 }
            firstSample.append(sampleMilliseconds[0])
            // Page 0 goes out with each fresh sample: one per 100 ms cycle at the board's phase.
            for (cycle, sample) in sampleMilliseconds.enumerated() {
                #expect(abs(sample - (Double(cycle) * 100 + Double(board - 1) * 3)) < 0.15, "board \(board) cycle \(cycle)")
            }
        }
        for board in 1...8 { #expect(abs(firstSample[board - 1] - Double(board - 1) * 3) < 0.15) }
    }

    @Test func clockErrorsDriftTheBoardsApart() throws {
        let nodes = try Fixtures.nodes(seed: 3, [.boardClockTolerance: 1000])
        let errors = nodes.cellMonitors.map(\.clockError)
        #expect(errors.allSatisfy { abs($0) <= 1e-3 })
        #expect(Set(errors).count == 8)
        var rig = Rig(nodes: nodes)
        try rig.run(until: 10 * second, step: 100_000)
        for board in 1...8 {
            let frames = try rig.frames("CMU\(board)_CellVoltages")
            let interval = Double(frames.last!.time - frames[0].time) / Double(frames.count - 1)
            #expect(abs(interval / 25e6 - 1 - errors[board - 1]) < 2e-5, "board \(board)")
        }
    }

    @Test func anOpenSenseWireShiftsBothGroupsThenIsFlagged() throws {
        var rig = Rig(
            nodes: try Fixtures.nodes([.cellNoise: 0, .cellTotalError: 0, .openWireCheckPeriod: 2, .openWireSettling: 1]),
            cells: Fixtures.cells(volts: { 3.6 + Double($0 % 12) * 0.01 }))
        try rig.run(until: 1 * second)
        // Wire 4 of board 2 lies between its groups 4 and 5 (pack groups 16 and 17).
        try rig.nodes.inject(SensorFault(parsing: "cmu2.wire[4] open"))
        let injected = rig.now
        try rig.run(until: 1_500 * millisecond)
        let below = try series(rig, message: "CMU2_CellVoltages", signal: "CellVoltage016").filter { $0.time > injected }
        let above = try series(rig, message: "CMU2_CellVoltages", signal: "CellVoltage017").filter { $0.time > injected }
        let lastBelow = try #require(below.last?.raw)
        let lastAbove = try #require(above.last?.raw)
        #expect(lastBelow < 3630 - 200, "group below reads low: \(lastBelow)")
        #expect(lastAbove > 3640 + 200, "group above reads high: \(lastAbove)")
        #expect(abs(Double(lastBelow + lastAbove) - 7270) <= 2, "the sum stays plausible")
        // The board's own check (every 2 s on its clock) flags both groups OpenWire.
        try rig.run(until: 3_500 * millisecond)
        let flagged = try series(rig, message: "CMU2_CellVoltages", signal: "CellVoltage016").last?.raw
        #expect(flagged == 65534)
        #expect(try series(rig, message: "CMU2_CellVoltages", signal: "CellVoltage017").last?.raw == 65534)
        #expect(try series(rig, message: "CMU2_CellVoltages", signal: "CellVoltage018").last?.raw == 3650)
        let decoded = try Fixtures.decode(try #require(try rig.frames("CMU2_CellVoltages").last { try Fixtures.values($0.frame)["CMU2_VoltagePage"] == 1 }?.frame))
        let handle = try Fixtures.database().codec(forMessageNamed: "CMU2_CellVoltages").handle(named: "CellVoltage016")
        #expect(decoded.valueName(handle) == "OpenWire")
        // Repaired: cleared at the next check.
        #expect(try rig.nodes.clear(SensorFault(parsing: "cmu2.wire[4] open")))
        try rig.run(until: 6 * second)
        #expect(try series(rig, message: "CMU2_CellVoltages", signal: "CellVoltage016").last?.raw == 3630)
        // The bottom wire of a board drives its first group towards 0 V.
        try rig.nodes.inject(SensorFault(parsing: "cmu1.wire[0] open"))
        try rig.run(until: 11 * second)
        #expect(try series(rig, message: "CMU1_CellVoltages", signal: "CellVoltage001").last?.raw == 65534)
        #expect(throws: SensorFaultRejected.self) { try rig.nodes.inject(SensorFault(parsing: "cmu1.wire[13] open")) }
    }

    func temperature(_ rig: Rig, sensor: Int) throws -> (raw: Int64, celsius: Double)? {
        let board = (sensor - 1) / 12 + 1
        let name = "CellTemperature" + String(1000 + sensor).dropFirst()
        guard let raw = try series(rig, message: "CMU\(board)_CellTemperatures", signal: name).last?.raw else { return nil }
        return (raw, Double(raw) * 0.1 - 100)
    }

    @Test func thermistorsReadTemperaturesWithinTheirTolerance() throws {
        for celsius in [-20.0, 0, 25, 45, 60, 120] {
            var rig = Rig(nodes: try Fixtures.nodes(seed: 5), cells: Fixtures.cells(celsius: { _ in celsius }))
            try rig.run(until: 400 * millisecond, step: 2 * millisecond)
            for sensor in stride(from: 1, through: 96, by: 7) {
                let reading = try #require(try temperature(rig, sensor: sensor))
                // ±1 % R25 and ±1 % B of the NTC: about ±0.25 K at 25 °C, growing away from it.
                let tolerance = 0.35 + abs(celsius - 25) * 0.015
                #expect(abs(reading.celsius - celsius) <= tolerance, "sensor \(sensor) at \(celsius) °C read \(reading.celsius)")
            }
        }
    }

    @Test func thermistorsFollowTheCellWithTheirTimeConstant() throws {
        var rig = Rig(nodes: try Fixtures.nodes([.thermistorResistanceTolerance: 0, .thermistorBetaTolerance: 0, .cellNoise: 0]))
        try rig.run(until: 1 * second, step: 2 * millisecond)
        rig.cells = Fixtures.cells(celsius: { _ in 45 })
        let start = rig.now
        try rig.run(until: start + 2 * second, step: 2 * millisecond)
        // After one time constant (2 s) the sensor has covered 1 − 1/e of the 20 K step (within a 200 ms sample).
        let reading = try #require(try temperature(rig, sensor: 1)).celsius
        #expect(abs(reading - (25 + 20 * (1 - 0.3679))) < 1.2, "read \(reading) °C")
    }

    @Test func brokenThermistorsAreClassifiedNeverHotOrCold() throws {
        var rig = Rig(nodes: try Fixtures.nodes())
        try rig.nodes.inject(SensorFault(parsing: "cmu1.temperature[1] open"))
        try rig.nodes.inject(SensorFault(parsing: "cmu1.temperature[5] shorted"))
        try rig.run(until: 400 * millisecond, step: 2 * millisecond)
        #expect(try temperature(rig, sensor: 1)?.raw == 4095)
        #expect(try temperature(rig, sensor: 5)?.raw == 4094)
        #expect(try temperature(rig, sensor: 2)!.celsius < 30)
        // Physically implausible temperatures classify the same way as broken sensors.
        rig.nodes.clearFaults()
        rig.cells = Fixtures.cells(celsius: { $0 == 13 ? -90 : $0 == 14 ? 320 : 25 })
        try rig.run(until: 60 * second, step: 10 * millisecond)
        #expect(try temperature(rig, sensor: 14)?.raw == 4095)
        #expect(try temperature(rig, sensor: 15)?.raw == 4094)
        #expect(try temperature(rig, sensor: 1)!.celsius < 30)
    }

    func balancingFrame(_ builder: inout CommandBuilder, board: Int, mask: Int64) throws -> CANFrame {
        try builder.frame([:], raw: ["Balancing_Board": Int64(board - 1), "Balancing_MaskCMU\(board)": mask])
    }

    @Test func balancingFollowsValidCommandsAndStopsOnTimeout() throws {
        var rig = Rig(nodes: try Fixtures.nodes())
        var builder = try CommandBuilder("BMS_BalancingCommand")
        try rig.run(until: 100 * millisecond)
        rig.send(try balancingFrame(&builder, board: 3, mask: 0b1000_0000_0101))
        rig.send(try balancingFrame(&builder, board: 4, mask: 0b1))
        let switches = rig.nodes.actuators.balancing
        #expect(switches.count == 96)
        #expect(switches.indices.filter { switches[$0] } == [24, 26, 35, 36])
        #expect(rig.nodes.counters(of: .cellMonitor(3)).accepted == 1)
        // Still on before the 3 s timeout, off after it.
        try rig.run(until: 3_050 * millisecond)
        #expect(rig.nodes.actuators.balancing[24])
        try rig.run(until: 3_150 * millisecond)
        #expect(!rig.nodes.actuators.balancing.contains(true))
        // Refreshing commands keep it on.
        for _ in 0..<6 {
            rig.send(try balancingFrame(&builder, board: 3, mask: 0b10))
            try rig.run(until: rig.now + 1 * second)
        }
        #expect(rig.nodes.actuators.balancing[25])
    }

    @Test func balancingCommandsFailingChecksAreCountedNotExecuted() throws {
        var rig = Rig(nodes: try Fixtures.nodes())
        var builder = try CommandBuilder("BMS_BalancingCommand")
        let good = try balancingFrame(&builder, board: 1, mask: 0xFFF)
        // Bad CRC.
        var payload = good.data
        payload.set(payload[7] ^ 0x01, at: 7)
        rig.send(try CANFrame(id: good.id, payload: payload))
        // Wrong length.
        rig.send(try CANFrame(id: good.id, data: Array(good.data.prefix(7))))
        // Board page 8 selects no signals (unknown multiplexer value), with a valid CRC.
        var bad = try CommandBuilder("BMS_BalancingCommand")
        bad.encoder.reset()
        try bad.encoder.set("Balancing_Board", raw: 9)
        var raw = bad.encoder.payload
        let profile = try E2EProfile(codec: bad.codec)
        raw.set(0x10 | 9, at: 0)
        raw = profile.resealed(raw)
        rig.send(try CANFrame(id: good.id, payload: raw))
        #expect(!rig.nodes.actuators.balancing.contains(true))
        let counters = rig.nodes.counters(of: .cellMonitor(1))
        #expect(counters.badCRC == 1 && counters.wrongLength == 1 && counters.invalidMultiplexer == 1)
        #expect(counters.accepted == 0)
        // The good frame is accepted; the same frame again is a repeated counter.
        rig.send(good)
        rig.send(good)
        #expect(rig.nodes.actuators.balancing.prefix(12).allSatisfy { $0 })
        #expect(rig.nodes.counters(of: .cellMonitor(1)).repeatedCounter == 1)
        // Every board checks the broadcast frame itself.
        #expect(rig.nodes.counters(of: .cellMonitor(8)).badCRC == 1)
    }
}
