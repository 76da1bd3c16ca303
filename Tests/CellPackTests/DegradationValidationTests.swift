import CellPack
import Testing

/// Lithium inventory, capacity knee, cathode cracking, calendar ageing, resistance growth and swelling.
@Suite("Degradation")
struct DegradationValidationTests {
    /// [S0:L229] and the cycle-life arithmetic of cell-physics 1.3: with a finite lithium reservoir the capacity
    /// holds while excess lithium remains (the measured CE then reflects the cathode, ≈ 1) and falls fast once it
    /// is used up: n_knee ≈ (N/P − 1)/(1 − CE_Li) with N counting all cyclable lithium (foil + cathode).
    @Test func capacityKneeArrivesWhenExcessLithiumRunsOut() throws {
        let cellParameters = try Fixture.cell()
        var pack = try Fixture.singleCell(cellParameters)
        let start = try #require(pack.cell(0)).lithium
        var capacities: [Double] = []
        var lithiumEfficiencies: [Double] = []
        var measuredEfficiencies: [Double] = []
        for _ in 0..<260 {
            let record = pack.cycle(charge: .constant(-2.5), dischargeAmps: 5)
            #expect(!record.shorted)
            capacities.append(record.dischargeAh)
            let cell = try #require(pack.cell(0))
            if let efficiency = cell.lithiumEfficiency { lithiumEfficiencies.append(efficiency) }
            if let efficiency = cell.coulombicEfficiency { measuredEfficiencies.append(efficiency) }
            if record.dischargeAh < 0.6 * capacities[0] { break }
        }
        let initial = capacities.prefix(5).reduce(0, +) / 5
        let knee = try #require(capacities.firstIndex { $0 < 0.9 * initial }) + 1
        let before = lithiumEfficiencies.prefix(knee - 1)
        let meanEfficiency = before.reduce(0, +) / Double(before.count)
        // N/P − 1 counted from the cell file: excess lithium (foil minus formation SEI) over the cathode capacity.
        let excessRatio = start.anodeActive / cellParameters[.nominalCapacityAh]
        let predicted = excessRatio / (1 - meanEfficiency)
        #expect(abs(Double(knee) - predicted) < 0.15 * predicted)
        // Before the knee the cycler sees the cathode: CE ≈ 1 although the anode loses > 1 % per cycle.
        // (The last ~15 cycles before the 10 % knee already track the anode as the reserve runs dry.)
        let earlyMeasured = measuredEfficiencies.dropFirst().prefix(knee - 20)
        let meanMeasured = earlyMeasured.reduce(0, +) / Double(earlyMeasured.count)
        #expect(abs(meanMeasured - 1) < 0.001)
        #expect(meanEfficiency < 0.99 && meanEfficiency > 0.97)
        // A knee, not a slope: little fade before it, then about (1 − CE_Li) of capacity per cycle.
        #expect(capacities[knee / 2] > 0.97 * initial)
        let after = (capacities[knee - 1] - capacities[min(knee + 9, capacities.count - 1)]) / Double(min(10, capacities.count - knee))
        #expect(after > 0.5 * (1 - meanEfficiency) * initial)
        print("knee at cycle \(knee), predicted \(Int(predicted.rounded())) from N/P − 1 = \(excessRatio) and CE_Li = \(meanEfficiency)")
    }

    /// [S4:L222, L316]: poly-NCM811 cracks when charged above 4.15 V / 75 % SOC; below that the cathode keeps its
    /// sites.
    @Test func cathodeCracksOnlyWhenChargedAboveTheThreshold() throws {
        func loss(upperVolts: Double) throws -> Double {
            var pack = try Fixture.singleCell(try Fixture.cell())
            for _ in 0..<20 { _ = pack.cycle(charge: .constant(-2.5), dischargeAmps: 2.5, upperVolts: upperVolts) }
            return try #require(pack.cell(0)).cathodeLossFraction
        }
        let high = try loss(upperVolts: 4.2)
        let low = try loss(upperVolts: 3.95)
        #expect(low == 0)
        #expect(high > 5e-4)
    }

    /// Calendar lithium loss follows √t and Arrhenius (SEI growth, E = 38 kJ/mol, OKane2022); the cell file is
    /// calibrated to 4.1 % per year at 25 °C (BLAST-Lite LG M50 NMC811 storage).
    @Test func calendarLossFollowsSquareRootOfTimeAndArrhenius() throws {
        func stored(days: Int, celsius: Double) throws -> Double {
            var pack = try Fixture.singleCell(try Fixture.cell(), stateOfCharge: 0.5, celsius: celsius)
            let start = try #require(pack.cell(0)).lithium.sei
            let inputs = PackInputs(current: .rest, contactors: .open, ambientCelsius: celsius, coolantCelsius: celsius)
            for _ in 0..<days { pack.step(inputs, duration: 86_400) }
            return (try #require(pack.cell(0)).lithium.sei - start) / 5
        }
        let year = try stored(days: 365, celsius: 25)
        let quarter = try stored(days: 91, celsius: 25)
        let warm = try stored(days: 365, celsius: 45)
        #expect(abs(year - 0.041) < 0.002)
        #expect(abs(year / quarter - 2) < 0.05)
        #expect(warm > 2 * year)
    }

    /// Resistance grows with SEI and the porous dead-lithium layer [S4:L132–L149]; the anode thickens by
    /// ≈ 4.85 µm per mAh/cm² plated [DERIVED from S2:L290] and the dead-lithium layer swells the cell [S4:L134].
    @Test func resistanceAndThicknessGrowWithCycling() throws {
        var pack = try Fixture.singleCell(try Fixture.cell())
        let new = try #require(pack.cell(0))
        pack.chargeToFull()
        let charged = try #require(pack.cell(0))
        // 12 anode faces × 4.2 mAh/cm² × 4.85 µm ≈ 0.24 mm of plated lithium in a full charge.
        #expect(abs(charged.thicknessMillimetres - new.thicknessMillimetres - 0.24) < 0.03)
        for _ in 0..<40 { _ = pack.cycle(charge: .constant(-2.5), dischargeAmps: 5) }
        let aged = try #require(pack.cell(0))
        #expect(aged.totalResistance > 1.1 * new.totalResistance)
        #expect(aged.thicknessMillimetres > new.thicknessMillimetres + 0.03)
        #expect(aged.lithium.dead > aged.lithium.sei - new.lithium.sei)  // dead Li⁰ dominates the loss [S2:L489]
        #expect(aged.roughness > new.roughness)
    }
}
