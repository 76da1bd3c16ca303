import CANDatabase

/// Fills one page of a BMS message from the transmit state, the latest reports and the controller.
///
/// It reads the controller in place instead of holding a copy: copying the controller (every estimator
/// array retained and released) once per transmit call was a measurable share of a coarse simulated step.
/// Build it only with ``with(state:handles:controller:topology:now:_:)``, which keeps the pointer valid for
/// the context's whole life; the context must not leave that closure.
struct EncodingContext {
    let state: TransmitState
    let handles: TransmitHandles
    /// The controller the frames report, read in place (`controller.pointee.x` projects one property).
    let controller: UnsafePointer<BMSController>
    let topology: PackTopology
    var now: Int64 = 0

    private init(
        state: TransmitState, handles: TransmitHandles, controller: UnsafePointer<BMSController>, topology: PackTopology, now: Int64
    ) {
        self.state = state
        self.handles = handles
        self.controller = controller
        self.topology = topology
        self.now = now
    }

    /// Runs `body` with a context over `controller`, which it borrows for the call.
    static func with<Result>(
        state: TransmitState, handles: TransmitHandles, controller: BMSController, topology: PackTopology, now: Int64 = 0,
        _ body: (EncodingContext) -> Result
    ) -> Result {
        withUnsafePointer(to: controller) { pointer in
            body(EncodingContext(state: state, handles: handles, controller: pointer, topology: topology, now: now))
        }
    }

    func fill(_ message: TransmitMessage, page: Int64, encoder: inout MessageEncoder, clipped: inout Int) throws(CANEncodeError) {
        var writer = Writer(encoder: encoder, clipped: clipped)
        defer {
            encoder = writer.encoder
            clipped = writer.clipped
        }
        switch message {
        case .contactorCommand: try contactorCommand(&writer)
        case .alarms: try alarms(&writer)
        case .chargerCommand: try chargerCommand(&writer)
        case .chargerProfile: try chargerProfile(&writer, page: page)
        case .balancing: try balancing(&writer, page: page)
        case .state: try bmsState(&writer)
        case .packStatus: try packStatus(&writer)
        case .cellVoltageStats: try cellVoltageStats(&writer)
        case .cellTemperatureStats: try cellTemperatureStats(&writer)
        case .limits: try limits(&writer)
        case .soc: try soc(&writer)
        case .sohCapacity: try sohCapacity(&writer)
        case .sohResistance: try sohResistance(&writer)
        case .dendriteHealth: try dendriteHealth(&writer)
        case .healingStatus: try healingStatus(&writer)
        }
    }

    /// Sets physical values clamped into the DBC range, raw values, flags.
    struct Writer {
        var encoder: MessageEncoder
        var clipped: Int

        mutating func set(_ signal: RangedSignal, _ value: Double) throws(CANEncodeError) {
            try encoder.set(signal.handle, signal.clamped(value, clipped: &clipped))
        }

        mutating func raw(_ handle: SignalHandle, _ value: Int64) throws(CANEncodeError) { try encoder.set(handle, raw: value) }

        mutating func flag(_ handle: SignalHandle, _ value: Bool) throws(CANEncodeError) { try encoder.set(handle, raw: value ? 1 : 0) }

        /// A 1-based index with 0 = NotAvailable (raw, so the value-table 0 passes the [1|n] range).
        mutating func index(_ signal: RangedSignal, _ zeroBased: Int?) throws(CANEncodeError) {
            guard let zeroBased, zeroBased >= 0 else { return try encoder.set(signal.handle, raw: 0) }
            try encoder.set(signal.handle, raw: Int64(min(Double(zeroBased + 1), signal.maximum)))
        }
    }

    // MARK: Commands

    private func contactorCommand(_ w: inout Writer) throws(CANEncodeError) {
        for (index, handle) in handles.contactorCommand.enumerated() { try w.flag(handle, state.contactorClosed[index]) }
        // Emergency open whenever the controller holds the contactors open for a fault or an emergency:
        // the contactor node then opens at once, under load, whatever a stale or lost frame said before.
        try w.flag(handles.emergencyOpen, controller.pointee.state.isFaultOrEmergency)
    }

    private func chargerCommand(_ w: inout Writer) throws(CANEncodeError) {
        let command = state.chargerCommand
        let on = state.chargerOn && command != nil
        try w.set(handles.chargerSetpoint, on ? Double(command?.currentMilliamperes ?? 0) / 1000 : 0)
        try w.set(handles.chargerVoltage, Double(command?.voltageLimitMillivolts ?? 0) / 1000)
        try w.flag(handles.chargerEnable, on)
        try w.raw(handles.chargerProfile, on ? state.profile.profile : 0)
        try w.raw(handles.chargerProfileSet, state.profileSet)
    }

