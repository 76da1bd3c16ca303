import CANCore
import CellPack
import SensorNodes
import Testing

/// Drives the charger like a BMS: keeps the main contactors closed, sends charger commands every 100 ms,
/// and closes the loop through a pack model V = OCV + R·I.
struct ChargerBench {
    var rig: Rig
    var contactor = try! CommandBuilder("BMS_ContactorCommand")
    var charger = try! CommandBuilder("BMS_ChargerCommand")
    var profile = try! CommandBuilder("BMS_ChargerProfile")
    var command: [String: Double] = [:]
    var commandRaw: [String: Int64] = [:]
    var sendingCommands = true
    var lastCommandTime: Int64?
    var openCircuitVolts = 380.0
    /// The waveform in force and when it started (the pack's view: its phase starts when it first appears).
    var waveform = CurrentWaveform.rest
    var waveformStart: Int64 = 0
    var resistanceOhms = 0.15
    /// Link voltage after each step.
    var volts: [Double] = []

    init(_ changes: [NodeParameterKey: Double] = [:]) throws {
        rig = Rig(nodes: try Fixtures.nodes(changes), pack: Fixtures.pack(volts: 380, link: 380))
        // Close the main path first.
        try rig.run(until: 200 * millisecond) { rig in
            if rig.now % (40 * millisecond) == 0 {
                rig.send(try Self.closeFrame(&self.contactor))
            }
        }
    }

    static func closeFrame(_ builder: inout CommandBuilder) throws -> CANFrame {
        try builder.frame([:], raw: [
            "ContactorCmd_MainPlus": 1, "ContactorCmd_MainMinus": 1, "ContactorCmd_Precharge": 0, "ContactorCmd_EmergencyOpen": 0,
        ])
    }

    mutating func set(amps: Double, volts: Double, enable: Int64 = 1, profile: HealingProfile = .none, set: Int64 = 0) {
        command = ["ChargerCmd_CurrentSetpoint": amps, "ChargerCmd_VoltageLimit": volts]
        commandRaw = ["ChargerCmd_Enable": enable, "ChargerCmd_HealingProfile": profile.rawValue, "ChargerCmd_ProfileSet": set]
        lastCommandTime = nil
    }

    /// Charge current (A, + into the pack) the waveform carries just before `time`.
    func chargeAmps(before time: Int64) -> Double {
        let wave = waveform
        guard wave.secondSeconds > 0, wave.firstAmps != wave.secondAmps else { return -wave.firstAmps }
        let first = Int64((wave.firstSeconds * 1e9).rounded())
        let period = first + Int64((wave.secondSeconds * 1e9).rounded())
        var phase = (time - waveformStart) % period
        if phase <= 0 { phase += period }
        return -(phase <= first ? wave.firstAmps : wave.secondAmps)
    }

    /// Sends the three pages of parameter set `set`.
    mutating func sendProfile(set: Int64, pulse: Double, reverse: Double, on: Int64, off: Int64, reverseTime: Int64, count: Int64) throws {
        rig.send(try profile.frame(
            ["ChargerProfile_PulseCurrent": pulse, "ChargerProfile_ReverseCurrent": reverse],
            raw: ["ChargerProfile_Page": 0, "ChargerProfile_Set": set]))
        rig.send(try profile.frame([:], raw: ["ChargerProfile_Page": 1, "ChargerProfile_Set": set, "ChargerProfile_OnTime": on, "ChargerProfile_OffTime": off]))
        rig.send(try profile.frame(
            [:], raw: ["ChargerProfile_Page": 2, "ChargerProfile_Set": set, "ChargerProfile_ReverseTime": reverseTime, "ChargerProfile_PulseCount": count]))
    }

