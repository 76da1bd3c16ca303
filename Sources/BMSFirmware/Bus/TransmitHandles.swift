import CANDatabase

/// The BMS messages of the database, in transmit order.
enum TransmitMessage: Int, CaseIterable, Sendable {
    case contactorCommand
    case alarms
    case chargerCommand
    case chargerProfile
    case balancing
    case state
    case packStatus
    case cellVoltageStats
    case cellTemperatureStats
    case limits
    case soc
    case sohCapacity
    case sohResistance
    case dendriteHealth
    case healingStatus

    var name: String {
        switch self {
        case .contactorCommand: "BMS_ContactorCommand"
        case .alarms: "BMS_Alarms"
        case .chargerCommand: "BMS_ChargerCommand"
        case .chargerProfile: "BMS_ChargerProfile"
        case .balancing: "BMS_BalancingCommand"
        case .state: "BMS_State"
        case .packStatus: "BMS_PackStatus"
        case .cellVoltageStats: "BMS_CellVoltageStats"
        case .cellTemperatureStats: "BMS_CellTemperatureStats"
        case .limits: "BMS_Limits"
        case .soc: "BMS_SOC"
        case .sohCapacity: "BMS_SOHCapacity"
        case .sohResistance: "BMS_SOHResistance"
        case .dendriteHealth: "BMS_DendriteHealth"
        case .healingStatus: "BMS_HealingStatus"
        }
    }
}

/// One cyclic BMS message: encoder, E2E sender, page rotation and schedule.
struct TransmitSlot: Sendable {
    let message: TransmitMessage
    var encoder: MessageEncoder
    var sender: E2ESender?
    /// Multiplexer values sent in rotation (one page for a plain message).
    let pages: [Int64]
    /// Time between two frames: the cycle time divided by the pages (ns).
    let pagePeriodNanoseconds: Int64
    var nextPage = 0
    var nextDueNanoseconds = Int64.min
}

/// Handles of every signal the BMS writes.
struct TransmitHandles: Sendable {
    // BMS_ContactorCommand, in Contactor order.
    let contactorCommand: [SignalHandle]
    let emergencyOpen: SignalHandle
    // BMS_Alarms: the 16 levels in the order of `AlarmQuantity`.
    let alarmLevels: [SignalHandle]
    let runawayLevel: SignalHandle
    let causeHydrogen: SignalHandle
    let causeCarbonOxides: SignalHandle
    let causePressure: SignalHandle
    let causeSmoke: SignalHandle
    let causeOvertemperature: SignalHandle
    let causeRate: SignalHandle
    let causeVoltageDrop: SignalHandle
    let runawayCell: RangedSignal
    let highestLevel: SignalHandle
    // BMS_ChargerCommand.
    let chargerSetpoint: RangedSignal
    let chargerVoltage: RangedSignal
    let chargerEnable: SignalHandle
    let chargerProfile: SignalHandle
    let chargerProfileSet: SignalHandle
    // BMS_ChargerProfile.
    let profilePage: SignalHandle
    let profileSet: SignalHandle
    let profilePulse: RangedSignal
    let profileReverse: RangedSignal
    let profileOn: RangedSignal
    let profileOff: RangedSignal
    let profileReverseTime: RangedSignal
    let profileCount: RangedSignal
    // BMS_BalancingCommand: board page → mask signal and the cell groups of its bits.
    let balancingBoard: SignalHandle
    let balancingBoards: [(page: Int64, mask: SignalHandle, cells: [Int])]
    // BMS_State.
    let state: SignalHandle
    let substate: SignalHandle
    let requestedMode: SignalHandle
    let stateContactors: [SignalHandle]
    let chargingAllowed: SignalHandle
    let dischargingAllowed: SignalHandle
    let balancingActive: SignalHandle
    let healingActive: SignalHandle
    let insulationMonitoring: SignalHandle
    let faultLatched: SignalHandle
    let runawayActive: SignalHandle
    let activeFaultCount: RangedSignal
    let timeInState: RangedSignal
    // BMS_PackStatus.
    let packVoltage: RangedSignal
    let busVoltage: RangedSignal
    let packCurrent: RangedSignal
    let currentValid: SignalHandle
    let voltageValid: SignalHandle
    let busVoltageValid: SignalHandle
    // BMS_CellVoltageStats.
    let cellMinimum: RangedSignal
    let cellMaximum: RangedSignal
    let cellMean: RangedSignal
    let cellMinimumIndex: RangedSignal
    let cellMaximumIndex: RangedSignal
    // BMS_CellTemperatureStats.
    let temperatureMinimum: RangedSignal
    let temperatureMaximum: RangedSignal
    let temperatureMean: RangedSignal
    let temperatureMinimumIndex: RangedSignal
    let temperatureMaximumIndex: RangedSignal
    let temperatureRate: RangedSignal
    // BMS_Limits.
    let limitCharge: RangedSignal
    let limitDischarge: RangedSignal
    let limitChargePower: RangedSignal
    let limitDischargePower: RangedSignal
    // BMS_SOC.
    let socMean: RangedSignal
    let socMinimum: RangedSignal
    let socMaximum: RangedSignal
    let socUncertainty: RangedSignal
    let remainingEnergy: RangedSignal
    // BMS_SOHCapacity.
    let capacityPack: RangedSignal
    let capacityMinimum: RangedSignal
    let capacityMinimumIndex: RangedSignal
    let capacityAmpereHours: RangedSignal
    let capacityUncertainty: RangedSignal
    let capacityStatus: SignalHandle
    // BMS_SOHResistance.
    let resistancePack: RangedSignal
    let resistanceMaximum: RangedSignal
    let resistanceMaximumIndex: RangedSignal
    let resistanceMilliohms: RangedSignal
    let resistanceUncertainty: RangedSignal
    let resistanceStatus: SignalHandle
    // BMS_DendriteHealth.
    let dendriteRisk: RangedSignal
    let dendriteRiskCell: RangedSignal
    let dendriteEfficiency: RangedSignal
    let dendriteTrend: RangedSignal
    let dendriteSuspicion: SignalHandle
    let dendriteTrigger: SignalHandle
    let dendriteShortCell: RangedSignal
    // BMS_HealingStatus.
    let healingState: SignalHandle
    let healingProtocol: SignalHandle
    let healingOutcome: SignalHandle
    let healingDoses: RangedSignal
    let healingDosesPlanned: RangedSignal
    let healingTarget: RangedSignal
    let healingAbort: SignalHandle
    let healingProgress: RangedSignal

