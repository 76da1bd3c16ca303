import CellPack
import Testing

/// ECM, current sharing, balancing, contactors, precharge and charge bookkeeping.
@Suite("Electrical behaviour")
struct ElectricalTests {
    @Test func restingCellShowsTheTableOCV() throws {
        var pack = try Fixture.singleCell(try Fixture.cell(), stateOfCharge: 0.5)
        pack.step(PackInputs(current: .rest, contactors: .open), duration: 3_600)
        let cell = try #require(pack.cell(0))
        // OCV table at SOC 0.5: 3.7799 V (Chen 2020 fit, Firmware cell file); leakage moves it < 1 mV in an hour.
        #expect(abs(cell.terminalVolts - 3.7799) < 0.002)
        #expect(abs(cell.stateOfCharge - 0.5) < 0.001)
    }

    @Test func steadyDischargeHeatIsIsquaredRPlusReversibleHeat() throws {
        var pack = try Fixture.singleCell(try Fixture.cell(), stateOfCharge: 0.9)
        let inputs = PackInputs(current: .constant(5), contactors: .closed)
        for _ in 0..<1_800 { pack.step(inputs, duration: 1) }  // 6 τ₂: both RC branches settled
        let cell = try #require(pack.cell(0))
        let kelvin = cell.coreCelsius + 273.15
        // Bernardi: Q = I²R + I·T·(−∂U/∂T); ∂U/∂T from the table around the present SOC (mV/K → V/K).
        let entropic = try Fixture.cell().ocv
        let slope = Self.interpolate(entropic.soc, entropic.entropicMillivoltsPerKelvin, at: cell.cathodeStateOfCharge) / 1_000
        let expected = 25 * cell.totalResistance - 5 * kelvin * slope
        #expect(abs(cell.heatWatts - expected) < 0.03 * expected)
        #expect(abs(cell.currentAmps - 5) < 1e-3)
    }

    static func interpolate(_ x: [Double], _ y: [Double], at value: Double) -> Double {
        for index in 1..<x.count where value <= x[index] {
            let f = (value - x[index - 1]) / (x[index] - x[index - 1])
            return y[index - 1] + f * (y[index] - y[index - 1])
        }
        return y[y.count - 1]
    }

    @Test func lithiumIsConservedUnderEveryWaveform() throws {
        var pack = try Fixture.singleCell(try Fixture.cell(), stateOfCharge: 0.3)
        let start = try #require(pack.cell(0)).lithium.total
        let waveforms: [CurrentWaveform] = [
            .constant(-5), .pulses(amps: -10, onSeconds: 0.001, offSeconds: 0.003),
            .bidirectional(forwardAmps: -5, forwardSeconds: 5, reverseAmps: 0.5, reverseSeconds: 10), .rest, .constant(5),
            .pulses(amps: 12, onSeconds: 2, offSeconds: 3),
        ]
        for waveform in waveforms {
            for _ in 0..<300 { pack.step(PackInputs(current: waveform, contactors: .closed), duration: 2) }
        }
        let end = try #require(pack.cell(0)).lithium
        #expect(abs(end.total - start) < 1e-9 * start)
        #expect(end.sei > 0 && end.dead > 0)
    }

    @Test func aShortedParallelCellDrainsItsNeighbour() throws {
        var topology = try Fixture.pack()
        topology[.seriesCount] = 1
        topology[.parallelCount] = 2
        var pack = try VirtualPack(cell: try Fixture.cell(), pack: topology, seed: 3, initialStateOfCharge: 0.8)
        pack.step(PackInputs(current: .rest, contactors: .closed), duration: 1)  // charge the link capacitor
        try pack.inject(.internalShort(cell: 1, ohms: 0.5))
        pack.step(PackInputs(current: .rest, contactors: .closed), duration: 1)
        let healthy = try #require(pack.cell(0))
        let shorted = try #require(pack.cell(1))
        // No pack current: what the healthy cell delivers flows into its shorted neighbour's terminals.
        #expect(healthy.currentAmps > 0.5)
        // Equal up to the link capacitor following the falling pack voltage (C·dV/dt ≈ 0.5 mA here).
        #expect(abs(healthy.currentAmps + shorted.currentAmps - pack.truth.packCurrentAmps) < 1e-3)
        #expect(healthy.terminalVolts == shorted.terminalVolts)
        #expect(shorted.hardShort && !healthy.hardShort)
        for _ in 0..<600 { pack.step(PackInputs(current: .rest, contactors: .closed), duration: 1) }
        #expect(try #require(pack.cell(0)).stateOfCharge < 0.8 - 0.001)
    }