    /// Runs for `duration` with commands every 100 ms and the pack loop closed; `check` sees every step.
    mutating func run(for duration: Int64, check: (Rig) throws -> Void = { _ in }) throws {
        let end = rig.now + duration
        while rig.now < end {
            if rig.now % (40 * millisecond) == 0 { rig.send(try Self.closeFrame(&contactor)) }
            if sendingCommands, !command.isEmpty, lastCommandTime.map({ rig.now - $0 >= 100 * millisecond }) ?? true {
                rig.send(try charger.frame(command, raw: commandRaw))
                lastCommandTime = rig.now
            }
            // The pack responds to the current the charger delivered during the step that ends now.
            let chargeAmps = chargeAmps(before: rig.now)
            let linkVolts = openCircuitVolts + resistanceOhms * chargeAmps
            rig.pack.linkVolts = linkVolts
            rig.pack.packVolts = linkVolts
            rig.pack.packCurrentAmps = -chargeAmps
            rig.pack.averageCurrentAmps = waveform.averageAmps
            volts.append(linkVolts)
            for frame in rig.nodes.step(nowNanoseconds: rig.now, cells: rig.cells, pack: rig.pack) { rig.log.append((rig.now, frame)) }
            if rig.nodes.actuators.chargerCurrent != waveform {
                waveform = rig.nodes.actuators.chargerCurrent
                waveformStart = rig.now
            }
            try check(rig)
            rig.now += millisecond
        }
    }

    func status() throws -> [String: Double] {
        try Fixtures.values(try #require(rig.frames("CHG_ChargerStatus").last).frame)
    }

    /// Delivered current, charge-positive, as the charger's gain and offset make it.
    static func delivered(_ amps: Double) -> Double { amps == 0 ? 0 : amps * 1.005 + 0.1 }
}

@Suite("Charger")
struct ChargerTests {
    @Test func constantCurrentRampsAtTheSlewRateWithItsAccuracy() throws {
        var bench = try ChargerBench()
        bench.set(amps: 200, volts: 450)
        bench.command = ["ChargerCmd_CurrentSetpoint": 200, "ChargerCmd_VoltageLimit": 450]
        let start = bench.rig.now
        var levels: [(Int64, Double)] = []
        try bench.run(for: 200 * millisecond) { rig in
            levels.append((rig.now - start, -rig.nodes.actuators.chargerCurrent.averageAmps))
        }
        // Control every 10 ms, at most 10 A/ms: 100 A per update from the command on.
        let at = { (ms: Int64) in levels.first { $0.0 == ms * millisecond }!.1 }
        #expect(at(5) == 0)
        #expect(abs(at(10) - ChargerBench.delivered(100)) < 1e-9)
        #expect(abs(at(20) - ChargerBench.delivered(200)) < 1e-9)
        #expect(abs(at(150) - ChargerBench.delivered(200)) < 1e-9)
        let status = try bench.status()
        #expect(status["ChargerStatus_Mode"] == 1 && status["ChargerStatus_ActiveProfile"] == 0)
        #expect(abs((status["ChargerStatus_Current"] ?? 0) - ChargerBench.delivered(200)) <= 0.2)
        #expect(abs((status["ChargerStatus_Voltage"] ?? 0) - (380 + 0.15 * ChargerBench.delivered(200))) <= 0.01)
        #expect(bench.rig.nodes.counters(of: .charger).accepted == 2)
    }

    @Test func constantVoltageTapersWithoutExceedingTheLimit() throws {
        var bench = try ChargerBench()
        bench.set(amps: 200, volts: 395)
        try bench.run(for: 3 * second)
        #expect(bench.volts.max()! <= 395 + 1e-9, "peak \(bench.volts.max()!) V")
        #expect(abs(bench.volts.last! - 395) < 0.02, "settled at \(bench.volts.last!) V")
        let status = try bench.status()
        #expect(status["ChargerStatus_Mode"] == 2)
        #expect(abs((status["ChargerStatus_Current"] ?? 0) - 100) <= 0.3)
        // A rising OCV (the pack charging, 5 V/s here) keeps the current tapering; the loop trails the rise by
        // one 10 ms update (0.05 V).
        let rampStart = bench.rig.now
        try bench.run(for: 2 * second) { _ in }
        _ = rampStart
        var ramp = bench
        ramp.volts = []
        for _ in 0..<200 {
            ramp.openCircuitVolts = min(ramp.openCircuitVolts + 0.05, 390)
            try ramp.run(for: 10 * millisecond)
        }
        try ramp.run(for: 1 * second)
        #expect(ramp.volts.max()! <= 395 + 0.05 + 1e-9, "peak \(ramp.volts.max()!) V")
        #expect(abs((try ramp.status()["ChargerStatus_Current"] ?? 0) - 5 / 0.15) <= 0.5)
    }

