@testable import BMSFirmware
import Testing

/// Each fault class is classified as such: a broken sensor is not a cell state, and never a hot cell.
@Suite("Sensor faults, timeouts, plausibility")
struct SensorFaultTests {
    static func standby(_ configure: (inout BMSConfiguration) -> Void = { _ in }) throws -> Rig {
        var configuration = Fixtures.small
        configure(&configuration)
        var rig = try Rig(configuration: configuration)
        rig.boot()
        return rig
    }

    @Test func openSenseWireSignatureIsAMeasurementFaultNotAVoltageExcursion() throws {
        var rig = try Self.standby()
        // The broken wire between blocks 1 and 2 moves block 1's voltage onto block 2.
        rig.cellMillivolts = [3_800, 20, 7_580, 3_800]
        rig.run(ticks: 50)
        let active = rig.controller.activeDiagnoses
        #expect(active.contains(.cellVoltageMeasurementFault))
        #expect(!active.contains(.cellUndervoltageMOL) && !active.contains(.cellOvervoltageMOL))
        #expect(rig.controller.thermalRunawayLevel == .none)
        if case .fault(let record) = rig.controller.state {
            #expect(record.cause == .cellVoltageMeasurementFault)
        } else {
            Issue.record("an unmonitored block must fault, got \(rig.controller.state)")
        }
    }

    @Test func nodeReportedOpenWireExcludesTheBlock() throws {
        var rig = try Self.standby()
        rig.send(.sensorFaultReported(.cellVoltageOpenWire(cell: 3)))
        rig.cellMillivolts[3] = 2_000
        rig.run(ticks: 50)
        #expect(rig.controller.activeDiagnoses.contains(.cellVoltageMeasurementFault))
        #expect(!rig.controller.activeDiagnoses.contains(.cellUndervoltageMSL))
    }

    @Test func implausibleCellVoltageIsAMeasurementFault() throws {
        var rig = try Self.standby()
        rig.cellMillivolts[0] = 6_500
        rig.run(ticks: 50)
        #expect(rig.controller.activeDiagnoses.contains(.cellVoltageMeasurementFault))
        #expect(!rig.controller.activeDiagnoses.contains(.cellOvervoltageMOL))
    }

    @Test func stuckHighThermistorIsASensorFaultNotAHotCell() throws {
        var rig = try TransitionScenarios.normal()
        rig.temperatures[2] = 950  // jumps from 25 °C to 95 °C between two samples
        rig.run(ticks: 1_000)
        let active = rig.controller.activeDiagnoses
        #expect(active.contains(.temperatureSensorFault))
        #expect(!active.contains(.overtemperatureDischargeMOL))
        #expect(rig.controller.thermalRunawayLevel == .none)
        #expect(rig.controller.state == .normal)
        // Limp-home: the current limit falls to the configured limp-home current at most.
        #expect(rig.controller.currentLimits.maximumDischargeMilliamperes <= Fixtures.small.charging.limpHomeCurrentMilliamperes)
        // Recovery: back in agreement with its neighbours for the recovery time → trusted again.
        rig.temperatures[2] = 250
        rig.run(ticks: 1_200)
        #expect(!rig.controller.activeDiagnoses.contains(.temperatureSensorFault))
    }

    @Test func openThermistorIsASensorFaultNotACold() throws {
        var rig = try Self.standby()
        rig.temperatures[0] = -500
        rig.run(ticks: 100)
        #expect(rig.controller.activeDiagnoses.contains(.temperatureSensorFault))
        #expect(!rig.controller.activeDiagnoses.contains(.undertemperatureDischargeMOL))
    }

    @Test func nodeReportedThermistorFault() throws {
        var rig = try Self.standby()
        rig.send(.sensorFaultReported(.temperatureSensor(sensor: 1)))
        rig.run(ticks: 20)
        #expect(rig.controller.activeDiagnoses.contains(.temperatureSensorFault))
        rig.send(.sensorFaultCleared(.temperatureSensor(sensor: 1)))
        rig.run(ticks: 1_200)
        #expect(!rig.controller.activeDiagnoses.contains(.temperatureSensorFault))
    }

    @Test func redundantChannelsDisagreeingTrustTheOneNearTheNeighbours() throws {
        var rig = try Self.standby { $0.topology.redundantTemperatures = true }
        rig.send(.cellTemperaturesMeasured(firstSensor: 0, deciCelsius: [250, 250, 250, 250], channel: .redundant))
        rig.run(ticks: 5)
        // Primary of sensor 1 reads 12 K high; the redundant channel agrees with the neighbours.
        rig.temperatures[1] = 370
        for _ in 0..<200 {
            rig.send(.cellTemperaturesMeasured(firstSensor: 0, deciCelsius: [250, 250, 250, 250], channel: .redundant))
            rig.tick()
        }
        #expect(rig.controller.activeDiagnoses.contains(.redundantTemperaturePlausibility))
        #expect(!rig.controller.activeDiagnoses.contains(.cellTemperatureSpread))
        #expect(rig.controller.snapshot.maximumDeciCelsius == 250)
    }

