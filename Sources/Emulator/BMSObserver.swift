public import CANCore
public import CANDatabase

/// Watches a BMS from the outside, through the frames it sends (as a VCU or a test bench would), and
/// turns what it decides into trace events: state changes, contactor commands, alarm levels,
/// thermal-runaway stages, healing runs. Works the same for the emulated firmware, a BMS process on
/// vcan, or a real board on can0, because it only reads `Firmware/bms.dbc` messages.
public struct BMSObserver: Sendable {
    /// Latest estimates the BMS reported.
    public private(set) var stateOfChargePercent: Double?
    public private(set) var stateOfHealthCapacityPercent: Double?
    /// The weakest block's capacity SOH the BMS reports (`SOHCapacity_MinCell`), %.
    public private(set) var stateOfHealthWeakestBlockPercent: Double?
    public private(set) var stateOfHealthResistancePercent: Double?
    public private(set) var stateName: String?
    public private(set) var thermalRunawayLevel = 0
    public private(set) var contactorsClosed = false
    public private(set) var framesSeen = 0

    let stateCodec: MessageCodec
    let stateHandle: SignalHandle
    let contactorCodec: MessageCodec
    let mainPlus, mainMinus, precharge, emergency: SignalHandle
    let alarmCodec: MessageCodec
    let alarmHandles: [(name: String, handle: SignalHandle)]
    let runawayLevel, runawayCell: SignalHandle
    let socCodec: MessageCodec
    let socMean: SignalHandle
    let sohCodec: MessageCodec
    let sohPack, sohMinimum, sohStatus: SignalHandle
    let resistanceCodec: MessageCodec
    let resistancePack, resistanceStatus: SignalHandle
    let healingCodec: MessageCodec
    let healingState, healingProtocol, healingOutcome: SignalHandle
    let dendriteCodec: MessageCodec
    let softShort, softShortCell: SignalHandle
    var alarmLevels: [Int]
    var healingStateName: String?
    var healingOutcomeName: String?
    var softShortLevel = 0
    var commanded: (plus: Bool, minus: Bool, precharge: Bool)?

    public init(database: CANDatabase) throws {
        stateCodec = try database.codec(forMessageNamed: "BMS_State")
        stateHandle = try stateCodec.handle(named: "BmsState_State")
        contactorCodec = try database.codec(forMessageNamed: "BMS_ContactorCommand")
        mainPlus = try contactorCodec.handle(named: "ContactorCmd_MainPlus")
        mainMinus = try contactorCodec.handle(named: "ContactorCmd_MainMinus")
        precharge = try contactorCodec.handle(named: "ContactorCmd_Precharge")
        emergency = try contactorCodec.handle(named: "ContactorCmd_EmergencyOpen")
        let alarms = try database.codec(forMessageNamed: "BMS_Alarms")
        alarmCodec = alarms
        alarmHandles = try alarms.message.signals.filter { $0.name.hasPrefix("Alarm_") }
            .map { (String($0.name.dropFirst("Alarm_".count)), try alarms.handle(named: $0.name)) }
        runawayLevel = try alarms.handle(named: "ThermalRunaway_Level")
        runawayCell = try alarms.handle(named: "ThermalRunaway_CellIndex")
        socCodec = try database.codec(forMessageNamed: "BMS_SOC")
        socMean = try socCodec.handle(named: "SOC_Mean")
        sohCodec = try database.codec(forMessageNamed: "BMS_SOHCapacity")
        sohPack = try sohCodec.handle(named: "SOHCapacity_Pack")
        sohMinimum = try sohCodec.handle(named: "SOHCapacity_MinCell")
        sohStatus = try sohCodec.handle(named: "SOHCapacity_Status")
        resistanceCodec = try database.codec(forMessageNamed: "BMS_SOHResistance")
        resistancePack = try resistanceCodec.handle(named: "SOHResistance_Pack")
        resistanceStatus = try resistanceCodec.handle(named: "SOHResistance_Status")
        healingCodec = try database.codec(forMessageNamed: "BMS_HealingStatus")
        healingState = try healingCodec.handle(named: "Healing_State")
        healingProtocol = try healingCodec.handle(named: "Healing_Protocol")
        healingOutcome = try healingCodec.handle(named: "Healing_Outcome")
        dendriteCodec = try database.codec(forMessageNamed: "BMS_DendriteHealth")
        softShort = try dendriteCodec.handle(named: "Dendrite_SoftShortSuspicion")
        softShortCell = try dendriteCodec.handle(named: "Dendrite_SoftShortCellIndex")
        alarmLevels = Array(repeating: 0, count: alarmHandles.count)
    }

