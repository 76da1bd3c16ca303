import CANCore
import CANDatabase
public import CellPack

/// Contactor positions for the virtual pack in the foxBMS profile, where foxBMS drives its contactors from its
/// own hardware outputs the emulator cannot see.
///
/// With ``FoxBMSProfile/ContactorSource/followBMSState`` the mirror reads `f_BmsState` (0x220): the main
/// contactors are closed while `NumberOfConnectedStrings` is above 0; during `PRECHARGE` the substates follow
/// foxBMS's sequence in `src/app/application/bms/bms.c` (close minus, close precharge, check voltages, close plus,
/// open precharge); any other report opens everything, and so does silence for longer than the report timeout
/// (a BMS that stopped talking has, on a real pack, most likely dropped its contactor coils).
public struct FoxBMSContactorMirror: Sendable {
    /// `BmsState` values of `f_BmsState` (src/app/application/bms/bms.h, BMS_FSM_STATES_e).
    static let precharge: Int64 = 6
    /// `BmsSubstate` values of the precharge sequence.
    static let closeMinus: Int64 = 8
    static let openPrecharge: Int64 = 11
    static let checkOpenPrecharge: Int64 = 12

    public let source: FoxBMSProfile.ContactorSource
    let timeoutNanoseconds: Int64
    var message: IncomingMessage
    let stateHandle: SignalHandle
    let substateHandle: SignalHandle
    let connectedHandle: SignalHandle
    /// When the last valid 0x220 arrived.
    public private(set) var lastReportNanoseconds: Int64?
    /// `BmsState` of the last valid 0x220.
    public private(set) var reportedState: Int64?
    /// Positions derived from the last report (before the timeout).
    var reported = ContactorStates.open
    /// How 0x220 frames were handled (wrong length and similar are counted, never used).
    public private(set) var counters = CommandCounters()

    init(profile: FoxBMSProfile) throws(NodeSetupError) {
        source = profile.contactors
        timeoutNanoseconds = max(profile.reportTimeoutMilliseconds, 1) * 1_000_000
        message = try IncomingMessage("f_BmsState", node: "VCU", database: profile.database)
        stateHandle = try message.handle("BmsState")
        substateHandle = try message.handle("BmsSubstate")
        connectedHandle = try message.handle("NumberOfConnectedStrings")
    }

    var identifier: CANID { message.identifier }

    /// The contactor positions the virtual pack gets.
    public var positions: ContactorStates {
        switch source {
        case .open: .open
        case .closed: .closed
        case .followBMSState: reported
        }
    }

    /// Reads a 0x220 frame.
    mutating func receive(_ frame: CANFrame, atNanoseconds now: Int64) {
        guard let decoded = message.check(frame, counters: &counters),
            let state = decoded.raw(stateHandle), let substate = decoded.raw(substateHandle), let connected = decoded.raw(connectedHandle)
        else { return }
        counters.accepted += 1
        lastReportNanoseconds = now
        reportedState = state
        reported = Self.positions(state: state, substate: substate, connectedStrings: connected)
    }

    /// The contactor positions a report stands for.
    static func positions(state: Int64, substate: Int64, connectedStrings: Int64) -> ContactorStates {
        if connectedStrings > 0 { return .closed }
        guard state == precharge else { return .open }
        switch substate {
        case closeMinus: return ContactorStates(mainNegative: true)
        case openPrecharge: return ContactorStates(mainPositive: true, mainNegative: true, precharge: true)
        case checkOpenPrecharge: return .closed
        default: return .precharging
        }
    }

    /// Opens everything when reports stopped.
    mutating func expire(atNanoseconds now: Int64) {
        guard let last = lastReportNanoseconds, now - last > timeoutNanoseconds else { return }
        reported = .open
    }

    /// When ``expire(atNanoseconds:)`` has something to do.
    var nextDueNanoseconds: Int64 {
        guard source == .followBMSState, reported != .open, let last = lastReportNanoseconds else { return .max }
        return last &+ timeoutNanoseconds &+ 1
    }
}
