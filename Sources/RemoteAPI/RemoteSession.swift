public import CANCore
public import Emulator

/// The remote test API's state machine: JSON-RPC 2.0 request lines in, response lines out, applied to a
/// running scenario. Pure and deterministic: no sockets, no clock; the shell feeds it lines and, while it
/// is not paused, steps it.
///
/// Methods: `sim.status`, `sim.pause`, `sim.resume`, `sim.step`, `sim.stop`, `var.list`, `var.read`,
/// `var.write`, `fault.inject`, `fault.clear`, `scenario.apply`, `signal.capture`,
/// `signal.capture.start`, `signal.capture.stop` (documented in `HIL/remote-api.md`). A request that
/// ends in an error changes nothing.
public struct RemoteSession {
    /// Reads one timeline action from its JSON text (`{"at": 0, "<action>": <body>}`), with the scenario
    /// file's vocabulary; returns the action or the reason it is not one.
    public typealias ActionReader = (String) -> Result<TimelineAction, ActionTextError>

    public internal(set) var runner: ScenarioRunner
    /// Whether simulated time stands still (it then advances only through `sim.step` and `signal.capture`).
    public private(set) var isPaused: Bool
    /// Set by `sim.stop`: the shell ends the run after sending the response.
    public private(set) var isStopRequested = false
    /// Longest `sim.step` / `signal.capture` accepted in one request.
    public var maximumStepSeconds = 86_400.0
    let readAction: ActionReader
    var capture: SignalCapture?

    /// Longest request line the shell should pass (longer ones are answered with a parse error).
    public static let maximumLineBytes = 1 << 20

    public init(runner: ScenarioRunner, startsPaused: Bool, readAction: @escaping ActionReader) {
        self.runner = runner
        self.isPaused = startsPaused
        self.readAction = readAction
    }

    /// Whether the run has ended (its duration elapsed or a cycling program finished).
    public var isFinished: Bool { runner.isFinished }

    /// `paused`, `running` or `finished`.
    public var stateName: String { isFinished ? "finished" : (isPaused ? "paused" : "running") }

    /// Advances one base step (the shell calls this while running) and samples an active capture.
    public mutating func step(frameSink: (CANLogRecord) -> Void = { _ in }) {
        runner.step(frameSink: frameSink)
        sampleCapture()
    }

    /// Answers one request line (a request object or a batch array). Returns the response line without
    /// its newline, or `nil` when there is nothing to answer (notifications only).
    public mutating func handle(line: some Collection<UInt8>, frameSink: (CANLogRecord) -> Void = { _ in }) -> String? {
        if line.count > Self.maximumLineBytes {
            return Self.errorResponse(id: .null, RPCError(code: RPCError.parseErrorCode, message: "request line longer than \(Self.maximumLineBytes) bytes"))
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(line)
        } catch {
            return Self.errorResponse(id: .null, RPCError(code: RPCError.parseErrorCode, message: "parse error at \(error)"))
        }
        if case .array(let batch) = value {
            guard !batch.isEmpty else {
                return Self.errorResponse(id: .null, RPCError(code: RPCError.invalidRequestCode, message: "an empty batch is not a request"))
            }
            let responses = batch.compactMap { handle(request: $0, frameSink: frameSink) }
            return responses.isEmpty ? nil : JSONValue.array(responses).serialized
        }
        return handle(request: value, frameSink: frameSink)?.serialized
    }

    mutating func handle(request: JSONValue, frameSink: (CANLogRecord) -> Void) -> JSONValue? {
        guard case .object = request else {
            return Self.error(id: .null, RPCError(code: RPCError.invalidRequestCode, message: "a request is a JSON object, not \(request.typeName)"))
        }
        let idValue = request["id"]
        let validID: JSONValue? = switch idValue {
        case .string?, .number?, .null?: idValue
        default: nil
        }
        let responseID = validID ?? .null
        guard request["jsonrpc"] == .string("2.0") else {
            return Self.error(id: responseID, RPCError(code: RPCError.invalidRequestCode, message: "\"jsonrpc\" must be \"2.0\""))
        }
        if idValue != nil, validID == nil {
            return Self.error(id: .null, RPCError(code: RPCError.invalidRequestCode, message: "\"id\" is a string, a number or null"))
        }
        guard case .string(let method)? = request["method"] else {
            return Self.error(id: responseID, RPCError(code: RPCError.invalidRequestCode, message: "\"method\" must be a string"))
        }
        let params: [(key: String, value: JSONValue)]
        switch request["params"] {
        case nil, .null?: params = []
        case .object(let members)?: params = members
        case .array(let values)? where values.isEmpty: params = []
        default:
            return Self.error(id: responseID, RPCError(code: RPCError.invalidParamsCode, message: "\"params\" is an object (parameters by name)"))
        }
        let result: Result<JSONValue, RPCError>
        do {
            result = .success(try dispatch(method: method, params: Parameters(members: params), frameSink: frameSink))
        } catch {
            result = .failure(error)
        }
        guard validID != nil else { return nil }  // a notification: no answer, even to an error
        switch result {
        case .success(let value): return .object([("jsonrpc", "2.0"), ("id", responseID), ("result", value)])
        case .failure(let error): return Self.error(id: responseID, error)
        }
    }

