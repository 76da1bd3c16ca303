public import CANCore
public import CANDatabase
public import SensorNodes

/// The vehicle side of the bus (what a VCU and a cycler do): sends `VCU_StateRequest` every 100 ms
/// with E2E protection, reads what the BMS reports (state, limits, cell voltages, pack current), sets
/// the load current within the BMS's discharge limit, and runs the cycling program of aging scenarios.
public struct VehicleController: Sendable {
    /// Phases of the cycling program.
    public enum CyclePhase: String, Hashable, Sendable {
        case idle, charging, restAfterCharge, discharging, restAfterDischarge, finished
    }

    public internal(set) var program: VehicleProgram
    public internal(set) var request: VehicleRequest
    public internal(set) var healing: HealingRequest = .automatic
    public internal(set) var load: LoadSetting
    public internal(set) var loadSinceNanoseconds: Int64 = 0
    public internal(set) var phase: CyclePhase = .idle
    public internal(set) var completedCycles = 0
    /// What the BMS last reported.
    public internal(set) var reportedState: String?
    public internal(set) var reportedMinimumCellMillivolts: Double?
    public internal(set) var reportedMaximumCellMillivolts: Double?
    public internal(set) var reportedPackCurrentAmps: Double?
    public internal(set) var reportedDischargeLimitAmps: Double?
    public internal(set) var reportedChargeLimitAmps: Double?
    /// The BMS reports a thermal-runaway warning or worse (`BmsState_ThermalRunawayActive`).
    public internal(set) var reportedThermalRunaway = false

    let requestCodec: MessageCodec
    var requestSender: E2ESender
    let mode, resetFaults, chargerConnected, healingAllowed, balancingAllowed, threshold, healingProtocol: SignalHandle
    let stateCodec: MessageCodec
    let stateHandle, thermalRunawayHandle: SignalHandle
    let statsCodec: MessageCodec
    let minimumCell, maximumCell: SignalHandle
    let packCodec: MessageCodec
    let packCurrent: SignalHandle
    let limitsCodec: MessageCodec
    let dischargeLimit, chargeLimit: SignalHandle
    var nextRequestNanoseconds: Int64 = 0
    var resetPending = false
    var phaseSinceNanoseconds: Int64 = 0
    var chargeCurrentSeen = false
    var quietSinceNanoseconds: Int64?
    /// When the BMS first reported `Discharge` in the current discharge phase (its limit means nothing before).
    var dischargeReportedSinceNanoseconds: Int64?
    /// The BMS has taken this cycle's preventive heal request (the request then reverts to charge).
    var healRequestedThisCycle = false
    /// The foxBMS profile's request sender and status reader; `nil` on bmsemu's own bus.
    var foxBMS: FoxBMSVehicleBus?

    /// Builds the controller; throws if `Firmware/bms.dbc` lacks a message or signal it uses.
    ///
    /// With `foxBMS` the vehicle speaks to a foxBMS 2 master instead (see ``VehicleController/foxBMSStatus``):
    /// 0x210 requests, 0x220/0x231...0x233 read back. It then throws ``FoxBMSVehicleRefusal`` for a program
    /// foxBMS cannot serve (a balance or heal request, a cycling program, which needs a charger).
    public init(program: VehicleProgram, database: CANDatabase, foxBMS: FoxBMSProfile? = nil) throws {
        if let foxBMS {
            self.foxBMS = try FoxBMSVehicleBus(program: program, profile: foxBMS)
        }
        self.program = program
        request = program.initialRequest
        load = program.initialLoad
        requestCodec = try database.codec(forMessageNamed: "VCU_StateRequest")
        requestSender = E2ESender(profile: try E2EProfile(codec: requestCodec))
        mode = try requestCodec.handle(named: "StateRequest_Mode")
        resetFaults = try requestCodec.handle(named: "StateRequest_ResetFaults")
        chargerConnected = try requestCodec.handle(named: "StateRequest_ChargerConnected")
        healingAllowed = try requestCodec.handle(named: "StateRequest_HealingAllowed")
        balancingAllowed = try requestCodec.handle(named: "StateRequest_BalancingAllowed")
        threshold = try requestCodec.handle(named: "StateRequest_BalancingThreshold")
        healingProtocol = try requestCodec.handle(named: "StateRequest_HealingProtocol")
        stateCodec = try database.codec(forMessageNamed: "BMS_State")
        stateHandle = try stateCodec.handle(named: "BmsState_State")
        thermalRunawayHandle = try stateCodec.handle(named: "BmsState_ThermalRunawayActive")
        statsCodec = try database.codec(forMessageNamed: "BMS_CellVoltageStats")
        minimumCell = try statsCodec.handle(named: "CellVoltage_Min")
        maximumCell = try statsCodec.handle(named: "CellVoltage_Max")
        packCodec = try database.codec(forMessageNamed: "BMS_PackStatus")
        packCurrent = try packCodec.handle(named: "Pack_Current")
        limitsCodec = try database.codec(forMessageNamed: "BMS_Limits")
        dischargeLimit = try limitsCodec.handle(named: "Limit_MaxDischargeCurrent")
        chargeLimit = try limitsCodec.handle(named: "Limit_MaxChargeCurrent")
        if program.cycling != nil {
            phase = .charging
            request = .charge
            load = .off
        }
    }

