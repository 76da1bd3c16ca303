/// One emulated node on the bus, as fault texts and counters name it.
///
/// The textual names (`cmu3`, `ivt`, `gas`, `press`, `smoke`, `imd`, `charger`, `contactors`) follow the
/// `BU_` nodes of `Firmware/bms.dbc` in lower case (`PRESS` → `press`); boards are numbered from 1 like
/// `CMU1`..`CMU8`.
public enum NodeAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Cell-monitoring board `n` (1-based, `CMU<n>` in the DBC).
    case cellMonitor(Int)
    /// The IVT-S style shunt current sensor (`IVT`).
    case currentSensor
    /// The gas sensor (`GAS`).
    case gasSensor
    /// The stack-pressure / swelling sensor (`PRESS`).
    case pressureSensor
    /// The smoke detector (`SMOKE`).
    case smokeDetector
    /// The insulation monitor (`IMD`).
    case insulationMonitor
    /// The charger (`CHARGER`).
    case charger
    /// The contactor driver (`CONTACTORS`).
    case contactors

    /// Fixed order for outputs: boards first, then the other nodes as listed above.
    var sortKey: Int {
        switch self {
        case .cellMonitor(let board): board
        case .currentSensor: 1_000
        case .gasSensor: 1_001
        case .pressureSensor: 1_002
        case .smokeDetector: 1_003
        case .insulationMonitor: 1_004
        case .charger: 1_005
        case .contactors: 1_006
        }
    }

    public static func < (lhs: NodeAddress, rhs: NodeAddress) -> Bool { lhs.sortKey < rhs.sortKey }

    /// The name used in fault texts: `cmu3`, `ivt`, `gas`, `press`, `smoke`, `imd`, `charger`, `contactors`.
    public var description: String {
        switch self {
        case .cellMonitor(let board): "cmu\(board)"
        case .currentSensor: "ivt"
        case .gasSensor: "gas"
        case .pressureSensor: "press"
        case .smokeDetector: "smoke"
        case .insulationMonitor: "imd"
        case .charger: "charger"
        case .contactors: "contactors"
        }
    }

    /// The `BU_` node name in `Firmware/bms.dbc` (`CMU3`, `IVT`, ...).
    public var databaseNodeName: String { description.uppercased() }

    /// Parses `cmu3`, `ivt`, ...; `nil` for anything else.
    public init?(name: Substring) {
        switch name {
        case "ivt": self = .currentSensor
        case "gas": self = .gasSensor
        case "press": self = .pressureSensor
        case "smoke": self = .smokeDetector
        case "imd": self = .insulationMonitor
        case "charger": self = .charger
        case "contactors": self = .contactors
        default:
            guard name.hasPrefix("cmu"), let board = Int(name.dropFirst(3)), board >= 1, board <= 99 else {
                return nil
            }
            self = .cellMonitor(board)
        }
    }

    /// Stream number for this node's random generators (`Xoshiro256(seed:stream:)`), far from the small
    /// stream numbers the cell pack uses per cell. `purpose` separates measurement noise, calibration
    /// draws and fault noise so that injecting a fault does not shift the noise of other channels.
    func randomStream(_ purpose: RandomPurpose) -> UInt64 {
        0x5345_4E53_0000_0000 | UInt64(sortKey) << 8 | UInt64(purpose.rawValue)
    }
}

/// What a node's random stream is used for.
enum RandomPurpose: UInt8 {
    /// Per-sample measurement noise.
    case noise = 1
    /// Static per-device errors drawn once at construction (offsets, gain errors, clock error).
    case calibration = 2
    /// Noise added by injected faults, and babbling payloads.
    case faults = 3
}
