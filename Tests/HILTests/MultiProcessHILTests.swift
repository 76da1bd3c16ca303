import Emulator
import EmulatorRuntime
import Foundation
import Testing

/// Multi-process HIL on real vcan: `bmsemu firmware`, `bmsemu pack --no-vcu --scenario S` and the python-can
/// VCU peer `HIL/python/vcu_peer.py` as separate processes on `vcan0` (`HIL/multiprocess.sh`), captured with
/// `candump -L` and decoded with cantools (`HIL/python/bus_summary.py`), against the same scenario run in
/// lock-step on simulated time (`bmsemu scenario run S --junit … --log-dir …`, its log decoded the same way).
///
/// Serialized: every test owns `vcan0` while it runs (other suites on vcan0 use identifiers outside
/// bms.dbc, which the summary counts as unknown and otherwise ignores).
@Suite(
    "Multi-process HIL on vcan0", .serialized,
    .enabled(if: HILEnvironment.shouldRun, "vcan0 or python3 with python-can, cantools and PyYAML is missing (run: bash HIL/test.sh)"))
struct MultiProcessHILTests {
    /// How far the multi-process run may differ from the lock-step run, and why. Real time adds jitter that
    /// simulated time does not have: in the UML guest the pack's 10 ms loop was late by p99 9.7 ms, the VCU
    /// peer's 100 ms request grid by p99 14 ms (one 104 ms outlier at start-up), and frames are handled when
    /// they arrive instead of on a 10 ms grid.
    enum Tolerance {
        /// A state change is seen in `BMS_State`, sent every 100 ms (controller.yaml reporting.status_ms) at a
        /// phase that differs between the runs (measured −78…+140 ms): one report period, plus 100 ms for a
        /// late VCU request or firmware cycle (the peer's worst lateness seen was 104 ms).
        static let stateChangeSeconds = 0.2
        /// Contactors close when precharge ends (firmware task 10 ms, pack step 10 ms, feedback on the next
        /// contactor-node step): two task periods, one pack step and 20 ms of jitter (measured: −26…+21 ms).
        static let contactorsClosedSeconds = 0.05
        /// Opening follows a VCU request (late by up to one 100 ms request period) or a fault reaction.
        static let contactorsOpenedSeconds = 0.15
        /// Fault frame to open command: the firmware's 10 ms task phase against the frame's arrival (both
        /// ways) and 10 ms of scheduling jitter (measured: +4…+26 ms; over 22 faults 676…717 ms against 690 ms).
        static let reactionMilliseconds = 30.0
        /// SOC at the lock-step run's last BMS_SOC report in a steady phase (the final one in
        /// startup-discharge and ntc-shorted-classified), the multi-process series interpolated to the same
        /// instant. The EKF sees the same currents and voltages, but in real time a cell-voltage frame and
        /// the current frames around a load step arrive a few ms apart where lock-step aligns them; at a 2C
        /// step that shifts the estimate by a few tenths of a percent for the rest of the run. Measured in the
        /// clean-clone CI runs of stops 12–13 (six runs): cell-ov-sensor +0.03…+0.74 %, ntc-shorted-classified
        /// −0.04…+0.71 %, startup-discharge −0.19…+0.34 %; +0.74 % failed the 0.5 % bound this had before.
        /// 1.5 % is twice the largest seen and still under the BMS's own 1σ (SOC_Uncertainty, 1.7 %); a wrong
        /// current sign at 2C moves it by 1.1 % in 10 s (2 × 2C × 10 s / 3600 s).
        static let stateOfChargePercent = 1.5
        /// A steady phase: no state, contactor, request, alarm or fault change from this long before a report
        /// to this long after it (1 s report spacing, plus a 0.2 s shift of the changes between the runs).
        static let steadyBeforeSeconds = 1.5
        static let steadyAfterSeconds = 1.2
        /// Capture loss tolerated (alive-counter gaps over all frames): the kernel may drop frames on an
        /// overloaded single-CPU guest; a larger loss makes the timings untrustworthy.
        static let lostFrameFraction = 0.001
    }

    static let comparedScenarios = ["startup-discharge", "cell-ov-sensor", "ntc-shorted-classified"]

    static let bundle: FirmwareBundle? = try? FirmwareBundle(directory: HILEnvironment.root.appendingPathComponent("Firmware").path)

