@testable import BMSFirmware
import CANCore
import CANDatabase
import Testing

/// The transmit side: cycle times, page rotation, E2E, and the mapping of commands and reports onto
/// bms.dbc fields, read back by an independent decoder.
@Suite("Bus interface: transmit")
struct BusInterfaceTransmitTests {
    static func setup() throws -> (BMSBusInterface, BMSController) {
        (try BusInterfaceReceiveTests.interface(), try BMSController(configuration: Fixtures.shipped))
    }

    static let reader = PeerReader()

    static func frames(_ bus: inout BMSBusInterface, _ controller: BMSController, at now: Int64) -> [CANFrame] {
        var frames: [CANFrame] = []
        bus.transmit(atNanoseconds: now, controller: controller, into: &frames)
        return frames
    }

    static func named(_ frames: [CANFrame], _ name: String) -> [CANFrame] { frames.filter { reader.name($0) == name } }

    /// Every BMS message at its GenMsgCycleTime (multiplexed: every page once per cycle), every
    /// protected one with a counter that advances by one per frame and a matching CRC.
    @Test func cycleTimesPageRotationAndEndToEnd() throws {
        var (bus, controller) = try Self.setup()
        controller.handle(.tick(nowMilliseconds: 0))
        var all: [CANFrame] = []
        for millisecond in 0..<3_000 {
            let frames = Self.frames(&bus, controller, at: Int64(millisecond) * 1_000_000)
            if millisecond >= 1_000 { all += frames }
        }
        let expectedPerSecond: [String: Int] = [
            "BMS_ContactorCommand": 20, "BMS_Alarms": 10, "BMS_ChargerCommand": 10, "BMS_ChargerProfile": 10, "BMS_BalancingCommand": 8,
            "BMS_State": 10, "BMS_PackStatus": 10, "BMS_CellVoltageStats": 10, "BMS_CellTemperatureStats": 10, "BMS_Limits": 10,
            "BMS_SOC": 1, "BMS_SOHCapacity": 1, "BMS_SOHResistance": 1, "BMS_DendriteHealth": 1, "BMS_HealingStatus": 2,
        ]
        for (name, rate) in expectedPerSecond {
            let count = Self.named(all, name).count
            #expect(abs(count - 2 * rate) <= 1, "\(name): \(count) frames in 2 s, expected \(2 * rate)")
        }
        let pages = Self.named(all, "BMS_ChargerProfile").compactMap { Self.reader.raw($0)["ChargerProfile_Page"] }
        #expect(Array(pages.prefix(6)) == [pages[0], (pages[0] + 1) % 3, (pages[0] + 2) % 3, pages[0], (pages[0] + 1) % 3, (pages[0] + 2) % 3])
        let boards = Set(Self.named(all, "BMS_BalancingCommand").compactMap { Self.reader.raw($0)["Balancing_Board"] })
        #expect(boards == Set(0...7))
        for message in BusFixtures.database.messages where message.senders == ["BMS"] && message.signals.contains(where: { $0.e2eRole == .counter }) {
            var receiver = E2EReceiver(profile: try E2EProfile(codec: try BusFixtures.database.codec(forMessageNamed: message.name)))
            for (index, frame) in Self.named(all, message.name).enumerated() {
                let check = receiver.check(frame)
                #expect(index == 0 ? check == .initial : check == .ok, "\(message.name) frame \(index): \(check)")
            }
        }
        #expect(bus.statistics.encodeFailures == 0)
    }

    /// A step much longer than the cycle sends each message once and each page once: no backlog.
    @Test func coarseStepSendsOneFullCycle() throws {
        var (bus, controller) = try Self.setup()
        _ = Self.frames(&bus, controller, at: 0)
        let frames = Self.frames(&bus, controller, at: 30_000_000_000)
        #expect(Self.named(frames, "BMS_ContactorCommand").count == 1)
        #expect(Self.named(frames, "BMS_State").count == 1)
        #expect(Set(Self.named(frames, "BMS_ChargerProfile").compactMap { Self.reader.raw($0)["ChargerProfile_Page"] }) == [0, 1, 2])
        #expect(Self.named(frames, "BMS_BalancingCommand").count == 8)
        #expect(frames.count == 13 + 3 + 8)
    }

