import CANCore
import CANDatabase
import CANTransport
import CellPack
import Emulator
import EmulatorRuntime
import Foundation
import SensorNodes
import Testing

/// A scripted stand-in for a foxBMS 2 master on the virtual bus: reads 0x210, walks foxBMS's precharge sequence
/// (`bms.c`: close minus, close precharge, check voltages, open precharge, check) when Discharge is requested and
/// reports it on 0x220 every 100 ms with its limits on 0x232; Standby opens at once.
struct ScriptedFoxBMS: SimulationParticipant {
    struct Report: Equatable {
        var state: Int64
        var substate: Int64
        var connectedStrings: Int64
    }

    let name = "foxbms"
    let receiveFilters: [CANFilter]
    let requestCodec: MessageCodec
    let dischargeLimitAmps: Double
    var requestedMode: Int64?
    var report = Report(state: 5, substate: 0, connectedStrings: 0)  // STANDBY
    var prechargeSince: Int64?
    var nextReport: Int64 = 50 * millisecond
    /// The last 0x220 sent.
    var lastSent: Report?
    /// Every 0x210 received: (time, RequestBmsMode, ResetPersistentFlags).
    var requests: [(time: Int64, mode: Int64, reset: Int64)] = []

    init(dischargeLimitAmps: Double) throws {
        requestCodec = try Files.compat().codec(forMessageNamed: "f_BmsStateRequest")
        receiveFilters = [.exact(requestCodec.message.id)]
        self.dischargeLimitAmps = dischargeLimitAmps
    }

    mutating func step(nowNanoseconds now: Int64, inbox: [CANBusEvent], output: inout StepOutput) {
        for event in inbox {
            guard case .frame(let frame, _, _) = event, let decoded = try? requestCodec.decode(frame) else { continue }
            let mode = decoded.signals.first { $0.name == "RequestBmsMode" }?.raw ?? -1
            let reset = decoded.signals.first { $0.name == "ResetPersistentFlags" }?.raw ?? -1
            requests.append((now, mode, reset))
            requestedMode = mode
        }
        switch (requestedMode, report.state) {
        case (1, 5):
            report = Report(state: 6, substate: 8, connectedStrings: 0)
            prechargeSince = now
        case (1, 6):
            let elapsed = now - (prechargeSince ?? now)
            // 100 ms per substate: close minus, close precharge, check voltages (200 ms), open precharge, check.
            let substates: [(until: Int64, substate: Int64)] = [(100, 8), (200, 9), (400, 10), (500, 11), (600, 12)]
            if let next = substates.first(where: { elapsed < $0.until * millisecond }) {
                report.substate = next.substate
            } else {
                report = Report(state: 7, substate: 0, connectedStrings: 1)  // NORMAL, string closed
            }
        case (0, let state) where state != 5:
            report = Report(state: 5, substate: 0, connectedStrings: 0)
        default:
            break
        }
        guard now >= nextReport else { return }
        nextReport += 100 * millisecond
        if let state = try? bmsState(state: report.state, substate: report.substate, connectedStrings: report.connectedStrings),
            let limits = try? frame("f_PackLimits", [
                "MaximumDischargeCurrent": Int64(dischargeLimitAmps / 0.25), "MaximumChargeCurrent": 20, "MaximumDischargePower": 0,
                "MaximumChargePower": 0, "MaximumBatteryVoltage": 0, "MinimumBatteryVoltage": 0,
            ])
        {
            output.frames += [state, limits]
            lastSent = report
        }
    }

    /// The contactor positions a report stands for, per `HIL/foxbms.md` (written independently of the mirror).
    static func positions(_ report: Report) -> ContactorStates {
        if report.connectedStrings > 0 { return .closed }
        guard report.state == 6 else { return .open }
        switch report.substate {
        case 8: return ContactorStates(mainNegative: true)
        case 9, 10: return ContactorStates(mainNegative: true, precharge: true)
        case 11: return ContactorStates(mainPositive: true, mainNegative: true, precharge: true)
        case 12: return .closed
        default: return .open
        }
    }
}

/// The pack participant in the foxBMS profile, built the way `bmsemu pack --profile foxbms` builds it (scenario
/// file with `pack.profile: foxbms`, `FirmwareBundle.makeVehicle`), run in lock-step on the virtual bus with a
/// scripted foxBMS.
@Suite("foxBMS profile: pack participant on simulated time")
struct FoxBMSPackParticipantTests {
    static let bundle = Result { try FirmwareBundle(directory: Files.packageRoot.appendingPathComponent("Firmware").path) }

