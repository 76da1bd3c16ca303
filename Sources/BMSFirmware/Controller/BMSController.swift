/// The BMS firmware as a pure, deterministic reducer: ``handle(_:)`` takes one ``BMSEvent`` (a fact)
/// and returns the ``BMSCommand``s (verbs) it causes, in the order the shell must carry them out.
///
/// ### Overview
/// Measurement, feedback and status events only update the controller's database. Every decision is
/// taken on ``BMSEvent/tick(nowMilliseconds:)``, which runs the cyclic task in a fixed order:
/// sensor classification → contactor supervision → protections (MOL/RSL/MSL) → plausibility and
/// timeouts → estimators (SOC EKF, SOH, dendrite diagnosis) → thermal-runaway detection → state machine
/// → current limits → balancing → reports. State requests and end-to-end failures are answered at once.
///
/// ```swift
/// var controller = try BMSController(configuration: configuration)
/// _ = controller.handle(.tick(nowMilliseconds: 0))
/// _ = controller.handle(.cellVoltagesMeasured(firstCell: 0, millivolts: voltages))
/// // … temperatures, current, pack voltage …
/// let commands = controller.handle(.tick(nowMilliseconds: 10))   // → standby
/// controller.handle(.stateRequested(.normal))                    // [.acknowledgeRequest(.normal, .accepted)]
/// controller.handle(.tick(nowMilliseconds: 20))                  // [.closeContactor(.mainMinus)]
/// ```
///
/// > Important: Safety invariants the tests check on random event sequences: no contactor is commanded
/// > closed in `fault` or `emergencyShutdown`; no charger command is sent while the state request's
/// > end-to-end protection is invalid; every SOC stays within 0...1; no input traps.
public struct BMSController: Sendable {
    public let configuration: BMSConfiguration
    public internal(set) var state: BMSState {
        didSet { stateRevision &+= 1 }
    }
    /// Counts writes to ``state`` (any change of state or phase is one): a reader that remembers it asks
    /// for ``BMSState/name`` only after a write, not after every event (matching a state copies its payload).
    public private(set) var stateRevision: UInt64 = 0
    /// Controller time: the last accepted tick.
    public internal(set) var nowMilliseconds: Int64 = 0
    var started = false

    var store: MeasurementStore
    var snapshot: PackSnapshot
    var temperatures: TemperatureTracker
    var diagnosis: DiagnosisMonitor
    var contactors: ContactorSupervisor
    var filters: [CellEKF]
    let filterNoise: CellEKF.Noise
    var temperatureFactor: [Double]
    var stateOfHealth: StateOfHealthTracker
    var thermalRunaway: ThermalRunawayDetector
    var dendrite: DendriteDiagnosis
    /// Plating stress per block since the last completed healing run (when a preventive dose is due).
    public internal(set) var platingStress: PlatingStress
    var balancer: PassiveBalancer
    var blockAmperes: [Double]
    var netChargeAmpereHours = 0.0
    var currentOffset = CurrentOffsetCalibration()
    var chargeCounter = ChargeCounterReconciliation()
    /// Charge the current samples missed this tick (A·s, positive = discharge), from the charge counter.
    var missedAmpereSeconds = 0.0
    var nextDendriteEvaluationAt = Time.never
    var nextRestConclusionAt = Time.never

    /// Latest current limits (SOF).
    public internal(set) var currentLimits: CurrentLimitsReport
    /// The limits the pack would allow with closed contactors (the charge setpoint uses them).
    var availableLimits: CurrentLimitsReport
    /// The mode the controller is working towards (last accepted request).
    public internal(set) var requestedMode: ModeRequest = .standby
    /// The protocol the last heal request named (`nil`: automatic).
    public internal(set) var requestedHealingProtocol: HealingProtocol?
    /// The vehicle lets the BMS start healing on its own (`StateRequest_HealingAllowed`; true until a request says otherwise).
    public internal(set) var automaticHealingAllowed = true
    var lastRequestReceived: (ModeRequest, RequestDecision)?
    var stateRequestReceivedAt = Time.never
    /// False after an end-to-end failure of the state request until the next valid one.
    public internal(set) var stateRequestValid = true
    public internal(set) var chargerOn = false
    var pendingThermalRunawayAlarm: ThermalRunawayAlarm?
    var pendingDendriteReports: [DendriteHealthReport] = []
    var weldedContactor: Contactor?
    /// A fault reset arrived while in `fault` (consumed by the next tick).
    var faultResetRequested = false