    /// The controller's per-contactor verbs become one frame holding all three requests, sent at once
    /// on a change and then every 50 ms; emergency open while faulted.
    @Test func contactorVerbsBecomeOneFrame() throws {
        var (bus, controller) = try Self.setup()
        _ = Self.frames(&bus, controller, at: 0)
        bus.apply(.closeContactor(.mainMinus), atNanoseconds: 7_000_000)
        var frames = Self.frames(&bus, controller, at: 7_000_000)
        var command = try #require(Self.named(frames, "BMS_ContactorCommand").first.map { Self.reader.raw($0) })
        #expect(command["ContactorCmd_MainMinus"] == 1 && command["ContactorCmd_MainPlus"] == 0 && command["ContactorCmd_Precharge"] == 0)
        bus.apply(.closeContactor(.precharge), atNanoseconds: 9_000_000)
        bus.apply(.closeContactor(.mainPlus), atNanoseconds: 9_000_000)
        frames = Self.frames(&bus, controller, at: 9_000_000)
        command = try #require(Self.named(frames, "BMS_ContactorCommand").first.map { Self.reader.raw($0) })
        #expect(command["ContactorCmd_MainMinus"] == 1 && command["ContactorCmd_MainPlus"] == 1 && command["ContactorCmd_Precharge"] == 1)
        #expect(command["ContactorCmd_EmergencyOpen"] == 0)
        // Repeated every 50 ms without a new verb.
        #expect(Self.named(Self.frames(&bus, controller, at: 40_000_000), "BMS_ContactorCommand").isEmpty)
        #expect(Self.named(Self.frames(&bus, controller, at: 59_000_000), "BMS_ContactorCommand").count == 1)
        bus.apply(.openAllContactors, atNanoseconds: 60_000_000)
        frames = Self.frames(&bus, controller, at: 60_000_000)
        command = try #require(Self.named(frames, "BMS_ContactorCommand").first.map { Self.reader.raw($0) })
        #expect(command["ContactorCmd_MainMinus"] == 0 && command["ContactorCmd_MainPlus"] == 0 && command["ContactorCmd_Precharge"] == 0)
        // A controller in fault sends emergency open.
        var rig = try Rig(configuration: Fixtures.shipped)
        rig.boot()
        rig.cellMillivolts[3] = 4_400
        rig.run(until: { if case .fault = $0.state { return true } else { return false } })
        frames = Self.frames(&bus, rig.controller, at: 200_000_000)
        command = try #require(Self.named(frames, "BMS_ContactorCommand").first.map { Self.reader.raw($0) })
        #expect(command["ContactorCmd_EmergencyOpen"] == 1)
    }

