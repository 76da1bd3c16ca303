import ArgumentParser
import CANCore
import Emulator
import EmulatorRuntime
import Foundation
import RemoteAPI

extension RunCommand {
    /// The virtual-bus run loop with the remote test API: requests are served between lock-step steps;
    /// while paused, simulated time advances only through `sim.step` / `signal.capture`; while running, at
    /// --speed (paced by absolute deadlines, or as fast as possible). Ends on `sim.stop` or Ctrl-C.
    func serveRemote(runner: ScenarioRunner, port: UInt16, bundle: FirmwareBundle, writer: CandumpLogWriter?) throws {
        var session = RemoteSession(runner: runner, startsPaused: paused) { text in
            bundle.readAction(text: text).mapError { ActionTextError($0.description) }
        }
        let server: LineSocketServer
        do { server = try LineSocketServer(host: rpcBind, port: port) } catch { throw RuntimeFailure(error.description) }
        defer { server.close() }
        print("rpc: listening on \(rpcBind):\(server.port) (\(paused ? "paused" : "running"), speed \(speed))")
        fflush(nil)  // the readiness line reaches a piped reader (pytest) at once
        let factor = speed == "max" ? nil : (speed == "realtime" ? 1 : Double(speed))
        let periodNanoseconds = factor.map { Int64(runner.scenario.stepMilliseconds * 1e6 / $0) }
        var scheduler: DeadlineScheduler?
        var lastJitter: JitterSummary?
        let sink: (CANLogRecord) -> Void = { writer?.write($0) }
        var nextSummary = 0.0
        var eventCount = session.runner.simulation.events.count
        let start = MonotonicClock.nanoseconds()
        func handle(_ line: ArraySlice<UInt8>) -> String? { session.handle(line: line, frameSink: sink) }
        while !ShutdownSignal.isRequested, !session.isStopRequested {
            if session.isPaused || session.isFinished {
                if let current = scheduler { lastJitter = current.jitterSummary }
                scheduler = nil
                server.poll(timeoutMilliseconds: 50, handler: handle)
            } else if let periodNanoseconds {
                if scheduler == nil { scheduler = DeadlineScheduler(periodNanoseconds: periodNanoseconds) }
                let remaining = scheduler!.nextDeadlineNanoseconds - MonotonicClock.nanoseconds()
                server.poll(timeoutMilliseconds: Int32(clamping: max(remaining / 1_000_000 - 1, 0)), handler: handle)
                if session.isPaused || session.isStopRequested { continue }
                _ = scheduler!.waitForNextCycle(interruptible: { ShutdownSignal.isRequested })
                session.step(frameSink: sink)
            } else {
                server.poll(timeoutMilliseconds: 0, handler: handle)
                if session.isPaused || session.isStopRequested { continue }
                session.step(frameSink: sink)
            }
            let events = session.runner.simulation.events
            if !quiet {
                for event in events.dropFirst(eventCount) where event.kind != "vehicle.phase" { print("  \(event)") }
            }
            eventCount = events.count
            if !quiet, session.runner.simulatedSeconds >= nextSummary {
                print(LiveSummary.line(session.runner))
                nextSummary = session.runner.simulatedSeconds + summaryEvery
            }
        }
        var finished = session.runner
        let outcome = finished.finish(stopReason: session.isStopRequested ? "stopped by sim.stop" : (ShutdownSignal.isRequested ? "stopped by request" : "end of the run"))
        let wall = Double(MonotonicClock.nanoseconds() - start) / 1e9
        print(String(format: "ran %.1f s of simulated time in %.1f s of wall time; %@", outcome.simulatedSeconds, wall, outcome.stopReason))
        if let jitter = scheduler?.jitterSummary ?? lastJitter { print("cycle jitter (last running stretch): \(jitter)") }
        for result in outcome.results { print("  \(result.passed ? "✓" : "✗") \(result.expectation): \(result.detail)") }
        if !outcome.results.allSatisfy(\.passed) { throw ExitCode(1) }
    }
}
