@testable import CellPack
import RealModule
import SeededRandom
import Testing

/// The speed-ups of the step against the full code paths: skipping provably-zero work changes no bit, the
/// constant-current closed forms agree with the general two-level forms, a cell computes the same in a full
/// vectorised tile as alone, and the inline exponential meets its error bound.
@Suite("Fast paths")
struct FastPathTests {
    /// Every double of the pack's and every cell's observable state.
    static func fingerprint(_ pack: VirtualPack) -> [Double] {
        let truth = pack.truth
        var values = [
            truth.packVolts, truth.linkVolts, truth.packCurrentAmps, truth.averageCurrentAmps, truth.enclosureGasPPM.hydrogen,
            truth.enclosureGasPPM.carbonMonoxide, truth.enclosureGasPPM.carbonDioxide, truth.enclosureGasPPM.hydrocarbons,
            truth.enclosureGasPPM.oxygen, truth.smokeMilligramsPerCubicMetre, truth.isolationOhms,
        ]
        for index in 0..<pack.cellCount {
            guard let c = pack.cell(index) else { continue }
            values += [
                c.terminalVolts, c.openCircuitVolts, c.stateOfCharge, c.cathodeStateOfCharge, c.coreCelsius, c.surfaceCelsius,
                c.currentAmps, c.capacityAh, c.ohmicResistance, c.totalResistance, c.heatWatts, c.gasMoles.hydrogen,
                c.gasMoles.carbonMonoxide, c.gasMoles.carbonDioxide, c.gasMoles.hydrocarbons, c.gasMoles.oxygen,
                c.internalPressureKilopascals, c.thicknessMillimetres, c.selfHeatingKelvinPerSecond, c.abuse.seiDecomposedGrams,
                c.abuse.lithiumReactedMoles, c.abuse.cathodeConversion, c.dendriteLengthMicrometres, c.roughness,
                c.dendriteRiskIndex, c.sandsTimeSeconds, c.softShortSiemens, c.coulombicEfficiency ?? -1, c.lithiumEfficiency ?? -1,
                Double(c.completedCycles), c.lithium.cathode, c.lithium.anodeActive, c.lithium.sei, c.lithium.dead,
                c.lithium.trappedInCathode, c.electrolyteGrams, c.cathodeLossFraction, c.vented ? 1 : 0,
                Double(c.thermalRunaway.rawValue), c.hardShort ? 1 : 0,
            ]
        }
        return values
    }

    /// A 12s2p pack through everything the general forms handle: cracking above 4.15 V, selective stripping
    /// (ABC reverse steps), self-heating above 9 mA/cm², a soft and a nail short, a leak into dry-out, separator
    /// damage, external heating into the abuse chemistry and a runaway, overcharge into venting.
    static func eventfulRun(skipsQuietWork: Bool) throws -> VirtualPack {
        var topology = try Fixture.pack()
        topology[.seriesCount] = 12
        var pack = try VirtualPack(cell: try Fixture.cell(), pack: topology, seed: 21, initialStateOfCharge: 0.5)
        pack.skipsQuietWork = skipsQuietWork
        try pack.inject(.softShort(cell: 4, siemens: 0.02))
        try pack.inject(.electrolyteLeak(cell: 9, gramsPerHour: 40))
        try pack.inject(.separatorDamage(cell: 13, fraction: 0.6))
        let phases: [(CurrentWaveform, Int, Double)] = [
            (.constant(-10), 120, 15),  // 1C charge into the crack region
            (.bidirectional(forwardAmps: -10, forwardSeconds: 5, reverseAmps: 2, reverseSeconds: 5), 120, 1),
            (.constant(-26), 60, 1),  // 11 mA/cm² per cell: self-heating healing
            (.rest, 30, 10), (.constant(20), 90, 10), (.pulses(amps: -20, onSeconds: 0.001, offSeconds: 0.003), 60, 1),
        ]
        for (waveform, steps, seconds) in phases {
            for _ in 0..<steps { pack.step(PackInputs(current: waveform, contactors: .closed, ambientCelsius: 30), duration: seconds) }
        }
        try pack.inject(.internalShort(cell: 17, ohms: 0.02))
        var heated = PackInputs(current: .constant(-12), contactors: .closed, cooling: .failed, heaterWatts: Array(repeating: 0, count: 24))
        heated.heaterWatts[2] = 60
        for _ in 0..<400 { pack.step(heated, duration: 1) }  // overcharge, a runaway next door, heating
        return pack
    }