    /// Charger commands in the database's units (0.1 A, 0.01 V), every profile's fields, a new parameter
    /// set id whenever the waveform changes.
    @Test func chargerCommandsAndProfiles() throws {
        var (bus, controller) = try Self.setup()
        _ = Self.frames(&bus, controller, at: 0)
        struct Case {
            var profile: ChargeProfile
            var expected: [String: Double]
        }
        let cases: [Case] = [
            Case(profile: .constantCurrentConstantVoltage, expected: ["HealingProfile": 0]),
            Case(profile: .pulsed(onMilliseconds: 1, offMilliseconds: 3), expected: ["HealingProfile": 1, "ChargerProfile_PulseCurrent": 28.6, "ChargerProfile_OnTime": 1, "ChargerProfile_OffTime": 3, "ChargerProfile_ReverseCurrent": 0]),
            Case(
                profile: .asymmetricBidirectional(forwardMilliseconds: 1_000, reverseMilliseconds: 200, reverseMilliamperes: 4_000),
                expected: ["HealingProfile": 3, "ChargerProfile_PulseCurrent": 28.6, "ChargerProfile_ReverseCurrent": 4, "ChargerProfile_OnTime": 1_000, "ChargerProfile_ReverseTime": 200, "ChargerProfile_OffTime": 0]),
            Case(
                profile: .selfHeatingDose(pulseMilliseconds: 1_000, restMilliseconds: 1_000, cycles: 60),
                expected: ["HealingProfile": 3, "ChargerProfile_PulseCurrent": 28.6, "ChargerProfile_ReverseCurrent": 28.6, "ChargerProfile_OnTime": 1_000, "ChargerProfile_ReverseTime": 1_000, "ChargerProfile_OffTime": 2_000, "ChargerProfile_PulseCount": 60]),
            Case(
                profile: .restInterleaved(chargeMilliseconds: 60_000, restMilliseconds: 10_000),
                expected: ["HealingProfile": 4, "ChargerProfile_PulseCurrent": 28.6, "ChargerProfile_OnTime": 60_000, "ChargerProfile_OffTime": 10_000]),
        ]
        var now: Int64 = 1_000_000_000
        var expectedSet: Int64 = 0
        for item in cases {
            bus.apply(.commandCharger(ChargerCommand(currentMilliamperes: 28_571, voltageLimitMillivolts: 403_200, profile: item.profile)), atNanoseconds: now)
            var frames = Self.frames(&bus, controller, at: now)
            for offset in 1...300 { frames += Self.frames(&bus, controller, at: now + Int64(offset) * 1_000_000) }
            let command = try #require(Self.named(frames, "BMS_ChargerCommand").first.map { Self.reader.physical($0) })
            #expect(abs((command["ChargerCmd_CurrentSetpoint"] ?? 0) - 28.6) < 1e-9, "0.1 A steps: 28.571 A → 28.6 A")
            #expect(abs((command["ChargerCmd_VoltageLimit"] ?? 0) - 403.2) < 1e-9)
            #expect(command["ChargerCmd_Enable"] == 1)
            #expect(command["ChargerCmd_HealingProfile"] == item.expected["HealingProfile"])
            // CC-CV keeps the initial (empty) set 0; each new waveform takes the next set id.
            let set = Int64(command["ChargerCmd_ProfileSet"] ?? -1)
            #expect(set == expectedSet)
            expectedSet += 1
            var fields: [String: Double] = [:]
            for frame in Self.named(frames, "BMS_ChargerProfile") where Self.reader.raw(frame)["ChargerProfile_Set"] == set {
                fields.merge(Self.reader.physical(frame)) { $1 }
            }
            for (name, value) in item.expected where name != "HealingProfile" {
                #expect(abs((fields[name] ?? .nan) - value) < 1e-9, "\(item.profile): \(name) = \(fields[name] ?? .nan), expected \(value)")
            }
            now += 1_000_000_000
        }
        bus.apply(.chargerOff, atNanoseconds: now)
        let off = try #require(Self.named(Self.frames(&bus, controller, at: now), "BMS_ChargerCommand").first.map { Self.reader.raw($0) })
        #expect(off["ChargerCmd_Enable"] == 0 && off["ChargerCmd_CurrentSetpoint"] == 0 && off["ChargerCmd_HealingProfile"] == 0)
    }