    private func chargerProfile(_ w: inout Writer, page: Int64) throws(CANEncodeError) {
        let fields = state.profile
        try w.raw(handles.profilePage, page)
        try w.raw(handles.profileSet, state.profileSet)
        switch page {
        case 0:
            try w.set(handles.profilePulse, Double(fields.pulseMilliamperes) / 1000)
            try w.set(handles.profileReverse, Double(fields.reverseMilliamperes) / 1000)
        case 1:
            try w.set(handles.profileOn, Double(fields.onMilliseconds))
            try w.set(handles.profileOff, Double(fields.offMilliseconds))
        default:
            try w.set(handles.profileReverseTime, Double(fields.reverseMilliseconds))
            try w.set(handles.profileCount, Double(fields.count))
        }
    }

    private func balancing(_ w: inout Writer, page: Int64) throws(CANEncodeError) {
        try w.raw(handles.balancingBoard, page)
        for board in handles.balancingBoards where board.page == page {
            var mask: Int64 = 0
            for (bit, cell) in board.cells.enumerated() where bit < 63 && cell < state.balancing.count && state.balancing[cell] {
                mask |= 1 << Int64(bit)
            }
            try w.raw(board.mask, mask)
        }
    }

    // MARK: Alarms

    /// Level per quantity: the highest severity among its active rows (info = 1 Warning/MOL, warning =
    /// 2 Alarm/RSL, fatal = 3 Fault/MSL, as the tiers are configured); gas, pressure and smoke from the
    /// thermal-runaway detector's signals (early warning = 1, alarm-class rise or smoke = 2).
    func alarmLevels() -> [Int64] {
        var levels = Array(repeating: Int64(0), count: AlarmQuantity.allCases.count)
        let table = controller.pointee.configuration.diagnosis
        for id in DiagnosisID.allCases where state.activeDiagnoses[id.rawValue] {
            guard let quantity = AlarmQuantity(id) else { continue }
            let level: Int64
            switch table[id].severity {
            case .info: level = 1
            case .warning: level = 2
            case .fatal: level = 3
            }
            levels[quantity.rawValue] = max(levels[quantity.rawValue], level)
        }
        let signals = state.runawaySignals
        func raise(_ quantity: AlarmQuantity, _ level: Int64) { levels[quantity.rawValue] = max(levels[quantity.rawValue], level) }
        if signals.contains(.gas) { raise(.gas, 1) }
        if signals.contains(.gasAlarm) { raise(.gas, 2) }
        if signals.contains(.pressure) { raise(.pressure, 1) }
        if signals.contains(.pressureAlarm) { raise(.pressure, 2) }
        if signals.contains(.smoke) { raise(.smoke, 2) }
        return levels
    }

    private func alarms(_ w: inout Writer) throws(CANEncodeError) {
        let levels = alarmLevels()
        for (index, handle) in handles.alarmLevels.enumerated() { try w.raw(handle, levels[index]) }
        let level = max(state.runawayLevel, controller.pointee.thermalRunaway.level)
        let signals = state.runawaySignals
        try w.raw(handles.runawayLevel, Int64(level.rawValue))
        try w.flag(handles.causeHydrogen, signals.contains(.gas) || signals.contains(.gasAlarm))
        // The detector does not use CO/CO2 (GAS_Concentrations carries them; only H2 is read).
        try w.flag(handles.causeCarbonOxides, false)
        try w.flag(handles.causePressure, signals.contains(.pressure) || signals.contains(.pressureAlarm))
        try w.flag(handles.causeSmoke, signals.contains(.smoke))
        try w.flag(handles.causeOvertemperature, signals.contains(.overTemperature))
        try w.flag(handles.causeRate, !signals.isDisjoint(with: [.temperatureRate, .heating, .neighbourHeating]))
        try w.flag(handles.causeVoltageDrop, !signals.isDisjoint(with: [.voltageDrop, .voltageDeviation]))
        try w.index(handles.runawayCell, level > .none ? state.runawayCells.first : nil)
        try w.raw(handles.highestLevel, levels.max() ?? 0)
    }

    // MARK: Status

    /// `BmsState_State` and `BmsState_Substate` of a state name.
    static func stateCodes(_ name: BMSStateName) -> (state: Int64, substate: Int64) {
        switch name {
        case .initializing: (1, 0)
        case .standby: (2, 0)
        case .prechargeClosingMinus: (3, 0)
        case .prechargeClosingPrecharge: (3, 1)
        case .prechargeVerifying: (3, 2)
        case .prechargeWaitingAfterFailure: (3, 3)
        case .prechargeClosingPlus: (3, 4)
        case .prechargeOpeningPrecharge: (3, 5)
        case .normal: (4, 0)
        case .chargingActive: (5, 0)
        case .chargingPaused: (5, 1)
        case .chargingComplete: (5, 2)
        case .balancing: (6, 0)
        case .healingDiagnosing: (7, 0)
        case .healingScheduled: (7, 1)
        case .healingRunning: (7, 2)
        case .healingVerifying: (7, 3)
        case .fault: (9, 0)
        case .emergencyShutdown: (9, 1)
        }
    }

    static func modeCode(_ mode: ModeRequest) -> Int64 {
        switch mode {
        case .standby: 0
        case .normal: 1
        case .charge: 2
        case .balance: 3
        case .heal: 4
        }
    }

