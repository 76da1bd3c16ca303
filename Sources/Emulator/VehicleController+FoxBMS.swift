public import CANCore
public import SensorNodes

/// Why the vehicle side cannot do something on a foxBMS 2 bus (a program at build time, an action at run time).
public struct FoxBMSVehicleRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The vehicle's link to a foxBMS 2 master: 0x210 out, 0x220/0x231...0x233 in.
struct FoxBMSVehicleBus: Sendable {
    var request: FoxBMSStateRequestSender
    var status: FoxBMSStatus
    /// `BS_POSITIVE_DISCHARGE_CURRENT` of the build: the sign of 0x233 `Current`.
    let positiveCurrentDischarges: Bool

    init(program: VehicleProgram, profile: FoxBMSProfile) throws {
        if let reason = Self.refusal(program.initialRequest) { throw FoxBMSVehicleRefusal("vehicle.request: \(reason)") }
        if program.cycling != nil {
            throw FoxBMSVehicleRefusal(
                "vehicle.cycling: the cycling program charges through the charger, and the foxBMS bus has none "
                    + "(foxBMS 2 commands no charger); cycle with load profiles (negative amps charge through the contactors)")
        }
        // The first request goes out one period after the start, not at 0: the first real-time steps of a cold
        // process take several ms more than later ones, and a first frame sent that late made the first interval
        // 94.4 ms on vcan, below foxBMS's 95 ms (CAN_CheckCanTiming counts that as a timing violation).
        let period = try FoxBMSStateRequestSender(database: profile.database).periodNanoseconds
        request = try FoxBMSStateRequestSender(database: profile.database, firstNanoseconds: period)
        status = try FoxBMSStatus(database: profile.database)
        positiveCurrentDischarges = profile.positiveCurrentDischarges
    }

    /// The foxBMS mode a vehicle request maps to; `nil` for the modes foxBMS lacks.
    static func mode(_ request: VehicleRequest) -> FoxBMSStateRequestSender.Mode? {
        switch request {
        case .standby: .standby
        case .discharge: .discharge
        case .charge: .charge
        case .balance, .heal: nil
        }
    }

    /// Why foxBMS cannot be asked for `request`, or `nil` when it can.
    static func refusal(_ request: VehicleRequest) -> String? {
        guard mode(request) == nil else { return nil }
        return "foxBMS 2 has no \(request.rawValue.lowercased()) mode (0x210 RequestBmsMode: standby, discharge, charge)"
    }
}

extension VehicleController {
    /// What the foxBMS master last reported (0x220, 0x231, 0x232, 0x233); `nil` on bmsemu's own bus.
    public var foxBMSStatus: FoxBMSStatus? { foxBMS?.status }

    /// 0x210 frames sent so far in the foxBMS profile (0 on bmsemu's own bus).
    public var foxBMSRequestsSent: Int { foxBMS?.request.framesSent ?? 0 }

    /// Why `action` makes no sense on the vehicle side of a foxBMS bus, or `nil` (also on bmsemu's own bus).
    public func foxBMSRefusal(_ action: TimelineAction) -> String? {
        guard foxBMS != nil else { return nil }
        switch action {
        case .request(let request, _):
            return FoxBMSVehicleBus.refusal(request)
        case .chargerConnected:
            return "no charger on the foxBMS bus (foxBMS 2 commands none; the ChargerConnected bit of 0x210 is declared "
                + "but not evaluated by v1.11.0)"
        default:
            return nil
        }
    }

    /// ``observe(_:)`` on the foxBMS bus: the master's reports become the vehicle's view (bms.dbc sign: + charges).
    mutating func observeFoxBMS(_ frame: CANFrame) {
        guard var link = foxBMS else { return }
        link.status.observe(frame)
        let status = link.status
        foxBMS = link
        reportedState = status.state
        reportedMinimumCellMillivolts = status.minimumCellMillivolts
        reportedMaximumCellMillivolts = status.maximumCellMillivolts
        reportedPackCurrentAmps = status.packCurrentAmps.map { link.positiveCurrentDischarges ? -$0 : $0 }
        reportedDischargeLimitAmps = status.maximumDischargeAmps
        reportedChargeLimitAmps = status.maximumChargeAmps
    }

    /// ``step(nowNanoseconds:events:)`` on the foxBMS bus: the 0x210 request on its 100 ms grid.
    ///
    /// The request carries the vehicle's mode (a balance or heal request, refused when it was made, sends
    /// Standby: the safe side), `ActivateBalancing` = the program's balancing permission with a 10 mV threshold
    /// (as on bmsemu's bus), and `ResetPersistentFlags` once after a `reset_faults` action.
    mutating func stepFoxBMS(nowNanoseconds now: Int64, events: inout [TraceEvent]) -> [CANFrame] {
        guard program.sendsStateRequests, var link = foxBMS, now >= link.request.nextDueNanoseconds else { return [] }
        link.request.mode = FoxBMSVehicleBus.mode(request) ?? .standby
        link.request.balancingActive = program.balancingAllowed
        link.request.balancingThresholdMillivolts = 10
        if resetPending {
            link.request.requestPersistentFlagReset()
            resetPending = false
        }
        let failuresBefore = link.request.encodeFailures
        let frame = link.request.step(nowNanoseconds: now)
        if link.request.encodeFailures != failuresBefore {
            events.append(TraceEvent(timeNanoseconds: now, kind: "vehicle.encode_failed", subject: "f_BmsStateRequest", source: "pack"))
        }
        foxBMS = link
        return frame.map { [$0] } ?? []
    }
}
