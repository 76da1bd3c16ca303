public import SensorNodes

/// Which bus the pack side speaks in a scenario: bmsemu's own (`Firmware/bms.dbc`) or that of a foxBMS 2 master
/// (`Firmware/foxbms/foxbms-compat.dbc`, `HIL/foxbms.md`).
///
/// The shell turns ``foxBMS(_:)`` into a ``SensorNodes/FoxBMSProfile`` once it has loaded the compat DBC and the
/// node configuration (`FirmwareBundle.makeVehicle(for:)`).
public enum PackBusProfile: Hashable, Sendable {
    /// bmsemu's own bus: every emulated node with its bms.dbc messages, the vehicle's `VCU_StateRequest`.
    case bms
    /// The bus of a foxBMS 2 master: AFE pages 0x270/0x280, the IVT-S, the vehicle's 0x210; nothing else.
    case foxBMS(FoxBMSOptions)

    /// The settings of the foxBMS profile, `nil` on bmsemu's own bus.
    public var foxBMSOptions: FoxBMSOptions? {
        if case .foxBMS(let options) = self { return options }
        return nil
    }
}

/// The foxBMS profile's settings as a scenario or the command line gives them (everything but the database).
public struct FoxBMSOptions: Hashable, Sendable {
    /// The topology foxBMS was built with; `nil` mirrors the node configuration (`FoxBMSTopology.matching`).
    public var topology: FoxBMSTopology?
    /// Where the virtual pack's contactor positions come from.
    public var contactors: FoxBMSProfile.ContactorSource
    /// `BS_POSITIVE_DISCHARGE_CURRENT` of the foxBMS build (stock: `true`).
    public var positiveCurrentDischarges: Bool
    /// With ``FoxBMSProfile/ContactorSource/followBMSState``: contactors open after this long without 0x220.
    public var reportTimeoutMilliseconds: Int64

    public init(
        topology: FoxBMSTopology? = nil, contactors: FoxBMSProfile.ContactorSource = .followBMSState,
        positiveCurrentDischarges: Bool = true, reportTimeoutMilliseconds: Int64 = 500
    ) {
        self.topology = topology
        self.contactors = contactors
        self.positiveCurrentDischarges = positiveCurrentDischarges
        self.reportTimeoutMilliseconds = reportTimeoutMilliseconds
    }

    /// The command-line and scenario spelling of the current sign.
    public static let currentSignNames = ["discharge-positive", "charge-positive"]

    /// `discharge-positive` → `true`, `charge-positive` → `false`, anything else `nil`.
    public static func positiveCurrentDischarges(named name: String) -> Bool? {
        switch name {
        case "discharge-positive": true
        case "charge-positive": false
        default: nil
        }
    }
}