    @Test func skippingQuietWorkChangesNoBit() throws {
        let fast = try Self.eventfulRun(skipsQuietWork: true)
        let full = try Self.eventfulRun(skipsQuietWork: false)
        let a = Self.fingerprint(fast)
        let b = Self.fingerprint(full)
        #expect(a.count == b.count)
        let mismatches = zip(a, b).enumerated().filter { !($0.element.0 == $0.element.1 || ($0.element.0.isNaN && $0.element.1.isNaN)) }
        let first = mismatches.prefix(3).map { "#\($0.offset): \($0.element.0) vs \($0.element.1)" }
        #expect(mismatches.count == 0, "\(mismatches.count) values differ, first \(first)")
        // The scenario reached the rare branches it is meant to compare.
        let cells = (0..<fast.cellCount).compactMap { fast.cell($0) }
        #expect(cells.contains { $0.vented } && cells.contains { $0.thermalRunaway != .normal })
        #expect(cells.contains { $0.cathodeLossFraction > 0 } && cells[4].softShortSiemens > 0 && cells[17].hardShort)
        #expect(cells[9].electrolyteGrams < 5 && cells[9].totalResistance > 1.5 * cells[8].totalResistance)
    }

    /// A constant current run through the general two-level forms (a waveform whose second level never comes)
    /// matches the constant-current closed forms to rounding.
    @Test func constantClosedFormsMatchTheGeneralForms() throws {
        var topology = try Fixture.pack()
        topology[.seriesCount] = 12
        func run(_ waveform: (Double) -> CurrentWaveform) throws -> VirtualPack {
            var pack = try VirtualPack(cell: try Fixture.cell(), pack: topology, seed: 8, initialStateOfCharge: 0.2)
            for amps in [-10.0, 0, 10, -5] {
                for _ in 0..<600 { pack.step(PackInputs(current: waveform(amps), contactors: .closed), duration: 2) }
            }
            return pack
        }
        let closed = try run { .constant($0) }
        let general = try run { CurrentWaveform(firstAmps: $0, firstSeconds: 1e7, secondAmps: $0 + 1, secondSeconds: 1) }
        for index in 0..<closed.cellCount {
            let a = try #require(closed.cell(index))
            let b = try #require(general.cell(index))
            #expect(abs(a.terminalVolts - b.terminalVolts) < 1e-9)
            #expect(abs(a.stateOfCharge - b.stateOfCharge) < 1e-12)
            #expect(abs(a.coreCelsius - b.coreCelsius) < 1e-9)
            #expect(abs(a.lithium.dead - b.lithium.dead) < 1e-12 * max(a.lithium.dead, 1))
            #expect(abs(a.lithium.sei - b.lithium.sei) < 1e-12 * max(a.lithium.sei, 1))
            #expect(abs(a.roughness - b.roughness) < 1e-12)
            #expect(abs(a.dendriteLengthMicrometres - b.dendriteLengthMicrometres) < 1e-9 * max(a.dendriteLengthMicrometres, 1))
            #expect(abs(a.gasMoles.total - b.gasMoles.total) < 1e-12 * max(a.gasMoles.total, 1e-9))
        }
        #expect(abs(closed.truth.packVolts - general.truth.packVolts) < 1e-8)
    }

