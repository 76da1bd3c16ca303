import CANCore
import CANDatabase
import CellPack
import SensorNodes
import Testing

@Suite("Contactors")
struct ContactorTests {
    struct Request {
        var plus: Int64 = 0
        var minus: Int64 = 0
        var precharge: Int64 = 0
        var emergency: Int64 = 0
    }

    func frame(_ builder: inout CommandBuilder, _ request: Request) throws -> CANFrame {
        try builder.frame([:], raw: [
            "ContactorCmd_MainPlus": request.plus, "ContactorCmd_MainMinus": request.minus,
            "ContactorCmd_Precharge": request.precharge, "ContactorCmd_EmergencyOpen": request.emergency,
        ])
    }

    /// Runs with `request` sent every 50 ms (the DBC cycle), recording positions at every 1 ms step.
    func run(
        _ rig: inout Rig, _ builder: inout CommandBuilder, _ request: Request?, for duration: Int64,
        positions: inout [(Int64, ContactorStates)]
    ) throws {
        let end = rig.now + duration
        let start = rig.now
        while rig.now < end {
            if let request, (rig.now - start) % (50 * millisecond) == 0 { rig.send(try frame(&builder, request)) }
            for frame in rig.nodes.step(nowNanoseconds: rig.now, cells: rig.cells, pack: rig.pack) { rig.log.append((rig.now, frame)) }
            positions.append((rig.now, rig.nodes.actuators.contactors))
            rig.now += millisecond
        }
    }

