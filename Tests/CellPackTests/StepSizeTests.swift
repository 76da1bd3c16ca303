import CellPack
import Testing

/// Coarse steps for long ageing runs: the state after many cycles does not depend on the step size the caller
/// chooses beyond the stated tolerances.
@Suite("Step size")
struct StepSizeTests {
    /// What a cycling run leaves behind.
    struct Aged {
        var capacityAh: Double
        var endOfChargeVolts: Double
        var deadLithium: Double
        var seiLithium: Double
        var cathodeLoss: Double
        var roughness: Double
    }

    /// `cycles` of C/2 charge for 96 min and 1C discharge for 48 min between 10 % and 90 % SOC with 10 min rests
    /// (below the 3 mA/cm² critical current density, so no dendrite short), in steps of `seconds`.
    static func cycle(_ cycles: Int, step seconds: Double) throws -> Aged {
        var pack = try Fixture.singleCell(try Fixture.cell(), stateOfCharge: 0.1)
        var endOfCharge = 0.0
        func run(_ amps: Double, for duration: Double) {
            let inputs = PackInputs(current: .constant(amps), contactors: .closed)
            for _ in 0..<Int((duration / seconds).rounded()) { pack.step(inputs, duration: seconds) }
        }
        for _ in 0..<cycles {
            run(-2.5, for: 5_760)
            endOfCharge = pack.cell(0)?.terminalVolts ?? .nan
            run(0, for: 600)
            run(5, for: 2_880)
            run(0, for: 600)
        }
        let cell = try #require(pack.cell(0))
        #expect(!cell.hardShort)
        return Aged(
            capacityAh: cell.capacityAh, endOfChargeVolts: endOfCharge, deadLithium: cell.lithium.dead, seiLithium: cell.lithium.sei,
            cathodeLoss: cell.cathodeLossFraction, roughness: cell.roughness)
    }

    /// 100 cycles at 10 s and 60 s steps: capacity within 0.1 % of the rated 5 Ah of each other, end-of-charge
    /// voltage within 2 mV, lithium lost to dead Li and SEI within 0.5 %. (Measured: 0.01 %, 0.2 mV, < 0.01 %.)
    @Test func hundredCyclesAtTenAndSixtySecondStepsAgree() throws {
        let ten = try Self.cycle(100, step: 10)
        let sixty = try Self.cycle(100, step: 60)
        #expect(abs(ten.capacityAh - sixty.capacityAh) < 0.001 * 5)
        #expect(abs(ten.endOfChargeVolts - sixty.endOfChargeVolts) < 0.002)
        #expect(abs(ten.deadLithium - sixty.deadLithium) < 0.005 * ten.deadLithium)
        #expect(abs(ten.seiLithium - sixty.seiLithium) < 0.005 * ten.seiLithium)
        #expect(abs(ten.roughness - sixty.roughness) < 0.01 * ten.roughness)
        // Cracking starts when the step begins above the threshold: one step of onset timing per charge.
        #expect(abs(ten.cathodeLoss - sixty.cathodeLoss) < 0.05 * ten.cathodeLoss)
        // The run aged the cell: lithium went to dead Li and SEI, the cathode cracked, the anode roughened.
        #expect(ten.deadLithium > 3 && ten.cathodeLoss > 0.002 && ten.roughness > 0.3)
    }

    /// 1 s against 10 s steps over the first 10 cycles (1 s steps for 100 cycles take too long for a debug unit
    /// test; `bmsbench pack` runs that comparison in release).
    @Test func oneAndTenSecondStepsAgree() throws {
        let one = try Self.cycle(10, step: 1)
        let ten = try Self.cycle(10, step: 10)
        #expect(abs(one.capacityAh - ten.capacityAh) < 0.001 * 5)
        #expect(abs(one.endOfChargeVolts - ten.endOfChargeVolts) < 0.002)
        #expect(abs(one.deadLithium - ten.deadLithium) < 0.005 * one.deadLithium)
        #expect(abs(one.seiLithium - ten.seiLithium) < 0.005 * one.seiLithium)
    }
}