    @Test func currentSensorFaultsAreFatal() throws {
        var rig = try Self.standby()
        rig.currentMilliamperes = Int32.max
        rig.run(ticks: 20)
        #expect(rig.controller.activeDiagnoses.contains(.currentSensorFault))
        #expect(!rig.controller.activeDiagnoses.contains(.overcurrentDischargeMOL))
        var reported = try Self.standby()
        reported.send(.sensorFaultReported(.currentSensor))
        reported.run(ticks: 20)
        #expect(reported.controller.activeDiagnoses.contains(.currentSensorFault))
    }

    @Test func steppedGasSensorIsASensorFaultNotAVent() throws {
        var rig = try TransitionScenarios.normal()
        rig.hydrogen = 4_000
        rig.run(ticks: 500)
        #expect(rig.controller.activeDiagnoses.contains(.gasSensorFault))
        #expect(rig.controller.thermalRunawayLevel == .none)
    }

    @Test func pressureOutOfRangeIsASensorFault() throws {
        var rig = try Self.standby()
        rig.pressure = 10
        rig.run(ticks: 50)
        #expect(rig.controller.activeDiagnoses.contains(.pressureSensorFault))
        #expect(rig.controller.thermalRunawayLevel == .none)
    }

    @Test func smokeSensorFault() throws {
        var rig = try Self.standby()
        rig.send(.sensorFaultReported(.smokeSensor(0)))
        rig.run(ticks: 20)
        #expect(rig.controller.activeDiagnoses.contains(.smokeSensorFault))
    }

