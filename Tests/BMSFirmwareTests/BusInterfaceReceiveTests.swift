@testable import BMSFirmware
import CANCore
import CANDatabase
import Foundation
import SeededRandom
import Testing

/// The receive side of the bus interface against frames built by independent test peers from bms.dbc.
@Suite("Bus interface: receive")
struct BusInterfaceReceiveTests {
    static func interface() throws -> BMSBusInterface {
        try BMSBusInterface(database: BusFixtures.database, topology: Fixtures.shipped.topology)
    }

    static func events(_ bus: inout BMSBusInterface, _ frame: CANFrame, at now: Int64 = 0) -> [BMSEvent] {
        var events: [BMSEvent] = []
        bus.receive(frame, atNanoseconds: now, into: &events)
        return events
    }

    @Test func buildsFromTheShippedDatabase() throws {
        let bus = try Self.interface()
        #expect(bus.statistics == BMSBusInterface.Statistics())
    }

    /// A database without a message or signal the firmware needs is refused with its name.
    @Test func missingMessagesAndSignalsAreNamed() throws {
        func build(_ text: String) -> BMSBusInterfaceError? {
            do {
                _ = try BMSBusInterface(database: try CANDatabase.parse(text: text), topology: Fixtures.shipped.topology)
                return nil
            } catch let error as BMSBusInterfaceError {
                return error
            } catch {
                return nil
            }
        }
        let text = BusFixtures.databaseText
        let withoutSignal = text.replacingOccurrences(of: "SG_ StateRequest_ResetFaults ", with: "SG_ StateRequest_ResetFaultz ")
        #expect(build(withoutSignal) == .missingSignal(message: "VCU_StateRequest", signal: "StateRequest_ResetFaults"))
        let withoutMessage = text.replacingOccurrences(of: "BO_ 1319 IVT_Msg_Result_As:", with: "BO_ 1319 IVT_Msg_Result_Ax:")
        #expect(build(withoutMessage) == .missingMessage("IVT_Msg_Result_As"))
        let withoutCell = text.replacingOccurrences(of: "SG_ CellVoltage050 m0", with: "SG_ CellVoltageX50 m0")
        #expect(build(withoutCell) == .missingCellVoltage(cell: 49))
        #expect(build(withoutCell)?.description.contains("CellVoltage050") == true)
    }

    @Test func cellVoltagePagesBecomeBlockVoltages() throws {
        var bus = try Self.interface()
        var cmu3 = try PeerSender("CMU3_CellVoltages")
        let frame = try cmu3.frame(raw: ["CMU3_VoltagePage": 2, "CellVoltage031": 3_701, "CellVoltage032": 3_702, "CellVoltage033": 3_703])
        #expect(Self.events(&bus, frame) == [.cellVoltagesMeasured(firstCell: 30, millivolts: [3_701, 3_702, 3_703])])
        #expect(bus.statistics.consumed == 1)
    }

