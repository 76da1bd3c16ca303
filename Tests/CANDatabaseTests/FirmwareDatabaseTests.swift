import CANCore
import CANDatabase
import Testing

/// Ties Firmware/bms.dbc to what the firmware, the sensor nodes and bench engineers rely on.
@Suite("Firmware/bms.dbc")
struct FirmwareDatabaseTests {
    static let nodes = ["BMS", "VCU"] + (1...8).map { "CMU\($0)" } + [
        "IVT", "GAS", "PRESS", "SMOKE", "IMD", "CHARGER", "CONTACTORS",
    ]

    @Test func parsesCleanlyWithoutWarningsOrIssues() throws {
        let database = try TestFiles.bmsDatabase()
        #expect(database.warnings.isEmpty, "\(database.warnings)")
        #expect(database.consistencyIssues().isEmpty, "\(database.consistencyIssues())")
        #expect(database.nodes.map(\.name) == Self.nodes)
        #expect(database.nodes.allSatisfy { $0.comment != nil })
    }

    @Test func everyMessageHasTimingSenderReceiversAndComment() throws {
        for message in try TestFiles.bmsDatabase().messages {
            switch message.timing {
            case .cyclic, .eventDriven(minimumIntervalMilliseconds: .some): break
            default: Issue.record("\(message.name) has no cycle time and no minimum interval")
            }
            #expect(message.senders.count == 1 && Self.nodes.contains(message.senders[0]), "\(message.name)")
            #expect(message.comment?.isEmpty == false, "\(message.name) has no comment")
            #expect(!message.isFD && message.length <= 8 && !message.id.isExtended, "\(message.name): classic, 11-bit")
            for signal in message.signals {
                #expect(!signal.receivers.isEmpty, "\(message.name).\(signal.name) has no receiver")
                #expect(!signal.receivers.contains(message.senders[0]), "\(message.name).\(signal.name) sent to itself")
                #expect(signal.hasPhysicalRange || signal.minimum == signal.maximum, "\(signal.name)")
            }
        }
    }

    @Test func cellVoltagesCoverAll96CellGroupsOnceAt1Millivolt() throws {
        let database = try TestFiles.bmsDatabase()
        var seen: [Int: String] = [:]
        for board in 1...8 {
            let message = try #require(database.message(named: "CMU\(board)_CellVoltages"))
            #expect(message.id == (try CANID(standard: UInt32(0x200 + board))))
            #expect(message.senders == ["CMU\(board)"])
            #expect(message.timing == .cyclic(milliseconds: 100))
            for signal in message.signals where signal.name.hasPrefix("CellVoltage") {
                let cell = try #require(Int(signal.name.dropFirst("CellVoltage".count)))
                #expect(seen[cell] == nil, "cell \(cell) twice")
                seen[cell] = message.name
                #expect((12 * (board - 1) + 1...12 * board).contains(cell), "cell \(cell) on board \(board)")
                #expect(signal.factor == 1 && signal.offset == 0 && signal.unit == "mV" && signal.length == 16)
                #expect(signal.multiplexCondition?.multiplexerName == "CMU\(board)_VoltagePage")
                #expect(signal.valueTable?.value(named: "OpenWire") == 65534)
            }
        }
        #expect(seen.keys.sorted() == Array(1...96))
    }