    @Test func balancingBleedsTheSelectedGroupThroughItsResistor() throws {
        var topology = try Fixture.pack()
        topology[.seriesCount] = 2
        topology[.parallelCount] = 1
        topology[.capacitySpread] = 0
        var pack = try VirtualPack(cell: try Fixture.cell(), pack: topology, seed: 3, initialStateOfCharge: 0.6)
        let inputs = PackInputs(current: .rest, contactors: .open, balancing: [true, false])
        for _ in 0..<3_600 { pack.step(inputs, duration: 1) }
        let volts = try #require(pack.groupVolts(0))
        let amps = try #require(pack.balancingAmps(0))
        #expect(abs(amps - volts / 33) < 1e-6)  // 33 Ω balancing resistor, Firmware/packs/96s2p.yaml
        #expect(pack.balancingAmps(1) == 0)
        let bled = try #require(pack.cell(1)).stateOfCharge - (try #require(pack.cell(0))).stateOfCharge
        #expect(abs(bled - amps / 5) < 0.003)  // ≈ 0.11 A for 1 h out of a 5 Ah cell
        #expect(pack.groupVolts(2) == nil && pack.cell(2) == nil && pack.cell(-1) == nil)
    }

    @Test func singleQuantityReadersAgreeWithTheWholeTruth() throws {
        // The sensor nodes read thickness and surface temperature one cell at a time without building a
        // CellTruth; after gas, plating and heat they must give exactly the truth's values.
        var pack = try VirtualPack(cell: try Fixture.cell(), pack: try Fixture.pack(), seed: 5, initialStateOfCharge: 0.2)
        for _ in 0..<120 { pack.step(PackInputs(current: .constant(-20), contactors: .closed), duration: 30) }
        for index in [0, 1, 77, pack.packParameters.cellCount - 1] {
            let truth = try #require(pack.cell(index))
            #expect(pack.thicknessMillimetres(index) == truth.thicknessMillimetres)
            #expect(pack.surfaceCelsius(index) == truth.surfaceCelsius)
        }
        #expect(pack.thicknessMillimetres(-1) == nil && pack.surfaceCelsius(pack.packParameters.cellCount) == nil)
    }

    @Test func usableStateOfChargeRunsFromTheOCVKneeToFull() throws {
        // The cell file's OCV curve starts below the cathode window's 0 (the end-of-lithiation knee): the usable
        // window a BMS reports maps the knee to 0 and full to 1, linearly in the cathode window above 0.
        let cell = try Fixture.cell()
        let knee = try #require(cell.ocv.soc.first)
        #expect(knee < 0)
        for initial in [0.0, 0.5, 1.0] {
            let pack = try VirtualPack(cell: cell, pack: try Fixture.pack(), seed: 2, initialStateOfCharge: initial)
            let truth = try #require(pack.cell(0))
            #expect(abs(truth.usableStateOfCharge - (truth.stateOfCharge - knee) / (1 - knee)) < 1e-12, "initial \(initial)")
        }
        var empty = try VirtualPack(cell: cell, pack: try Fixture.pack(), seed: 2, initialStateOfCharge: 0.02)
        for _ in 0..<600 { empty.step(PackInputs(current: .constant(10), contactors: .closed), duration: 10) }
        let drained = try #require(empty.cell(0))
        #expect(drained.stateOfCharge == 0 && drained.usableStateOfCharge >= 0 && drained.usableStateOfCharge < 0.03)
    }

    @Test func prechargeBringsTheLinkUpWithTheRCTimeConstant() throws {
        var pack = try VirtualPack(cell: try Fixture.cell(), pack: try Fixture.pack(), seed: 11, initialStateOfCharge: 0.5)
        let packVolts = pack.truth.packVolts
        #expect(pack.truth.linkVolts == 0)
        // τ = 50 Ω × 1 mF = 50 ms; after 3τ the link is at 95 %, after 1τ at 63 %.
        for _ in 0..<50 { pack.step(PackInputs(contactors: .precharging), duration: 0.001) }
        #expect(abs(pack.truth.linkVolts / packVolts - 0.632) < 0.01)
        for _ in 0..<150 { pack.step(PackInputs(contactors: .precharging), duration: 0.001) }
        #expect(pack.truth.linkVolts > 0.95 * packVolts && pack.truth.linkVolts < packVolts)  // 4τ: 98 %
        pack.step(PackInputs(contactors: .closed), duration: 0.001)
        #expect(pack.truth.inrushPeakAmps < 0.06 * packVolts / 0.1)
        // Opening the contactors: no current, the link bleeds down slowly through 100 kΩ.
        pack.step(PackInputs(current: .constant(50), contactors: .open), duration: 1)
        #expect(pack.truth.packCurrentAmps == 0)
        #expect(pack.truth.linkVolts > 0.98 * packVolts)
    }

