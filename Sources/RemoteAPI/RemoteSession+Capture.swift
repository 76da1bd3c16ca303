public import CANCore
import Emulator

extension RemoteSession {
    /// Reads `names` from the params: a non-empty array of variable names that all resolve now.
    func captureNames(_ params: Parameters) throws(RPCError) -> [String] {
        guard case .array(let values) = try params.required("names"), !values.isEmpty, values.count <= 256 else {
            throw RPCError.invalidParams("'names' is an array of 1 to 256 variable names")
        }
        var names: [String] = []
        for value in values {
            guard case .string(let name) = value else { throw RPCError.invalidParams("'names' holds strings, not \(value.typeName)") }
            _ = try read(variable: name)
            names.append(name)
        }
        return names
    }

    func capturePeriodNanoseconds(_ params: Parameters) throws(RPCError) -> Int64 {
        let step = runner.simulation.stepNanoseconds
        guard let seconds = try params.optionalNumber("period_s", in: 0...86_400) else { return step }
        let steps = max((seconds * 1e9 / Double(step)).rounded(), 1)
        return Int64(steps) * step
    }

    func sampleValues(_ names: [String]) -> [JSONValue] {
        names.map { name in (try? read(variable: name)) ?? .null }
    }

    mutating func sampleCapture() {
        guard var active = capture, active.isDue(atNanoseconds: runner.simulation.nowNanoseconds) else { return }
        capture = nil
        active.append(timeNanoseconds: runner.simulation.nowNanoseconds, values: sampleValues(active.names))
        capture = active
    }

    /// `signal.capture {names, seconds, period_s?}`: steps a paused simulation `seconds` and returns the samples.
    mutating func captureSynchronously(_ params: Parameters, frameSink: (CANLogRecord) -> Void) throws(RPCError) -> JSONValue {
        try params.allowOnly(["names", "seconds", "period_s"])
        let names = try captureNames(params)
        let steps = try stepCount(params)
        let period = try capturePeriodNanoseconds(params)
        guard Int64(steps) * runner.simulation.stepNanoseconds / period < Int64(SignalCapture.maximumSamples) else {
            throw RPCError.invalidParams("more than \(SignalCapture.maximumSamples) samples; lengthen 'period_s' or shorten 'seconds'")
        }
        guard isPaused else {
            throw RPCError(code: RPCError.invalidStateCode, message: "signal.capture with 'seconds' steps a paused simulation; call sim.pause first or use signal.capture.start/stop")
        }
        try requireNotFinished()
        var local = SignalCapture(names: names, periodNanoseconds: period, startNanoseconds: runner.simulation.nowNanoseconds)
        local.append(timeNanoseconds: runner.simulation.nowNanoseconds, values: sampleValues(names))
        for _ in 0..<steps where !isFinished {
            step(frameSink: frameSink)
            if local.isDue(atNanoseconds: runner.simulation.nowNanoseconds) {
                local.append(timeNanoseconds: runner.simulation.nowNanoseconds, values: sampleValues(names))
            }
        }
        return local.result
    }

    /// `signal.capture.start {names, period_s?}`: samples from now on, however time advances.
    mutating func startCapture(_ params: Parameters) throws(RPCError) -> JSONValue {
        try params.allowOnly(["names", "period_s"])
        let names = try captureNames(params)
        let period = try capturePeriodNanoseconds(params)
        guard capture == nil else {
            throw RPCError(code: RPCError.invalidStateCode, message: "a capture is already running; signal.capture.stop it first")
        }
        capture = SignalCapture(names: names, periodNanoseconds: period, startNanoseconds: runner.simulation.nowNanoseconds)
        sampleCapture()
        return .object([("capturing", .array(names.map(JSONValue.string))), ("period_s", .number(Double(period) / 1e9)), ("time_seconds", .number(runner.simulatedSeconds))])
    }

    /// `signal.capture.stop`: ends the running capture and returns its samples.
    mutating func stopCapture() throws(RPCError) -> JSONValue {
        guard let finished = capture else {
            throw RPCError(code: RPCError.invalidStateCode, message: "no capture is running (signal.capture.start begins one)")
        }
        capture = nil
        return finished.result
    }
}