    /// Identical cells (no production spread, no thermal coupling) compute the same bits in a full 8-cell tile —
    /// the vectorised loops — as alone in the last, partial tile, which runs the per-cell code out of line.
    @Test func aCellComputesTheSameInAFullTileAsAlone() throws {
        var topology = try Fixture.pack()
        topology[.seriesCount] = 9
        topology[.parallelCount] = 1
        topology[.capacitySpread] = 0
        topology[.resistanceSpread] = 0
        topology[.selfDischargeSpread] = 0
        topology[.neighbourConductance] = 0
        topology[.moduleGapConductance] = 0
        var pack = try VirtualPack(cell: try Fixture.cell(), pack: topology, seed: 2, initialStateOfCharge: 0.3)
        for amps in [-5.0, 5, -2.5] {
            for _ in 0..<720 { pack.step(PackInputs(current: .constant(amps), contactors: .closed), duration: 5) }
        }
        let alone = try #require(pack.cell(8))
        #expect(alone.lithium.dead > 0 && alone.roughness > 0)
        for index in 0..<8 {
            let cell = try #require(pack.cell(index))
            #expect(cell.terminalVolts == alone.terminalVolts)
            #expect(cell.stateOfCharge == alone.stateOfCharge)
            #expect(cell.coreCelsius == alone.coreCelsius)
            #expect(cell.lithium.dead == alone.lithium.dead)
            #expect(cell.lithium.sei == alone.lithium.sei)
            #expect(cell.roughness == alone.roughness)
            #expect(cell.dendriteLengthMicrometres == alone.dendriteLengthMicrometres)
            #expect(cell.gasMoles.total == alone.gasMoles.total)
        }
    }

    /// ``FastMath/exp(_:)`` against the C library over the range the kernel uses (decays, and ±2 around 0).
    @Test func inlineExponentialIsWithinFourUlpOfLibm() {
        var random = Xoshiro256(seed: 99, stream: 0)
        var worst = 0.0
        for index in 0..<200_000 {
            let x = index.isMultiple(of: 2) ? -700 * random.nextUnit() : random.nextUnit() * 4 - 2
            let exact = Double.exp(x)
            worst = max(worst, abs(FastMath.exp(x) - exact) / exact.ulp)
        }
        #expect(worst <= 4)
        #expect(FastMath.exp(0) == 1)
        #expect(FastMath.exp(-0.0) == 1)
        #expect(FastMath.exp(-800) == FastMath.exp(-700))
        #expect(FastMath.exp(.nan).isNaN)
    }

    /// The separator reciprocal cached per cell is updated when damage is injected: the cell with 60 % of its
    /// separator gone shorts with a dendrite shorter than the intact separator is thick.
    @Test func damagedSeparatorShortsWithAShorterDendrite() throws {
        var damaged = try Fixture.singleCell(try Fixture.labCell())
        var intact = damaged
        try damaged.inject(.separatorDamage(cell: 0, fraction: 0.6))
        var shortedAt: Double?
        for _ in 0..<200 where shortedAt == nil {
            let record = damaged.cycle(charge: .constant(-5), dischargeAmps: 2.5)
            _ = intact.cycle(charge: .constant(-5), dischargeAmps: 2.5)
            if record.shorted { shortedAt = damaged.cell(0)?.dendriteLengthMicrometres }
        }
        let length = try #require(shortedAt)
        // Remaining separator: 40 % of 25 µm (Firmware cell file) = 10 µm.
        #expect(length >= 10 && length < 25)
        #expect(intact.cell(0)?.hardShort == false)
    }

    /// The per-step linear map of a lag shared by every cell (RC branches, tip depletion over pulsed steps)
    /// reproduces the direct two-level response for random waveforms, phases, start values and targets.
    @Test func lagMapMatchesTheDirectResponse() {
        var random = Xoshiro256(seed: 31, stream: 1)
        for _ in 0..<300 {
            let first = Double.pow(10, random.nextUnit() * 4 - 3)
            let second = Double.pow(10, random.nextUnit() * 4 - 3)
            let waveform = CurrentWaveform(firstAmps: -3, firstSeconds: first, secondAmps: 1, secondSeconds: second)
            let schedule = WaveformSchedule(waveform, phase: random.nextUnit() * (first + second), duration: Double.pow(10, random.nextUnit() * 4 - 2))
            let tau = Double.pow(10, random.nextUnit() * 6 - 3)
            let map = LagMap(schedule, tau: tau)
            let x0 = random.nextUnit() * 2 - 1
            let u = (random.nextUnit() * 2 - 1, random.nextUnit() * 2 - 1)
            let direct = Lag.respond(schedule, from: x0, tau: (tau, tau), target: u)
            let mapped = map.respond(from: x0, target: u)
            let scale = max(1, schedule.duration)
            #expect(abs(mapped.end - direct.end) < 1e-12)
            #expect(abs(mapped.integral.0 - direct.integral.0) < 1e-12 * scale)
            #expect(abs(mapped.integral.1 - direct.integral.1) < 1e-12 * scale)
        }
    }
}