    /// The schedule slots, in ``TransmitMessage`` order.
    let slots: [TransmitSlot]

    init(_ database: CANDatabase, boards: [CellBoardHandles], topology: PackTopology) throws(BMSBusInterfaceError) {
        var bindings: [MessageBinding] = []
        for message in TransmitMessage.allCases { bindings.append(try MessageBinding(database, message.name)) }
        func binding(_ message: TransmitMessage) -> MessageBinding { bindings[message.rawValue] }

        let contactor = binding(.contactorCommand)
        var commands: [SignalHandle] = []
        for unit in Contactor.allCases { commands.append(try contactor.handle("ContactorCmd_\(unit.databaseName)")) }
        contactorCommand = commands
        emergencyOpen = try contactor.handle("ContactorCmd_EmergencyOpen")

        let alarms = binding(.alarms)
        var levels: [SignalHandle] = []
        for quantity in AlarmQuantity.allCases { levels.append(try alarms.handle(quantity.signalName)) }
        alarmLevels = levels
        runawayLevel = try alarms.handle("ThermalRunaway_Level")
        causeHydrogen = try alarms.handle("ThermalRunaway_CauseH2")
        causeCarbonOxides = try alarms.handle("ThermalRunaway_CauseCOCO2")
        causePressure = try alarms.handle("ThermalRunaway_CausePressure")
        causeSmoke = try alarms.handle("ThermalRunaway_CauseSmoke")
        causeOvertemperature = try alarms.handle("ThermalRunaway_CauseOvertemperature")
        causeRate = try alarms.handle("ThermalRunaway_CauseTemperatureRate")
        causeVoltageDrop = try alarms.handle("ThermalRunaway_CauseVoltageDrop")
        runawayCell = try RangedSignal(alarms, "ThermalRunaway_CellIndex")
        highestLevel = try alarms.handle("Alarms_HighestLevel")

        let charger = binding(.chargerCommand)
        chargerSetpoint = try RangedSignal(charger, "ChargerCmd_CurrentSetpoint")
        chargerVoltage = try RangedSignal(charger, "ChargerCmd_VoltageLimit")
        chargerEnable = try charger.handle("ChargerCmd_Enable")
        chargerProfile = try charger.handle("ChargerCmd_HealingProfile")
        chargerProfileSet = try charger.handle("ChargerCmd_ProfileSet")

        let profile = binding(.chargerProfile)
        profilePage = try profile.handle("ChargerProfile_Page")
        profileSet = try profile.handle("ChargerProfile_Set")
        profilePulse = try RangedSignal(profile, "ChargerProfile_PulseCurrent")
        profileReverse = try RangedSignal(profile, "ChargerProfile_ReverseCurrent")
        profileOn = try RangedSignal(profile, "ChargerProfile_OnTime")
        profileOff = try RangedSignal(profile, "ChargerProfile_OffTime")
        profileReverseTime = try RangedSignal(profile, "ChargerProfile_ReverseTime")
        profileCount = try RangedSignal(profile, "ChargerProfile_PulseCount")

        let balancing = binding(.balancing)
        balancingBoard = try balancing.handle("Balancing_Board")
        var masks: [(page: Int64, mask: SignalHandle, cells: [Int])] = []
        for board in boards {
            let mask = try balancing.handle("Balancing_MaskCMU\(board.board + 1)")
            guard let page = balancing.page(of: mask) else {
                throw .unusableMessage(message: balancing.name, reason: "Balancing_MaskCMU\(board.board + 1) is not on a board page")
            }
            masks.append((page, mask, board.indices))
        }
        let balanced = Set(masks.flatMap(\.cells))
        for cell in 0..<topology.seriesCells where !balanced.contains(cell) { throw .missingBalancingMask(cell: cell) }
        balancingBoards = masks

        let state = binding(.state)
        self.state = try state.handle("BmsState_State")
        substate = try state.handle("BmsState_Substate")
        requestedMode = try state.handle("BmsState_RequestedMode")
        var closed: [SignalHandle] = []
        for unit in Contactor.allCases { closed.append(try state.handle("BmsState_\(unit.databaseName)Closed")) }
        stateContactors = closed
        chargingAllowed = try state.handle("BmsState_ChargingAllowed")
        dischargingAllowed = try state.handle("BmsState_DischargingAllowed")
        balancingActive = try state.handle("BmsState_BalancingActive")
        healingActive = try state.handle("BmsState_HealingActive")
        insulationMonitoring = try state.handle("BmsState_InsulationMonitoring")
        faultLatched = try state.handle("BmsState_FaultLatched")
        runawayActive = try state.handle("BmsState_ThermalRunawayActive")
        activeFaultCount = try RangedSignal(state, "BmsState_ActiveFaultCount")
        timeInState = try RangedSignal(state, "BmsState_TimeInState")

        let pack = binding(.packStatus)
        packVoltage = try RangedSignal(pack, "Pack_Voltage")
        busVoltage = try RangedSignal(pack, "Pack_BusVoltage")
        packCurrent = try RangedSignal(pack, "Pack_Current")
        currentValid = try pack.handle("Pack_CurrentValid")
        voltageValid = try pack.handle("Pack_VoltageValid")
        busVoltageValid = try pack.handle("Pack_BusVoltageValid")

        let cells = binding(.cellVoltageStats)
        cellMinimum = try RangedSignal(cells, "CellVoltage_Min")
        cellMaximum = try RangedSignal(cells, "CellVoltage_Max")
        cellMean = try RangedSignal(cells, "CellVoltage_Mean")
        cellMinimumIndex = try RangedSignal(cells, "CellVoltage_MinIndex")
        cellMaximumIndex = try RangedSignal(cells, "CellVoltage_MaxIndex")

        let temperatures = binding(.cellTemperatureStats)
        temperatureMinimum = try RangedSignal(temperatures, "CellTemperature_Min")
        temperatureMaximum = try RangedSignal(temperatures, "CellTemperature_Max")
        temperatureMean = try RangedSignal(temperatures, "CellTemperature_Mean")
        temperatureMinimumIndex = try RangedSignal(temperatures, "CellTemperature_MinIndex")
        temperatureMaximumIndex = try RangedSignal(temperatures, "CellTemperature_MaxIndex")
        temperatureRate = try RangedSignal(temperatures, "CellTemperature_MaxRate")

        let limits = binding(.limits)
        limitCharge = try RangedSignal(limits, "Limit_MaxChargeCurrent")
        limitDischarge = try RangedSignal(limits, "Limit_MaxDischargeCurrent")
        limitChargePower = try RangedSignal(limits, "Limit_MaxChargePower")
        limitDischargePower = try RangedSignal(limits, "Limit_MaxDischargePower")

        let soc = binding(.soc)
        socMean = try RangedSignal(soc, "SOC_Mean")
        socMinimum = try RangedSignal(soc, "SOC_Min")
        socMaximum = try RangedSignal(soc, "SOC_Max")
        socUncertainty = try RangedSignal(soc, "SOC_Uncertainty")
        remainingEnergy = try RangedSignal(soc, "SOC_RemainingEnergy")

        let capacity = binding(.sohCapacity)
        capacityPack = try RangedSignal(capacity, "SOHCapacity_Pack")
        capacityMinimum = try RangedSignal(capacity, "SOHCapacity_MinCell")
        capacityMinimumIndex = try RangedSignal(capacity, "SOHCapacity_MinCellIndex")
        capacityAmpereHours = try RangedSignal(capacity, "SOHCapacity_PackCapacity")
        capacityUncertainty = try RangedSignal(capacity, "SOHCapacity_Uncertainty")
        capacityStatus = try capacity.handle("SOHCapacity_Status")

        let resistance = binding(.sohResistance)
        resistancePack = try RangedSignal(resistance, "SOHResistance_Pack")
        resistanceMaximum = try RangedSignal(resistance, "SOHResistance_MaxCell")
        resistanceMaximumIndex = try RangedSignal(resistance, "SOHResistance_MaxCellIndex")
        resistanceMilliohms = try RangedSignal(resistance, "SOHResistance_PackResistance")
        resistanceUncertainty = try RangedSignal(resistance, "SOHResistance_Uncertainty")
        resistanceStatus = try resistance.handle("SOHResistance_Status")

        let dendrite = binding(.dendriteHealth)
        dendriteRisk = try RangedSignal(dendrite, "Dendrite_RiskIndex")
        dendriteRiskCell = try RangedSignal(dendrite, "Dendrite_RiskCellIndex")
        dendriteEfficiency = try RangedSignal(dendrite, "Dendrite_CoulombicEfficiency")
        dendriteTrend = try RangedSignal(dendrite, "Dendrite_CETrend")
        dendriteSuspicion = try dendrite.handle("Dendrite_SoftShortSuspicion")
        dendriteTrigger = try dendrite.handle("Dendrite_Trigger")
        dendriteShortCell = try RangedSignal(dendrite, "Dendrite_SoftShortCellIndex")

        let healing = binding(.healingStatus)
        healingState = try healing.handle("Healing_State")
        healingProtocol = try healing.handle("Healing_Protocol")
        healingOutcome = try healing.handle("Healing_Outcome")
        healingDoses = try RangedSignal(healing, "Healing_DoseCount")
        healingDosesPlanned = try RangedSignal(healing, "Healing_DosesPlanned")
        healingTarget = try RangedSignal(healing, "Healing_TargetCellIndex")
        healingAbort = try healing.handle("Healing_AbortReason")
        healingProgress = try RangedSignal(healing, "Healing_Progress")

        var slots: [TransmitSlot] = []
        for message in TransmitMessage.allCases {
            let binding = binding(message)
            guard case .cyclic(let milliseconds) = binding.codec.message.timing else {
                throw .unusableMessage(message: binding.name, reason: "the firmware sends it cyclically and needs its GenMsgCycleTime")
            }
            let protected = binding.codec.message.signals.contains { $0.e2eRole != nil }
            let sender = protected ? E2ESender(profile: try binding.profile()) : nil
            var pages: [Int64] = [0]
            if let multiplexer = binding.codec.message.topLevelMultiplexerIndices.first {
                pages = binding.codec.message.multiplexerValues(of: multiplexer).flatMap { Array($0.lowerBound...min($0.upperBound, $0.lowerBound + 255)) }
                if message == .balancing { pages = masks.map(\.page) }
            }
            let period = Int64(milliseconds) * 1_000_000 / Int64(max(pages.count, 1))
            slots.append(
                TransmitSlot(
                    message: message, encoder: binding.codec.encoder(), sender: sender, pages: pages, pagePeriodNanoseconds: max(period, 1)))
        }
        self.slots = slots
    }
}

