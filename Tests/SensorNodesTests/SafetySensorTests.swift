import CANCore
import CellPack
import Foundation
import SensorNodes
import Testing

@Suite("Gas, pressure, smoke and insulation sensors")
struct SafetySensorTests {
    static let quiet: [NodeParameterKey: Double] = [
        .hydrogenNoise: 0, .carbonMonoxideNoise: 0, .carbonDioxideNoise: 0, .stackNoise: 0, .expansionNoise: 0,
        .enclosureNoise: 0, .smokeNoise: 0, .insulationRelativeNoise: 0,
    ]

    func series(_ rig: Rig, _ message: String, _ signal: String) throws -> [(time: Int64, value: Double)] {
        try rig.frames(message).map { ($0.time, try Fixtures.values($0.frame)[signal] ?? .nan) }
    }

    /// Time from `start` until `signal` first reaches 90 % of the way from `from` to `to`.
    func t90(_ rig: Rig, _ message: String, _ signal: String, from: Double, to: Double, start: Int64) throws -> Double? {
        let threshold = from + 0.9 * (to - from)
        let hit = try series(rig, message, signal).first { $0.time >= start && ($0.value - threshold) * (to - from) >= 0 }
        return hit.map { Double($0.time - start) / 1e9 }
    }

    @Test func gasSensorsRespondWithTheirT90() throws {
        var rig = Rig(nodes: try Fixtures.nodes(Self.quiet))
        try rig.run(until: 20 * second, step: 10 * millisecond)
        let last = try Fixtures.values(rig.frames("GAS_Concentrations").last!.frame)
        #expect(last["Gas_SensorStatus"] == 0)
        #expect(last["Gas_CO2"] == 420)
        let start = rig.now
        rig.pack.enclosureGasPPM = GasAmounts(hydrogen: 2_000, carbonMonoxide: 500, carbonDioxide: 10_000)
        try rig.run(until: start + 400 * second, step: 10 * millisecond)
        let config = try Fixtures.configuration()
        for (signal, key, from, to) in [
            ("Gas_H2", NodeParameterKey.hydrogenResponse, 0.5, 2_000.5), ("Gas_CO", .carbonMonoxideResponse, 0.1, 500.1),
            ("Gas_CO2", .carbonDioxideResponse, 420, 10_420),
        ] {
            let measured = try #require(try t90(rig, "GAS_Concentrations", signal, from: from, to: to, start: start))
            // One 200 ms transmit period of resolution.
            #expect(abs(measured - config[key]) <= 0.25, "\(signal): t90 \(measured) s, configured \(config[key]) s")
        }
    }

    @Test func gasSensorReportsWarmUpRangeAndFaults() throws {
        var rig = Rig(nodes: try Fixtures.nodes(Self.quiet), pack: Fixtures.pack(gas: GasAmounts(hydrogen: 50)))
        try rig.run(until: 5 * second, step: 10 * millisecond)
        var last = try Fixtures.values(rig.frames("GAS_Concentrations").last!.frame)
        #expect(last["Gas_SensorStatus"] == 1)
        #expect(last["Gas_H2"] == 65535 && last["Gas_CO"] == 65535 && last["Gas_CO2"] == 65535 * 2)
        try rig.run(until: 12 * second, step: 10 * millisecond)
        last = try Fixtures.values(rig.frames("GAS_Concentrations").last!.frame)
        #expect(last["Gas_SensorStatus"] == 0)
        // Beyond the CO sensor's 1000 ppm range: range end, status OutOfRange.
        rig.pack.enclosureGasPPM = GasAmounts(hydrogen: 50, carbonMonoxide: 5_000)
        try rig.run(until: 200 * second, step: 50 * millisecond)
        last = try Fixtures.values(rig.frames("GAS_Concentrations").last!.frame)
        #expect(last["Gas_CO"] == 1_000 && last["Gas_SensorStatus"] == 3)
        // A dropped channel: Invalid value, status Fault.
        try rig.nodes.inject(SensorFault(parsing: "gas.h2 dropout"))
        try rig.run(until: 201 * second, step: 50 * millisecond)
        last = try Fixtures.values(rig.frames("GAS_Concentrations").last!.frame)
        #expect(last["Gas_H2"] == 65535 && last["Gas_SensorStatus"] == 2)
    }