    @Test func stopsWhenCommandsStop() throws {
        var bench = try ChargerBench()
        bench.set(amps: 50, volts: 450)
        try bench.run(for: 500 * millisecond)
        #expect(bench.rig.nodes.actuators.chargerCurrent.averageAmps < -49)
        bench.sendingCommands = false
        let lastCommand = try #require(bench.lastCommandTime)
        var stoppedAt: Int64?
        try bench.run(for: 500 * millisecond) { rig in
            if stoppedAt == nil, rig.nodes.actuators.chargerCurrent.averageAmps == 0 { stoppedAt = rig.now }
        }
        let delay = try #require(stoppedAt) - lastCommand
        #expect(delay >= 300 * millisecond && delay <= 301 * millisecond, "stopped \(delay) ns after the last command")
        let status = try bench.status()
        #expect(status["ChargerStatus_Mode"] == 5 && status["ChargerStatus_CommandTimeout"] == 1)
        // A valid command resumes charging.
        bench.sendingCommands = true
        try bench.run(for: 300 * millisecond)
        #expect(try bench.status()["ChargerStatus_CommandTimeout"] == 0)
        #expect(bench.rig.nodes.actuators.chargerCurrent.averageAmps < -49)
    }

    @Test func invalidCommandsAreRefusedNeverClamped() throws {
        var bench = try ChargerBench()
        bench.set(amps: 40, volts: 450)
        try bench.run(for: 300 * millisecond)
        let charging = bench.rig.nodes.actuators.chargerCurrent
        let id = try Fixtures.identifier("BMS_ChargerCommand")
        // Above the charger's 250 A, though inside the DBC's 500 A.
        bench.rig.send(try bench.charger.frame(["ChargerCmd_CurrentSetpoint": 300, "ChargerCmd_VoltageLimit": 400], raw: bench.commandRaw))
        // Above the DBC's 450 V (raw value only a faulty sender would put there).
        bench.rig.send(try bench.charger.frame(
            ["ChargerCmd_CurrentSetpoint": 10], raw: ["ChargerCmd_VoltageLimit": 46_000, "ChargerCmd_Enable": 1, "ChargerCmd_HealingProfile": 0, "ChargerCmd_ProfileSet": 0]))
        // Healing profile 6 does not exist.
        bench.rig.send(try bench.charger.frame(
            ["ChargerCmd_CurrentSetpoint": 10, "ChargerCmd_VoltageLimit": 400], raw: ["ChargerCmd_Enable": 1, "ChargerCmd_HealingProfile": 6, "ChargerCmd_ProfileSet": 0]))
        // A corrupted CRC and a short frame.
        let good = try bench.charger.frame(["ChargerCmd_CurrentSetpoint": 10, "ChargerCmd_VoltageLimit": 400], raw: bench.commandRaw)
        var payload = good.data
        payload.set(payload[7] ^ 0x80, at: 7)
        bench.rig.send(try CANFrame(id: id, payload: payload))
        bench.rig.send(try CANFrame(id: id, data: [1, 2, 3]))
        let counters = bench.rig.nodes.counters(of: .charger)
        #expect(counters.outOfRange == 3 && counters.badCRC == 1 && counters.wrongLength == 1)
        #expect(bench.rig.nodes.charger.command.setpointAmps == 40)
        bench.sendingCommands = false
        try bench.run(for: 110 * millisecond)
        #expect(try bench.status()["ChargerStatus_CommandE2EError"] == 1)
        #expect(bench.rig.nodes.actuators.chargerCurrent == charging)
        bench.sendingCommands = true
        try bench.run(for: 200 * millisecond)
        #expect(try bench.status()["ChargerStatus_CommandE2EError"] == 0)
    }