    /// Finished healing runs, oldest first (the last 64).
    public internal(set) var healingHistory: [HealingRecord] = []
    var lastHealingEndedAt = Time.never
    /// Charges still to use the asymmetric-bidirectional profile after an adaptive-healing decision.
    public internal(set) var asymmetricChargesRemaining = 0
    var nextReportAt: [Int64]
    var cellEstimateCursor = 0

    /// Creates a controller in `initializing`.
    ///
    /// - Throws: the first ``ConfigurationIssue`` when the configuration violates a rule.
    public init(configuration: BMSConfiguration) throws(ConfigurationIssue) {
        if let issue = configuration.validate().first { throw issue }
        self.configuration = configuration
        let topology = configuration.topology
        state = .initializing(sinceMilliseconds: 0)
        store = MeasurementStore(topology: topology)
        snapshot = PackSnapshot(topology: topology)
        temperatures = TemperatureTracker(
            sensorCount: topology.temperatureSensors, settings: configuration.thermalRunaway, topology: topology)
        diagnosis = DiagnosisMonitor(table: configuration.diagnosis)
        contactors = ContactorSupervisor(settings: configuration.contactors)
        filters = Array(repeating: CellEKF(), count: topology.seriesCells)
        filterNoise = CellEKF.Noise(settings: configuration.estimation, parallelCells: topology.parallelCells)
        temperatureFactor = Array(repeating: 1, count: topology.seriesCells)
        stateOfHealth = StateOfHealthTracker(configuration: configuration)
        thermalRunaway = ThermalRunawayDetector(topology: topology)
        dendrite = DendriteDiagnosis(configuration: configuration)
        platingStress = PlatingStress(cells: topology.seriesCells)
        balancer = PassiveBalancer(cells: topology.seriesCells)
        blockAmperes = Array(repeating: 0, count: topology.seriesCells)
        currentLimits = CurrentLimitsReport(
            maximumChargeMilliamperes: 0, maximumDischargeMilliamperes: 0, maximumChargePowerWatts: 0, maximumDischargePowerWatts: 0,
            maximumPackMillivolts: 0, minimumPackMillivolts: 0)
        availableLimits = currentLimits
        nextReportAt = Array(repeating: Time.never, count: ReportKind.allCases.count)
    }

    /// Handles one event and returns the commands it causes, in order.
    public mutating func handle(_ event: BMSEvent) -> [BMSCommand] {
        var commands: [BMSCommand] = []
        // Inputs are stamped "since the last tick"; the next tick stamps them with its own time.
        let now = Time.pending
        switch event {
        case .tick(let time):
            runCycle(at: time, commands: &commands)
            return commands
        case .cellVoltagesMeasured(let first, let millivolts):
            store.storeCellVoltages(first: first, millivolts, at: now)
        case .cellTemperaturesMeasured(let first, let deciCelsius, let channel):
            store.storeTemperatures(first: first, deciCelsius, channel: channel, at: now)
        case .packCurrentMeasured(let milliamperes):
            store.currentMilliamperes = milliamperes
            store.currentReceivedAt = now
        case .chargeCounterMeasured(let ampereSeconds):
            store.chargeCountAmpereSeconds = ampereSeconds
            store.chargeCountReceivedAt = now
            store.chargeCountFresh = true
        case .packVoltageMeasured(let millivolts):
            store.packMillivolts = millivolts
            store.packVoltageReceivedAt = now
        case .linkVoltageMeasured(let millivolts):
            store.linkMillivolts = millivolts
            store.linkVoltageReceivedAt = now
        case .gasMeasured(let sensor, let partsPerMillion):
            store.storeGas(partsPerMillion, sensor: sensor, at: now)
        case .pressureMeasured(let sensor, let pascals):
            store.storePressure(pascals, sensor: sensor, at: now)
        case .smokeMeasured(let sensor, let detected):
            store.storeSmoke(detected, sensor: sensor, at: now)
        case .insulationMeasured(let kiloohms):
            store.insulationKiloohms = kiloohms
            store.insulationReceivedAt = now
        case .sensorStartingUp(let sensor):
            store.storeStartingUp(sensor, at: now)
        case .contactorFeedback(let contactor, let closed):
            contactors.report(contactor, closed: closed)
        case .chargerStatus(let status):
            store.charger = status
            store.chargerReceivedAt = now
        case .stateRequested(let request):
            receiveRequest(request, commands: &commands)
            return commands
        case .healingProtocolRequested(let requested):
            requestedHealingProtocol = requested
            return commands
        case .automaticHealingAllowed(let allowed):
            automaticHealingAllowed = allowed
            return commands
        case .faultResetRequested:
            if case .fault = state { faultResetRequested = true }
            return commands
        case .e2eFailure(let message):
            receiveEndToEndFailure(message, commands: &commands)
            return commands
        case .e2eRecovered(let message):
            // The state request's row clears with the next valid request; a measurement sender's good frame
            // counts the measurement row down by one (as foxBMS counts), only for that sender's failures.
            if message != .stateRequest { forgiveMeasurementFailure(commands: &commands) }
            return commands
        case .sensorFaultReported(let fault):
            store.setFault(fault, true)
        case .sensorFaultCleared(let fault):
            store.setFault(fault, false)
        }
        return commands
    }