    private func bmsState(_ w: inout Writer) throws(CANEncodeError) {
        let codes = controller.pointee.started ? Self.stateCodes(controller.pointee.state.name) : (state: 0, substate: 0)
        try w.raw(handles.state, codes.state)
        try w.raw(handles.substate, codes.substate)
        try w.raw(handles.requestedMode, Self.modeCode(controller.pointee.requestedMode))
        for (index, handle) in handles.stateContactors.enumerated() { try w.flag(handle, state.contactorClosed[index]) }
        try w.flag(handles.chargingAllowed, (state.limits?.maximumChargeMilliamperes ?? 0) > 0)
        try w.flag(handles.dischargingAllowed, (state.limits?.maximumDischargeMilliamperes ?? 0) > 0)
        try w.flag(handles.balancingActive, state.balancing.contains(true))
        if case .healing = controller.pointee.state {
            try w.flag(handles.healingActive, true)
        } else {
            try w.flag(handles.healingActive, false)
        }
        let insulationTimedOut = state.activeDiagnoses[DiagnosisID.insulationTimeout.rawValue]
        try w.flag(handles.insulationMonitoring, controller.pointee.started && !insulationTimedOut)
        try w.flag(handles.faultLatched, controller.pointee.state.isFaultOrEmergency)
        try w.flag(handles.runawayActive, controller.pointee.thermalRunaway.level >= .warning)
        let table = controller.pointee.configuration.diagnosis
        let faults = DiagnosisID.allCases.filter { state.activeDiagnoses[$0.rawValue] && table[$0].severity >= .warning }.count
        try w.set(handles.activeFaultCount, Double(faults))
        let (age, overflow) = now.subtractingReportingOverflow(state.stateSinceNanoseconds)
        try w.set(handles.timeInState, overflow ? .greatestFiniteMagnitude : Double(max(age, 0)) / 1e9)
    }

    private func packStatus(_ w: inout Writer) throws(CANEncodeError) {
        let values = state.packValues
        try w.set(handles.packVoltage, Double(values?.packMillivolts ?? 0) / 1000)
        try w.set(handles.busVoltage, Double(values?.linkMillivolts ?? 0) / 1000)
        // bms.dbc: positive charges the pack; the controller counts discharge positive.
        try w.set(handles.packCurrent, -Double(values?.currentMilliamperes ?? 0) / 1000)
        try w.flag(handles.currentValid, values?.currentValid ?? false)
        try w.flag(handles.voltageValid, values?.packVoltageValid ?? false)
        try w.flag(handles.busVoltageValid, values?.linkVoltageValid ?? false)
    }

    private func cellVoltageStats(_ w: inout Writer) throws(CANEncodeError) {
        let extremes = state.cellVoltages
        let valid = (extremes?.validCells ?? 0) > 0
        try w.set(handles.cellMinimum, valid ? Double(extremes?.minimumMillivolts ?? 0) : 0)
        try w.set(handles.cellMaximum, valid ? Double(extremes?.maximumMillivolts ?? 0) : 0)
        try w.set(handles.cellMean, valid ? Double(extremes?.meanMillivolts ?? 0) : 0)
        try w.index(handles.cellMinimumIndex, valid ? extremes?.minimumCell : nil)
        try w.index(handles.cellMaximumIndex, valid ? extremes?.maximumCell : nil)
    }

    private func cellTemperatureStats(_ w: inout Writer) throws(CANEncodeError) {
        let extremes = state.temperatures
        let valid = (extremes?.validSensors ?? 0) > 0
        try w.set(handles.temperatureMinimum, valid ? Double(extremes?.minimumDeciCelsius ?? 0) / 10 : 0)
        try w.set(handles.temperatureMaximum, valid ? Double(extremes?.maximumDeciCelsius ?? 0) / 10 : 0)
        try w.set(handles.temperatureMean, valid ? Double(extremes?.meanDeciCelsius ?? 0) / 10 : 0)
        try w.index(handles.temperatureMinimumIndex, valid ? extremes?.minimumSensor : nil)
        try w.index(handles.temperatureMaximumIndex, valid ? extremes?.maximumSensor : nil)
        try w.set(handles.temperatureRate, Double(extremes?.maximumRateCentiCelsiusPerSecond ?? 0) / 100)
    }

    private func limits(_ w: inout Writer) throws(CANEncodeError) {
        let limits = state.limits
        try w.set(handles.limitCharge, Double(limits?.maximumChargeMilliamperes ?? 0) / 1000)
        try w.set(handles.limitDischarge, Double(limits?.maximumDischargeMilliamperes ?? 0) / 1000)
        try w.set(handles.limitChargePower, Double(limits?.maximumChargePowerWatts ?? 0) / 1000)
        try w.set(handles.limitDischargePower, Double(limits?.maximumDischargePowerWatts ?? 0) / 1000)
    }
}

extension BMSState {
    var isFaultOrEmergency: Bool {
        switch self {
        case .fault, .emergencyShutdown: true
        default: false
        }
    }
}
