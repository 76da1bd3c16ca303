import CANCore
import CANTransport
import CellPack
public import Emulator
import Foundation
import Yams

/// Reads scenario files (`HIL/scenarios/*.yaml`) into ``Emulator/Scenario`` values.
///
/// Every problem is reported as `file:line:column: key: reason`; all problems of a file are collected
/// before throwing, so one run shows them all. The schema is documented in `HIL/scenarios/README.md`.
public enum ScenarioFile {
    /// Loads and validates a scenario. `firmwareDirectory` resolves drive-cycle profiles (`profiles/…`).
    ///
    /// - Parameter checkSensorFault: validates a sensor-fault text (the sensor-node parser); returns a reason or `nil`.
    public static func load(path: String, firmwareDirectory: String, checkSensorFault: @escaping (String) -> String? = { _ in nil }) throws(ParameterFileError) -> Scenario {
        let document = try ParameterFileError.document(path: path)
        let reader = ScenarioReader(root: document.root, firmwareDirectory: firmwareDirectory, checkSensorFault: checkSensorFault)
        let scenario = reader.read()
        guard reader.problems.isEmpty, let scenario else { throw ParameterFileError(problems: reader.problems) }
        return scenario
    }
}

final class ScenarioReader {
    let root: ConfigNode
    let firmwareDirectory: String
    let checkSensorFault: (String) -> String?
    var problems: [ConfigError] = []

    init(root: ConfigNode, firmwareDirectory: String, checkSensorFault: @escaping (String) -> String?) {
        self.root = root
        self.firmwareDirectory = firmwareDirectory
        self.checkSensorFault = checkSensorFault
    }

    static let topKeys: Set<String> = [
        "name", "summary", "seed", "duration_s", "step_ms", "firmware_task_ms", "bus", "pack", "vehicle", "timeline",
        "expect", "sample_period_s",
    ]

    /// Runs `body`, recording its error; returns its value or `nil`.
    func attempt<T>(_ body: () throws -> T) -> T? {
        do { return try body() } catch {
            problems.append((error as? ConfigError) ?? root.error("\(error)"))
            return nil
        }
    }

    func read() -> Scenario? {
        attempt { try root.rejectUnknownKeys(Self.topKeys) }
        guard let name = attempt({ try root.required("name").string() }) else { return nil }
        var scenario = Scenario(name: name, durationSeconds: 0)
        if let summary = attempt({ try root.optional("summary")?.string() }), let summary { scenario.summary = summary }
        if let seed = attempt({ try root.optional("seed")?.int(in: 0...Int.max) }), let seed { scenario.seed = UInt64(seed) }
        if let step = attempt({ try root.optional("step_ms")?.double(in: 0.1...60_000) }), let step { scenario.stepMilliseconds = step }
        if let task = attempt({ try root.optional("firmware_task_ms")?.double(in: 1...60_000) }), let task { scenario.firmwareTaskMilliseconds = task }
        if let period = attempt({ try root.optional("sample_period_s")?.double(in: 0.001...86_400) }), let period { scenario.samplePeriodSeconds = period }
        if let bus = attempt({ try root.optional("bus") }), let bus { scenario.busModel = readBus(bus) }
        if let pack = attempt({ try root.optional("pack") }), let pack { scenario.pack = readPack(pack) }
        if let vehicle = attempt({ try root.optional("vehicle") }), let vehicle { scenario.vehicle = readVehicle(vehicle) }
        let duration = attempt { try root.optional("duration_s")?.double(in: 0.001...1e9) } ?? nil
        if let duration {
            scenario.durationSeconds = duration
        } else if let cycling = scenario.vehicle.cycling {
            // A cycling run ends with its program; the duration is only a safety net.
            scenario.durationSeconds = Double(cycling.cycles) * (2 * cycling.restSeconds + cycling.chargeTimeoutSeconds + 36_000)
        } else {
            problems.append(root.error("missing required key 'duration_s' (or a vehicle.cycling program)"))
        }
        if let timeline = attempt({ try root.optional("timeline")?.elements() }), let timeline {
            scenario.timeline = timeline.compactMap { readTimelineEntry($0) }.sorted { $0.atSeconds < $1.atSeconds }
            for entry in scenario.timeline where entry.atSeconds > scenario.durationSeconds {
                problems.append(ConfigError(file: root.file, line: entry.line, column: 0, key: "timeline", reason: "at \(entry.atSeconds) s is after the end of the run (\(scenario.durationSeconds) s)"))
            }
        }
        if let expectations = attempt({ try root.optional("expect")?.elements() }), let expectations {
            scenario.expectations = expectations.compactMap { readExpectation($0) }
        }
        return scenario
    }

    func readBus(_ node: ConfigNode) -> VirtualCANBus.BusModel? {
        attempt { try node.rejectUnknownKeys(["bitrate", "data_bitrate"]) }
        guard let rate = attempt({ try node.required("bitrate").int(in: 10_000...1_000_000) }) else { return nil }
        let data = attempt { try node.optional("data_bitrate")?.int(in: 10_000...12_000_000) } ?? nil
        return VirtualCANBus.BusModel(nominalBitRate: rate, dataBitRate: data ?? 2_000_000)
    }

