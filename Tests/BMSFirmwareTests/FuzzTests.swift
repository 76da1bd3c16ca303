@testable import BMSFirmware
import SeededRandom
import Testing

/// Property tests over seeded random event sequences: no input traps, no contactor is commanded closed
/// in `fault` or `emergencyShutdown`, no charger command while the state request's E2E is invalid,
/// every SOC stays within 0...1, limits are zero with open contactors.
@Suite("Fuzz")
struct FuzzTests {
    struct Invariants {
        var requestLinkInvalid = false
        var checkedEvents = 0

        mutating func check(before: BMSState, event: BMSEvent, commands: [BMSCommand], controller: BMSController) {
            checkedEvents += 1
            let latched: (BMSState) -> Bool = {
                switch $0 {
                case .fault, .emergencyShutdown: true
                default: false
                }
            }
            if case .e2eFailure(message: .stateRequest) = event { requestLinkInvalid = true }
            if case .stateRequested = event { requestLinkInvalid = false }
            for command in commands {
                if case .closeContactor = command {
                    #expect(!latched(before) && !latched(controller.state), "closeContactor in \(before) → \(controller.state) on \(event)")
                }
                if case .commandCharger = command {
                    #expect(!requestLinkInvalid, "charger commanded with an invalid request link on \(event)")
                }
            }
            for soc in controller.cellSOC { #expect(soc >= 0 && soc <= 1 && soc.isFinite, "SOC \(soc) on \(event)") }
            if !controller.state.contactorsClosed {
                #expect(controller.currentLimits.maximumChargeMilliamperes == 0 && controller.currentLimits.maximumDischargeMilliamperes == 0)
            }
            if case .emergencyShutdown = before {
                if case .emergencyShutdown = controller.state {} else { Issue.record("left emergency shutdown on \(event)") }
            }
        }
    }

    static func int32(_ random: inout Xoshiro256, typical: ClosedRange<Int32>) -> Int32 {
        switch random.next() % 10 {
        case 0: return Int32.min
        case 1: return Int32.max
        case 2: return Int32(truncatingIfNeeded: random.next())
        default: return typical.lowerBound + Int32(truncatingIfNeeded: random.next() % UInt64(Int64(typical.upperBound) - Int64(typical.lowerBound) + 1))
        }
    }

    static func index(_ random: inout Xoshiro256, count: Int) -> Int {
        switch random.next() % 12 {
        case 0: return Int.min
        case 1: return Int.max
        case 2: return -1
        case 3: return count
        default: return Int(random.next() % UInt64(max(count, 1)))
        }
    }

    /// A random event: plausible values most of the time, extremes and garbage otherwise.
    static func event(_ random: inout Xoshiro256, now: inout Int64, cells: Int, sensors: Int) -> BMSEvent {
        switch random.next() % 17 {
        case 0, 1, 2:
            switch random.next() % 20 {
            case 0: now = Int64.min
            case 1: now = Int64.max
            case 2: now = now &- Int64(random.next() % 1_000)
            case 3: now = now &+ Int64(random.next() % 100_000_000)
            default: now = now &+ Int64(random.next() % 50)
            }
            return .tick(nowMilliseconds: now)
        case 3:
            let count = Int(random.next() % 20)
            return .cellVoltagesMeasured(
                firstCell: index(&random, count: cells), millivolts: (0..<count).map { _ in int32(&random, typical: 2_500...4_400) })
        case 4:
            let count = Int(random.next() % 20)
            return .cellTemperaturesMeasured(
                firstSensor: index(&random, count: sensors), deciCelsius: (0..<count).map { _ in int32(&random, typical: -300...900) },
                channel: random.next() % 2 == 0 ? .primary : .redundant)
        case 5: return .packCurrentMeasured(milliamperes: int32(&random, typical: -50_000...200_000))
        case 6: return .packVoltageMeasured(millivolts: int32(&random, typical: 0...20_000))
        case 7: return .linkVoltageMeasured(millivolts: int32(&random, typical: 0...20_000))
        case 8: return .gasMeasured(sensor: index(&random, count: 1), hydrogenPartsPerMillion: int32(&random, typical: 0...6_000))
        case 9: return .pressureMeasured(sensor: index(&random, count: 1), pascals: int32(&random, typical: 40_000...200_000))
        case 10: return .smokeMeasured(sensor: index(&random, count: 1), detected: random.next() % 4 == 0)
        case 11: return .insulationMeasured(kiloohms: int32(&random, typical: 0...20_000))
        case 12: return .contactorFeedback(Contactor.allCases[Int(random.next() % 3)], closed: random.next() % 2 == 0)
        case 13:
            return .chargerStatus(ChargerStatus(connected: random.next() % 3 != 0, bidirectional: random.next() % 2 == 0, faulted: random.next() % 8 == 0))
        case 14: return .stateRequested(ModeRequest.allCases[Int(random.next() % 5)])
        case 15: return .e2eFailure(message: BMSMessage.allCases[Int(random.next() % UInt64(BMSMessage.allCases.count))])
        default:
            let faults: [SensorFault] = [
                .cellVoltageOpenWire(cell: index(&random, count: cells)), .temperatureSensor(sensor: index(&random, count: sensors)),
                .currentSensor, .gasSensor(index(&random, count: 1)), .pressureSensor(index(&random, count: 1)), .smokeSensor(index(&random, count: 1)),
            ]
            let fault = faults[Int(random.next() % UInt64(faults.count))]
            return random.next() % 2 == 0 ? .sensorFaultReported(fault) : .sensorFaultCleared(fault)
        }
    }