/// The 16 alarm quantities of `BMS_Alarms`, in signal order, and the diagnosis rows behind each.
enum AlarmQuantity: Int, CaseIterable, Sendable {
    case cellOvervoltage, cellUndervoltage, cellOvertemperature, cellUndertemperature
    case overcurrentCharge, overcurrentDischarge, packOvervoltage, packUndervoltage
    case insulation, plausibility, sensorFault, communicationTimeout, endToEnd, gas, pressure, smoke

    var signalName: String {
        switch self {
        case .cellOvervoltage: "Alarm_CellOvervoltage"
        case .cellUndervoltage: "Alarm_CellUndervoltage"
        case .cellOvertemperature: "Alarm_CellOvertemperature"
        case .cellUndertemperature: "Alarm_CellUndertemperature"
        case .overcurrentCharge: "Alarm_OvercurrentCharge"
        case .overcurrentDischarge: "Alarm_OvercurrentDischarge"
        case .packOvervoltage: "Alarm_PackOvervoltage"
        case .packUndervoltage: "Alarm_PackUndervoltage"
        case .insulation: "Alarm_Insulation"
        case .plausibility: "Alarm_Plausibility"
        case .sensorFault: "Alarm_SensorFault"
        case .communicationTimeout: "Alarm_CommunicationTimeout"
        case .endToEnd: "Alarm_E2E"
        case .gas: "Alarm_Gas"
        case .pressure: "Alarm_Pressure"
        case .smoke: "Alarm_Smoke"
        }
    }