    @Test(arguments: ["cells", "temperatures", "current", "pack", "gas", "pressure", "insulation"])
    func messageTimeouts(_ input: String) throws {
        var rig = try Self.standby()
        rig.sendMeasurements = false
        // Keep everything but one input arriving.
        let expected: DiagnosisID
        switch input {
        case "cells": expected = .cellVoltageTimeout
        case "temperatures": expected = .cellTemperatureTimeout
        case "current": expected = .currentTimeout
        case "pack": expected = .packVoltageTimeout
        case "gas": expected = .gasTimeout
        case "pressure": expected = .pressureTimeout
        default: expected = .insulationTimeout
        }
        for _ in 0..<800 {
            if input != "cells" { rig.send(.cellVoltagesMeasured(firstCell: 0, millivolts: rig.cellMillivolts)) }
            if input != "temperatures" { rig.send(.cellTemperaturesMeasured(firstSensor: 0, deciCelsius: rig.temperatures, channel: .primary)) }
            if input != "current" { rig.send(.packCurrentMeasured(milliamperes: 0)) }
            if input != "pack" { rig.send(.packVoltageMeasured(millivolts: rig.packMillivolts)) }
            if input != "gas" { rig.send(.gasMeasured(sensor: 0, hydrogenPartsPerMillion: 2)) }
            if input != "pressure" { rig.send(.pressureMeasured(sensor: 0, pascals: 101_325)) }
            if input != "insulation" { rig.send(.insulationMeasured(kiloohms: 10_000)) }
            rig.tick()
        }
        #expect(rig.controller.activeDiagnoses.contains(expected), "\(rig.controller.activeDiagnoses)")
        let others: [DiagnosisID] = [
            .cellVoltageTimeout, .cellTemperatureTimeout, .currentTimeout, .packVoltageTimeout, .gasTimeout, .pressureTimeout, .insulationTimeout,
        ].filter { $0 != expected }
        for other in others { #expect(!rig.controller.activeDiagnoses.contains(other), "\(other.name) set as well") }
    }

    @Test func endToEndFailuresAreCountedAndForgivenByGoodFrames() throws {
        var rig = try Self.standby()
        for _ in 0..<2 { rig.send(.e2eFailure(message: .cellVoltages)) }
        #expect(!rig.controller.activeDiagnoses.contains(.measurementE2E))
        // The same sender's good frame forgives one failure; other senders' good frames forgive nothing (a
        // board with every other frame corrupted is not hidden by the rest of the bus).
        rig.send(.e2eRecovered(message: .cellVoltages))
        rig.send(.e2eFailure(message: .cellVoltages))
        rig.send(.gasMeasured(sensor: 0, hydrogenPartsPerMillion: 3))
        rig.send(.packCurrentMeasured(milliamperes: 0))
        #expect(!rig.controller.activeDiagnoses.contains(.measurementE2E))
        let commands = rig.send(.e2eFailure(message: .cellVoltages))
        #expect(commands.diagnosisChanges == ["measurement_e2e=set"])
        // State-request link: invalid after a failure, valid again with the next good request.
        rig.send(.e2eFailure(message: .stateRequest))
        #expect(!rig.controller.stateRequestValid)
        rig.send(.stateRequested(.standby))
        #expect(rig.controller.stateRequestValid)
    }

    @Test func packVoltagePlausibility() throws {
        var rig = try Self.standby()
        rig.packMillivoltsOverride = rig.packMillivolts + 5_000
        rig.run(ticks: 60)
        #expect(rig.controller.activeDiagnoses.contains(.packVoltagePlausibility))
    }

    /// Voltage spread as foxBMS checks it: a block more than 300 mV from the mean, not max − min.
    @Test func spreadPlausibility() throws {
        var even = try Self.standby()
        even.cellMillivolts = [3_800, 3_800, 3_450, 3_450]  // 350 mV max − min, 175 mV from the mean
        even.run(ticks: 150)
        #expect(!even.controller.activeDiagnoses.contains(.cellVoltageSpread))
        var rig = try Self.standby()
        rig.cellMillivolts[3] = 3_350  // 337.5 mV below the mean of 3687.5 mV
        rig.rampTemperature(sensor: 3, to: 400)
        rig.run(ticks: 150)
        #expect(rig.controller.activeDiagnoses.contains(.cellVoltageSpread))
        #expect(rig.controller.activeDiagnoses.contains(.cellTemperatureSpread))
    }

    @Test func insulationWarningAndError() throws {
        // 4 blocks at 3.8 V = 15.2 V: warning below 7.6 kΩ (500 Ω/V), error below 1.52 kΩ (100 Ω/V).
        var rig = try Self.standby()
        rig.insulationKiloohms = 5
        rig.run(ticks: 120)
        #expect(rig.controller.activeDiagnoses.contains(.insulationWarning))
        #expect(!rig.controller.activeDiagnoses.contains(.insulationError))
        rig.insulationKiloohms = 1
        rig.run(ticks: 120)
        #expect(rig.controller.activeDiagnoses.contains(.insulationError))
    }

    @Test func inputsOutsideThePackAreRejectedAndRecorded() throws {
        var rig = try Self.standby()
        let commands = rig.send(.cellVoltagesMeasured(firstCell: 3, millivolts: [3_800, 9_999, 9_999]))
        #expect(commands.isEmpty)
        let tick = rig.tick()
        #expect(tick.diagnosisChanges.contains("invalid_input=set"))
        #expect(!rig.controller.activeDiagnoses.contains(.cellOvervoltageMOL))
        for event in [
            BMSEvent.cellVoltagesMeasured(firstCell: -1, millivolts: [1]), .cellVoltagesMeasured(firstCell: .max, millivolts: [1]),
            .cellTemperaturesMeasured(firstSensor: .min, deciCelsius: [1], channel: .primary), .gasMeasured(sensor: 99, hydrogenPartsPerMillion: 1),
            .pressureMeasured(sensor: -5, pascals: 1), .smokeMeasured(sensor: 7, detected: true), .sensorFaultReported(.temperatureSensor(sensor: 1000)),
        ] {
            rig.send(event)
        }
        rig.tick()
        #expect(rig.controller.state == .standby)
    }
}

extension SensorFaultTests {
    /// A heated gas sensor warming up and an insulation monitor in its power-on self test are alive on the
    /// bus without a reading: no communication timeout and no insulation alarm from a value that is not
    /// there; a sensor that stops sending altogether still times out.
    @Test(arguments: ["gas", "pressure", "insulation"])
    func startingUpSensorsAreAliveNotTimedOut(_ input: String) throws {
        var rig = try Self.standby()
        rig.sendMeasurements = false
        let timeout: DiagnosisID = input == "gas" ? .gasTimeout : input == "pressure" ? .pressureTimeout : .insulationTimeout
        let starting: StartingSensor = input == "gas" ? .gas(0) : input == "pressure" ? .pressure(0) : .insulation
        func feed(startingUp: Bool) {
            rig.send(.cellVoltagesMeasured(firstCell: 0, millivolts: rig.cellMillivolts))
            rig.send(.cellTemperaturesMeasured(firstSensor: 0, deciCelsius: rig.temperatures, channel: .primary))
            rig.send(.packCurrentMeasured(milliamperes: 0))
            rig.send(.packVoltageMeasured(millivolts: rig.packMillivolts))
            if input != "gas" { rig.send(.gasMeasured(sensor: 0, hydrogenPartsPerMillion: 2)) }
            if input != "pressure" { rig.send(.pressureMeasured(sensor: 0, pascals: 101_325)) }
            if input != "insulation" { rig.send(.insulationMeasured(kiloohms: 10_000)) }
            if startingUp { rig.send(.sensorStartingUp(starting)) }
        }
        // 20 s of starting-up frames every 100 ms (longer than every timeout).
        for tick in 0..<2_000 {
            feed(startingUp: tick % 10 == 0)
            rig.tick()
        }
        #expect(!rig.controller.activeDiagnoses.contains(timeout), "\(rig.controller.activeDiagnoses)")
        #expect(!rig.controller.activeDiagnoses.contains(.insulationWarning))
        #expect(!rig.controller.activeDiagnoses.contains(.insulationError))
        // Then silence: the timeout follows.
        for _ in 0..<800 {
            feed(startingUp: false)
            rig.tick()
        }
        #expect(rig.controller.activeDiagnoses.contains(timeout), "\(rig.controller.activeDiagnoses)")
    }
}