    /// Writes a scenario file and loads it through the bundle's scenario loader.
    static func scenario(_ yaml: String) throws -> Scenario {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("foxbms-\(UInt64.random(in: 0...UInt64.max)).yaml")
        try yaml.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try bundle.get().loadScenario(path: url.path)
    }

    static let runYAML = """
        name: foxbms-lockstep
        duration_s: 10
        step_ms: 2
        seed: 7
        pack:
          profile: foxbms
          foxbms: {contactors: follow-bms-state, current_sign: discharge-positive}
        vehicle:
          request: standby
          load: 60
        timeline:
          - at: 1
            request: discharge
          - at: 2
            sensor_fault: "imd silent"
          - at: 2
            charger_connected: true
          - at: 2
            pack_fault: {isolation_fault: {ohms: 50000}}
          - at: 2
            request: heal
          - at: 3
            reset_faults: true
          - at: 6
            request: standby
        """

    @Test func tenSecondsAgainstAScriptedFoxBMS() throws {
        let scenario = try Self.scenario(Self.runYAML)
        #expect(scenario.pack.busProfile == .foxBMS(FoxBMSOptions()))
        var vehicle = try Self.bundle.get().makeVehicle(for: scenario)
        vehicle.play(scenario.timeline)
        var simulation = LockstepSimulation(stepNanoseconds: 2 * millisecond, recordsFrames: true)
        simulation.add(vehicle)
        simulation.add(try ScriptedFoxBMS(dischargeLimitAmps: 12))
        var mirrorChecks = 0
        var statesSeen: [ContactorStates] = []
        var currentWhileNormal: [Double] = []
        while simulation.nowNanoseconds < 10 * second {
            let reported = (simulation.participant(at: 1) as! ScriptedFoxBMS).lastSent
            simulation.step()
            let pack = simulation.participant(at: 0) as! VehicleParticipant
            let contactors = pack.nodes.actuators.contactors
            if let reported {
                #expect(contactors == ScriptedFoxBMS.positions(reported), "at \(simulation.nowNanoseconds) ns, report \(reported)")
                mirrorChecks += 1
            }
            if statesSeen.last != contactors { statesSeen.append(contactors) }
            if reported?.connectedStrings == 1, pack.vehicle.reportedState == "NORMAL" { currentWhileNormal.append(pack.pack.truth.packCurrentAmps) }
        }
        let pack = simulation.participant(at: 0) as! VehicleParticipant
        let peer = simulation.participant(at: 1) as! ScriptedFoxBMS
        #expect(mirrorChecks > 4_900)
        // The precharge sequence and back: open, minus, precharge path, all three, closed, open.
        #expect(statesSeen == [
            .open, ContactorStates(mainNegative: true), .precharging, ContactorStates(mainPositive: true, mainNegative: true, precharge: true),
            .closed, .open,
        ])
        // The load (60 A) is held 3 % inside foxBMS's MaximumDischargeCurrent (12 A).
        #expect(currentWhileNormal.count > 1_000)
        #expect(currentWhileNormal.dropFirst(50).allSatisfy { abs($0 - 0.97 * 12) < 0.05 }, "\(currentWhileNormal.min() ?? 0)...\(currentWhileNormal.max() ?? 0) A")
        #expect(pack.vehicle.reportedState == "STANDBY")
        #expect(pack.vehicle.reportedDischargeLimitAmps == 12)
        #expect(pack.vehicle.foxBMSStatus?.maximumDischargeAmps == 12)

        // What the vehicle asked for: Standby, Discharge from 1 s, Standby from 6 s (a heal request is refused, the
        // mode stays Discharge); ResetPersistentFlags in exactly one frame, the first at or after 3 s.
        let modes = peer.requests.map(\.mode)
        #expect(modes.allSatisfy { [0, 1].contains($0) })
        #expect(peer.requests.filter { $0.time < 1 * second }.allSatisfy { $0.mode == 0 })
        #expect(peer.requests.filter { $0.time > 1_100 * millisecond && $0.time < 6 * second }.allSatisfy { $0.mode == 1 })
        #expect(peer.requests.filter { $0.time > 6_100 * millisecond }.allSatisfy { $0.mode == 0 })
        let resets = peer.requests.filter { $0.reset == 1 }
        #expect(resets.count == 1 && resets.first.map { $0.time >= 3 * second && $0.time <= 3_100 * millisecond } == true, "\(resets.map(\.time))")

        // Refused actions are reported with the profile's reason, none silently dropped.
        let refused = simulation.events.filter { $0.kind == "scenario.action_refused" }.map(\.subject)
        #expect(refused.count == 4, "\(refused)")
        #expect(refused.contains { $0.hasPrefix("imd silent") && $0.contains("not on the foxBMS bus") })
        #expect(refused.contains { $0.hasPrefix("charger_connected") && $0.contains("no charger on the foxBMS bus") })
        #expect(refused.contains { $0.hasPrefix("pack_fault isolationFault") && $0.contains("measures insulation") })
        #expect(refused.contains { $0.hasPrefix("request Heal") && $0.contains("no heal mode") })

        try checkTraffic(simulation.recordedFrames)
    }

    /// Every frame is foxBMS traffic at its period: 0x210 100 ms ± 5 %, one 0x270 and one 0x280 page per 20 ms (0x280
    /// 10 ms after), IVT-S results with their 4-bit counters; nothing of bms.dbc that foxbms-compat.dbc lacks.
    func checkTraffic(_ records: [CANLogRecord]) throws {
        let compat = try Files.compat()
        let bms = try Files.bms()
        let foxBMSOutputs: Set<UInt32> = [0x220, 0x232]
        let sent = records.filter { !foxBMSOutputs.contains($0.frame.id.value) }
        #expect(records.allSatisfy { compat.message(id: $0.frame.id) != nil }, "a frame outside foxbms-compat.dbc")
        let bmsOnly = Set(bms.messages.map(\.id)).subtracting(compat.messages.map(\.id))
        #expect(!bmsOnly.isEmpty)
        #expect(records.allSatisfy { !bmsOnly.contains($0.frame.id) })
        #expect(Set(sent.map(\.frame.id.value)) == Set([0x210, 0x270, 0x280] + Array(0x521...0x528)))
        func times(_ id: UInt32) -> [Int64] { sent.filter { $0.frame.id.value == id }.map { Int64($0.timestamp.totalNanoseconds) } }
        func intervals(_ id: UInt32) -> [Int64] { let t = times(id); return zip(t, t.dropFirst()).map { $1 - $0 } }
        let requests = intervals(0x210)
        #expect(requests.count >= 98)
        #expect(requests.allSatisfy { (95 * millisecond)...(105 * millisecond) ~= $0 }, "0x210 intervals \(requests.min() ?? 0)...\(requests.max() ?? 0) ns")
        // The lock-step run's first step is at 2 ms, so the first 0x270 (due at 0) comes 2 ms late: skip it.
        #expect(intervals(0x270).dropFirst().allSatisfy { $0 == 20 * millisecond })
        #expect(intervals(0x280).allSatisfy { $0 == 20 * millisecond })
        #expect(times(0x280)[0] - times(0x270)[1] == -10 * millisecond)
        #expect(times(0x270).count >= 499)
        // Pages in turn: 24 voltage pages and 16 temperature pages for 96 cell blocks and 96 sensors.
        for (id, pages) in [(UInt32(0x270), 24), (0x280, 16)] {
            let multiplexers = sent.filter { $0.frame.id.value == id }.map { Int($0.frame.data.byte(at: 0) ?? 0xFF) }
            #expect(multiplexers.enumerated().allSatisfy { $0.element == $0.offset % pages }, "\(String(id, radix: 16)) pages")
        }
        // IVT-S: periods from the DBC, counters +1 modulo 16.
        for id in UInt32(0x521)...0x528 {
            let codec = try compat.codec(for: CANID(standard: id))
            let counterName = try #require(codec.message.signals.first { $0.name.contains("MsgCount") }?.name)
            let counters = try sent.filter { $0.frame.id.value == id }.map { try codec.decode($0.frame).signals.first { $0.name == counterName }?.raw ?? -1 }
            #expect(counters.count > 10)
            #expect(zip(counters, counters.dropFirst()).allSatisfy { $1 == ($0 + 1) % 16 }, "0x\(String(id, radix: 16)) counters")
            let cycle = try #require(codec.message.cycleTimeMilliseconds)
            #expect(intervals(id).allSatisfy { $0 == Int64(cycle) * millisecond }, "0x\(String(id, radix: 16)) period")
        }
    }
}

