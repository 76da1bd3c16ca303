@testable import BMSFirmware
import Testing

@Suite("Current limits, balancing, reports")
struct LimitsBalancingReportTests {
    // MARK: SOF trapezoid

    static func limits(maximumCelsius: Int32 = 250, minimumCelsius: Int32 = 250, maximumMillivolts: Int32 = 3_800, minimumMillivolts: Int32 = 3_800,
                       conditions: CurrentLimitCalculator.Conditions = .init(contactorsClosed: true, fatalPending: false, thermalRunaway: .none, temperatureSensorFault: false))
        -> CurrentLimitsReport
    {
        var snapshot = PackSnapshot(topology: Fixtures.shipped.topology)
        snapshot.validCellCount = 96
        snapshot.validSensorCount = 96
        snapshot.maximumDeciCelsius = maximumCelsius
        snapshot.minimumDeciCelsius = minimumCelsius
        snapshot.maximumCellMillivolts = maximumMillivolts
        snapshot.minimumCellMillivolts = minimumMillivolts
        snapshot.packVoltageValid = true
        snapshot.packMillivolts = 364_800
        return CurrentLimitCalculator.compute(snapshot: snapshot, configuration: Fixtures.shipped, conditions: conditions)
    }

    @Test func fullLimitsInsideTheOperatingWindow() {
        let report = Self.limits()
        // 2.5 A and 10 A per cell × 2 parallel.
        #expect(report.maximumChargeMilliamperes == 5_000)
        #expect(report.maximumDischargeMilliamperes == 20_000)
        #expect(report.maximumChargePowerWatts == 1_824)
        #expect(report.maximumPackMillivolts == 4_200 * 96 && report.minimumPackMillivolts == 3_000 * 96)
    }

    /// Temperature: full at MOL, half way to MSL → half, zero at MSL. Charge voltage: full at the charge-end
    /// voltage (MOL − hysteresis, 4.18 V), zero at the MOL (4.20 V). Discharge voltage: MOL → RSL.
    @Test func trapezoidDerating() {
        #expect(Self.limits(maximumCelsius: 400).maximumChargeMilliamperes == 5_000)
        #expect(Self.limits(maximumCelsius: 450).maximumChargeMilliamperes == 2_500)
        #expect(Self.limits(maximumCelsius: 500).maximumChargeMilliamperes == 0)
        #expect(Self.limits(maximumCelsius: 550).maximumDischargeMilliamperes == 10_000)
        #expect(Self.limits(minimumCelsius: 50).maximumChargeMilliamperes == 2_500)
        #expect(Self.limits(minimumCelsius: 0).maximumChargeMilliamperes == 0)
        #expect(Self.limits(minimumCelsius: 0).maximumDischargeMilliamperes == 20_000)
        #expect(Self.limits(maximumMillivolts: 4_180).maximumChargeMilliamperes == 5_000)
        #expect(Self.limits(maximumMillivolts: 4_190).maximumChargeMilliamperes == 2_500)
        #expect(Self.limits(maximumMillivolts: 4_200).maximumChargeMilliamperes == 0)
        #expect(Self.limits(minimumMillivolts: 2_950).maximumDischargeMilliamperes == 10_000)
    }

    @Test func overrides() {
        let open = Self.limits(conditions: .init(contactorsClosed: false, fatalPending: false, thermalRunaway: .none, temperatureSensorFault: false))
        #expect(open.maximumChargeMilliamperes == 0 && open.maximumDischargeMilliamperes == 0)
        let fatal = Self.limits(conditions: .init(contactorsClosed: true, fatalPending: true, thermalRunaway: .none, temperatureSensorFault: false))
        #expect(fatal.maximumChargeMilliamperes == 0 && fatal.maximumDischargeMilliamperes == 0)
        let warning = Self.limits(conditions: .init(contactorsClosed: true, fatalPending: false, thermalRunaway: .warning, temperatureSensorFault: false))
        #expect(warning.maximumChargeMilliamperes == 0 && warning.maximumDischargeMilliamperes == 20_000)
        let sensor = Self.limits(conditions: .init(contactorsClosed: true, fatalPending: false, thermalRunaway: .none, temperatureSensorFault: true))
        #expect(sensor.maximumDischargeMilliamperes == 20_000 && sensor.maximumChargeMilliamperes == 5_000)
        let limpHome = Fixtures.shipped.charging.limpHomeCurrentMilliamperes
        #expect(min(sensor.maximumDischargeMilliamperes, limpHome) == sensor.maximumDischargeMilliamperes)
    }