    static func error(id: JSONValue, _ error: RPCError) -> JSONValue {
        .object([("jsonrpc", "2.0"), ("id", id), ("error", error.json)])
    }

    static func errorResponse(id: JSONValue, _ error: RPCError) -> String { Self.error(id: id, error).serialized }

    /// Every method name, as `var.list`-style discovery for clients (`rpc.methods`).
    public static let methods = [
        "sim.status", "sim.pause", "sim.resume", "sim.step", "sim.stop", "var.list", "var.read", "var.write", "fault.inject",
        "fault.clear", "scenario.apply", "signal.capture", "signal.capture.start", "signal.capture.stop", "rpc.methods",
    ]

    mutating func dispatch(method: String, params: Parameters, frameSink: (CANLogRecord) -> Void) throws(RPCError) -> JSONValue {
        switch method {
        case "sim.status":
            try params.allowOnly([])
            return status
        case "sim.pause":
            try params.allowOnly([])
            isPaused = true
            return status
        case "sim.resume":
            try params.allowOnly([])
            try requireNotFinished()
            isPaused = false
            return status
        case "sim.step":
            try params.allowOnly(["seconds"])
            let steps = try stepCount(params)
            guard isPaused else {
                throw RPCError(code: RPCError.invalidStateCode, message: "sim.step advances a paused simulation; call sim.pause first")
            }
            try requireNotFinished()
            let before = runner.simulatedSeconds
            for _ in 0..<steps where !isFinished { step(frameSink: frameSink) }
            return Self.merging(status, [("stepped_seconds", .number(runner.simulatedSeconds - before))])
        case "sim.stop":
            try params.allowOnly([])
            isStopRequested = true
            isPaused = true
            return Self.merging(status, [("stopping", true)])
        case "rpc.methods":
            try params.allowOnly([])
            return .array(Self.methods.map { .string($0) })
        case "var.list":
            try params.allowOnly([])
            return .array(VariableCatalog.entries.map(\.listing))
        case "var.read":
            try params.allowOnly(["name"])
            let name = try params.string("name")
            return .object([("name", .string(name)), ("value", try read(variable: name)), ("time_seconds", .number(runner.simulatedSeconds))])
        case "var.write":
            try params.allowOnly(["name", "value"])
            let name = try params.string("name")
            try requireNotFinished()
            try write(variable: name, value: try params.required("value"))
            return .object([("name", .string(name)), ("value", try read(variable: name)), ("time_seconds", .number(runner.simulatedSeconds))])
        case "fault.inject":
            return try inject(params, allowed: Self.faultActions)
        case "scenario.apply":
            return try inject(params, allowed: Self.allActions)
        case "fault.clear":
            try params.allowOnly(["kind"])
            return try clearFaults(kind: params.optionalString("kind") ?? "all")
        case "signal.capture":
            return try captureSynchronously(params, frameSink: frameSink)
        case "signal.capture.start":
            return try startCapture(params)
        case "signal.capture.stop":
            try params.allowOnly([])
            return try stopCapture()
        default:
            throw RPCError(code: RPCError.methodNotFoundCode, message: "unknown method '\(method)' (rpc.methods lists them)", data: .object([("method", .string(method))]))
        }
    }

    /// `sim.status`: time, state, whether paused, step, scenario.
    public var status: JSONValue {
        .object([
            ("time_seconds", .number(runner.simulatedSeconds)), ("state", .string(stateName)), ("paused", .bool(isPaused)),
            ("step_seconds", .number(Double(runner.simulation.stepNanoseconds) / 1e9)), ("scenario", .string(runner.scenario.name)),
            ("seed", .number(Double(runner.scenario.seed))), ("bms_state", runner.observer.stateName.map(JSONValue.string) ?? .null),
        ])
    }

    func requireNotFinished() throws(RPCError) {
        if isFinished {
            throw RPCError(code: RPCError.invalidStateCode, message: "the run has ended at \(runner.simulatedSeconds) s; nothing can change any more")
        }
    }

    /// Whole base steps in `seconds` (at least one), checked against ``maximumStepSeconds``.
    func stepCount(_ params: Parameters, key: String = "seconds") throws(RPCError) -> Int {
        let seconds = try params.number(key, in: 0...maximumStepSeconds)
        let stepSeconds = Double(runner.simulation.stepNanoseconds) / 1e9
        guard seconds > 0 else { throw RPCError.invalidParams("\"\(key)\" must be more than 0") }
        return max(Int((seconds / stepSeconds).rounded()), 1)
    }

    static func merging(_ object: JSONValue, _ extra: [(key: String, value: JSONValue)]) -> JSONValue {
        guard case .object(let members) = object else { return object }
        return .object(members + extra)
    }
}

/// Why a timeline-action text was refused (the scenario file reader's message, with its position).
public struct ActionTextError: Error, Hashable, Sendable {
    public let message: String

    public init(_ message: String) { self.message = message }
}
