public import CANCore
import CANDatabase

/// What the transmit side holds between frames: the commanded outputs (the controller emits verbs on
/// change, the bus repeats whole frames every cycle) and the latest reports.
struct TransmitState: Sendable {
    /// Commanded position per contactor, in ``Contactor`` order.
    var contactorClosed = [false, false, false]
    var chargerOn = false
    var chargerCommand: ChargerCommand?
    var profile = ChargerProfileFields.none
    var profileSet: Int64 = 0
    var balancing: [Bool]
    /// Active diagnosis rows, by ``DiagnosisID/rawValue``.
    var activeDiagnoses: [Bool]
    var runawayLevel: ThermalRunawayLevel = .none
    var runawaySignals: ThermalRunawaySignals = []
    var runawayCells: [Int] = []
    var status: StatusReport?
    var limits: CurrentLimitsReport?
    var cellVoltages: CellVoltageExtremesReport?
    var temperatures: TemperatureExtremesReport?
    var packValues: PackValuesReport?
    var estimates: StateEstimatesReport?
    var lithium: LithiumInventoryReport?
    var lastHealing: HealingRecord?
    /// Rolling CE trend (ppm per equivalent full cycle) from successive lithium-inventory reports.
    var efficiencyTrend = 0.0
    var trendReference: (efficiency: Double, cycles: Double)?
    var stateName: BMSStateName?
    var stateSinceNanoseconds: Int64 = 0

    init(topology: PackTopology, boards: Int) {
        balancing = Array(repeating: false, count: topology.seriesCells)
        activeDiagnoses = Array(repeating: false, count: DiagnosisID.allCases.count)
    }
}

extension BMSBusInterface {
    /// Takes one controller command into the transmit state. Commands that change what goes on the
    /// bus (contactors, charger, profile, balancing, a rising thermal-runaway stage) make their message
    /// due at once; the rest are sent at their next cycle.
    public mutating func apply(_ command: BMSCommand, atNanoseconds now: Int64) {
        switch command {
        case .closeContactor(let contactor):
            setContactor(contactor, closed: true, now: now)
        case .openContactor(let contactor):
            setContactor(contactor, closed: false, now: now)
        case .openAllContactors:
            for contactor in Contactor.allCases { setContactor(contactor, closed: false, now: now) }
            makeDue(.contactorCommand, now: now)
        case .commandCharger(let setpoint):
            let fields = ChargerProfileFields(setpoint)
            if fields != transmitState.profile {
                // A new parameter set: the charger starts it once all pages with the new set id arrived.
                transmitState.profile = fields
                transmitState.profileSet = (transmitState.profileSet + 1) & 0x0F
                makeDue(.chargerProfile, now: now, restartPages: true)
            }
            if !transmitState.chargerOn || transmitState.chargerCommand != setpoint { makeDue(.chargerCommand, now: now) }
            transmitState.chargerOn = true
            transmitState.chargerCommand = setpoint
        case .chargerOff:
            if transmitState.chargerOn { makeDue(.chargerCommand, now: now) }
            transmitState.chargerOn = false
        case .setBalancing(let cells):
            var next = Array(repeating: false, count: transmitState.balancing.count)
            for cell in cells where cell >= 0 && cell < next.count { next[cell] = true }
            if next != transmitState.balancing {
                transmitState.balancing = next
                makeDue(.balancing, now: now, restartPages: true)
            }
        case .broadcastAlarm(let alarm):
            if alarm.level > transmitState.runawayLevel || alarm.cells != transmitState.runawayCells { makeDue(.alarms, now: now) }
            transmitState.runawayLevel = max(transmitState.runawayLevel, alarm.level)
            transmitState.runawaySignals = alarm.signals
            transmitState.runawayCells = alarm.cells
        case .acknowledgeRequest:
            break  // BMS_State.RequestedMode carries the accepted request.
        case .recordDiagnosis(let transition):
            transmitState.activeDiagnoses[transition.id.rawValue] = transition.active
            if transition.active, transition.severity == .fatal { makeDue(.alarms, now: now) }
        case .recordHealing(let record):
            transmitState.lastHealing = record
        case .report(let report):
            apply(report)
        }
    }

    private mutating func apply(_ report: BMSReport) {
        switch report {
        case .status(let status): transmitState.status = status
        case .limits(let limits): transmitState.limits = limits
        case .cellVoltageExtremes(let extremes): transmitState.cellVoltages = extremes
        case .temperatureExtremes(let extremes): transmitState.temperatures = extremes
        case .packValues(let values): transmitState.packValues = values
        case .stateEstimates(let estimates): transmitState.estimates = estimates
        case .cellEstimates: break  // Per-block estimates have no message in bms.dbc; BMS_SOH* carry the extremes.
        case .thermalRunaway(let runaway):
            transmitState.runawayLevel = runaway.level
            transmitState.runawaySignals = runaway.signals
            transmitState.runawayCells = runaway.cells
        case .lithiumInventory(let lithium):
            transmitState.lithium = lithium
            followEfficiencyTrend(lithium)
        case .dendriteHealth: break  // Read from the controller when BMS_DendriteHealth is due.
        }
    }