    func pulseWaveform(on: Double, onSeconds: Double, off: Double, offSeconds: Double) -> CurrentWaveform {
        CurrentWaveform(
            firstAmps: -ChargerBench.delivered(on), firstSeconds: onSeconds, secondAmps: -ChargerBench.delivered(off), secondSeconds: offSeconds)
    }

    @Test func pulseChargingRunsTheParameterSetAsOneWaveform() throws {
        var bench = try ChargerBench()
        try bench.sendProfile(set: 3, pulse: 5, reverse: 0, on: 1, off: 3, reverseTime: 0, count: 0)
        bench.set(amps: 0, volts: 450, profile: .pulseCharging, set: 3)
        try bench.run(for: 1 * second)
        #expect(bench.rig.nodes.actuators.chargerCurrent == pulseWaveform(on: 5, onSeconds: 0.001, off: 0, offSeconds: 0.003))
        let status = try bench.status()
        #expect(status["ChargerStatus_Mode"] == 3 && status["ChargerStatus_ActiveProfile"] == 1 && status["ChargerStatus_ProfileSet"] == 3)
        // It reports the average it delivers: a quarter of the pulse.
        #expect(abs((status["ChargerStatus_Current"] ?? 0) - ChargerBench.delivered(5) / 4) <= 0.2)
    }

    @Test func pulsesShorterThanTheSlewDeliverTheChargeEquivalentPulse() throws {
        var bench = try ChargerBench()
        // 50 A for 1 ms at 10 A/ms cannot be reached: the triangle carries as much charge as 10 A for 1 ms.
        try bench.sendProfile(set: 1, pulse: 50, reverse: 0, on: 1, off: 3, reverseTime: 0, count: 0)
        bench.set(amps: 0, volts: 450, profile: .selfHeatingPulseTrain, set: 1)
        try bench.run(for: 500 * millisecond)
        #expect(bench.rig.nodes.actuators.chargerCurrent == pulseWaveform(on: 10, onSeconds: 0.001, off: 0, offSeconds: 0.003))
        #expect(try bench.status()["ChargerStatus_ActiveProfile"] == 2)
    }

