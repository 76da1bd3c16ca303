import CANCore
import SensorNodes
import Testing

@Suite("foxBMS topology mapping")
struct FoxBMSTopologyTests {
    @Test func matchingTheNodeConfigurationIsTheIdentity() throws {
        let topology = FoxBMSTopology.matching(try Files.nodeConfiguration())
        #expect(topology.strings == 1 && topology.modulesPerString == 8 && topology.cellBlocksPerModule == 12)
        #expect(topology.temperatureSensorsPerModule == 12)
        #expect(topology.cellBlockGroups == Array(0..<96))
        #expect(topology.temperatureSensorGroups == Array(0..<96))
        #expect(topology.voltagePages == 24 && topology.temperaturePages == 16)
        #expect(topology.coversPack(seriesGroups: 96))
        #expect(topology.problems(seriesGroups: 96).isEmpty)
        #expect(topology.batterySystemDefines.contains("#define BS_NR_OF_MODULES_PER_STRING      (8u)"))
    }

    /// foxBMS's stock battery_system_cfg.h: 1 × 1 × 18 cell blocks with 8 sensors, spread over the module.
    @Test func stockFoxBMSTopologySpreadsItsSensorsOverTheModule() {
        let stock = FoxBMSTopology(strings: 1, modulesPerString: 1, cellBlocksPerModule: 18, temperatureSensorsPerModule: 8)
        #expect(stock.cellBlockGroups == Array(0..<18))
        #expect(stock.temperatureSensorGroups == [1, 3, 5, 7, 10, 12, 14, 16])
        #expect(stock.voltagePages == 5 && stock.temperaturePages == 2)
        #expect(!stock.coversPack(seriesGroups: 96))
        #expect(stock.problems(seriesGroups: 96).isEmpty)
        let shifted = FoxBMSTopology(strings: 1, modulesPerString: 2, cellBlocksPerModule: 4, temperatureSensorsPerModule: 2, firstGroup: 40)
        #expect(shifted.cellBlockGroups == [40, 41, 42, 43, 44, 45, 46, 47])
        #expect(shifted.temperatureSensorGroups == [41, 43, 45, 47])
    }

    @Test func everyProblemIsNamed() {
        let twoStrings = FoxBMSTopology(strings: 2, modulesPerString: 4, cellBlocksPerModule: 12, temperatureSensorsPerModule: 12)
        #expect(twoStrings.problems(seriesGroups: 96).first?.contains("string 0 only") == true)
        let tooLarge = FoxBMSTopology(strings: 1, modulesPerString: 20, cellBlocksPerModule: 12, temperatureSensorsPerModule: 12)
        let largeProblems = tooLarge.problems(seriesGroups: 240)
        #expect(largeProblems.contains { $0.contains("240 cell blocks exceed the 216") })
        #expect(largeProblems.contains { $0.contains("240 sensors exceed the 180") })
        let outside = FoxBMSTopology(strings: 1, modulesPerString: 9, cellBlocksPerModule: 12, temperatureSensorsPerModule: 1)
        #expect(outside.problems(seriesGroups: 96).contains { $0.contains("cell block 96 reads group 96") })
        var duplicate = FoxBMSTopology.matching(try! Files.nodeConfiguration())
        duplicate.cellBlockGroups[5] = 4
        #expect(duplicate.problems(seriesGroups: 96) == ["two cell blocks read the same series group (foxBMS would count its voltage twice in the string voltage)"])
        duplicate.temperatureSensorGroups.removeLast()
        #expect(duplicate.problems(seriesGroups: 96).contains("temperatureSensorGroups has 95 entries, the topology has 96 sensors"))
        let empty = FoxBMSTopology(strings: 1, modulesPerString: 0, cellBlocksPerModule: 12, temperatureSensorsPerModule: 0)
        #expect(empty.problems(seriesGroups: 96).count == 2)
    }

    @Test func nodesRefuseATopologyThatDoesNotFit() throws {
        let topology = FoxBMSTopology(strings: 2, modulesPerString: 4, cellBlocksPerModule: 12, temperatureSensorsPerModule: 12)
        #expect {
            try Files.nodes(profile: try Files.profile(topology: topology))
        } throws: { error in
            "\(error)".contains("the foxBMS topology does not fit the pack (96 series groups)") && "\(error)".contains("strings is 2")
        }
    }
}

@Suite("foxBMS topology text")
struct FoxBMSTopologyParsingTests {
    @Test func parsesTheCommandLineForm() throws {
        #expect(try FoxBMSTopology(parsing: "1x8x12x12") == .matching(try Files.nodeConfiguration()))
        #expect(try FoxBMSTopology(parsing: "1x1x18x8@40").cellBlockGroups == Array(40..<58))
        for (text, reason) in [
            ("1x8x12", "expected 4 counts"), ("1x8xtwelvex12", "cell blocks per module 'twelve'"), ("1x8x12x-1", "temperature sensors per module '-1'"),
            ("1x8x12x12@", "first group ''"), ("1x1x1x1@2@3", "at most one '@'"), ("", "expected 4 counts"),
            ("99999999999999999999x1x1x1", "strings '99999999999999999999'"),
        ] {
            #expect(throws: NodeSetupError.self, "\(text)") { try FoxBMSTopology(parsing: text) }
            do {
                _ = try FoxBMSTopology(parsing: text)
            } catch {
                #expect(error.reason.contains(reason), "\(text): \(error.reason)")
            }
        }
    }
}

@Suite("foxBMS status reader")
struct FoxBMSStatusTests {
    @Test func readsStateCellExtremesLimitsAndCurrent() throws {
        var status = try FoxBMSStatus(database: try Files.compat())
        #expect(status.state == nil && status.maximumDischargeAmps == nil)
        status.observe(try bmsState(state: 7, connectedStrings: 1))
        status.observe(try frame("f_PackMinMaxCellVoltage", [
            "MinimumCellVoltageCellIndex": 3, "MaximumCellVoltageCellIndex": 4, "MinimumCellVoltageModuleIndex": 0,
            "MaximumCellVoltageModuleIndex": 1, "MinimumCellVoltageStringIndex": 0, "MaximumCellVoltageStringIndex": 0,
            "MaximumCellVoltage": 3912, "MinimumCellVoltage": 3876,
        ]))
        status.observe(try frame("f_PackLimits", [
            "MaximumDischargeCurrent": 400, "MaximumChargeCurrent": 40, "MaximumDischargePower": 1000, "MaximumChargePower": 100,
            "MaximumBatteryVoltage": 100, "MinimumBatteryVoltage": 70,
        ]))
        status.observe(try frame("f_PackValuesP0", ["BatteryVoltage": 3_712, "BusVoltage": 3_700, "Power": -744, "Current": -2_005]))
        #expect(status.state == "NORMAL" && status.connectedStrings == 1 && status.hasError == false && status.canTimingError == false)
        #expect(status.minimumCellMillivolts == 3876 && status.maximumCellMillivolts == 3912)
        #expect(status.maximumDischargeAmps == 100 && status.maximumChargeAmps == 10)
        #expect(abs((status.packCurrentAmps ?? 0) + 20.05) < 1e-9 && abs((status.batteryVolts ?? 0) - 371.2) < 1e-9)
        // A short 0x220 changes nothing.
        status.observe(try CANFrame(id: try Files.identifier("f_BmsState"), data: [0xA0]))
        #expect(status.state == "NORMAL")
    }
}