    /// CE change per equivalent full cycle, from reports at least one cycle apart (ppm/cycle, exponential mean).
    private mutating func followEfficiencyTrend(_ report: LithiumInventoryReport) {
        guard report.coulombicEfficiencyPartsPerMillion > 0 else { return }
        let efficiency = Double(report.coulombicEfficiencyPartsPerMillion)
        let cycles = Double(report.equivalentFullCyclesHundredths) / 100
        guard let reference = transmitState.trendReference else {
            transmitState.trendReference = (efficiency, cycles)
            return
        }
        guard cycles - reference.cycles >= 1 else { return }
        let slope = (efficiency - reference.efficiency) / (cycles - reference.cycles)
        transmitState.efficiencyTrend += 0.3 * (slope - transmitState.efficiencyTrend)
        transmitState.trendReference = (efficiency, cycles)
    }

    private mutating func setContactor(_ contactor: Contactor, closed: Bool, now: Int64) {
        let index = Contactor.allCases.firstIndex(of: contactor) ?? 0
        guard transmitState.contactorClosed[index] != closed else { return }
        transmitState.contactorClosed[index] = closed
        makeDue(.contactorCommand, now: now)
    }

    /// Sends `message` at the next transmit (at `now`), restarting its period (and its page rotation).
    mutating func makeDue(_ message: TransmitMessage, now: Int64, restartPages: Bool = false) {
        slots[message.rawValue].nextDueNanoseconds = min(slots[message.rawValue].nextDueNanoseconds, now)
        if restartPages { slots[message.rawValue].nextPage = 0 }
    }

    /// Appends every BMS frame due at `now`, encoded from the transmit state and `controller`.
    ///
    /// A message is due once its period has passed since it was last sent; a step longer than the
    /// period sends it once (a multiplexed message: each page once), not the missed backlog.
    public mutating func transmit(atNanoseconds now: Int64, controller: BMSController, into frames: inout [CANFrame]) {
        followState(controller, now: now)
        func isDue(_ slot: TransmitSlot) -> Bool { slot.nextDueNanoseconds == Int64.min || now >= slot.nextDueNanoseconds }
        guard let firstDue = slots.firstIndex(where: isDue) else { return }
        // One context for every frame of this call (encoding changes no transmit state): copying the
        // controller and the transmit state per frame was most of the cost of a coarse step.
        EncodingContext.with(
            state: transmitState, handles: transmitHandles, controller: controller, topology: topology, now: now
        ) { context in
            for index in firstDue..<slots.endIndex {
                let due = slots[index].nextDueNanoseconds
                guard due == Int64.min || now >= due else { continue }
                let period = slots[index].pagePeriodNanoseconds
                let pageCount = slots[index].pages.count
                var count = 1
                if due != Int64.min {
                    let (late, overflow) = now.subtractingReportingOverflow(due)
                    count = overflow ? pageCount : Int(min(Int64(pageCount), 1 + late / period))
                }
                for _ in 0..<count {
                    let page = slots[index].pages[slots[index].nextPage]
                    if let frame = encode(slot: index, page: page, context: context) {
                        frames.append(frame)
                        statistics.sent += 1
                    } else {
                        statistics.encodeFailures += 1
                    }
                    slots[index].nextPage = (slots[index].nextPage + 1) % pageCount
                }
                var next = (due == Int64.min ? now : due).addingReportingOverflow(period * Int64(count)).partialValue
                if next <= now { next = now.addingReportingOverflow(period).partialValue }
                slots[index].nextDueNanoseconds = next
            }
        }
    }

    /// Time in state: the state name's changes, seen at transmit time.
    private mutating func followState(_ controller: BMSController, now: Int64) {
        let name = controller.state.name
        if name != transmitState.stateName {
            transmitState.stateName = name
            transmitState.stateSinceNanoseconds = now
        }
    }

    private mutating func encode(slot index: Int, page: Int64, context: borrowing EncodingContext) -> CANFrame? {
        var clipped = 0
        var frame: CANFrame?
        slots[index].encoder.reset()
        do throws(CANEncodeError) {
            try context.fill(slots[index].message, page: page, encoder: &slots[index].encoder, clipped: &clipped)
            if var sender = slots[index].sender {
                frame = try sender.protect(&slots[index].encoder)
                slots[index].sender = sender
            } else {
                frame = try slots[index].encoder.frame()
            }
        } catch {
            frame = nil
        }
        statistics.clippedValues += clipped
        return frame
    }
}
