import BMSFirmware
import FirmwareConfig
import SeededRandom

/// Shared fixtures: the shipped `Firmware/` configuration and a small-pack variant for state-machine tests.
enum Fixtures {
    /// `Firmware/` of this package (tests may read the project's own data files).
    static let firmwareDirectory: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/Firmware"
    }()

    /// The shipped configuration (96s2p), loaded once.
    static let shipped: BMSConfiguration = {
        do {
            return try BMSConfiguration.load(firmwareDirectory: firmwareDirectory)
        } catch {
            fatalError("shipped Firmware/ configuration does not load: \(error)")
        }
    }()

    /// The shipped limits, tables and tuning on a 4s1p pack with one module, no reports.
    static let small: BMSConfiguration = {
        var configuration = shipped
        configuration.topology = PackTopology(
            seriesCells: 4, parallelCells: 1, cellsPerModule: 4, temperatureSensors: 4, redundantTemperatures: false, gasSensors: 1,
            pressureSensors: 1, smokeSensors: 1)
        configuration.reporting = .silent
        return configuration
    }()
}

/// A minimal plant around the controller: healthy measurements every tick, contactor feedback that
/// follows the commands, a DC link that charges through the precharge contactor, a periodic state
/// request. Tests change the plant's fields to inject conditions.
struct Rig {
    var controller: BMSController
    var now: Int64 = 0
    var cellMillivolts: [Int32]
    var temperatures: [Int32]
    var currentMilliamperes: Int32 = 0
    var packMillivoltsOverride: Int32?
    var linkMillivolts: Int32 = 0
    var hydrogen: Int32 = 2
    var pressure: Int32 = 101_325
    var smoke = false
    var insulationKiloohms: Int32 = 10_000
    var charger = ChargerStatus(connected: true, bidirectional: true, faulted: false)
    /// Re-sent every 100 ms when set.
    var request: ModeRequest?
    var lastRequestAt: Int64 = -1_000
    /// Contactor positions reported as feedback (follow the commands when `feedbackFollows`).
    var contactorClosed: [Contactor: Bool] = [.mainMinus: false, .precharge: false, .mainPlus: false]
    var feedbackFollows = true
    /// When false, the DC link never charges (precharge failure).
    var linkCharges = true
    var sendMeasurements = true
    /// Every command the controller produced, in order.
    var log: [BMSCommand] = []
    /// Every event sent, when `recordEvents` is on.
    var events: [BMSEvent] = []
    var recordEvents = false
    /// When true the pack current follows the charger commands (charge current into the pack).
    var chargerDrivesCurrent = false
    /// A block whose voltage sags linearly (µV/s) from `since`, as a soft short would make it.
    var sag: (cell: Int, microvoltsPerSecond: Double, since: Int64)?
    /// 1σ voltage noise added to every block (mV), from a seeded generator.
    var voltageNoiseMillivolts = 0.0
    /// Rewrites the block voltages just before they are sent (sensor faults).
    var voltageFault: ((inout [Int32]) -> Void)?
    var random = Xoshiro256(seed: 42)

    init(configuration: BMSConfiguration = Fixtures.small, cellMillivolts: Int32 = 3800, deciCelsius: Int32 = 250) throws {
        controller = try BMSController(configuration: configuration)
        self.cellMillivolts = Array(repeating: cellMillivolts, count: configuration.topology.seriesCells)
        temperatures = Array(repeating: deciCelsius, count: configuration.topology.temperatureSensors)
    }

    var packMillivolts: Int32 { packMillivoltsOverride ?? cellMillivolts.reduce(0, +) }

    /// Sends an event, logs and returns its commands, and applies them to the plant.
    @discardableResult
    mutating func send(_ event: BMSEvent) -> [BMSCommand] {
        if recordEvents { events.append(event) }
        let commands = controller.handle(event)
        log += commands
        apply(commands)
        return commands
    }

    mutating func apply(_ commands: [BMSCommand]) {
        guard feedbackFollows else { return }
        for command in commands {
            switch command {
            case .closeContactor(let contactor): contactorClosed[contactor] = true
            case .openContactor(let contactor): contactorClosed[contactor] = false
            case .openAllContactors: for contactor in Contactor.allCases { contactorClosed[contactor] = false }
            case .commandCharger(let setpoint): if chargerDrivesCurrent { currentMilliamperes = -min(setpoint.currentMilliamperes, 1_000_000) }
            case .chargerOff: if chargerDrivesCurrent { currentMilliamperes = 0 }
            default: break
            }
        }
    }

