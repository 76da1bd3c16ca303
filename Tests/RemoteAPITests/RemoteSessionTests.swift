import Emulator
import EmulatorRuntime
import Foundation
import RemoteAPI
import SeededRandom
import Testing

/// A session on the real Firmware/ bundle and the default scenario (healthy 96s2p pack at 50 % SOC).
enum Harness {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let bundle: FirmwareBundle = {
        do { return try FirmwareBundle(directory: root.appendingPathComponent("Firmware").path) } catch { fatalError("Firmware bundle: \(error)") }
    }()

    static func session(paused: Bool = true, seed: UInt64 = 1) throws -> RemoteSession {
        var scenario = Scenario(name: "test", durationSeconds: .infinity)
        scenario.seed = seed
        let runner = try ScenarioRunner(
            scenario: scenario, vehicle: try bundle.makeVehicle(for: scenario), firmware: try bundle.makeFirmware(for: scenario), database: bundle.database)
        return RemoteSession(runner: runner, startsPaused: paused) { text in
            bundle.readAction(text: text).mapError { ActionTextError($0.description) }
        }
    }
}

extension RemoteSession {
    /// Sends one request and returns the parsed response.
    mutating func request(_ method: String, _ params: JSONValue? = nil, id: JSONValue = 1) throws -> JSONValue {
        var members: [(key: String, value: JSONValue)] = [("jsonrpc", "2.0"), ("id", id), ("method", .string(method))]
        if let params { members.append(("params", params)) }
        let reply = handle(line: Array(JSONValue.object(members).serialized.utf8))
        let line = try #require(reply)
        return try JSONParser.parse(Array(line.utf8))
    }

    mutating func result(_ method: String, _ params: JSONValue? = nil) throws -> JSONValue {
        let response = try request(method, params)
        #expect(response["error"] == nil, "\(method): \(response.serialized)")
        return try #require(response["result"])
    }

    mutating func errorCode(_ method: String, _ params: JSONValue? = nil) throws -> Int? {
        guard case .number(let code)? = try request(method, params)["error"]?["code"] else { return nil }
        return Int(code)
    }

    mutating func value(_ name: String) throws -> JSONValue {
        try #require(try result("var.read", .object([("name", .string(name))]))["value"])
    }
}

@Suite("RemoteAPI session")
struct RemoteSessionTests {
    @Test func pausedTimeMovesOnlyThroughStep() throws {
        var session = try Harness.session()
        #expect(try session.result("sim.status")["time_seconds"] == 0)
        #expect(try session.result("sim.status")["state"] == "paused")
        let stepped = try session.result("sim.step", .object([("seconds", 2)]))
        #expect(stepped["time_seconds"] == 2)
        #expect(stepped["stepped_seconds"] == 2)
        #expect(try session.value("bms.state") == "Standby")
        _ = try session.result("sim.resume")
        #expect(try session.errorCode("sim.step", .object([("seconds", 1)])) == -32003)
        session.step()
        #expect(try session.result("sim.status")["time_seconds"] == 2.01)
        #expect(try session.result("sim.pause")["paused"] == true)
    }

    @Test func sameRequestsGiveTheSameCapture() throws {
        func run() throws -> String {
            var session = try Harness.session(seed: 3)
            _ = try session.result("var.write", .object([("name", "vehicle.request"), ("value", "Discharge")]))
            _ = try session.result("var.write", .object([("name", "vehicle.load_amps"), ("value", 40)]))
            return try session.result("signal.capture", .object([
                ("names", .array(["pack.current_amps", "bms.soc_percent", "pack.group[5].volts", "bms.state"])), ("seconds", 3), ("period_s", 0.5),
            ])).serialized
        }
        let first = try run()
        #expect(first == (try run()))
        #expect(first.contains("\"Discharge\""))
    }