/// `pack.profile` in scenario files and what the bundle builds from it: located errors, refusals with reasons.
@Suite("foxBMS profile: scenario key and bundle")
struct FoxBMSScenarioProfileTests {
    static func loadError(_ pack: String) throws -> String {
        do {
            _ = try FoxBMSPackParticipantTests.scenario("name: x\nduration_s: 1\npack:\n" + pack)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func settingsAreRead() throws {
        let scenario = try FoxBMSPackParticipantTests.scenario("""
            name: x
            duration_s: 1
            pack:
              profile: foxbms
              foxbms: {topology: 1x1x18x8@40, contactors: closed, current_sign: charge-positive, report_timeout_ms: 250}
            """)
        let options = try #require(scenario.pack.busProfile.foxBMSOptions)
        #expect(options.topology == FoxBMSTopology(strings: 1, modulesPerString: 1, cellBlocksPerModule: 18, temperatureSensorsPerModule: 8, firstGroup: 40))
        #expect(options.contactors == .closed)
        #expect(!options.positiveCurrentDischarges)
        #expect(options.reportTimeoutMilliseconds == 250)
        #expect(try FoxBMSPackParticipantTests.scenario("name: x\nduration_s: 1\n").pack.busProfile == .bms)
    }

    @Test(arguments: [
        ("  profile: foxbmz\n", ":4:", "'foxbmz' is not a bus profile"),
        ("  foxbms: {contactors: closed}\n", ":4:", "pack.foxbms needs pack.profile: foxbms"),
        ("  profile: foxbms\n  foxbms: {topology: 2x8x12x12}\n", ":5:", "strings is 2"),
        ("  profile: foxbms\n  foxbms: {topology: 1x8x12}\n", ":5:", "expected 4 counts"),
        ("  profile: foxbms\n  foxbms: {contactors: shut}\n", ":5:", "'shut' is not a contactor source; expected one of: open, closed, follow-bms-state"),
        ("  profile: foxbms\n  foxbms: {current_sign: up}\n", ":5:", "'up' is not a current sign"),
        ("  profile: foxbms\n  foxbms: {relay: 1}\n", ":5:", "relay"),
    ])
    func badSettingsNameTheLine(pack: String, line: String, reason: String) throws {
        let message = try Self.loadError(pack)
        #expect(message.contains(line) && message.contains(reason), "\(message)")
    }

    @Test func bundleRefusesWhatTheProfileCannotRun() throws {
        let bundle = try FoxBMSPackParticipantTests.bundle.get()
        var scenario = Scenario(name: "fox", durationSeconds: 1, pack: PackSetup(busProfile: .foxBMS(FoxBMSOptions())))
        #expect(throws: RuntimeError.self) { try bundle.makeFirmware(for: scenario) }
        var tooLong = scenario
        tooLong.pack.busProfile = .foxBMS(FoxBMSOptions(topology: FoxBMSTopology(strings: 1, modulesPerString: 9, cellBlocksPerModule: 12, temperatureSensorsPerModule: 12)))
        let fit = #expect(throws: RuntimeError.self) { try bundle.makeVehicle(for: tooLong) }
        #expect(fit?.description.contains("does not fit the pack (96 series groups)") == true, "\(fit?.description ?? "")")
        scenario.vehicle.initialRequest = .heal
        let heal = #expect(throws: RuntimeError.self) { try bundle.makeVehicle(for: scenario) }
        #expect(heal?.description.contains("no heal mode") == true)
        scenario.vehicle.initialRequest = .standby
        scenario.vehicle.cycling = CyclingProgram(cycles: 1, dischargeAmps: 5)
        let cycling = #expect(throws: RuntimeError.self) { try bundle.makeVehicle(for: scenario) }
        #expect(cycling?.description.contains("needs a charger") == true || cycling?.description.contains("has none") == true)
        scenario.vehicle.cycling = nil
        let vehicle = try bundle.makeVehicle(for: scenario)
        #expect(vehicle.nodes.foxBMSProfile?.topology == .matching(vehicle.nodes.configuration))
        #expect(vehicle.vehicle.foxBMSStatus != nil)
    }
}
