public import CANCore
public import CANDatabase
import CANTransport
import CellPack

/// Runs a ``Scenario`` in lock-step on simulated time: the pack side and (optionally) the firmware on
/// one virtual bus, the timeline's bus faults applied on schedule, every frame observed, truth and
/// estimates sampled, and the expectations checked at the end. Pure and deterministic: the same
/// scenario and seed give the same frames, events and figures.
public struct ScenarioRunner {
    public private(set) var simulation: LockstepSimulation
    public let scenario: Scenario
    public private(set) var observer: BMSObserver
    public internal(set) var trace = SignalTrace()
    var samples = ScenarioSamples()
    var busEntries: [TimelineEntry]
    var busEntryIndex = 0
    var busFaultRemovals: [(atNanoseconds: Int64, id: Int)] = []
    var activeBusFaults: [Int] = []
    var nextSampleNanoseconds: Int64 = 0
    let endNanoseconds: Int64
    let nominalGroupCapacityAh: Double
    let parallelCount: Int

    /// Builds the run. The vehicle is participant 0 (it steps first each step); the firmware, if any, follows.
    public init(
        scenario: Scenario, vehicle: VehicleParticipant, firmware: (any SimulationParticipant)?, database: CANDatabase,
        recordsFrames: Bool = false
    ) throws {
        self.scenario = scenario
        var configuration = VirtualCANBus.Configuration(interfaceName: "vcan0", busModel: scenario.busModel, receiveQueueCapacity: 1 << 16, transmitQueueCapacity: 4096, seed: scenario.seed)
        configuration.receiveQueueCapacity = 1 << 16
        simulation = LockstepSimulation(
            busConfiguration: configuration, stepNanoseconds: Int64((scenario.stepMilliseconds * 1_000_000).rounded()), recordsFrames: recordsFrames)
        var pack = vehicle
        pack.play(scenario.timeline.filter { !$0.action.isBusAction })
        simulation.add(pack)
        if let firmware { simulation.add(firmware) }
        observer = try BMSObserver(database: database)
        busEntries = scenario.timeline.filter { $0.action.isBusAction }.sorted { $0.atSeconds < $1.atSeconds }
        endNanoseconds = Int64(min(scenario.durationSeconds, 9e9) * 1e9)
        trace = SignalTrace(capacity: 1500, initialBucketSeconds: scenario.samplePeriodSeconds)
        parallelCount = vehicle.pack.parallelCount
        nominalGroupCapacityAh = vehicle.pack.cellParameters[.nominalCapacityAh] * Double(vehicle.pack.parallelCount)
    }

    /// The pack-side participant as it is now.
    public var vehicle: VehicleParticipant { simulation.participant(at: 0) as! VehicleParticipant }

    /// Simulated seconds so far.
    public var simulatedSeconds: Double { Double(simulation.nowNanoseconds) / 1e9 }

    /// Whether the run has reached its end (duration, or a finished cycling program).
    public var isFinished: Bool {
        simulation.nowNanoseconds >= endNanoseconds || vehicleFinished
    }

    /// The vehicle's program progress, read without copying the pack side out of the simulation.
    var vehicleProgress: (completed: Int, finished: Bool) { simulation.participant(at: 0).programProgress ?? (0, false) }

    var vehicleFinished: Bool { vehicleProgress.finished }

    /// Advances one base step; `frameSink` sees every frame on the bus this step (for streaming logs).
    public mutating func step(frameSink: (CANLogRecord) -> Void = { _ in }) {
        let next = simulation.nowNanoseconds + simulation.stepNanoseconds
        applyBusTimeline(upToNanoseconds: next)
        simulation.step()
        var events: [TraceEvent] = []
        for record in simulation.lastStepFrames {
            frameSink(record)
            let time = Int64(clamping: record.timestamp.totalNanoseconds) - simulation.logEpochNanoseconds
            observer.observe(record.frame, atNanoseconds: time, events: &events)
        }
        for event in events { simulation.record(event) }
        if simulation.nowNanoseconds >= nextSampleNanoseconds {
            nextSampleNanoseconds = simulation.nowNanoseconds + Int64(scenario.samplePeriodSeconds * 1e9)
            sample()
        }
    }