    func readPack(_ node: ConfigNode) -> PackSetup {
        var setup = PackSetup()
        attempt {
            try node.rejectUnknownKeys(["cell", "topology", "nodes", "initial_soc", "initial_celsius", "ambient_celsius", "coolant_celsius", "profile", "foxbms"])
        }
        if let value = attempt({ try node.optional("cell")?.string() }), let value { setup.cellFile = checkedFile(value, node: node, key: "cell") }
        if let value = attempt({ try node.optional("topology")?.string() }), let value { setup.packFile = checkedFile(value, node: node, key: "topology") }
        if let value = attempt({ try node.optional("nodes")?.string() }), let value { setup.nodesFile = checkedFile(value, node: node, key: "nodes") }
        if let value = attempt({ try node.optional("initial_soc")?.double(in: 0...1) }), let value { setup.initialStateOfCharge = value }
        if let value = attempt({ try node.optional("initial_celsius")?.double(in: -40...80) }), let value { setup.initialCelsius = value }
        if let value = attempt({ try node.optional("ambient_celsius")?.double(in: -40...80) }), let value { setup.ambientCelsius = value }
        if let value = attempt({ try node.optional("coolant_celsius")?.double(in: -40...80) }), let value { setup.coolantCelsius = value }
        setup.busProfile = readBusProfile(node)
        return setup
    }

    func checkedFile(_ relative: String, node: ConfigNode, key: String) -> String {
        let full = firmwareDirectory + "/" + relative
        if !FileManager.default.fileExists(atPath: full) {
            if let located = attempt({ try node.required(key) }) { problems.append(located.error("no such file under the firmware directory: \(full)")) }
        }
        return relative
    }

    func readVehicle(_ node: ConfigNode) -> VehicleProgram {
        var program = VehicleProgram()
        attempt {
            try node.rejectUnknownKeys(["send_state_requests", "request", "charger_connected", "healing_allowed", "balancing_allowed", "load", "cycling", "obey_current_limits"])
        }
        if let value = attempt({ try node.optional("send_state_requests")?.bool() }), let value { program.sendsStateRequests = value }
        if let value = attempt({ try node.optional("request") }), let value, let request = readRequest(value) { program.initialRequest = request.0 }
        if let value = attempt({ try node.optional("charger_connected")?.bool() }), let value { program.chargerConnected = value }
        if let value = attempt({ try node.optional("healing_allowed")?.bool() }), let value { program.healingAllowed = value }
        if let value = attempt({ try node.optional("balancing_allowed")?.bool() }), let value { program.balancingAllowed = value }
        if let value = attempt({ try node.optional("obey_current_limits")?.bool() }), let value { program.obeysCurrentLimits = value }
        if let value = attempt({ try node.optional("load") }), let value, let load = readLoad(value) { program.initialLoad = load }
        if let value = attempt({ try node.optional("cycling") }), let value { program.cycling = readCycling(value) }
        return program
    }

    func readCycling(_ node: ConfigNode) -> CyclingProgram? {
        attempt { try node.rejectUnknownKeys(["cycles", "discharge_a", "cutoff_mv", "rest_s", "charge_timeout_s", "heal_every", "heal_protocol"]) }
        guard let cycles = attempt({ try node.required("cycles").int(in: 1...100_000) }),
            let amps = attempt({ try node.required("discharge_a").double(in: 0.001...2000) })
        else { return nil }
        var program = CyclingProgram(cycles: cycles, dischargeAmps: amps)
        if let value = attempt({ try node.optional("cutoff_mv")?.double(in: 1000...5000) }), let value { program.dischargeCutoffMillivolts = value }
        if let value = attempt({ try node.optional("rest_s")?.double(in: 0...86_400) }), let value { program.restSeconds = value }
        if let value = attempt({ try node.optional("charge_timeout_s")?.double(in: 60...864_000) }), let value { program.chargeTimeoutSeconds = value }
        if let value = attempt({ try node.optional("heal_every")?.int(in: 1...100_000) }), let value { program.healEveryCycles = value }
        if let protocolNode = attempt({ try node.optional("heal_protocol") }), let protocolNode, let text = attempt({ try protocolNode.string() }) {
            let wanted = text.replacingOccurrences(of: "_", with: "").lowercased()
            if let match = HealingRequest.allCases.first(where: { $0.rawValue.lowercased() == wanted && $0 != .automatic }) {
                program.healProtocol = match
            } else {
                problems.append(protocolNode.error("'\(text)' is not a healing protocol; expected one of: pulse_charging, self_heating_pulse_train, asymmetric_bidirectional, rest_stcr"))
            }
        }
        return program
    }

    /// `mode` or `{mode: heal, protocol: asymmetric_bidirectional}`.
    func readRequest(_ node: ConfigNode) -> (VehicleRequest, HealingRequest)? {
        func request(_ text: String, at located: ConfigNode) -> VehicleRequest? {
            let wanted = text.lowercased()
            guard let match = VehicleRequest.allCases.first(where: { $0.rawValue.lowercased() == wanted }) else {
                problems.append(located.error("'\(text)' is not a mode; expected one of: \(VehicleRequest.allCases.map { $0.rawValue.lowercased() }.joined(separator: ", "))"))
                return nil
            }
            return match
        }
        if node.node.scalar != nil {
            guard let text = attempt({ try node.string() }), let mode = request(text, at: node) else { return nil }
            return (mode, .automatic)
        }
        attempt { try node.rejectUnknownKeys(["mode", "protocol"]) }
        guard let modeNode = attempt({ try node.required("mode") }), let text = attempt({ try modeNode.string() }),
            let mode = request(text, at: modeNode)
        else { return nil }
        var protocolChoice = HealingRequest.automatic
        if let protocolNode = attempt({ try node.optional("protocol") }), let protocolNode, let text = attempt({ try protocolNode.string() }) {
            let wanted = text.replacingOccurrences(of: "_", with: "").lowercased()
            if let match = HealingRequest.allCases.first(where: { $0.rawValue.lowercased() == wanted }) {
                protocolChoice = match
            } else {
                problems.append(protocolNode.error("'\(text)' is not a healing protocol; expected one of: automatic, pulse_charging, self_heating_pulse_train, asymmetric_bidirectional, rest_stcr"))
            }
        }
        return (mode, protocolChoice)
    }
}