    /// Feeds one set of measurements (and the periodic request), without a tick.
    mutating func feed() {
        guard sendMeasurements else { return }
        var measured = cellMillivolts
        if let sag {
            let seconds = Double(max(0, now - sag.since)) / 1000
            measured[sag.cell] -= Int32((sag.microvoltsPerSecond * seconds / 1000).rounded())
        }
        if voltageNoiseMillivolts > 0 {
            for index in measured.indices { measured[index] += Int32((voltageNoiseMillivolts * random.nextGaussian()).rounded()) }
        }
        voltageFault?(&measured)
        send(.cellVoltagesMeasured(firstCell: 0, millivolts: measured))
        send(.cellTemperaturesMeasured(firstSensor: 0, deciCelsius: temperatures, channel: .primary))
        send(.packCurrentMeasured(milliamperes: currentMilliamperes))
        send(.packVoltageMeasured(millivolts: packMillivolts))
        let minus = contactorClosed[.mainMinus] ?? false
        let path = (contactorClosed[.precharge] ?? false) || (contactorClosed[.mainPlus] ?? false)
        if minus, path, linkCharges {
            linkMillivolts = packMillivolts
        } else if !(minus && path) {
            linkMillivolts = 0
        }
        send(.linkVoltageMeasured(millivolts: linkMillivolts))
        send(.gasMeasured(sensor: 0, hydrogenPartsPerMillion: hydrogen))
        send(.pressureMeasured(sensor: 0, pascals: pressure))
        send(.smokeMeasured(sensor: 0, detected: smoke))
        send(.insulationMeasured(kiloohms: insulationKiloohms))
        send(.chargerStatus(charger))
        for contactor in Contactor.allCases { send(.contactorFeedback(contactor, closed: contactorClosed[contactor] ?? false)) }
    }

    /// Feeds the plant, re-sends the periodic request, then ticks; returns the tick's commands only.
    @discardableResult
    mutating func tick(_ milliseconds: Int64 = 10) -> [BMSCommand] {
        now += milliseconds
        if let request, now - lastRequestAt >= 100 {
            send(.stateRequested(request))
            lastRequestAt = now
        }
        feed()
        return send(.tick(nowMilliseconds: now))
    }

    /// Ticks `count` times, returning every command of those ticks.
    @discardableResult
    mutating func run(ticks count: Int, every milliseconds: Int64 = 10) -> [BMSCommand] {
        var all: [BMSCommand] = []
        for _ in 0..<count { all += tick(milliseconds) }
        return all
    }

    /// Ticks until `condition` holds (at most `limit` ticks); returns the commands of all those ticks.
    @discardableResult
    mutating func run(until condition: (BMSController) -> Bool, limit: Int = 10_000) -> [BMSCommand] {
        var all: [BMSCommand] = []
        for _ in 0..<limit where !condition(controller) { all += tick() }
        return all
    }

    /// Brings a fresh controller to `standby` (first tick, measurements, one more tick).
    mutating func boot() {
        feed()
        send(.tick(nowMilliseconds: now))
        tick()
    }

    /// Standby → precharge → normal with healthy feedback.
    mutating func closeContactors(for mode: ModeRequest = .normal) {
        request = mode
        run { if case .normal = $0.state { return true }; if case .charging = $0.state { return true }; return false }
    }
}

extension BMSCommand {
    var isDiagnosisRecord: Bool {
        if case .recordDiagnosis = self { return true }
        return false
    }
}

extension Array where Element == BMSCommand {
    /// Commands without the diagnosis records (for tests about actions).
    var actions: [BMSCommand] { filter { !$0.isDiagnosisRecord } }
    /// The diagnosis records as (id, active) pairs.
    var diagnosisChanges: [String] {
        compactMap {
            if case .recordDiagnosis(let transition) = $0 { return "\(transition.id.name)=\(transition.active ? "set" : "cleared")" }
            return nil
        }
    }
}