    /// Runs to the end (or until `shouldStop`), then checks the expectations. `progress` is called about
    /// every 1 % of the run with the fraction done and the simulated seconds.
    public mutating func run(
        shouldStop: () -> Bool = { false }, frameSink: (CANLogRecord) -> Void = { _ in },
        progress: (_ fraction: Double, _ simulatedSeconds: Double) -> Void = { _, _ in }
    ) -> ScenarioOutcome {
        var nextProgress = 0.0
        var stopReason = "end of the scenario"
        while !isFinished {
            step(frameSink: frameSink)
            if shouldStop() {
                stopReason = "stopped by request"
                break
            }
            let fraction = progressFraction
            if fraction >= nextProgress {
                progress(fraction, simulatedSeconds)
                nextProgress = fraction + 0.01
            }
        }
        if vehicleFinished { stopReason = "cycling program finished" }
        return finish(stopReason: stopReason)
    }

    var progressFraction: Double {
        if let cycling = scenario.vehicle.cycling {
            return min(Double(vehicleProgress.completed) / Double(max(cycling.cycles, 1)), 1)
        }
        return min(Double(simulation.nowNanoseconds) / Double(max(endNanoseconds, 1)), 1)
    }

    mutating func applyBusTimeline(upToNanoseconds time: Int64) {
        while let first = busFaultRemovals.first, first.atNanoseconds <= time {
            simulation.bus.removeFault(first.id)
            busFaultRemovals.removeFirst()
        }
        while busEntryIndex < busEntries.count, Int64((busEntries[busEntryIndex].atSeconds * 1e9).rounded()) <= time {
            let entry = busEntries[busEntryIndex]
            busEntryIndex += 1
            simulation.record(TraceEvent(timeNanoseconds: time, kind: "scenario.action", subject: entry.action.summary, source: "scenario"))
            applyBusAction(entry.action, atNanoseconds: time)
        }
    }

    /// Adds or clears bus faults at `time` (other actions are the pack side's and ignored here).
    mutating func applyBusAction(_ action: TimelineAction, atNanoseconds time: Int64) {
        switch action {
        case .busFault(let spec):
            let sender = spec.senderName.flatMap { simulation.node(ofParticipantNamed: $0) }
            let fault = VirtualBusFault(
                action: spec.action, filter: spec.filter, sender: sender, probability: spec.probability,
                activeFromNanoseconds: time, activeUntilNanoseconds: spec.durationSeconds.map { time + Int64($0 * 1e9) })
            let id = simulation.bus.addFault(fault)
            activeBusFaults.append(id)
            if let duration = spec.durationSeconds {
                busFaultRemovals.append((time + Int64(duration * 1e9), id))
                busFaultRemovals.sort { $0.atNanoseconds < $1.atNanoseconds }
            }
        case .clearBusFaults:
            simulation.bus.removeAllFaults()
            busFaultRemovals.removeAll()
        default:
            break
        }
    }
}

extension TimelineAction {
    /// Bus faults are applied by the runner; everything else by the pack side.
    var isBusAction: Bool {
        switch self {
        case .busFault, .clearBusFaults: return true
        default: return false
        }
    }
}


extension ScenarioRunner {
    /// Applies `action` now, between steps, exactly as a timeline entry at the current time would be
    /// applied: bus faults on the bus, everything else by the pack side. Records a `scenario.action`
    /// event with `source` so reports show who did it.
    public mutating func apply(_ action: TimelineAction, source: String) {
        let now = simulation.nowNanoseconds
        simulation.record(TraceEvent(timeNanoseconds: now, kind: "scenario.action", subject: action.summary, source: source))
        if action.isBusAction {
            applyBusAction(action, atNanoseconds: now)
        } else {
            simulation.modifyParticipant(at: 0, as: VehicleParticipant.self) { $0.apply(action, atNanoseconds: now) }
        }
    }
}
