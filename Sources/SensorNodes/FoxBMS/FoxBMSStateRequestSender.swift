public import CANCore
public import CANDatabase

/// The vehicle's state request to a foxBMS 2 master: `f_BmsStateRequest` (0x210) on absolute 100 ms deadlines.
///
/// foxBMS treats this message as its heartbeat: `CAN_CheckCanTiming` (`src/app/driver/can/can.c`) requires the
/// last frame to be at most 105 ms old and the last two to have arrived 95...105 ms apart, else it counts
/// `DIAG_ID_CAN_TIMING` events (fatal after 100). The sender keeps a fixed grid (first deadline + k × period, the
/// period from the DBC's `GenMsgCycleTime`), so ordinary wake-up latency never accumulates: an interval is the
/// period plus the difference of two latencies. A send later than 5 % of the period (a stalled caller) re-anchors
/// the grid at that send, so the next interval is a full period rather than a short one that would break the
/// 95 ms lower bound; it never sends a backlog. The caller should step at ``nextDueNanoseconds`` (or on a cycle
/// that divides 100 ms, such as the lock-step 1 ms).
///
/// ```swift
/// var request = try FoxBMSStateRequestSender(database: compat)
/// request.mode = .discharge                       // foxBMS: BMS_REQ_ID_NORMAL
/// if let frame = request.step(nowNanoseconds: t) { send(frame) }   // 210#0100000000000000
/// ```
public struct FoxBMSStateRequestSender: Sendable {
    /// `RequestBmsMode`.
    public enum Mode: Int64, CaseIterable, Hashable, Sendable {
        /// Open the strings (foxBMS `BMS_REQ_ID_STANDBY`).
        case standby = 0
        /// Connect the strings to discharge (foxBMS `BMS_REQ_ID_NORMAL`).
        case discharge = 1
        /// Connect the strings to charge (foxBMS `BMS_REQ_ID_CHARGE`).
        case charge = 2
    }

    /// The requested mode.
    public var mode: Mode = .standby
    /// `ActivateBalancing`: global balancing enable (foxBMS starts with balancing inactive).
    public var balancingActive = false
    /// `SetBalancingThreshold`, mV above the minimum cell voltage; sent clamped to 0...255.
    public var balancingThresholdMillivolts = 0
    /// `ChargerConnected` (declared by foxBMS, not evaluated by v1.11.0).
    public var chargerConnected = false
    /// `IndicatePrechargeType` = external (declared by foxBMS, not evaluated by v1.11.0).
    public var externalPrecharge = false
    /// `DisableInsulationMonitoring` (declared by foxBMS, not evaluated by v1.11.0).
    public var insulationMonitoringDisabled = false

    var message: OutgoingMessage
    let modeHandle, resetHandle, prechargeHandle, chargerHandle, insulationHandle, balancingHandle, thresholdHandle: SignalHandle
    var schedule: PeriodicSchedule
    var resetPending = false
    /// Frames sent so far.
    public private(set) var framesSent = 0
    /// Frames that could not be encoded (0 with `foxbms-compat.dbc`).
    public private(set) var encodeFailures = 0

    /// A sender encoding from `database` (`Firmware/foxbms/foxbms-compat.dbc`), first frame at `firstNanoseconds`.
    ///
    /// - Throws: ``NodeSetupError`` when the database lacks `f_BmsStateRequest`, a signal of it or its cycle time.
    public init(database: CANDatabase, firstNanoseconds: Int64 = 0) throws(NodeSetupError) {
        message = try OutgoingMessage("f_BmsStateRequest", node: "VCU", database: database)
        modeHandle = try message.handle("RequestBmsMode")
        resetHandle = try message.handle("ResetPersistentFlags")
        prechargeHandle = try message.handle("IndicatePrechargeType")
        chargerHandle = try message.handle("ChargerConnected")
        insulationHandle = try message.handle("DisableInsulationMonitoring")
        balancingHandle = try message.handle("ActivateBalancing")
        thresholdHandle = try message.handle("SetBalancingThreshold")
        schedule = PeriodicSchedule(phaseNanoseconds: firstNanoseconds, periodNanoseconds: try message.cycleNanoseconds())
    }

    /// The request period from the DBC, ns (100 ms).
    public var periodNanoseconds: Int64 { schedule.periodNanoseconds }

    /// The next deadline; stepping earlier sends nothing.
    public var nextDueNanoseconds: Int64 { schedule.dueNanoseconds }

    /// Sets `ResetPersistentFlags` in the next frame only (foxBMS then clears its deep-discharge flag and the
    /// recorded task-timing violations).
    public mutating func requestPersistentFlagReset() { resetPending = true }

    /// The frame due at `now`, if any (at most one per call).
    public mutating func step(nowNanoseconds now: Int64) -> CANFrame? {
        let lateness = now &- schedule.dueNanoseconds
        guard schedule.fire(at: now) else { return nil }
        if lateness > schedule.periodNanoseconds / 20 { schedule.reschedule(to: now &+ schedule.periodNanoseconds) }
        message.begin()
        var complete = message.set(modeHandle, raw: mode.rawValue)
        complete = message.set(resetHandle, raw: resetPending ? 1 : 0) && complete
        complete = message.set(prechargeHandle, raw: externalPrecharge ? 1 : 0) && complete
        complete = message.set(chargerHandle, raw: chargerConnected ? 1 : 0) && complete
        complete = message.set(insulationHandle, raw: insulationMonitoringDisabled ? 1 : 0) && complete
        complete = message.set(balancingHandle, raw: balancingActive ? 1 : 0) && complete
        complete = message.set(thresholdHandle, raw: Int64(min(max(balancingThresholdMillivolts, 0), 255))) && complete
        guard complete, let frame = message.seal(freezeCounter: false) else {
            encodeFailures += 1
            return nil
        }
        resetPending = false
        framesSent += 1
        return frame
    }
}