    // MARK: - Scenario actions

    public mutating func setRequest(_ newRequest: VehicleRequest, healing protocolChoice: HealingRequest) {
        request = newRequest
        healing = protocolChoice
    }

    public mutating func setLoad(_ setting: LoadSetting, atNanoseconds now: Int64) {
        load = setting
        loadSinceNanoseconds = now
    }

    public mutating func setChargerConnected(_ connected: Bool) { program.chargerConnected = connected }

    public mutating func requestFaultReset() { resetPending = true }

    // MARK: - Bus

    /// Reads the BMS frames the vehicle cares about; anything else is ignored.
    public mutating func observe(_ frame: CANFrame) {
        guard !frame.isErrorFrame, !frame.id.isExtended else { return }
        if foxBMS != nil { return observeFoxBMS(frame) }
        switch frame.id.value {
        case stateCodec.id.value:
            if let decoded = try? stateCodec.decode(frame) {
                reportedState = decoded.valueName(stateHandle)
                reportedThermalRunaway = decoded.raw(thermalRunawayHandle) == 1
            }
        case statsCodec.id.value:
            if let decoded = try? statsCodec.decode(frame) {
                reportedMinimumCellMillivolts = decoded.physical(minimumCell)
                reportedMaximumCellMillivolts = decoded.physical(maximumCell)
            }
        case packCodec.id.value:
            // bms.dbc: positive Pack_Current charges the pack.
            if let decoded = try? packCodec.decode(frame) { reportedPackCurrentAmps = decoded.physical(packCurrent) }
        case limitsCodec.id.value:
            if let decoded = try? limitsCodec.decode(frame) {
                reportedDischargeLimitAmps = decoded.physical(dischargeLimit)
                reportedChargeLimitAmps = decoded.physical(chargeLimit)
            }
        default:
            break
        }
    }

    /// Frames due at `now` (the 100 ms state request) and cycling-program transitions as trace events.
    public mutating func step(nowNanoseconds now: Int64, events: inout [TraceEvent]) -> [CANFrame] {
        runCycling(now, events: &events)
        if foxBMS != nil { return stepFoxBMS(nowNanoseconds: now, events: &events) }
        guard program.sendsStateRequests, now >= nextRequestNanoseconds else { return [] }
        // Absolute 100 ms grid; after a stall (more than 5 ms late) the grid restarts at this send, so the
        // next gap is a full period and no backlog is sent.
        nextRequestNanoseconds = now - nextRequestNanoseconds > 5_000_000 ? now + 100_000_000 : nextRequestNanoseconds + 100_000_000
        var encoder = requestCodec.encoder()
        do {
            try encoder.set(mode, valueNamed: request.rawValue)
            try encoder.set(resetFaults, raw: resetPending ? 1 : 0)
            try encoder.set(chargerConnected, raw: program.chargerConnected ? 1 : 0)
            try encoder.set(healingAllowed, raw: program.healingAllowed ? 1 : 0)
            try encoder.set(balancingAllowed, raw: program.balancingAllowed ? 1 : 0)
            try encoder.set(threshold, raw: 10)
            try encoder.set(healingProtocol, valueNamed: healing.rawValue)
            resetPending = false
            return [try requestSender.protect(&encoder)]
        } catch {
            events.append(TraceEvent(timeNanoseconds: now, kind: "vehicle.encode_failed", subject: "\(error)", source: "pack"))
            return []
        }
    }

    /// The load current averaged over the step, inside the discharge and charge (regen) limits the BMS
    /// reports, as a vehicle inverter keeps it (unless the program says it does not obey them).
    public func loadAmps(fromNanoseconds start: Int64, toNanoseconds end: Int64) -> Double {
        let since = Double(loadSinceNanoseconds) / 1e9
        var amps = load.averageAmps(fromSeconds: Double(start) / 1e9 - since, toSeconds: Double(end) / 1e9 - since)
        guard program.obeysCurrentLimits else { return amps }
        // An inverter regulates to within a few % of its target: it aims 3 % inside the reported limits.
        if amps > 0, let limit = reportedDischargeLimitAmps { amps = min(amps, 0.97 * limit) }
        if amps < 0, let limit = reportedChargeLimitAmps { amps = max(amps, -0.97 * limit) }
        return amps
    }
}