    /// Pure garbage from the first event on.
    @Test(arguments: 0..<40)
    func randomEventSequencesKeepTheInvariants(seed: Int) throws {
        var random = Xoshiro256(seed: 0xF00D, stream: UInt64(seed))
        var controller = try BMSController(configuration: Fixtures.small)
        var invariants = Invariants()
        var now: Int64 = 0
        for _ in 0..<1_500 {
            let event = Self.event(&random, now: &now, cells: 4, sensors: 4)
            let before = controller.state
            let commands = controller.handle(event)
            invariants.check(before: before, event: event, commands: commands, controller: controller)
        }
    }

    /// A healthy plant with random disturbances and requests, so sequences reach precharge, normal,
    /// charging, balancing, fault and emergency.
    @Test(arguments: 0..<20)
    func disturbedPlantKeepsTheInvariants(seed: Int) throws {
        var random = Xoshiro256(seed: 0xBEEF, stream: UInt64(seed))
        var rig = try Rig()
        rig.boot()
        var invariants = Invariants()
        var visited = Set<String>()
        var now = rig.now
        for _ in 0..<3_000 {
            // Mostly the rig's own healthy cycle, sometimes a random event in between.
            if random.next() % 4 == 0 {
                let event = Self.event(&random, now: &now, cells: 4, sensors: 4)
                if case .tick = event { continue }
                let before = rig.controller.state
                let commands = rig.send(event)
                invariants.check(before: before, event: event, commands: commands, controller: rig.controller)
            }
            if random.next() % 50 == 0 { rig.request = ModeRequest.allCases[Int(random.next() % 5)] }
            if random.next() % 200 == 0 { rig.cellMillivolts[Int(random.next() % 4)] = Int32(3_000 + Int(random.next() % 1_400)) }
            if random.next() % 300 == 0 { rig.feedbackFollows.toggle() }
            if random.next() % 300 == 0 { rig.linkCharges.toggle() }
            let before = rig.controller.state
            rig.recordEvents = true
            rig.events.removeAll(keepingCapacity: true)
            let commands = rig.tick()
            // The rig's own measurement and request events come first; the link state follows them.
            for event in rig.events.dropLast() {
                if case .stateRequested = event { invariants.requestLinkInvalid = false }
            }
            invariants.check(before: before, event: .tick(nowMilliseconds: rig.now), commands: commands, controller: rig.controller)
            visited.insert(rig.controller.state.name.rawValue)
            now = rig.now
        }
        #expect(visited.count >= 3, "explored only \(visited.sorted())")
    }

    /// Same seed, same events → the same commands, bit for bit.
    @Test func deterministic() throws {
        func run() throws -> [BMSCommand] {
            var random = Xoshiro256(seed: 99)
            var controller = try BMSController(configuration: Fixtures.small)
            var now: Int64 = 0
            var log: [BMSCommand] = []
            for _ in 0..<3_000 { log += controller.handle(Self.event(&random, now: &now, cells: 4, sensors: 4)) }
            return log
        }
        let first = try run()
        #expect(!first.isEmpty)
        #expect(first == (try run()))
    }
}