    @Test func asymmetricBidirectionalCurrentWithAndWithoutRest() throws {
        var bench = try ChargerBench()
        try bench.sendProfile(set: 2, pulse: 10, reverse: 2, on: 10, off: 0, reverseTime: 5, count: 0)
        bench.set(amps: 0, volts: 450, profile: .asymmetricBidirectional, set: 2)
        try bench.run(for: 500 * millisecond)
        #expect(bench.rig.nodes.actuators.chargerCurrent == pulseWaveform(on: 10, onSeconds: 0.010, off: -2, offSeconds: 0.005))
        // With a 20 ms rest after each forward/reverse block the charger switches between the block and rest.
        try bench.sendProfile(set: 4, pulse: 10, reverse: 2, on: 10, off: 20, reverseTime: 5, count: 0)
        bench.set(amps: 0, volts: 450, profile: .asymmetricBidirectional, set: 4)
        var trace: [(Int64, CurrentWaveform)] = []
        try bench.run(for: 300 * millisecond) { rig in trace.append((rig.now, rig.nodes.actuators.chargerCurrent)) }
        let block = pulseWaveform(on: 10, onSeconds: 0.010, off: -2, offSeconds: 0.005)
        let starts = trace.indices.filter { $0 > 0 && trace[$0].1 == block && trace[$0 - 1].1 != block }.map { trace[$0].0 }
        let rests = trace.indices.filter { $0 > 0 && trace[$0].1 == .rest && trace[$0 - 1].1 == block }.map { trace[$0].0 }
        #expect(starts.count >= 7)
        for pair in zip(starts, starts.dropFirst()) { #expect(pair.1 - pair.0 == 35 * millisecond) }
        for start in starts where start + 15 * millisecond <= trace.last!.0 {
            #expect(rests.contains(start + 15 * millisecond), "block at \(start) should rest after 15 ms")
        }
        // Reported: the average over the whole 35 ms period.
        let average = (ChargerBench.delivered(10) * 10 + ChargerBench.delivered(-2) * 5) / 35
        #expect(abs((try bench.status()["ChargerStatus_Current"] ?? 0) - average) <= 0.2)
    }

    @Test func aDoseEndsAfterItsPulseCountWithProgress() throws {
        var bench = try ChargerBench()
        try bench.sendProfile(set: 5, pulse: 8, reverse: 0, on: 2, off: 2, reverseTime: 0, count: 100)
        bench.set(amps: 0, volts: 450, profile: .restSTCR, set: 5)
        var started: Int64?
        var ended: Int64?
        try bench.run(for: 800 * millisecond) { rig in
            let on = rig.nodes.actuators.chargerCurrent != .rest
            if on, started == nil { started = rig.now }
            if !on, started != nil, ended == nil { ended = rig.now }
        }
        let dose = try #require(ended) - (try #require(started))
        #expect(dose == 400 * millisecond, "dose lasted \(dose) ns")
        let status = try bench.status()
        #expect(status["ChargerStatus_ProfileProgress"] == 100 && status["ChargerStatus_Mode"] == 0)
        #expect(status["ChargerStatus_ActiveProfile"] == 4)
        let progress = try bench.rig.frames("CHG_ChargerStatus").compactMap { try Fixtures.values($0.frame)["ChargerStatus_ProfileProgress"] }
        #expect(progress.contains { $0 > 20 && $0 < 80 })
    }

    @Test func profilesWaitForAllPagesAndRefuseUnrunnableSets() throws {
        var bench = try ChargerBench()
        // Only two pages of set 6: nothing runs yet.
        bench.rig.send(try bench.profile.frame(
            ["ChargerProfile_PulseCurrent": 5, "ChargerProfile_ReverseCurrent": 0], raw: ["ChargerProfile_Page": 0, "ChargerProfile_Set": 6]))
        bench.rig.send(try bench.profile.frame([:], raw: ["ChargerProfile_Page": 1, "ChargerProfile_Set": 6, "ChargerProfile_OnTime": 1, "ChargerProfile_OffTime": 3]))
        bench.set(amps: 0, volts: 450, profile: .pulseCharging, set: 6)
        try bench.run(for: 300 * millisecond)
        #expect(bench.rig.nodes.actuators.chargerCurrent == .rest)
        #expect(try bench.status()["ChargerStatus_Mode"] == 0)
        #expect(bench.rig.nodes.charger.profileParameters(set: 6)?.isComplete == false)
        // The third page completes it.
        bench.rig.send(try bench.profile.frame([:], raw: ["ChargerProfile_Page": 2, "ChargerProfile_Set": 6, "ChargerProfile_ReverseTime": 0, "ChargerProfile_PulseCount": 0]))
        try bench.run(for: 200 * millisecond)
        #expect(bench.rig.nodes.actuators.chargerCurrent != .rest)
        // ABC without a reverse time cannot run: the command is refused whole.
        try bench.sendProfile(set: 7, pulse: 5, reverse: 2, on: 10, off: 0, reverseTime: 0, count: 0)
        bench.set(amps: 0, volts: 450, profile: .asymmetricBidirectional, set: 7)
        try bench.run(for: 100 * millisecond)
        #expect(bench.rig.nodes.counters(of: .charger).notApplicable >= 1)
        #expect(bench.rig.nodes.charger.command.profile == .pulseCharging)
        // A page above the charger's reverse rating is refused.
        bench.rig.send(try bench.profile.frame(
            ["ChargerProfile_PulseCurrent": 5, "ChargerProfile_ReverseCurrent": 150], raw: ["ChargerProfile_Page": 0, "ChargerProfile_Set": 8]))
        #expect(bench.rig.nodes.counters(of: .charger).outOfRange == 1)
    }

    @Test func pulseAmplitudeTapersAtTheVoltageLimit() throws {
        var bench = try ChargerBench()
        try bench.sendProfile(set: 1, pulse: 100, reverse: 0, on: 10, off: 10, reverseTime: 0, count: 0)
        bench.set(amps: 0, volts: 392, profile: .pulseCharging, set: 1)
        try bench.run(for: 3 * second)
        // The pulse level is what keeps 392 V: (392 − 380) / 0.15 = 80 A delivered.
        #expect(bench.volts.max()! <= 392 + 1e-9)
        #expect(abs(-bench.rig.nodes.actuators.chargerCurrent.firstAmps - 80) < 1)
    }

    @Test func chargerFaults() throws {
        var bench = try ChargerBench()
        // Stuck output: charging even when told to stop, and the report shows it.
        bench.set(amps: 0, volts: 450, enable: 0)
        try bench.rig.nodes.inject(SensorFault(parsing: "charger.output stuck 20A"))
        try bench.run(for: 300 * millisecond)
        #expect(bench.rig.nodes.actuators.chargerCurrent == .constant(-20))
        #expect(abs((try bench.status()["ChargerStatus_Current"] ?? 0) - 20) <= 0.2)
        bench.rig.nodes.clearFaults()
        // Gain fault: not following the setpoint.
        bench.set(amps: 100, volts: 450)
        try bench.rig.nodes.inject(SensorFault(parsing: "charger.output gain 0.8"))
        try bench.run(for: 300 * millisecond)
        #expect(abs(-bench.rig.nodes.actuators.chargerCurrent.averageAmps - 0.8 * ChargerBench.delivered(100)) < 1e-9)
        bench.rig.nodes.clearFaults()
        // Over-temperature: derated to half, reported.
        try bench.rig.nodes.inject(SensorFault(parsing: "charger overtemperature"))
        try bench.run(for: 300 * millisecond)
        var status = try bench.status()
        #expect(status["ChargerStatus_Mode"] == 4 && status["ChargerStatus_Overtemperature"] == 1)
        #expect(abs(-bench.rig.nodes.actuators.chargerCurrent.averageAmps - ChargerBench.delivered(50)) < 1e-9)
        // Output fault: nothing delivered, status Fault.
        try bench.rig.nodes.inject(SensorFault(parsing: "charger output-fault"))
        try bench.run(for: 300 * millisecond)
        status = try bench.status()
        #expect(bench.rig.nodes.actuators.chargerCurrent == .rest)
        #expect(status["ChargerStatus_Mode"] == 5 && status["ChargerStatus_OutputFault"] == 1)
        // A lying meter: the report is off, the delivered current is not.
        bench.rig.nodes.clearFaults()
        try bench.rig.nodes.inject(SensorFault(parsing: "charger.current offset 5A"))
        try bench.run(for: 300 * millisecond)
        #expect(abs((try bench.status()["ChargerStatus_Current"] ?? 0) - ChargerBench.delivered(100) - 5) <= 0.2)
        #expect(abs(-bench.rig.nodes.actuators.chargerCurrent.averageAmps - ChargerBench.delivered(100)) < 1e-9)
    }

    @Test func nothingFlowsWithTheContactorsOpen() throws {
        var rig = Rig(nodes: try Fixtures.nodes())
        var builder = try CommandBuilder("BMS_ChargerCommand")
        try rig.run(until: 500 * millisecond) { rig in
            if rig.now % (100 * millisecond) == 0 {
                rig.send(try builder.frame(
                    ["ChargerCmd_CurrentSetpoint": 50, "ChargerCmd_VoltageLimit": 400],
                    raw: ["ChargerCmd_Enable": 1, "ChargerCmd_HealingProfile": 0, "ChargerCmd_ProfileSet": 0]))
            }
        }
        #expect(rig.nodes.actuators.chargerCurrent == .rest)
        #expect(try Fixtures.values(rig.frames("CHG_ChargerStatus").last!.frame)["ChargerStatus_Mode"] == 2)
    }

    @Test func loadAndChargerAddOnTheLink() throws {
        let state = ActuatorState(
            chargerCurrent: CurrentWaveform.pulses(amps: -10, onSeconds: 0.001, offSeconds: 0.003), contactors: .closed, balancing: [])
        let sum = state.packCurrent(loadAmps: 4)
        #expect(sum == CurrentWaveform(firstAmps: -6, firstSeconds: 0.001, secondAmps: 4, secondSeconds: 0.003))
        let inputs = state.packInputs(loadAmps: 4, ambientCelsius: 30)
        #expect(inputs.current == sum && inputs.contactors == .closed && inputs.ambientCelsius == 30)
    }
}