    /// The quantity a diagnosis row reports under (nil: reported elsewhere, e.g. thermal-runaway and
    /// dendrite rows, which have their own signals).
    init?(_ id: DiagnosisID) {
        switch id {
        case .cellOvervoltageMOL, .cellOvervoltageRSL, .cellOvervoltageMSL: self = .cellOvervoltage
        case .cellUndervoltageMOL, .cellUndervoltageRSL, .cellUndervoltageMSL: self = .cellUndervoltage
        case .overtemperatureChargeMOL, .overtemperatureChargeRSL, .overtemperatureChargeMSL, .overtemperatureDischargeMOL,
            .overtemperatureDischargeRSL, .overtemperatureDischargeMSL:
            self = .cellOvertemperature
        case .undertemperatureChargeMOL, .undertemperatureChargeRSL, .undertemperatureChargeMSL, .undertemperatureDischargeMOL,
            .undertemperatureDischargeRSL, .undertemperatureDischargeMSL:
            self = .cellUndertemperature
        case .overcurrentChargeMOL, .overcurrentChargeRSL, .overcurrentChargeMSL: self = .overcurrentCharge
        case .overcurrentDischargeMOL, .overcurrentDischargeRSL, .overcurrentDischargeMSL: self = .overcurrentDischarge
        case .packOvervoltageMOL, .packOvervoltageRSL, .packOvervoltageMSL: self = .packOvervoltage
        case .packUndervoltageMOL, .packUndervoltageRSL, .packUndervoltageMSL: self = .packUndervoltage
        case .insulationWarning, .insulationError: self = .insulation
        case .packVoltagePlausibility, .redundantTemperaturePlausibility, .cellVoltageSpread, .cellTemperatureSpread, .contactorFeedback,
            .prechargeFailure, .chargerFault, .invalidInput:
            self = .plausibility
        case .cellVoltageMeasurementFault, .temperatureSensorFault, .currentSensorFault, .gasSensorFault, .pressureSensorFault,
            .smokeSensorFault:
            self = .sensorFault
        case .cellVoltageTimeout, .cellTemperatureTimeout, .currentTimeout, .packVoltageTimeout, .stateRequestTimeout, .gasTimeout,
            .pressureTimeout, .insulationTimeout:
            self = .communicationTimeout
        case .stateRequestE2E, .measurementE2E: self = .endToEnd
        case .thermalRunawayWarning, .thermalRunawayAlarm, .dendriteRisk, .softShortSuspected: return nil
        }
    }
}