    /// Diagnosis rows map onto the alarm quantities by severity (info = MOL = Warning, warning = RSL =
    /// Alarm, fatal = MSL = Fault); the thermal-runaway stage and its causes come from the detector.
    @Test func alarmLevelsAndThermalRunaway() throws {
        var (bus, controller) = try Self.setup()
        _ = Self.frames(&bus, controller, at: 0)
        func transition(_ id: DiagnosisID, _ active: Bool = true) -> BMSCommand {
            .recordDiagnosis(DiagnosisTransition(id: id, severity: Fixtures.shipped.diagnosis[id].severity, active: active, location: nil, atMilliseconds: 0))
        }
        for id in [DiagnosisID.cellOvervoltageMOL, .cellOvervoltageRSL, .overtemperatureChargeMOL, .currentTimeout, .measurementE2E] {
            bus.apply(transition(id), atNanoseconds: 1_000_000)
        }
        bus.apply(
            .broadcastAlarm(ThermalRunawayAlarm(level: .warning, cells: [41], signals: [.gas, .pressure], propagation: [], atMilliseconds: 1)),
            atNanoseconds: 1_000_000)
        var alarms = try #require(Self.named(Self.frames(&bus, controller, at: 1_000_000), "BMS_Alarms").first.map { Self.reader.raw($0) })
        #expect(alarms["Alarm_CellOvervoltage"] == 2)
        #expect(alarms["Alarm_CellOvertemperature"] == 1)
        #expect(alarms["Alarm_CommunicationTimeout"] == 3)
        #expect(alarms["Alarm_E2E"] == 2)
        #expect(alarms["Alarm_Gas"] == 1 && alarms["Alarm_Pressure"] == 1 && alarms["Alarm_Smoke"] == 0)
        #expect(alarms["Alarms_HighestLevel"] == 3)
        #expect(alarms["ThermalRunaway_Level"] == 1 && alarms["ThermalRunaway_CauseH2"] == 1 && alarms["ThermalRunaway_CausePressure"] == 1)
        #expect(alarms["ThermalRunaway_CellIndex"] == 42)
        bus.apply(transition(.currentTimeout, false), atNanoseconds: 2_000_000)
        bus.apply(transition(.cellOvervoltageRSL, false), atNanoseconds: 2_000_000)
        alarms = try #require(Self.named(Self.frames(&bus, controller, at: 200_000_000), "BMS_Alarms").first.map { Self.reader.raw($0) })
        #expect(alarms["Alarm_CellOvervoltage"] == 1 && alarms["Alarm_CommunicationTimeout"] == 0 && alarms["Alarms_HighestLevel"] == 2)
    }

    @Test func balancingMasksAndPackValues() throws {
        var (bus, controller) = try Self.setup()
        _ = Self.frames(&bus, controller, at: 0)
        bus.apply(.setBalancing(cells: [0, 11, 12, 95]), atNanoseconds: 1_000_000)
        var masks: [Int64: Int64] = [:]
        for millisecond in 1...1_000 {
            for frame in Self.named(Self.frames(&bus, controller, at: Int64(millisecond) * 1_000_000), "BMS_BalancingCommand") {
                let raw = Self.reader.raw(frame)
                let board = raw["Balancing_Board"] ?? -1
                masks[board] = raw["Balancing_MaskCMU\(board + 1)"]
            }
        }
        #expect(masks == [0: 0x801, 1: 0x001, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0x800])
        // Pack current: the controller's +12.345 A discharge is −123.45 in bms.dbc's 10 mA steps.
        let values = PackValuesReport(
            packMillivolts: 364_800, linkMillivolts: 364_700, currentMilliamperes: 12_345, powerWatts: 4_503, packVoltageValid: true,
            linkVoltageValid: true, currentValid: true)
        bus.apply(.report(.packValues(values)), atNanoseconds: 2_000_000_000)
        let pack = try #require(Self.named(Self.frames(&bus, controller, at: 2_000_000_000), "BMS_PackStatus").first.map { Self.reader.physical($0) })
        #expect(abs((pack["Pack_Current"] ?? 0) + 12.345) <= 0.005 + 1e-9)
        #expect(abs((pack["Pack_Voltage"] ?? 0) - 364.8) < 1e-9)
        #expect(pack["Pack_CurrentValid"] == 1)
    }
}