    @Test func badRequestsGetTheirCodesAndChangeNothing() throws {
        var session = try Harness.session()
        _ = try session.result("sim.step", .object([("seconds", 1)]))
        let before = try session.result("sim.status")
        let ambient = try session.value("pack.ambient_celsius")
        func raw(_ text: String) throws -> Int? {
            let reply = session.handle(line: Array(text.utf8))
            let line = try #require(reply)
            guard case .number(let code)? = try JSONParser.parse(Array(line.utf8))["error"]?["code"] else { return nil }
            return Int(code)
        }
        #expect(try raw("{\"jsonrpc\":\"2.0\",\"id\":1,") == -32700)
        #expect(try raw("[]") == -32600)
        #expect(try raw("42") == -32600)
        #expect(try raw("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"sim.status\"}") == -32600)
        #expect(try raw("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"sim.status\"}") == -32600)
        #expect(try raw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}") == -32600)
        #expect(try raw("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sim.step\",\"params\":[1]}") == -32602)
        #expect(try session.errorCode("sim.teleport") == -32601)
        #expect(try session.errorCode("sim.step") == -32602)
        #expect(try session.errorCode("sim.step", .object([("seconds", "1")])) == -32602)
        #expect(try session.errorCode("sim.step", .object([("seconds", -1)])) == -32602)
        #expect(try session.errorCode("sim.step", .object([("seconds", 1e9)])) == -32602)
        #expect(try session.errorCode("sim.status", .object([("verbose", true)])) == -32602)
        #expect(try session.errorCode("var.read", .object([("name", "pack.warp_factor")])) == -32001)
        #expect(try session.errorCode("var.read", .object([("name", "pack.cell[192].temperature_celsius")])) == -32001)
        #expect(try session.errorCode("var.read", .object([("name", "pack.cell[x].temperature_celsius")])) == -32001)
        #expect(try session.errorCode("var.write", .object([("name", "bms.state"), ("value", "Charge")])) == -32002)
        #expect(try session.errorCode("var.write", .object([("name", "pack.ambient_celsius"), ("value", 201)])) == -32602)
        #expect(try session.errorCode("var.write", .object([("name", "pack.ambient_celsius"), ("value", "hot")])) == -32602)
        #expect(try session.errorCode("var.write", .object([("name", "charger.connected"), ("value", 1)])) == -32602)
        #expect(try session.errorCode("var.write", .object([("name", "vehicle.request"), ("value", "Warp")])) == -32602)
        #expect(try session.errorCode("var.write", .object([("name", "nodes.fault"), ("value", "cmu1.voltage[1] melted")])) == -32004)
        #expect(try session.errorCode("fault.inject", .object([("sensor_fault", "cmu9 silent")])) == -32004)
        #expect(try session.errorCode("fault.inject", .object([("pack_fault", .object([("internal_short", .object([("cell", 500), ("ohms", 0.1)]))]))])) == -32004)
        #expect(try session.errorCode("fault.inject", .object([("pack_fault", .object([("internal_short", .object([("cell", 1)]))]))])) == -32602)
        #expect(try session.errorCode("fault.inject", .object([("request", "charge")])) == -32602)
        #expect(try session.errorCode("fault.inject", .object([])) == -32602)
        #expect(try session.errorCode("fault.clear", .object([("kind", "everything")])) == -32602)
        #expect(try session.errorCode("signal.capture.stop") == -32003)
        #expect(try session.errorCode("signal.capture", .object([("names", .array(["nope"])), ("seconds", 1)])) == -32001)
        #expect(try session.result("sim.status") == before)
        #expect(try session.value("pack.ambient_celsius") == ambient)
        #expect(try session.value("nodes.fault") == .array([]))
        #expect(try session.value("vehicle.request") == "Standby")
    }

    @Test func faultsUseTheScenarioVocabularyAndTheFirmwareReacts() throws {
        var session = try Harness.session()
        _ = try session.result("var.write", .object([("name", "vehicle.request"), ("value", "discharge")]))
        _ = try session.result("sim.step", .object([("seconds", 3)]))
        #expect(try session.value("bms.contactors_closed") == true)
        let applied = try session.result("fault.inject", .object([("sensor_fault", "cmu1.voltage[1] stuck 4.4V")]))
        #expect(applied["applied"] == "sensor_fault cmu1.voltage[1] stuck 4.4V")
        let capture = try session.result("signal.capture", .object([("names", .array(["bms.contactors_closed", "contactors.main_positive"])), ("seconds", 2), ("period_s", 0.1)]))
        guard case .array(let closed)? = capture["values"]?["bms.contactors_closed"], case .array(let times)? = capture["time_seconds"] else {
            Issue.record("capture shape: \(capture.serialized)")
            return
        }
        let opened = try #require(closed.firstIndex(of: false))
        guard case .number(let start) = times[0], case .number(let at) = times[opened] else { return }
        #expect(at - start <= 1.0)
        #expect(try session.value("contactors.main_positive") == false)
        guard case .number(let level)? = try session.value("bms.alarms")["CellOvervoltage"] else {
            Issue.record("no CellOvervoltage alarm")
            return
        }
        #expect(level >= 2)
        #expect(try session.result("fault.clear", .object([("kind", "sensor")]))["cleared"] == .array(["sensor"]))
        #expect(try session.value("nodes.fault") == .array([]))
        _ = try session.result("scenario.apply", .object([("environment", .object([("ambient_celsius", 40)]))]))
        #expect(try session.value("pack.ambient_celsius") == 40)
    }