    /// Cells that know their thickness at assembly: the swelling sensor is zeroed against that, not against
    /// whatever state the run starts in (a pack started charged reads its Li-metal swelling from the first frame).
    struct AssembledCells: CellTruthSource {
        var cells: [CellTruth]
        var assembly: Double
        var cellCount: Int { cells.count }
        func cell(_ index: Int) -> CellTruth? { cells.indices.contains(index) ? cells[index] : nil }
        func surfaceCelsius(_ index: Int) -> Double? { cell(index)?.surfaceCelsius }
        func thicknessMillimetres(_ index: Int) -> Double? { cell(index)?.thicknessMillimetres }
        func assemblyThicknessMillimetres(_ index: Int) -> Double? { cells.indices.contains(index) ? assembly : nil }
    }

    @Test func pressureSensorIsZeroedAtAssembly() throws {
        var nodes = try Fixtures.nodes(Self.quiet)
        // Module 1 = groups 1...12 = 24 cells, each 50 µm thicker than at assembly.
        let cells = AssembledCells(cells: (0..<192).map { _ in Fixtures.cell(thickness: 8.05) }, assembly: 8)
        var frames: [CANFrame] = []
        var now: Int64 = 0
        while now <= 2 * second {
            frames += nodes.step(nowNanoseconds: now, pack: PackReadings(Fixtures.pack()), cells: cells)
            now += 10 * millisecond
        }
        let id = try Fixtures.identifier("PRESS_PackPressure")
        let first = try Fixtures.values(try #require(frames.first { $0.id == id }))
        // The first sample already reads the swelling (through the sensor's lag, so at least part of it).
        #expect((first["Press_StackExpansion"] ?? 0) > 0)
        let last = try Fixtures.values(try #require(frames.last { $0.id == id }))
        #expect(last["Press_StackExpansion"] == 1_200)
    }

    @Test func pressureSensorSeesSwellingAndVenting() throws {
        var rig = Rig(nodes: try Fixtures.nodes(Self.quiet))
        try rig.run(until: 1 * second, step: 10 * millisecond)
        var last = try Fixtures.values(rig.frames("PRESS_PackPressure").last!.frame)
        #expect(last["Press_StackPressure"] == 300 && last["Press_StackExpansion"] == 0 && last["Press_EnclosureDelta"] == 0)
        // Every cell of module 1 (groups 1...12, 24 cells) swells by 50 µm; the other modules do not count.
        rig.cells = (0..<192).map { Fixtures.cell(thickness: $0 < 24 || $0 >= 100 ? 8.05 : 8) }
        // 2000 ppm of released gas in the enclosure: ΔP = P_atm · x / (1 − x).
        rig.pack.enclosureGasPPM = GasAmounts(hydrogen: 1_000, carbonDioxide: 1_000)
        let start = rig.now
        try rig.run(until: start + 2 * second, step: 10 * millisecond)
        last = try Fixtures.values(rig.frames("PRESS_PackPressure").last!.frame)
        #expect(last["Press_StackExpansion"] == 1_200)
        #expect(abs((last["Press_StackPressure"] ?? 0) - (300 + 0.05 * 1_200)) <= 0.1)
        #expect(abs((last["Press_EnclosureDelta"] ?? 0) - 101_325 * 0.002 / 0.998) <= 1)
        #expect(last["Press_SensorStatus"] == 0)
        let config = try Fixtures.configuration()
        let measured = try #require(try t90(rig, "PRESS_PackPressure", "Press_StackPressure", from: 300, to: 360, start: start))
        #expect(abs(measured - config[.stackResponse]) <= 0.1)
        // Beyond the DBC range: clamped and flagged.
        rig.pack.enclosureGasPPM = GasAmounts(hydrogen: 300_000)
        try rig.run(until: start + 4 * second, step: 10 * millisecond)
        last = try Fixtures.values(rig.frames("PRESS_PackPressure").last!.frame)
        #expect(last["Press_EnclosureDelta"] == 20_000 && last["Press_SensorStatus"] == 3)
    }

    @Test func smokeDetectorAlarmsAtItsThresholdAfterItsResponse() throws {
        var rig = Rig(nodes: try Fixtures.nodes(Self.quiet))
        try rig.run(until: 1 * second, step: 10 * millisecond)
        #expect(try Fixtures.values(rig.frames("SMOKE_Status").last!.frame)["Smoke_Detected"] == 0)
        // 10 mg/m³ at 8.7 m²/g: 1 − e^(−0.087) = 8.33 %/m, above the 3 %/m alarm.
        rig.pack.smokeMilligramsPerCubicMetre = 10
        let start = rig.now
        try rig.run(until: start + 30 * second, step: 10 * millisecond)
        let last = try Fixtures.values(rig.frames("SMOKE_Status").last!.frame)
        let obscuration = 100 * (1 - exp(-0.087))
        #expect(abs((last["Smoke_Obscuration"] ?? 0) - obscuration) <= 0.02)  // 0.1 % of the step left after 3 t90, plus the 0.01 %/m step
        #expect(last["Smoke_Detected"] == 1 && last["Smoke_SensorFault"] == 0)
        let alarm = try #require(try series(rig, "SMOKE_Status", "Smoke_Detected").first { $0.time > start && $0.value == 1 })
        // 3 of 8.33 %/m is 36 % of the step: t = −τ ln(0.64) with τ = t90 / ln 10.
        let expected = -10 / log(10) * log(1 - 3 / obscuration)
        #expect(abs(Double(alarm.time - start) / 1e9 - expected) <= 0.11)
        try rig.nodes.inject(SensorFault(parsing: "smoke.obscuration dropout"))
        try rig.run(until: rig.now + 200 * millisecond, step: 10 * millisecond)
        let failed = try Fixtures.values(rig.frames("SMOKE_Status").last!.frame)
        #expect(failed["Smoke_SensorFault"] == 1 && failed["Smoke_Detected"] == 0)
    }

    @Test func insulationMonitorSelfTestsThenMeasuresWithThresholds() throws {
        var rig = Rig(nodes: try Fixtures.nodes(Self.quiet), pack: Fixtures.pack(isolationOhms: 5e6))
        try rig.run(until: 5 * second, step: 10 * millisecond)
        var last = try Fixtures.values(rig.frames("IMD_Insulation").last!.frame)
        #expect(last["Imd_SelfTestActive"] == 1 && last["Imd_MeasurementValid"] == 0)
        try rig.run(until: 12 * second, step: 10 * millisecond)
        last = try Fixtures.values(rig.frames("IMD_Insulation").last!.frame)
        #expect(last["Imd_SelfTestActive"] == 0 && last["Imd_MeasurementValid"] == 1)
        #expect(last["Imd_InsulationResistance"] == 5_000 && last["Imd_Status"] == 0)
        // An insulation fault of 150 kΩ: warning; the reading settles with the IMD's response.
        rig.pack.isolationOhms = 150e3
        let start = rig.now
        try rig.run(until: start + 120 * second, step: 10 * millisecond)
        last = try Fixtures.values(rig.frames("IMD_Insulation").last!.frame)
        #expect(last["Imd_InsulationResistance"] == 150 && last["Imd_Status"] == 1)
        // Reaching 90 % of the conductance change takes t90 (1 s measurement period).
        let conductance = try series(rig, "IMD_Insulation", "Imd_InsulationResistance").filter { $0.time > start }
        let threshold: Double = 1.0 / 5_000 + 0.9 * (1.0 / 150 - 1.0 / 5_000)
        let reached = try #require(conductance.first { 1 / $0.value >= threshold })
        #expect(abs(Double(reached.time - start) / 1e9 - 20) <= 1.01)
        rig.pack.isolationOhms = 50e3
        try rig.run(until: rig.now + 200 * second, step: 10 * millisecond)
        #expect(try Fixtures.values(rig.frames("IMD_Insulation").last!.frame)["Imd_Status"] == 2)
        // Healthy beyond the range: AboveRange.
        rig.pack.isolationOhms = 1e12
        try rig.run(until: rig.now + 300 * second, step: 10 * millisecond)
        last = try Fixtures.values(rig.frames("IMD_Insulation").last!.frame)
        #expect(last["Imd_InsulationResistance"] == 65535 && last["Imd_Status"] == 0)
        try rig.nodes.inject(SensorFault(parsing: "imd.resistance dropout"))
        try rig.run(until: rig.now + 2 * second, step: 10 * millisecond)
        last = try Fixtures.values(rig.frames("IMD_Insulation").last!.frame)
        #expect(last["Imd_Status"] == 3 && last["Imd_MeasurementValid"] == 0)
    }
}