    @Test func cellTemperaturesCoverAll96CellGroupsAndFlagBrokenSensors() throws {
        let database = try TestFiles.bmsDatabase()
        var cells: [Int] = []
        for board in 1...8 {
            let message = try #require(database.message(named: "CMU\(board)_CellTemperatures"))
            for signal in message.signals where signal.name.hasPrefix("CellTemperature") {
                cells.append(try #require(Int(signal.name.dropFirst("CellTemperature".count))))
                #expect(signal.factor == 0.1 && signal.unit == "degC")
                #expect(signal.valueTable?.value(named: "SensorOpen") == 4095)
                #expect(signal.valueTable?.value(named: "SensorShorted") == 4094)
            }
        }
        #expect(cells.sorted() == Array(1...96))
        // A broken sensor decodes to a named state, never a hot cell.
        let codec = try database.codec(forMessageNamed: "CMU1_CellTemperatures")
        var encoder = codec.encoder()
        for name in ["CMU1_TemperaturePage", "CMU1_TemperatureCounter", "CMU1_TemperatureCRC"] { try encoder.set(name, raw: 0) }
        try encoder.set("CellTemperature001", valueNamed: "SensorShorted")
        for cell in 2...4 { try encoder.set("CellTemperature00\(cell)", 25) }
        let decoded = try codec.decode(try encoder.frame())
        #expect(decoded.valueName(try codec.handle(named: "CellTemperature001")) == "SensorShorted")
        #expect(decoded.hasValueName(try codec.handle(named: "CellTemperature001")))
        // 25 °C is a temperature, not a code (the page-1 multiplexed signals are absent: no name either).
        #expect(!decoded.hasValueName(try codec.handle(named: "CellTemperature002")))
        #expect(!decoded.hasValueName(try codec.handle(named: "CellTemperature005")))
    }

    @Test func requiredContentIsPresent() throws {
        let database = try TestFiles.bmsDatabase()
        let required: [String: [String]] = [
            "VCU_StateRequest": ["StateRequest_Mode", "StateRequest_ResetFaults", "StateRequest_Counter", "StateRequest_CRC"],
            "BMS_ContactorCommand": ["ContactorCmd_MainPlus", "ContactorCmd_MainMinus", "ContactorCmd_Precharge"],
            "CONT_ContactorFeedback": ["Feedback_MainPlusState", "Feedback_MainPlusWelded", "Feedback_PrechargeCoilFault"],
            "BMS_Alarms": ["Alarm_CellOvervoltage", "Alarm_OvercurrentCharge", "Alarm_OvercurrentDischarge",
                           "Alarm_Insulation", "Alarm_Plausibility", "Alarm_SensorFault", "Alarm_CommunicationTimeout",
                           "Alarm_E2E", "ThermalRunaway_Level", "ThermalRunaway_CauseH2", "ThermalRunaway_CauseTemperatureRate",
                           "ThermalRunaway_CauseVoltageDrop", "ThermalRunaway_CellIndex"],
            "BMS_ChargerCommand": ["ChargerCmd_CurrentSetpoint", "ChargerCmd_VoltageLimit", "ChargerCmd_HealingProfile"],
            "BMS_ChargerProfile": ["ChargerProfile_PulseCurrent", "ChargerProfile_OnTime", "ChargerProfile_OffTime",
                                   "ChargerProfile_ReverseCurrent", "ChargerProfile_ReverseTime", "ChargerProfile_PulseCount"],
            "CHG_ChargerStatus": ["ChargerStatus_Current", "ChargerStatus_Voltage", "ChargerStatus_Mode",
                                  "ChargerStatus_ActiveProfile", "ChargerStatus_ProfileProgress"],
            "GAS_Concentrations": ["Gas_H2", "Gas_CO", "Gas_CO2"],
            "PRESS_PackPressure": ["Press_StackPressure", "Press_StackExpansion"],
            "SMOKE_Status": ["Smoke_Detected"],
            "IMD_Insulation": ["Imd_InsulationResistance"],
            "BMS_State": ["BmsState_State", "BmsState_Substate"],
            "BMS_PackStatus": ["Pack_Voltage", "Pack_Current"],
            "BMS_Limits": ["Limit_MaxChargeCurrent", "Limit_MaxDischargeCurrent", "Limit_MaxChargePower"],
            "BMS_SOC": ["SOC_Mean", "SOC_Uncertainty"],
            "BMS_SOHCapacity": ["SOHCapacity_Pack", "SOHCapacity_MinCell", "SOHCapacity_Uncertainty"],
            "BMS_SOHResistance": ["SOHResistance_Pack", "SOHResistance_MaxCell", "SOHResistance_Uncertainty"],
            "BMS_DendriteHealth": ["Dendrite_RiskIndex", "Dendrite_CETrend", "Dendrite_SoftShortSuspicion",
                                   "Dendrite_SoftShortCellIndex"],
            "BMS_HealingStatus": ["Healing_State", "Healing_Protocol", "Healing_DoseCount", "Healing_Outcome"],
        ]
        for (message, signals) in required.sorted(by: { $0.key < $1.key }) {
            let found = try #require(database.message(named: message), "\(message)")
            for signal in signals { #expect(found.signal(named: signal) != nil, "\(message).\(signal)") }
        }
        let profiles = try #require(database.message(named: "BMS_ChargerCommand")?.signal(named: "ChargerCmd_HealingProfile")?.valueTable)
        #expect(profiles.entries.map(\.name) == ["None", "PulseCharging", "SelfHeatingPulseTrain", "AsymmetricBidirectional", "RestSTCR"])
        let modes = try #require(database.message(named: "VCU_StateRequest")?.signal(named: "StateRequest_Mode")?.valueTable)
        #expect(modes.entries.map(\.name) == ["Standby", "Discharge", "Charge", "Balance", "Heal"])
        let tr = try #require(database.message(named: "BMS_Alarms")?.signal(named: "ThermalRunaway_Level")?.valueTable)
        #expect(tr.entries.map(\.name) == ["None", "Warning", "Alarm", "Confirmed"])
    }

    @Test func currentSensorFollowsTheIVTSLayout() throws {
        let database = try TestFiles.bmsDatabase()
        for (index, name) in ["I", "U1", "U2", "U3", "T", "W", "As", "Wh"].enumerated() {
            let message = try #require(database.message(named: "IVT_Msg_Result_\(name)"))
            #expect(message.id == (try CANID(standard: UInt32(0x521 + index))) && message.length == 6)
            let value = try #require(message.signal(named: "IVT_Result_\(name)"))
            #expect(value.startBit == 23 && value.length == 32 && value.byteOrder == .bigEndian && value.isSigned)
            #expect(message.signal(named: "IVT_MsgCount_Result_\(name)")?.e2eRole == .counter)
            #expect(message.signal(named: "IVT_ID_Result_\(name)")?.valueTable?.value(named: "Result_\(name)") == Int64(index))
        }
        #expect(database.message(named: "IVT_Msg_Cmd")?.timing == .eventDriven(minimumIntervalMilliseconds: 100))
        let command = try #require(database.message(named: "IVT_Msg_Cmd"))
        #expect(command.signal(named: "IVT_Cmd_ResultMode")?.multiplexCondition?.values == [32...39], "SG_MUL_VAL_ range")
    }
}
