import CellPack
import Testing

/// Same seed and inputs → the same trajectory bit for bit; a different seed → a different pack.
@Suite("Determinism")
struct DeterminismTests {
    /// A scenario that exercises spread, waveforms, balancing, a soft short (random noise) and an abuse path.
    func run(seed: UInt64) throws -> VirtualPack {
        var topology = try Fixture.pack()
        topology[.seriesCount] = 12
        var pack = try VirtualPack(cell: try Fixture.cell(), pack: topology, seed: seed, initialStateOfCharge: 0.6)
        try pack.inject(.softShort(cell: 5, siemens: 0.05))
        let balancing = (0..<12).map { $0 % 3 == 0 }
        let phases: [(CurrentWaveform, Int)] = [
            (.constant(-10), 600), (.pulses(amps: -20, onSeconds: 0.001, offSeconds: 0.003), 300),
            (.bidirectional(forwardAmps: -10, forwardSeconds: 5, reverseAmps: 1, reverseSeconds: 10), 300), (.constant(20), 600),
            (.rest, 300),
        ]
        for (waveform, steps) in phases {
            for _ in 0..<steps {
                pack.step(PackInputs(current: waveform, contactors: .closed, balancing: balancing, ambientCelsius: 30), duration: 1)
            }
        }
        try pack.inject(.internalShort(cell: 17, ohms: 0.02))
        for _ in 0..<300 { pack.step(PackInputs(current: .rest, contactors: .open, cooling: .failed), duration: 1) }
        return pack
    }

    /// Every double of the outputs as bits, so NaN/±0 differences would count.
    func fingerprint(_ pack: VirtualPack) -> [UInt64] {
        var bits: [UInt64] = []
        let truth = pack.truth
        for value in [truth.packVolts, truth.linkVolts, truth.packCurrentAmps, truth.enclosureGasPPM.total, truth.smokeMilligramsPerCubicMetre] {
            bits.append(value.bitPattern)
        }
        for index in 0..<pack.cellCount {
            guard let cell = pack.cell(index) else { continue }
            for value in [
                cell.terminalVolts, cell.stateOfCharge, cell.coreCelsius, cell.surfaceCelsius, cell.currentAmps, cell.capacityAh,
                cell.roughness, cell.dendriteLengthMicrometres, cell.softShortSiemens, cell.lithium.dead, cell.gasMoles.total,
                cell.internalPressureKilopascals, cell.abuse.lithiumReactedMoles,
            ] {
                bits.append(value.bitPattern)
            }
        }
        return bits
    }

    @Test func sameSeedGivesABitIdenticalTrajectory() throws {
        let first = try run(seed: 42)
        let second = try run(seed: 42)
        #expect(fingerprint(first) == fingerprint(second))
        #expect(first.cell(17)?.thermalRunaway != .normal)
        #expect((first.cell(5)?.softShortSiemens ?? 0) > 0)
    }

    @Test func differentSeedGivesADifferentSpread() throws {
        let a = try VirtualPack(cell: try Fixture.cell(), pack: try Fixture.pack(), seed: 1)
        let b = try VirtualPack(cell: try Fixture.cell(), pack: try Fixture.pack(), seed: 2)
        let capacities = (0..<a.cellCount).map { (a.cell($0)?.capacityAh ?? 0, b.cell($0)?.capacityAh ?? 0) }
        #expect(capacities.contains { $0.0 != $0.1 })
        // The spread has the sigma of the pack file (1 % of 5 Ah).
        let values = capacities.map(\.0)
        let mean = values.reduce(0, +) / Double(values.count)
        let sigma = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(abs(mean - 5) < 0.02 && sigma > 0.03 && sigma < 0.07)
        let resistances = (0..<a.cellCount).compactMap { a.cell($0)?.totalResistance }
        #expect(Set(resistances).count == resistances.count)
    }

    @Test func splittingAStepChangesLittle() throws {
        var coarse = try Fixture.singleCell(try Fixture.cell(), stateOfCharge: 0.5)
        var fine = coarse
        let inputs = PackInputs(current: .pulses(amps: -8, onSeconds: 0.7, offSeconds: 0.3), contactors: .closed)
        for _ in 0..<60 { coarse.step(inputs, duration: 10) }
        for _ in 0..<6_000 { fine.step(inputs, duration: 0.1) }
        let a = try #require(coarse.cell(0))
        let b = try #require(fine.cell(0))
        // Charge is integrated exactly; only the temperature-dependent side reactions differ slightly.
        #expect(abs(a.stateOfCharge - b.stateOfCharge) < 1e-7)
        #expect(abs(a.terminalVolts - b.terminalVolts) < 1e-3)
        #expect(abs(a.coreCelsius - b.coreCelsius) < 0.02)
        #expect(abs(a.dendriteLengthMicrometres - b.dendriteLengthMicrometres) < 0.01 * b.dendriteLengthMicrometres)
    }
}
