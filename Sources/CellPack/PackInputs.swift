/// Open/closed state of the three pack contactors (true = closed).
///
/// The main path conducts when the main-negative contactor and the main-positive contactor are closed; with
/// main-positive open and the precharge contactor closed, the DC link charges through the precharge resistor.
public struct ContactorStates: Hashable, Sendable {
    /// Main positive contactor.
    public var mainPositive: Bool
    /// Main negative contactor.
    public var mainNegative: Bool
    /// Precharge contactor (in series with the precharge resistor, parallel to main positive).
    public var precharge: Bool

    public init(mainPositive: Bool = false, mainNegative: Bool = false, precharge: Bool = false) {
        self.mainPositive = mainPositive
        self.mainNegative = mainNegative
        self.precharge = precharge
    }

    /// All open.
    public static let open = ContactorStates()
    /// Main path closed (precharge open).
    public static let closed = ContactorStates(mainPositive: true, mainNegative: true)
    /// Precharging: main negative and precharge closed.
    public static let precharging = ContactorStates(mainNegative: true, precharge: true)
}

/// State of the coolant loop.
public enum CoolingMode: String, CaseIterable, Hashable, Sendable {
    /// Pump running: full coolant conductance.
    case on
    /// Pump off: only natural convection through the cold plate (`thermal.natural_cooling_share`).
    case off
    /// Coolant lost (leak, blocked plate): no coolant conductance at all.
    case failed
}

/// Everything the outside world does to the pack during one step.
///
/// The charger and the load are current sources on the DC link: they draw ``current`` only while the main
/// path is closed (an inverter or charger does not run on an unconnected link). During precharge only the link
/// capacitor draws current. Arrays shorter than the pack count the missing entries as off / 0 W.
public struct PackInputs: Sendable {
    /// Pack current demanded by charger and load (+ = discharge).
    public var current: CurrentWaveform
    /// Contactor states for this step.
    public var contactors: ContactorStates
    /// Passive-balancing switch per series group (true = bleeding through the balancing resistor).
    public var balancing: [Bool]
    /// Air temperature around the pack, °C.
    public var ambientCelsius: Double
    /// Coolant inlet temperature, °C.
    public var coolantCelsius: Double
    /// Coolant loop state.
    public var cooling: CoolingMode
    /// External heater power on each cell's surface, W (abuse tests: external heating); indexed by cell.
    public var heaterWatts: [Double]

    public init(
        current: CurrentWaveform = .rest, contactors: ContactorStates = .closed, balancing: [Bool] = [],
        ambientCelsius: Double = 25, coolantCelsius: Double = 25, cooling: CoolingMode = .on, heaterWatts: [Double] = []
    ) {
        self.current = current
        self.contactors = contactors
        self.balancing = balancing
        self.ambientCelsius = ambientCelsius
        self.coolantCelsius = coolantCelsius
        self.cooling = cooling
        self.heaterWatts = heaterWatts
    }
}

/// A physical fault injected into the pack (sensor faults belong to the sensor nodes, not here).
public enum PackFault: Hashable, Sendable {
    /// Nail-like internal short of `ohms` across one cell's electrodes (permanent).
    case internalShort(cell: Int, ohms: Double)
    /// External short of `ohms` across the DC link, after the contactors.
    case externalShort(ohms: Double)
    /// A forced soft short with median conductance `siemens` that fluctuates like a dendrite contact.
    case softShort(cell: Int, siemens: Double)
    /// Mechanical separator damage: `fraction` (0…1) of its thickness lost, so dendrites short sooner and a
    /// damaged separator melts through at the shutdown temperature.
    case separatorDamage(cell: Int, fraction: Double)
    /// Electrolyte leaking out of one cell at `gramsPerHour` (dry-out; the leak also degrades isolation).
    case electrolyteLeak(cell: Int, gramsPerHour: Double)
    /// Insulation fault of `ohms` between the pack and the chassis.
    case isolationFault(ohms: Double)
}

/// Why ``VirtualPack/inject(_:)`` refused a fault.
public struct PackFaultRejected: Error, Hashable, Sendable, CustomStringConvertible {
    /// What is wrong with the request.
    public let reason: String
    public var description: String { reason }
}