    // MARK: Balancing

    @Test func balancingThresholdHysteresisAndExclusions() throws {
        var rig = try Rig()
        rig.boot()
        rig.request = .balance
        rig.send(.stateRequested(.balance))
        rig.tick()
        rig.cellMillivolts = [3_800, 3_815, 3_809, 3_805]
        rig.run(ticks: 120)
        // Above the 10 mV threshold only block 1 starts.
        #expect(rig.controller.balancingCells == [1])
        // Block 1 keeps bleeding down to threshold − hysteresis (3 mV above the lowest) …
        rig.cellMillivolts[1] = 3_806
        rig.run(ticks: 120)
        #expect(rig.controller.balancingCells == [1])
        rig.cellMillivolts[1] = 3_803
        rig.run(ticks: 120)
        #expect(rig.controller.balancingCells.isEmpty)
        // … never below the minimum voltage, never above the temperature limit, never on invalid readings.
        rig.cellMillivolts = [3_500, 3_590, 3_800, 3_800]
        rig.rampTemperature(sensor: 3, to: 460)
        rig.run(ticks: 120)
        #expect(rig.controller.balancingCells == [2])
    }

    // MARK: Reports

    @Test func cyclicReportsFollowTheirPeriods() throws {
        var configuration = Fixtures.small
        configuration.reporting = Fixtures.shipped.reporting
        var rig = try Rig(configuration: configuration)
        rig.boot()
        rig.closeContactors()
        var counts: [String: Int] = [:]
        var firstCells: [Int] = []
        var lastStatus: StatusReport?
        var lastEstimates: StateEstimatesReport?
        for _ in 0..<200 {
            for case .report(let report) in rig.tick() {
                switch report {
                case .status(let status):
                    counts["status", default: 0] += 1
                    lastStatus = status
                case .limits: counts["limits", default: 0] += 1
                case .cellVoltageExtremes: counts["voltages", default: 0] += 1
                case .temperatureExtremes: counts["temperatures", default: 0] += 1
                case .packValues: counts["pack", default: 0] += 1
                case .stateEstimates(let estimates):
                    counts["estimates", default: 0] += 1
                    lastEstimates = estimates
                case .cellEstimates(let first, let cells):
                    counts["cells", default: 0] += 1
                    firstCells.append(first)
                    #expect(cells.count == 4)
                case .thermalRunaway: counts["tr", default: 0] += 1
                case .lithiumInventory: counts["inventory", default: 0] += 1
                case .dendriteHealth: counts["dendrite", default: 0] += 1
                }
            }
        }
        // 2 s of 10 ms ticks: 100 ms reports 20×, 1 s reports 2×; the 10 s report went out at start-up.
        #expect(counts["status"] == 20 && counts["limits"] == 20 && counts["voltages"] == 20 && counts["pack"] == 20)
        #expect(counts["estimates"] == 2 && counts["tr"] == 2 && counts["inventory"] == nil)
        #expect(Set(firstCells) == [0])  // 4 blocks per report: the whole 4-block pack each time
        #expect(lastStatus?.state == .normal)
        #expect(lastStatus?.closedContactors == [.mainMinus, .mainPlus])
        #expect(lastStatus?.stateRequestValid == true)
        let estimates = try #require(lastEstimates)
        #expect(estimates.socMeanBasisPoints > 3_000 && estimates.socMeanBasisPoints < 7_000)
        #expect(estimates.sohCapacityMinimumBasisPoints == 10_000)
        #expect(estimates.socSigmaBasisPoints >= 100)
    }
}