    @Test func closingWithoutPrechargeDrawsALargeInrush() throws {
        var pack = try VirtualPack(cell: try Fixture.cell(), pack: try Fixture.pack(), seed: 11, initialStateOfCharge: 0.5)
        let packVolts = pack.truth.packVolts
        pack.step(PackInputs(contactors: .closed), duration: 0.0001)
        // Limited only by the ≈0.4 Ω pack resistance: hundreds of amps into the empty link capacitor.
        #expect(pack.truth.inrushPeakAmps > 500)
        #expect(pack.truth.averageCurrentAmps > 100)
        for _ in 0..<50 { pack.step(PackInputs(contactors: .closed), duration: 0.0001) }
        #expect(abs(pack.truth.linkVolts - packVolts) < 1)
    }

    @Test func chargeDemandFlowsOnlyThroughAClosedMainPath() throws {
        var pack = try VirtualPack(cell: try Fixture.cell(), pack: try Fixture.pack(), seed: 5, initialStateOfCharge: 0.5)
        pack.step(PackInputs(current: .constant(-10), contactors: .open), duration: 10)
        #expect(pack.truth.packCurrentAmps == 0)
        pack.step(PackInputs(current: .constant(-10), contactors: .closed), duration: 10)
        pack.step(PackInputs(current: .constant(-10), contactors: .closed), duration: 10)
        #expect(abs(pack.truth.packCurrentAmps + 10) < 0.01)
        // Each of the two parallel cells of a group carries about half.
        let first = try #require(pack.cell(0)).currentAmps
        let second = try #require(pack.cell(1)).currentAmps
        #expect(abs(first + second + 10) < 0.01 && abs(first - second) < 1)
        #expect(pack.truth.packVolts > 96 * 3.7 && pack.truth.packVolts < 96 * 4.0)
    }

    @Test func externalShortAndIsolationFaultsAreVisible() throws {
        var pack = try VirtualPack(cell: try Fixture.cell(), pack: try Fixture.pack(), seed: 5, initialStateOfCharge: 0.5)
        pack.step(PackInputs(contactors: .closed), duration: 1)
        #expect(abs(pack.truth.isolationOhms - 50e6) < 1)  // healthy 50 MΩ, Firmware/packs/96s2p.yaml
        try pack.inject(.externalShort(ohms: 10))
        try pack.inject(.isolationFault(ohms: 100_000))
        pack.step(PackInputs(contactors: .closed), duration: 1)
        #expect(abs(pack.truth.packCurrentAmps - pack.truth.linkVolts / 10) < 0.5)
        #expect(pack.truth.isolationOhms < 100_000)
        pack.clearFaults()
        pack.step(PackInputs(contactors: .closed), duration: 1)
        #expect(abs(pack.truth.packCurrentAmps) < 0.1)
        try pack.inject(.electrolyteLeak(cell: 3, gramsPerHour: 2))
        for _ in 0..<60 { pack.step(PackInputs(contactors: .open), duration: 60) }
        #expect(pack.truth.isolationOhms < 10e6)
        #expect(try #require(pack.cell(3)).electrolyteGrams < (try #require(pack.cell(4))).electrolyteGrams - 1.9)
    }

    @Test func badFaultRequestsAreRefusedWithoutChangingThePack() throws {
        var pack = try Fixture.singleCell(try Fixture.cell())
        #expect(throws: PackFaultRejected.self) { try pack.inject(.internalShort(cell: 1, ohms: 1)) }
        #expect(throws: PackFaultRejected.self) { try pack.inject(.internalShort(cell: 0, ohms: -1)) }
        #expect(throws: PackFaultRejected.self) { try pack.inject(.separatorDamage(cell: 0, fraction: 1.5)) }
        #expect(throws: PackFaultRejected.self) { try pack.inject(.externalShort(ohms: .nan)) }
        #expect(try #require(pack.cell(0)).hardShort == false)
        // Non-finite or non-positive durations do nothing.
        pack.step(PackInputs(current: .constant(5)), duration: .nan)
        pack.step(PackInputs(current: .constant(5)), duration: -1)
        #expect(pack.elapsedSeconds == 0)
    }

    @Test func coolingStateChangesTheTemperatureRise() throws {
        func rise(_ cooling: CoolingMode) throws -> Double {
            var pack = try Fixture.singleCell(try Fixture.cell(), stateOfCharge: 1)
            let inputs = PackInputs(current: .constant(10), contactors: .closed, cooling: cooling)
            for _ in 0..<1_200 { pack.step(inputs, duration: 1) }
            return try #require(pack.cell(0)).surfaceCelsius - 25
        }
        let on = try rise(.on)
        let off = try rise(.off)
        let failed = try rise(.failed)
        #expect(on > 0.5 && on < off && off < failed)
    }
}