    @Test func backgroundCaptureSamplesWhileRunning() throws {
        var session = try Harness.session(paused: false)
        let started = try session.result("signal.capture.start", .object([("names", .array(["sim.time_seconds"])), ("period_s", 0.05)]))
        #expect(started["period_s"] == 0.05)
        for _ in 0..<20 { session.step() }
        let samples = try session.result("signal.capture.stop")
        #expect(samples["samples"] == 5)
        #expect(samples["values"]?["sim.time_seconds"] == .array([0, 0.05, 0.1, 0.15, 0.2]))
    }

    @Test func batchesAndNotifications() throws {
        var session = try Harness.session()
        let batch = #"[{"jsonrpc":"2.0","id":"a","method":"sim.status"},{"jsonrpc":"2.0","method":"sim.pause"},{"jsonrpc":"2.0","id":2,"method":"nope"}]"#
        let batchReply = session.handle(line: Array(batch.utf8))
        let reply = try JSONParser.parse(Array(try #require(batchReply).utf8))
        guard case .array(let responses) = reply else {
            Issue.record("batch reply \(reply.serialized)")
            return
        }
        #expect(responses.count == 2)
        #expect(responses[0]["id"] == "a")
        #expect(responses[1]["error"]?["code"] == -32601)
        let notified = session.handle(line: Array(#"{"jsonrpc":"2.0","method":"sim.status"}"#.utf8))
        #expect(notified == nil)
        let failedNotification = session.handle(line: Array(#"{"jsonrpc":"2.0","method":"nope"}"#.utf8))
        #expect(failedNotification == nil)
        let stop = try session.result("sim.stop")
        #expect(stop["stopping"] == true)
        #expect(session.isStopRequested)
    }

    /// Random and mutated request lines: every answer is a JSON-RPC response, and an error changes nothing.
    @Test func fuzzedRequestsNeverTrapAndErrorsChangeNothing() throws {
        var session = try Harness.session()
        _ = try session.result("sim.step", .object([("seconds", 0.5)]))
        let seeds = [
            #"{"jsonrpc":"2.0","id":1,"method":"sim.status"}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"var.read","params":{"name":"pack.cell[7].temperature_celsius"}}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"var.write","params":{"name":"pack.ambient_celsius","value":31}}"#,
            #"{"jsonrpc":"2.0","id":4,"method":"fault.inject","params":{"sensor_fault":"cmu2.temperature[3] open"}}"#,
            #"[{"jsonrpc":"2.0","id":5,"method":"var.list"},{"jsonrpc":"2.0","id":6,"method":"rpc.methods"}]"#,
        ].map { Array($0.utf8) }
        var rng = Xoshiro256(seed: 2024)
        var errors = 0
        for round in 0..<3_000 {
            var line = seeds[Int(rng.next() % UInt64(seeds.count))]
            if round % 3 == 0 {
                line = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                for _ in 0...(rng.next() % 4) where !line.isEmpty {
                    let at = Int(rng.next() % UInt64(line.count))
                    switch rng.next() % 3 {
                    case 0: line[at] = UInt8(truncatingIfNeeded: rng.next())
                    case 1: line.remove(at: at)
                    default: line.insert(UInt8(truncatingIfNeeded: rng.next()), at: at)
                    }
                }
            }
            let status = session.status
            let faults = try session.value("nodes.fault")
            let ambient = try session.value("pack.ambient_celsius")
            guard let reply = session.handle(line: line) else { continue }
            let parsed = try JSONParser.parse(Array(reply.utf8))
            let responses: [JSONValue] = if case .array(let many) = parsed { many } else { [parsed] }
            for response in responses {
                #expect(response["jsonrpc"] == "2.0")
                #expect((response["result"] == nil) != (response["error"] == nil), "\(reply)")
            }
            if responses.count == 1, let error = responses[0]["error"] {
                errors += 1
                #expect(error["message"] != nil)
                #expect(session.status == status)
                #expect(try session.value("nodes.fault") == faults)
                #expect(try session.value("pack.ambient_celsius") == ambient)
            }
        }
        #expect(errors > 1_000)
    }
}