    @Test("Separate processes on vcan0 behave as the lock-step run", arguments: comparedScenarios)
    func separateProcessesMatchTheLockstepRun(_ name: String) throws {
        let run = try HILRun(scenarioName: name)
        let lockstep = try run.lockstep()
        let vcan = try run.multiProcess()
        let peer = try BusSummary.load(run.directory.appendingPathComponent("vcan/peer.json"))

        // Both captures are clean: no corrupt or repeated frame (foreign traffic on bms.dbc identifiers
        // would show here), next to no loss.
        #expect(lockstep.framesCorrupt == 0 && lockstep.framesLost == 0, "lock-step log E2E: \(lockstep.e2e)")
        #expect(vcan.framesCorrupt == 0, "capture E2E: \(vcan.e2e)")
        #expect(Double(vcan.framesLost) <= Tolerance.lostFrameFraction * Double(vcan.frames), "capture lost \(vcan.framesLost) of \(vcan.frames) frames")
        #expect(vcan.requests.count >= 2, "the VCU peer's requests are on the bus: \(vcan.requests)")

        // The same state sequence, at the same times within one status period.
        #expect(vcan.states.map(\.state) == lockstep.states.map(\.state), "vcan \(vcan.states.map(\.state)) vs lock-step \(lockstep.states.map(\.state))")
        var stateDifferences: [Double] = []
        // The first entry (Initializing) is left out: the firmware process starts before the pack, so it
        // reports Initializing before the pack's time 0.
        for (hil, reference) in zip(vcan.states, lockstep.states).dropFirst() {
            stateDifferences.append(hil.t - reference.t)
            #expect(abs(hil.t - reference.t) <= Tolerance.stateChangeSeconds, "\(hil.state): vcan \(hil.t) s, lock-step \(reference.t) s")
        }

        // The peer saw, live through python-can, what candump captured (same kernel timestamps).
        #expect(peer.states.map(\.state) == vcan.states.map(\.state), "peer \(peer.states.map(\.state))")
        for (live, captured) in zip(peer.states, vcan.states) {
            #expect(abs(live.t - captured.t) <= 0.001, "peer saw \(live.state) at \(live.t) s, candump at \(captured.t) s")
        }
        #expect(peer.contactors_closed.count == vcan.contactors_closed.count && peer.contactors_opened.count == vcan.contactors_opened.count)
        #expect(peer.peer.map { $0.send_errors == 0 && $0.requests_sent >= 10 } == true, "peer: \(String(describing: peer.peer))")
        #expect(peer.framesCorrupt == 0 && peer.framesLost == 0, "peer E2E: \(peer.e2e)")

        // Contactors close and open at the same times.
        #expect(vcan.contactors_closed.count == lockstep.contactors_closed.count, "closed vcan \(vcan.contactors_closed) vs \(lockstep.contactors_closed)")
        #expect(vcan.contactors_opened.count == lockstep.contactors_opened.count, "opened vcan \(vcan.contactors_opened) vs \(lockstep.contactors_opened)")
        let closeDifferences = zip(vcan.contactors_closed, lockstep.contactors_closed).map { $0 - $1 }
        let openDifferences = zip(vcan.contactors_opened, lockstep.contactors_opened).map { $0 - $1 }
        for difference in closeDifferences { #expect(abs(difference) <= Tolerance.contactorsClosedSeconds, "close differs by \(difference) s") }
        for difference in openDifferences { #expect(abs(difference) <= Tolerance.contactorsOpenedSeconds, "open differs by \(difference) s") }

        // The same alarms at the same highest level.
        #expect(vcan.alarms.mapValues(\.max_level) == lockstep.alarms.mapValues(\.max_level), "alarms vcan \(vcan.alarms) vs \(lockstep.alarms)")

        // The same reaction to each injected fault.
        #expect(vcan.faults.count == lockstep.faults.count, "faults vcan \(vcan.faults.count) vs \(lockstep.faults.count)")
        let reactionDifferences = zip(vcan.faults, lockstep.faults).map { hil, reference -> Double in
            guard let a = hil.latency_ms, let b = reference.latency_ms else { return .infinity }
            return a - b
        }
        for difference in reactionDifferences { #expect(abs(difference) <= Tolerance.reactionMilliseconds, "reaction differs by \(difference) ms") }

        // The same SOC: at the lock-step run's last report in a steady phase (after a change, the EKF moves by
        // up to 1.3 %/s, as the voltage sags or relaxes, so 1 s report spacing and a shifted phase would
        // dominate), the multi-process series interpolated to that instant. The final reports are printed too.
        let steady = try #require(
            lockstep.lastSteadyStateOfChargeReport(before: Tolerance.steadyBeforeSeconds, after: Tolerance.steadyAfterSeconds),
            "no steady SOC report in the lock-step run: \(lockstep.soc_percent.series)")
        let hilSOC = try #require(vcan.stateOfCharge(at: steady.t), "no SOC reports around \(steady.t) s: \(vcan.soc_percent.series)")
        #expect(abs(hilSOC - steady.percent) <= Tolerance.stateOfChargePercent, "SOC at \(steady.t) s: vcan \(hilSOC) %, lock-step \(steady.percent) %")
        let finalTime = try #require(lockstep.soc_percent.final_t)
        let finalSOC = (vcan.stateOfCharge(at: finalTime) ?? .nan) - (lockstep.soc_percent.final ?? .nan)

        func milliseconds(_ values: [Double], scale: Double = 1000) -> String {
            values.map { String(format: "%+.1f", $0 * scale) }.joined(separator: ", ")
        }
        print(
            "HIL \(name): vcan − lock-step: states [\(milliseconds(stateDifferences))] ms, contactors closed [\(milliseconds(closeDifferences))] ms, "
                + "opened [\(milliseconds(openDifferences))] ms, reaction [\(milliseconds(reactionDifferences, scale: 1))] ms, "
                + String(format: "SOC at %.1f s %+.3f %% (%.2f vs %.2f), at the last report (%.1f s) %+.3f %%; %d frames captured, %d lost",
                    steady.t, hilSOC - steady.percent, hilSOC, steady.percent, finalTime, finalSOC, vcan.frames, vcan.framesLost)
                + String(format: "; wall %.1f s", run.wallSeconds))
    }
}

/// One scenario run both ways, with its files in a scratch directory.
final class HILRun {
    let name: String
    let scenarioPath: String
    let scenario: Scenario
    let binary: String
    let directory: URL
    private(set) var wallSeconds = 0.0

    init(scenarioName: String) throws {
        if HILEnvironment.vcanRequired || HILEnvironment.peersRequired {
            try #require(HILEnvironment.vcanUsable, "vcan0 is required (BMSEMU_REQUIRE_VCAN=1) but does not open")
            try #require(HILEnvironment.peersUsable, "python3 with python-can, cantools and PyYAML (pip install python-can cantools pyyaml) is required but does not import")
        }
        name = scenarioName
        scenarioPath = "HIL/scenarios/hil/\(scenarioName).yaml"
        let bundle = try #require(MultiProcessHILTests.bundle, "Firmware/ does not load")
        scenario = try bundle.loadScenario(path: HILEnvironment.root.appendingPathComponent(scenarioPath).path)
        binary = try #require(HILEnvironment.binary, "no bmsemu binary next to the tests; build with swift build --build-tests")
        directory = try HILEnvironment.scratchDirectory(scenarioName)
    }

    /// `bmsemu scenario run` on simulated time (its expectations must hold), the log decoded by bus_summary.py.
    func lockstep() throws -> BusSummary {
        let logs = directory.appendingPathComponent("lockstep")
        let junit = directory.appendingPathComponent("junit.xml")
        let run = try SpawnedProcess.run(
            [binary, "scenario", "run", scenarioPath, "--junit", junit.path, "--log-dir", logs.path, "--quiet"], timeoutSeconds: 600)
        try #require(run.status == 0, "bmsemu scenario run \(scenarioPath) failed (\(run.status)):\n\(run.output)\n\(run.errors)")
        let report = try String(contentsOf: junit, encoding: .utf8)
        #expect(report.contains("<testsuite") && !report.contains("<failure"), "JUnit report: \(report)")
        let summary = directory.appendingPathComponent("lockstep.json")
        try summarize(logs.appendingPathComponent("\(scenario.name).log"), into: summary)
        return try BusSummary.load(summary)
    }

    /// `HIL/multiprocess.sh`: firmware, pack and VCU peer as processes on vcan0, captured by candump.
    func multiProcess() throws -> BusSummary {
        let out = directory.appendingPathComponent("vcan")
        let run = try SpawnedProcess.run(
            ["bash", "HIL/multiprocess.sh", "--interface", HILEnvironment.interface, "--bmsemu", binary, "--out", out.path, scenarioPath],
            timeoutSeconds: scenario.durationSeconds + 180)
        wallSeconds = run.wallSeconds
        let logs = ["firmware.out", "pack.out", "peer.err"].map { file in
            "\(file): " + ((try? String(contentsOf: out.appendingPathComponent(file), encoding: .utf8)) ?? "(missing)")
        }.joined(separator: "\n")
        try #require(run.status == 0, "HIL/multiprocess.sh \(scenarioPath) failed (\(run.status)):\n\(run.output)\n\(run.errors)\n\(logs)")
        print("HIL \(name) processes:\n\(logs)")
        return try BusSummary.load(out.appendingPathComponent("summary.json"))
    }

    func summarize(_ log: URL, into summary: URL) throws {
        let run = try SpawnedProcess.run(
            ["python3", "HIL/python/bus_summary.py", log.path, "--until", "\(scenario.durationSeconds)", "--out", summary.path], timeoutSeconds: 300)
        try #require(run.status == 0, "bus_summary.py \(log.path) failed (\(run.status)):\n\(run.errors)")
    }
}