    /// OpenWire is a node-reported fault and its code (outside 1.0-5.0 V) is never a cell state;
    /// the fault clears with the next good reading.
    @Test func openWireCodeIsASensorFault() throws {
        var bus = try Self.interface()
        var cmu1 = try PeerSender("CMU1_CellVoltages")
        let broken = try cmu1.frame(raw: ["CMU1_VoltagePage": 0, "CellVoltage001": 3_700, "CellVoltage002": 65_534, "CellVoltage003": 3_700])
        #expect(
            Self.events(&bus, broken) == [
                .sensorFaultReported(.cellVoltageOpenWire(cell: 1)), .cellVoltagesMeasured(firstCell: 0, millivolts: [3_700, 65_534, 3_700]),
            ])
        let good = try cmu1.frame(raw: ["CMU1_VoltagePage": 0, "CellVoltage001": 3_700, "CellVoltage002": 3_701, "CellVoltage003": 3_700])
        #expect(
            Self.events(&bus, good) == [
                .sensorFaultCleared(.cellVoltageOpenWire(cell: 1)), .cellVoltagesMeasured(firstCell: 0, millivolts: [3_700, 3_701, 3_700]),
            ])
    }

    /// 4094/4095 flag a broken thermistor: reported, and never passed on (it would read ~309 °C).
    @Test func openThermistorIsAFaultNotAHotCell() throws {
        var bus = try Self.interface()
        var cmu2 = try PeerSender("CMU2_CellTemperatures")
        // Raw = (°C + 100) × 10.
        let frame = try cmu2.frame(raw: [
            "CMU2_TemperaturePage": 1, "CellTemperature017": 1_250, "CellTemperature018": 4_095, "CellTemperature019": 1_251,
            "CellTemperature020": 1_252,
        ])
        #expect(
            Self.events(&bus, frame) == [
                .cellTemperaturesMeasured(firstSensor: 16, deciCelsius: [250], channel: .primary),
                .sensorFaultReported(.temperatureSensor(sensor: 17)),
                .cellTemperaturesMeasured(firstSensor: 18, deciCelsius: [251, 252], channel: .primary),
            ])
    }

    /// bms.dbc counts charging positive (IVT and pack status); the controller counts discharge positive.
    @Test func currentAndChargeCounterSignsAreNegatedAtTheBoundary() throws {
        var bus = try Self.interface()
        var current = try PeerSender("IVT_Msg_Result_I")
        #expect(Self.events(&bus, try current.frame(raw: ["IVT_Result_I": 12_345])) == [.packCurrentMeasured(milliamperes: -12_345)])
        // The README's example frame: 521#0003FFFFCFC7 is I = -12.345 A (discharge), counter 3.
        let example = try CANFrame(candumpText: "521#0003FFFFCFC7")
        var fresh = try Self.interface()
        #expect(Self.events(&fresh, example) == [.packCurrentMeasured(milliamperes: 12_345)])
        var counter = try PeerSender("IVT_Msg_Result_As")
        #expect(Self.events(&bus, try counter.frame(raw: ["IVT_ID_Result_As": 6, "IVT_Result_As": -7_200])) == [.chargeCounterMeasured(ampereSeconds: 7_200)])
        var voltage = try PeerSender("IVT_Msg_Result_U1")
        #expect(Self.events(&bus, try voltage.frame(raw: ["IVT_ID_Result_U1": 1, "IVT_Result_U1": 364_800])) == [.packVoltageMeasured(millivolts: 364_800)])
        // A sensor error bit is a current-sensor fault (the value is kept out of every estimate by it).
        let error = try current.frame(raw: ["IVT_Result_I": 100, "IVT_Result_I_Measurement_Error": 1])
        #expect(Self.events(&bus, error) == [.sensorFaultReported(.currentSensor), .packCurrentMeasured(milliamperes: -100)])
        // A result frame with the wrong result id is not a current.
        let wrongIdentifier = try current.frame(raw: ["IVT_ID_Result_I": 3, "IVT_Result_I": 5])
        #expect(Self.events(&bus, wrongIdentifier).isEmpty)
        #expect(bus.statistics.malformed == 1)
    }

    /// Corrupt or repeated frames become end-to-end failures and carry no data; a skipped counter is
    /// data (frames were lost before it) and is counted.
    @Test func endToEndFailuresCarryNoData() throws {
        var bus = try Self.interface()
        var cmu1 = try PeerSender("CMU1_CellVoltages")
        let first = try cmu1.frame(raw: ["CMU1_VoltagePage": 0, "CellVoltage001": 3_700, "CellVoltage002": 3_700, "CellVoltage003": 3_700])
        #expect(Self.events(&bus, first).count == 1)
        // Repeated: the same frame again (stuck sender).
        #expect(Self.events(&bus, first) == [.e2eFailure(message: .cellVoltages)])
        // Corrupt: one payload bit flipped, CRC not updated.
        var next = try cmu1.frame(raw: ["CMU1_VoltagePage": 1, "CellVoltage004": 3_700, "CellVoltage005": 3_700, "CellVoltage006": 3_700])
        var bytes = Array(next.data)
        bytes[2] ^= 0x10
        let corrupt = try CANFrame(id: next.id, data: bytes)
        #expect(Self.events(&bus, corrupt) == [.e2eFailure(message: .cellVoltages)])
        // Skipped: two frames lost, the third is used.
        _ = try cmu1.frame(raw: ["CMU1_VoltagePage": 2])
        next = try cmu1.frame(raw: ["CMU1_VoltagePage": 3, "CellVoltage010": 3_710, "CellVoltage011": 3_711, "CellVoltage012": 3_712])
        // Its good frame forgives one of the sender's two failures; a good frame of another sender forgives nothing.
        #expect(Self.events(&bus, next) == [.cellVoltagesMeasured(firstCell: 9, millivolts: [3_710, 3_711, 3_712]), .e2eRecovered(message: .cellVoltages)])
        var gas = try PeerSender("GAS_Concentrations")
        #expect(Self.events(&bus, try gas.frame(raw: ["Gas_H2": 12])) == [.gasMeasured(sensor: 0, hydrogenPartsPerMillion: 12)])
        #expect(Self.events(&bus, try cmu1.frame(raw: ["CMU1_VoltagePage": 0, "CellVoltage001": 3_700, "CellVoltage002": 3_700, "CellVoltage003": 3_700])).last == .e2eRecovered(message: .cellVoltages))
        #expect(Self.events(&bus, try cmu1.frame(raw: ["CMU1_VoltagePage": 1, "CellVoltage004": 3_700, "CellVoltage005": 3_700, "CellVoltage006": 3_700])).allSatisfy { if case .e2eRecovered = $0 { false } else { true } })
        #expect(bus.statistics.e2eFailures == 2)
        #expect(bus.statistics.lostFrames >= 1)
        // The state request's failure names the request link.
        var request = try PeerSender("VCU_StateRequest")
        let good = try request.frame(raw: ["StateRequest_Mode": 1])
        #expect(Self.events(&bus, good) == [.automaticHealingAllowed(false), .stateRequested(.normal)])
        #expect(Self.events(&bus, good) == [.e2eFailure(message: .stateRequest)])
    }

    @Test func stateRequestModesResetEdgeAndChargerPlug() throws {
        var bus = try Self.interface()
        var request = try PeerSender("VCU_StateRequest")
        // The vehicle's healing permission comes with the first valid request and again whenever it changes.
        #expect(Self.events(&bus, try request.frame(raw: ["StateRequest_Mode": 0, "StateRequest_HealingAllowed": 1])) == [.automaticHealingAllowed(true), .stateRequested(.standby)])
        #expect(Self.events(&bus, try request.frame(raw: ["StateRequest_Mode": 0, "StateRequest_HealingAllowed": 1])) == [.stateRequested(.standby)])
        #expect(Self.events(&bus, try request.frame(raw: ["StateRequest_Mode": 0])) == [.automaticHealingAllowed(false), .stateRequested(.standby)])
        let modes: [(Int64, ModeRequest)] = [(0, .standby), (1, .normal), (2, .charge), (3, .balance), (4, .heal)]
        for (raw, mode) in modes {
            // A heal request also names its protocol (0 Automatic → nil), before the mode.
            let expected: [BMSEvent] = mode == .heal ? [.healingProtocolRequested(nil), .stateRequested(mode)] : [.stateRequested(mode)]
            #expect(Self.events(&bus, try request.frame(raw: ["StateRequest_Mode": raw])) == expected)
        }
        let named: [(Int64, HealingProtocol?)] = [(1, .pulseCharging), (2, .selfHeatingDose), (3, .asymmetricBidirectional), (4, .restInterleaved), (0, nil)]
        for (raw, healing) in named {
            #expect(
                Self.events(&bus, try request.frame(raw: ["StateRequest_Mode": 4, "StateRequest_HealingProtocol": raw]))
                    == [.healingProtocolRequested(healing), .stateRequested(.heal)])
        }
        #expect(Self.events(&bus, try request.frame(raw: ["StateRequest_Mode": 5])).isEmpty, "mode 5 is outside the protocol")
        // The reset acts on its rising edge only.
        #expect(Self.events(&bus, try request.frame(raw: ["StateRequest_ResetFaults": 1])) == [.stateRequested(.standby), .faultResetRequested])
        #expect(Self.events(&bus, try request.frame(raw: ["StateRequest_ResetFaults": 1])) == [.stateRequested(.standby)])
        #expect(Self.events(&bus, try request.frame(raw: ["StateRequest_ResetFaults": 0])) == [.stateRequested(.standby)])
        // Charger: connected needs the VCU's plug bit and a live charger status.
        let plugged = Self.events(&bus, try request.frame(raw: ["StateRequest_ChargerConnected": 1]))
        #expect(plugged == [.stateRequested(.standby), .chargerStatus(ChargerStatus(connected: false, bidirectional: true, faulted: false))])
        var charger = try PeerSender("CHG_ChargerStatus")
        #expect(Self.events(&bus, try charger.frame(raw: [:]), at: 0) == [.chargerStatus(ChargerStatus(connected: true, bidirectional: true, faulted: false))])
        #expect(Self.events(&bus, try charger.frame(raw: ["ChargerStatus_Mode": 5]), at: 100_000_000) == [.chargerStatus(ChargerStatus(connected: true, bidirectional: true, faulted: true))])
        // Silent for longer than its timeout, and not since the last poll: gone.
        var events: [BMSEvent] = []
        bus.poll(atNanoseconds: 150_000_000, into: &events)
        #expect(events.isEmpty)
        bus.poll(atNanoseconds: 500_000_000, into: &events)
        #expect(events == [.chargerStatus(ChargerStatus(connected: false, bidirectional: true, faulted: true))])
    }

    @Test func contactorFeedbackKeepsTheLastPositionThroughTransitions() throws {
        var bus = try Self.interface()
        var feedback = try PeerSender("CONT_ContactorFeedback")
        let closing = try feedback.frame(raw: ["Feedback_MainMinusState": 1, "Feedback_PrechargeState": 2, "Feedback_MainPlusState": 3])
        #expect(Self.events(&bus, closing) == [.contactorFeedback(.mainMinus, closed: true)])
        let open = try feedback.frame(raw: [:])
        #expect(Self.events(&bus, open) == Contactor.allCases.map { .contactorFeedback($0, closed: false) })
    }

    @Test func enclosureSensorsAndInsulation() throws {
        var bus = try Self.interface()
        var gas = try PeerSender("GAS_Concentrations")
        #expect(Self.events(&bus, try gas.frame(raw: ["Gas_H2": 12])) == [.gasMeasured(sensor: 0, hydrogenPartsPerMillion: 12)])
        #expect(Self.events(&bus, try gas.frame(raw: ["Gas_H2": 12, "Gas_SensorStatus": 1])) == [.sensorStartingUp(.gas(0))], "warming up: alive, no reading")
        #expect(Self.events(&bus, try gas.frame(raw: ["Gas_H2": 65_535])) == [.sensorFaultReported(.gasSensor(0))])
        #expect(Self.events(&bus, try gas.frame(raw: ["Gas_H2": 14])) == [.sensorFaultCleared(.gasSensor(0)), .gasMeasured(sensor: 0, hydrogenPartsPerMillion: 14)])
        // Saturated (OutOfRange at the range end): a lot of hydrogen, a reading, not a broken sensor.
        #expect(Self.events(&bus, try gas.frame(raw: ["Gas_H2": 10_000, "Gas_SensorStatus": 3])) == [.gasMeasured(sensor: 0, hydrogenPartsPerMillion: 10_000)])
        #expect(Self.events(&bus, try gas.frame(raw: ["Gas_H2": 10_000, "Gas_SensorStatus": 2])) == [.sensorFaultReported(.gasSensor(0))])
        var pressure = try PeerSender("PRESS_PackPressure")
        #expect(Self.events(&bus, try pressure.frame(raw: ["Press_EnclosureDelta": 1_500])) == [.pressureMeasured(sensor: 0, pascals: 102_825)])
        #expect(Self.events(&bus, try pressure.frame(raw: ["Press_SensorStatus": 2])) == [.sensorFaultReported(.pressureSensor(0))])
        #expect(Self.events(&bus, try pressure.frame(raw: ["Press_SensorStatus": 0])).count == 2)
        #expect(Self.events(&bus, try pressure.frame(raw: ["Press_SensorStatus": 3])) == [.sensorFaultReported(.pressureSensor(0))], "a channel out of range holds a stale value")
        var smoke = try PeerSender("SMOKE_Status")
        #expect(Self.events(&bus, try smoke.frame(raw: ["Smoke_Detected": 1])) == [.smokeMeasured(sensor: 0, detected: true)])
        #expect(Self.events(&bus, try smoke.frame(raw: ["Smoke_Detected": 1, "Smoke_SensorFault": 1])) == [.sensorFaultReported(.smokeSensor(0))])
        var imd = try PeerSender("IMD_Insulation")
        #expect(Self.events(&bus, try imd.frame(raw: ["Imd_InsulationResistance": 4_000, "Imd_MeasurementValid": 1])) == [.insulationMeasured(kiloohms: 4_000)])
        #expect(Self.events(&bus, try imd.frame(raw: ["Imd_InsulationResistance": 4_000, "Imd_MeasurementValid": 0])) == [.sensorStartingUp(.insulation)])
        #expect(Self.events(&bus, try imd.frame(raw: ["Imd_InsulationResistance": 4_000, "Imd_MeasurementValid": 1, "Imd_SelfTestActive": 1])) == [.sensorStartingUp(.insulation)])
        #expect(Self.events(&bus, try imd.frame(raw: ["Imd_Status": 3])).isEmpty, "a device fault is no reading and no sign of a working monitor")
    }

    @Test func unknownOwnAndMalformedFramesAreCountedAndIgnored() throws {
        var bus = try Self.interface()
        #expect(Self.events(&bus, try CANFrame(id: try CANID(standard: 0x7AB), data: [1, 2])).isEmpty)
        #expect(Self.events(&bus, try CANFrame(id: try CANID(standard: 0x300), data: [0, 0, 0, 0, 0, 0, 0, 0])).isEmpty)  // BMS_State (own)
        #expect(Self.events(&bus, try CANFrame(id: try CANID(standard: 0x201), data: [0, 1, 2])).isEmpty)  // CMU1 voltages, 3 bytes
        #expect(Self.events(&bus, try CANFrame(remoteRequest: try CANID(standard: 0x0A0), length: 4)).isEmpty)
        #expect(bus.statistics.unknownIdentifiers == 1)
        #expect(bus.statistics.ignored == 1)
        #expect(bus.statistics.malformed == 2)
        #expect(bus.statistics.consumed == 0)
    }

    /// Random payloads on every consumed identifier (and random identifiers): never a trap, and a frame
    /// that fails its CRC never yields a value.
    @Test(arguments: 0..<4)
    func randomFramesNeverTrapAndNeverLeakCorruptData(seed: Int) throws {
        var random = Xoshiro256(seed: 0xB05, stream: UInt64(seed))
        var bus = try Self.interface()
        let ids = BusFixtures.database.messages.map(\.id.value) + [0x7FF, 0x000, 0x123]
        let crcProtected = Set(BusFixtures.database.messages.filter { $0.signals.contains { $0.e2eRole == .checksum } }.map(\.id.value))
        for _ in 0..<20_000 {
            let id = ids[Int(random.next() % UInt64(ids.count))]
            let length = random.next() % 5 == 0 ? Int(random.next() % 9) : (BusFixtures.database.message(id: try CANID(standard: id))?.length ?? 8)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let frame = try CANFrame(id: try CANID(standard: id), data: bytes)
            let before = bus.statistics
            let events = Self.events(&bus, frame)
            if crcProtected.contains(id), bus.statistics.e2eFailures > before.e2eFailures {
                #expect(events.count == 1)
            }
            for event in events {
                if case .e2eFailure = event { continue }
                // Values only from frames that passed: counted as consumed.
                #expect(bus.statistics.consumed == before.consumed + 1)
            }
        }
        let statistics = bus.statistics
        #expect(statistics.received == 20_000)
        #expect(statistics.consumed + statistics.ignored + statistics.unknownIdentifiers + statistics.malformed + statistics.e2eFailures == statistics.received)
    }
}
