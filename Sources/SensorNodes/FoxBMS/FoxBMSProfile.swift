public import CANDatabase

/// Which bus the pack-side nodes speak.
///
/// `.bmsemu` is bmsemu's own bus (`Firmware/bms.dbc`): every emulated node with its own messages. `.foxBMS` is the
/// bus of a foxBMS 2 master built with the `debug-can` AFE and the IVT-S current sensor
/// (`Firmware/foxbms/foxbms-compat.dbc`): the cell-monitoring boards' readings go out re-encoded on 0x270/0x280,
/// the current sensor sends 0x521...0x528, and nothing else.
public enum BusProfile: Hashable, Sendable {
    case bmsemu
    case foxBMS(FoxBMSProfile)
}

/// Settings of the foxBMS 2 bus profile: the database to encode from, the topology foxBMS was built with, how the
/// current sensor is mounted, and where the virtual pack's contactor positions come from.
///
/// ```swift
/// let compat = try CANDatabase.parse(bytes(of: "Firmware/foxbms/foxbms-compat.dbc"))   // in the shell
/// let profile = FoxBMSProfile(database: compat, topology: .matching(nodeConfiguration))
/// var nodes = try PackNodes(configuration: nodeConfiguration, database: bmsDatabase, seed: 42, profile: .foxBMS(profile))
/// ```
public struct FoxBMSProfile: Hashable, Sendable {
    /// Where the virtual pack's contactor positions come from. foxBMS drives its contactors from its own outputs
    /// (hardware), which the emulator cannot see.
    public enum ContactorSource: String, Hashable, Sendable, CaseIterable {
        /// Always open: the pack rests, the IVT measures no current.
        case open
        /// Always closed: the load flows whatever foxBMS decides (a bench whose contactor outputs drive nothing).
        case closed
        /// Mirror what foxBMS reports on 0x220 f_BmsState: main contactors closed while it reports a connected
        /// string, the precharge path during its precharge substates, everything open after an ERROR or when 0x220
        /// stops for ``FoxBMSProfile/reportTimeoutMilliseconds``. Latency is one 0x220 period (100 ms).
        case followBMSState = "follow-bms-state"
    }

    /// `Firmware/foxbms/foxbms-compat.dbc`, parsed by the shell.
    public var database: CANDatabase
    /// The topology foxBMS was built with and how it maps onto the pack.
    public var topology: FoxBMSTopology
    /// `BS_POSITIVE_DISCHARGE_CURRENT` of the foxBMS build (stock: `true`): the IVT-S reports discharge current
    /// positive (its As and Wh counters then count discharge up). bmsemu's own bus uses the opposite sign.
    public var positiveCurrentDischarges: Bool
    /// Where the contactor positions come from.
    public var contactors: ContactorSource
    /// With ``ContactorSource/followBMSState``: contactors open when no 0x220 arrived for this long.
    public var reportTimeoutMilliseconds: Int64

    public init(
        database: CANDatabase, topology: FoxBMSTopology, positiveCurrentDischarges: Bool = true,
        contactors: ContactorSource = .followBMSState, reportTimeoutMilliseconds: Int64 = 500
    ) {
        self.database = database
        self.topology = topology
        self.positiveCurrentDischarges = positiveCurrentDischarges
        self.contactors = contactors
        self.reportTimeoutMilliseconds = reportTimeoutMilliseconds
    }
}
