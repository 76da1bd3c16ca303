public import CANCore
public import CANTransport
public import CellPack
public import SensorNodes

/// The pack side of the bus in one participant: the virtual cell pack, its sensor and actuator nodes,
/// the vehicle (state requests and load) and the environment. This is what `bmsemu pack` runs against
/// a real BMS, and what the lock-step emulator runs against the emulated firmware.
///
/// Each step: frames from the bus reach the nodes (commands) and the vehicle (BMS status); the pack
/// advances from the previous step with the charger's delivered waveform plus the load, through the
/// contactors the nodes report; then the nodes sample the new truth and send what is due.
public struct VehicleParticipant: SimulationParticipant, Sendable {
    public let name = "pack"
    public var receiveFilters: [CANFilter] = [.all]
    public internal(set) var pack: VirtualPack
    public internal(set) var nodes: PackNodes
    public internal(set) var vehicle: VehicleController
    public internal(set) var monitor: TruthMonitor?
    public internal(set) var ambientCelsius: Double
    public internal(set) var coolantCelsius: Double
    public internal(set) var cooling: CoolingMode = .on
    public internal(set) var heaterWatts: [Double]
    var lastStepNanoseconds: Int64?
    /// Charge through the pack since the nodes last stepped (A·s), so the current sensor integrates every
    /// pack step even when the nodes are stepped only when something is due.
    var chargeSinceNodes = 0.0
    /// Net charge taken out of the pack since the start, A·s (+ discharged): ground truth for coulomb counters.
    public private(set) var netDischargedAmpereSeconds = 0.0
    var nodesLastStepped: Int64?
    /// Timeline entries still to apply, in time order (pack-side actions; bus faults are the runner's).
    public internal(set) var schedule: [TimelineEntry] = []
    var scheduleIndex = 0
    /// Sensor-fault and pack-fault requests that were refused, with the reason (reported as trace events).
    var pendingEvents: [TraceEvent] = []

    public init(pack: VirtualPack, nodes: PackNodes, vehicle: VehicleController, monitor: TruthMonitor?, ambientCelsius: Double, coolantCelsius: Double) {
        self.pack = pack
        self.nodes = nodes
        self.vehicle = vehicle
        self.monitor = monitor
        self.ambientCelsius = ambientCelsius
        self.coolantCelsius = coolantCelsius
        self.heaterWatts = Array(repeating: 0, count: pack.cellCount)
    }

    /// Cycles completed by the vehicle's cycling program, and whether the program finished.
    public var programProgress: (completed: Int, finished: Bool)? { (vehicle.completedCycles, vehicle.phase == .finished) }

    /// Sets the timeline this participant plays: each entry is applied at the first step at or after its time.
    public mutating func play(_ timeline: [TimelineEntry]) {
        schedule = timeline.sorted { $0.atSeconds < $1.atSeconds }
        scheduleIndex = 0
    }

    public mutating func step(nowNanoseconds now: Int64, inbox: [CANBusEvent], output: inout StepOutput) {
        while scheduleIndex < schedule.count, Int64((schedule[scheduleIndex].atSeconds * 1e9).rounded()) <= now {
            let entry = schedule[scheduleIndex]
            scheduleIndex += 1
            apply(entry.action, atNanoseconds: now)
            output.events.append(TraceEvent(timeNanoseconds: now, kind: "scenario.action", subject: entry.action.summary, source: "scenario"))
        }
        output.events.append(contentsOf: pendingEvents)
        pendingEvents.removeAll()
        for event in inbox {
            guard case .frame(let frame, _, _) = event else { continue }
            nodes.receive(frame, atNanoseconds: now)
            vehicle.observe(frame)
        }
        let previous = lastStepNanoseconds ?? now
        if now > previous {
            let actuators = nodes.actuators
            let inputs: PackInputs
            if actuators.chargerCurrent == .rest, case .waveform(let loadWaveform) = vehicle.load {
                inputs = PackInputs(
                    current: loadWaveform, contactors: actuators.contactors, balancing: actuators.balancing, ambientCelsius: ambientCelsius,
                    coolantCelsius: coolantCelsius, cooling: cooling, heaterWatts: heaterWatts)
            } else {
                inputs = actuators.packInputs(
                    loadAmps: vehicle.loadAmps(fromNanoseconds: previous, toNanoseconds: now), ambientCelsius: ambientCelsius,
                    coolantCelsius: coolantCelsius, cooling: cooling, heaterWatts: heaterWatts)
            }
            let seconds = Double(now - previous) / 1e9
            pack.step(inputs, duration: seconds)
            chargeSinceNodes += pack.lastStepAverageCurrentAmps * seconds
            netDischargedAmpereSeconds += pack.lastStepAverageCurrentAmps * seconds
        }
        lastStepNanoseconds = now
        if now >= nodes.nextDueNanoseconds {
            var readings = PackReadings(pack.truth)
            if let last = nodesLastStepped, now > last {
                readings.averageCurrentAmps = chargeSinceNodes / (Double(now - last) / 1e9)
            }
            chargeSinceNodes = 0
            nodesLastStepped = now
            output.frames.append(contentsOf: nodes.step(nowNanoseconds: now, pack: readings, cells: pack))
        }
        output.frames.append(contentsOf: vehicle.step(nowNanoseconds: now, events: &output.events))
        monitor?.check(pack, nowNanoseconds: now, events: &output.events)
    }

    // MARK: - Scenario actions

    /// Applies a timeline action that concerns the pack side; bus faults are applied by the runner.
    public mutating func apply(_ action: TimelineAction, atNanoseconds now: Int64) {
        func refused(_ what: String, _ reason: String) {
            pendingEvents.append(TraceEvent(timeNanoseconds: now, kind: "scenario.action_refused", subject: "\(what): \(reason)", source: "scenario"))
        }
        if let reason = foxBMSRefusal(action) { return refused(action.summary, reason) }
        switch action {
        case .packFault(let fault):
            do { try pack.inject(fault) } catch { refused("\(fault)", error.reason) }
        case .clearPackFaults:
            pack.clearFaults()
        case .sensorFault(let text):
            do { try nodes.inject(try SensorFault(parsing: text)) } catch { refused(text, "\(error)") }
        case .clearSensorFaults:
            nodes.clearFaults()
        case .environment(let change):
            if let ambient = change.ambientCelsius { ambientCelsius = ambient }
            if let coolant = change.coolantCelsius { coolantCelsius = coolant }
            if let mode = change.cooling { cooling = mode }
        case .heater(let cell, let watts):
            if heaterWatts.indices.contains(cell) { heaterWatts[cell] = watts } else { refused("heater \(cell)", "no such cell") }
        case .request(let request, let healing):
            vehicle.setRequest(request, healing: healing)
        case .load(let setting):
            vehicle.setLoad(setting, atNanoseconds: now)
        case .chargerConnected(let connected):
            vehicle.setChargerConnected(connected)
        case .resetFaults:
            vehicle.requestFaultReset()
        case .busFault, .clearBusFaults:
            // The lock-step runner applies these on its virtual bus and never hands them here; reaching the pack
            // side means nothing applies them (a SocketCAN interface).
            refused(action.summary, "bus faults act on the in-process virtual bus only (bmsemu scenario run, bmsemu run --can virtual)")
        }
    }
}