    func feedback(_ rig: Rig) throws -> [String: Double] {
        try Fixtures.values(try #require(rig.frames("CONT_ContactorFeedback").last).frame)
    }

    @Test func closeAndOpenTakeTheirTimesWithTransitionFeedback() throws {
        var rig = Rig(nodes: try Fixtures.nodes())
        var builder = try CommandBuilder("BMS_ContactorCommand")
        var positions: [(Int64, ContactorStates)] = []
        try run(&rig, &builder, nil, for: 100 * millisecond, positions: &positions)
        #expect(rig.nodes.actuators.contactors == .open)
        // Precharge: main− and precharge close 20 ms (operate time) after the command.
        let commanded = rig.now
        try run(&rig, &builder, Request(minus: 1, precharge: 1), for: 100 * millisecond, positions: &positions)
        let closed = try #require(positions.first { $0.0 >= commanded && $0.1 == .precharging }).0
        #expect(closed - commanded == 20 * millisecond)
        // The feedback sent during the operate time says Transition, never a bouncing Closed/Open.
        let transitions = try rig.frames("CONT_ContactorFeedback").filter { $0.time >= commanded && $0.time < closed }
        for entry in transitions { #expect(try Fixtures.values(entry.frame)["Feedback_MainMinusState"] == 2) }
        var values = try feedback(rig)
        #expect(values["Feedback_MainMinusState"] == 1 && values["Feedback_PrechargeState"] == 1 && values["Feedback_MainPlusState"] == 0)
        // Main+ closes, then precharge opens after its 12 ms release time.
        try run(&rig, &builder, Request(plus: 1, minus: 1, precharge: 1), for: 100 * millisecond, positions: &positions)
        let releaseCommand = rig.now
        try run(&rig, &builder, Request(plus: 1, minus: 1, precharge: 0), for: 100 * millisecond, positions: &positions)
        let released = try #require(positions.first { $0.0 >= releaseCommand && !$0.1.precharge }).0
        #expect(released - releaseCommand == 12 * millisecond)
        #expect(rig.nodes.actuators.contactors == .closed)
        values = try feedback(rig)
        #expect(values["Feedback_MainPlusState"] == 1 && values["Feedback_PrechargeState"] == 0)
        #expect(values["Feedback_MainPlusWelded"] == 0 && values["Feedback_MainPlusCoilFault"] == 0)
        // Feedback counter and CRC: the frames pass an E2E receiver.
        var receiver = E2EReceiverHarness(name: "CONT_ContactorFeedback")
        for entry in try rig.frames("CONT_ContactorFeedback") { #expect(try receiver.accepts(entry.frame)) }
    }

    @Test func everythingOpensWhenCommandsStopOrOnEmergency() throws {
        var rig = Rig(nodes: try Fixtures.nodes())
        var builder = try CommandBuilder("BMS_ContactorCommand")
        var positions: [(Int64, ContactorStates)] = []
        try run(&rig, &builder, Request(plus: 1, minus: 1), for: 200 * millisecond, positions: &positions)
        #expect(rig.nodes.actuators.contactors == .closed)
        let lastCommand = rig.now - 50 * millisecond
        try run(&rig, &builder, nil, for: 300 * millisecond, positions: &positions)
        let opened = try #require(positions.first { $0.0 > lastCommand && $0.1 == .open }).0
        // 150 ms without a valid command, then the 12 ms release time.
        #expect(opened - lastCommand == 162 * millisecond)
        // Emergency open wins over close requests.
        try run(&rig, &builder, Request(plus: 1, minus: 1), for: 200 * millisecond, positions: &positions)
        #expect(rig.nodes.actuators.contactors == .closed)
        try run(&rig, &builder, Request(plus: 1, minus: 1, emergency: 1), for: 100 * millisecond, positions: &positions)
        #expect(rig.nodes.actuators.contactors == .open)
    }

    @Test func weldedAndFailToCloseContactorsAreReported() throws {
        var rig = Rig(nodes: try Fixtures.nodes())
        var builder = try CommandBuilder("BMS_ContactorCommand")
        var positions: [(Int64, ContactorStates)] = []
        try rig.nodes.inject(SensorFault(parsing: "contactors.main-plus welded"))
        try rig.nodes.inject(SensorFault(parsing: "contactors.precharge fail-to-close"))
        try run(&rig, &builder, Request(plus: 1, minus: 1, precharge: 1), for: 200 * millisecond, positions: &positions)
        // Precharge never closes; its coil fault shows.
        #expect(rig.nodes.actuators.contactors == .closed)
        var values = try feedback(rig)
        #expect(values["Feedback_PrechargeState"] == 0 && values["Feedback_PrechargeCoilFault"] == 1)
        #expect(values["Feedback_MainPlusWelded"] == 0)
        // Commanded open: main+ stays closed (welded), main− opens; the weld shows after the release time.
        try run(&rig, &builder, Request(), for: 200 * millisecond, positions: &positions)
        #expect(rig.nodes.actuators.contactors == ContactorStates(mainPositive: true))
        values = try feedback(rig)
        #expect(values["Feedback_MainPlusState"] == 1 && values["Feedback_MainPlusWelded"] == 1)
        #expect(values["Feedback_MainMinusState"] == 0 && values["Feedback_PrechargeCoilFault"] == 0)
        // Even emergency open cannot open a welded contact; clearing the fault (repair) can.
        try run(&rig, &builder, Request(emergency: 1), for: 100 * millisecond, positions: &positions)
        #expect(rig.nodes.actuators.contactors.mainPositive)
        #expect(rig.nodes.clear(try SensorFault(parsing: "contactors.main-plus welded")))
        try run(&rig, &builder, Request(), for: 100 * millisecond, positions: &positions)
        #expect(rig.nodes.actuators.contactors == .open)
        #expect(rig.nodes.activeFaults == [try SensorFault(parsing: "contactors.precharge fail-to-close")])
    }

    @Test func commandsFailingChecksAreIgnoredAndCounted() throws {
        var rig = Rig(nodes: try Fixtures.nodes())
        var builder = try CommandBuilder("BMS_ContactorCommand")
        let good = try frame(&builder, Request(plus: 1, minus: 1))
        var corrupted = good.data
        corrupted.set(corrupted[2] ^ 0x5A, at: 2)
        rig.send(try CANFrame(id: good.id, payload: corrupted))
        rig.send(try CANFrame(id: good.id, data: Array(good.data) + [0]))
        rig.send(try CANFrame(remoteRequest: good.id, length: 3))
        try rig.run(until: 100 * millisecond)
        #expect(rig.nodes.actuators.contactors == .open)
        let counters = rig.nodes.counters(of: .contactors)
        #expect(counters.badCRC == 1 && counters.wrongLength == 1 && counters.notADataFrame == 1 && counters.accepted == 0)
        rig.send(good)
        rig.send(good)
        #expect(rig.nodes.counters(of: .contactors).repeatedCounter == 1)
        try rig.run(until: 140 * millisecond)
        #expect(rig.nodes.actuators.contactors == .closed)
    }
}

/// Checks E2E on frames the nodes send, as the firmware would.
struct E2EReceiverHarness {
    var receiver: E2EReceiver

    init(name: String) {
        let codec = try! Fixtures.database().codec(forMessageNamed: name)
        receiver = E2EReceiver(profile: try! E2EProfile(codec: codec))
    }

    mutating func accepts(_ frame: CANFrame) throws -> Bool {
        let result = receiver.check(frame)
        return result == .ok || result == .initial
    }

    mutating func check(_ frame: CANFrame) -> E2ECheck { receiver.check(frame) }
}