    // MARK: - Read-only views for the shell and tests

    /// SOC of every block (0...1).
    public var cellSOC: [Double] { filters.map(\.soc) }
    /// 1σ SOC uncertainty of every block.
    public var cellSOCStandardDeviation: [Double] { filters.map { $0.reportedStandardDeviation(modelStandardDeviation: configuration.estimation.socModelStandardDeviation) } }
    /// Estimated capacity of every block (Ah).
    public var cellCapacityAmpereHours: [Double] { stateOfHealth.capacity.map(\.capacityAmpereHours) }
    /// Estimated 25 °C series resistance of every block (Ω).
    public var cellResistanceOhms: [Double] { stateOfHealth.resistance.map(\.ohms) }
    /// Dendrite risk of every block.
    public var dendriteRisk: [DendriteRisk] { dendrite.risk }
    /// Thermal-runaway stage.
    public var thermalRunawayLevel: ThermalRunawayLevel { thermalRunaway.level }
    /// Active diagnosis rows, in table order.
    public var activeDiagnoses: [DiagnosisID] { DiagnosisID.allCases.filter { diagnosis.isActive($0) } }
    /// Blocks whose bleed resistor is on.
    public var balancingCells: [Int] { balancer.activeCells }
    /// Contactors whose last command was "close".
    public var closedContactors: [Contactor] { contactors.closedContactors }
    /// The dendrite-healing plan the diagnosis recommends now, if any.
    public var recommendedHealing: HealingPlan? {
        withUnsafePointer(to: self) { Self.recommendedHealing(in: $0) }
    }

    /// ``recommendedHealing`` of the controller at `controller`, read in place (the getter on a borrowed
    /// controller copies it whole; encoding reads it once per status frame).
    static func recommendedHealing(in controller: UnsafePointer<BMSController>) -> HealingPlan? {
        let bidirectional = controller.pointee.store.charger.bidirectional
        if let plan = HealingPlanner.plan(
            risk: controller.pointee.dendrite.risk, signatures: controller.pointee.dendrite.signatures, chargerBidirectional: bidirectional)
        {
            return plan
        }
        return HealingPlanner.preventivePlan(
            stress: controller.pointee.platingStress, settings: controller.pointee.configuration.healing.preventive,
            risk: controller.pointee.dendrite.risk, chargerBidirectional: bidirectional)
    }

    /// What a heal request would run now: the protocol it names (a preventive run), or with `Automatic`
    /// the recommended one; `nil` when neither can run.
    public var requestedHealing: HealingPlan? {
        guard let named = requestedHealingProtocol else { return recommendedHealing }
        return HealingPlanner.plan(
            named: named, risk: dendrite.risk, signatures: dendrite.signatures, chargerBidirectional: store.charger.bidirectional)
    }
}

/// The cyclic reports, in emission order.
enum ReportKind: Int, CaseIterable {
    case status
    case limits
    case cellVoltageExtremes
    case temperatureExtremes
    case packValues
    case stateEstimates
    case cellEstimates
    case thermalRunaway
    case lithiumInventory
}