    /// Alarms the BMS reports as active (level 1 warning, 2 alarm, 3 fault), in `BMS_Alarms` signal order.
    public var activeAlarms: [(name: String, level: Int)] {
        zip(alarmHandles, alarmLevels).filter { $0.1 > 0 }.map { ($0.0.name, $0.1) }
    }

    /// Reads one frame seen on the bus at `now`; appends `firmware.*` events for what changed.
    public mutating func observe(_ frame: CANFrame, atNanoseconds now: Int64, events: inout [TraceEvent]) {
        guard !frame.isErrorFrame, !frame.id.isExtended else { return }
        func event(_ kind: String, _ subject: String = "", _ value: Double? = nil) {
            events.append(TraceEvent(timeNanoseconds: now, kind: kind, subject: subject, value: value, source: "firmware"))
        }
        switch frame.id.value {
        case stateCodec.id.value:
            guard let decoded = try? stateCodec.decode(frame), let name = decoded.valueName(stateHandle) else { return }
            framesSeen += 1
            if name != stateName {
                stateName = name
                event("firmware.state", name)
            }
        case contactorCodec.id.value:
            guard let decoded = try? contactorCodec.decode(frame) else { return }
            framesSeen += 1
            let now3 = (plus: decoded.raw(mainPlus) == 1, minus: decoded.raw(mainMinus) == 1, precharge: decoded.raw(precharge) == 1)
            if decoded.raw(emergency) == 1, contactorsClosed || commanded.map({ $0.plus || $0.minus || $0.precharge }) == true {
                event("firmware.emergency_open")
            }
            let closed = now3.plus && now3.minus
            let open = !now3.plus && !now3.minus && !now3.precharge
            if closed, !contactorsClosed {
                contactorsClosed = true
                event("firmware.contactors_closed")
            } else if open, contactorsClosed || commanded.map({ $0.plus || $0.minus || $0.precharge }) == true {
                contactorsClosed = false
                event("firmware.contactors_opened")
            }
            if now3.precharge, commanded?.precharge != true { event("firmware.precharge_started") }
            commanded = now3
        case alarmCodec.id.value:
            guard let decoded = try? alarmCodec.decode(frame) else { return }
            framesSeen += 1
            for (index, alarm) in alarmHandles.enumerated() {
                let level = Int(decoded.raw(alarm.handle) ?? 0)
                if level > alarmLevels[index] { event("firmware.alarm", alarm.name, Double(level)) }
                if level == 0, alarmLevels[index] > 0 { event("firmware.alarm_cleared", alarm.name) }
                alarmLevels[index] = level
            }
            let level = Int(decoded.raw(runawayLevel) ?? 0)
            let cell = decoded.raw(runawayCell).map { "\($0)" } ?? ""
            if level > thermalRunawayLevel {
                for stage in (thermalRunawayLevel + 1)...min(level, 3) {
                    event(["", "firmware.tr_warning", "firmware.tr_alarm", "firmware.tr_confirmed"][stage], cell)
                }
            }
            thermalRunawayLevel = level
        case socCodec.id.value:
            if let decoded = try? socCodec.decode(frame) { stateOfChargePercent = decoded.physical(socMean) }
        case sohCodec.id.value:
            if let decoded = try? sohCodec.decode(frame), decoded.raw(sohStatus) != 0 {
                stateOfHealthCapacityPercent = decoded.physical(sohPack)
                stateOfHealthWeakestBlockPercent = decoded.physical(sohMinimum)
            }
        case resistanceCodec.id.value:
            if let decoded = try? resistanceCodec.decode(frame), decoded.raw(resistanceStatus) != 0 {
                stateOfHealthResistancePercent = decoded.physical(resistancePack)
            }
        case healingCodec.id.value:
            guard let decoded = try? healingCodec.decode(frame) else { return }
            let state = decoded.valueName(healingState)
            if state != healingStateName, let state {
                healingStateName = state
                event("firmware.healing", state.lowercased(), nil)
                if state == "Running", let protocolName = decoded.valueName(healingProtocol) { event("firmware.healing_started", protocolName) }
            }
            let outcome = decoded.valueName(healingOutcome)
            if outcome != healingOutcomeName, let outcome {
                healingOutcomeName = outcome
                if outcome != "Pending" { event("firmware.healing_outcome", outcome.lowercased()) }
            }
        case dendriteCodec.id.value:
            guard let decoded = try? dendriteCodec.decode(frame) else { return }
            let level = Int(decoded.raw(softShort) ?? 0)
            if level > softShortLevel {
                event("firmware.soft_short_suspected", decoded.raw(softShortCell).map { "\($0)" } ?? "", Double(level))
            }
            softShortLevel = level
        default:
            return
        }
    }
}
