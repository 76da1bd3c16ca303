@testable import BMSFirmware
import PropertyBased
import Testing

/// Shrinking property checks of the small pure pieces the controller is built from.
@Suite("Properties")
struct PropertyTests {
    static let ocv = Fixtures.shipped.cell.openCircuitVoltage

    @Test func ocvInverseRoundTripsAndTheSlopeIsPositive() async {
        await propertyCheck(input: Gen.double(in: 0...1)) { soc in
            let volts = Self.ocv.voltage(atSOC: soc)
            #expect(abs(Self.ocv.soc(atVoltage: volts) - soc) < 1e-6, "soc \(soc)")
            #expect(Self.ocv.slope(atSOC: soc) > 0)
        }
    }

    @Test func ocvIsMonotone() async {
        await propertyCheck(input: Gen.double(in: 0...1), Gen.double(in: 0...1)) { a, b in
            let (low, high) = (min(a, b), max(a, b))
            #expect(Self.ocv.voltage(atSOC: low) <= Self.ocv.voltage(atSOC: high) + 1e-12)
        }
    }

    @Test func ocvInverseIsTotal() async {
        await propertyCheck(input: Gen.double(in: -1e6...1e6)) { volts in
            let soc = Self.ocv.soc(atVoltage: volts)
            #expect(soc >= 0 && soc <= 1)
        }
        #expect(Self.ocv.soc(atVoltage: .nan) == 0.5)
        #expect(Self.ocv.soc(atVoltage: .infinity) == 1)
    }

    @Test func aValueIsNeverViolatingAndRecoveredAtOnce() async {
        let limits = Fixtures.shipped.limits
        await propertyCheck(input: Gen.int(in: Int(Int32.min)...Int(Int32.max))) { raw in
            let value = Int32(raw)
            for entry in limits.entries {
                for tier in LimitTier.allCases {
                    #expect(!(entry.limits.isViolated(value, tier: tier) && entry.limits.isRecovered(value, tier: tier)))
                }
            }
        }
    }

    @Test func deratingStaysBetweenZeroAndOneAndFallsTowardsTheLimit() async {
        let limits = Fixtures.shipped.limits.chargeTemperatureMaximum
        await propertyCheck(input: Gen.int(in: -1_000...1_500), Gen.int(in: -1_000...1_500)) { a, b in
            let (low, high) = (Int32(min(a, b)), Int32(max(a, b)))
            let rampLow = CurrentLimitCalculator.ramp(low, limits, from: .maximumOperating, to: .maximumSafety)
            let rampHigh = CurrentLimitCalculator.ramp(high, limits, from: .maximumOperating, to: .maximumSafety)
            #expect(rampLow >= 0 && rampLow <= 1 && rampHigh >= 0 && rampHigh <= 1)
            #expect(rampHigh <= rampLow)
        }
    }

    @Test func timeArithmeticNeverTraps() async {
        await propertyCheck(input: Gen.int(in: Int.min...Int.max), Gen.int(in: Int.min...Int.max)) { a, b in
            let elapsed = Time.elapsed(from: Int64(a), to: Int64(b))
            if (Int64(b)).subtractingReportingOverflow(Int64(a)).overflow == false { #expect(elapsed == Int64(b) - Int64(a)) }
            _ = Time.adding(Int64(a), to: Int64(b))
        }
    }

    @Test func debounceSetsAfterExactlyThresholdAndClearsAfterThreshold() async {
        await propertyCheck(input: Gen.int(in: 1...200)) { threshold in
            let rules = DiagnosisID.allCases.map {
                DiagnosisRule(id: $0, threshold: threshold, severity: .warning, reactionDelayMilliseconds: 0, enabled: true)
            }
            var monitor = DiagnosisMonitor(table: DiagnosisTable(rules: rules))
            var transitions: [DiagnosisTransition] = []
            for count in 1...threshold {
                monitor.evaluate(.chargerFault, ok: false, now: 0, into: &transitions)
                #expect(monitor.isActive(.chargerFault) == (count == threshold))
            }
            for count in 1...threshold {
                monitor.evaluate(.chargerFault, ok: true, now: 0, into: &transitions)
                #expect(monitor.isActive(.chargerFault) == (count < threshold))
            }
            #expect(transitions.map(\.active) == [true, false])
        }
    }
}
