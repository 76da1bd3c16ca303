/// Stage of the thermal-runaway detector; only ever rises while a warning's causes last, and alarms latch.
public enum ThermalRunawayLevel: Int, Hashable, Sendable, Comparable, CaseIterable {
    case none = 0
    /// Early signal (gas, pressure, soft short, sustained heating): charging stops, limits derate.
    case warning = 1
    /// Corroborated runaway signal: contactors open, charger off, emergency shutdown.
    case alarm = 2
    /// GB 38031-2025 C.5.3.7 rule met and corroborated.
    case confirmed = 3

    public static func < (lhs: ThermalRunawayLevel, rhs: ThermalRunawayLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The signals that contributed to a thermal-runaway stage.
public struct ThermalRunawaySignals: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Cell voltage more than 25 % below its reference (GB rule a).
    public static let voltageDrop = ThermalRunawaySignals(rawValue: 1 << 0)
    /// Temperature at or above the maximum operating temperature (GB rule b).
    public static let overTemperature = ThermalRunawaySignals(rawValue: 1 << 1)
    /// dT/dt ≥ 1 °C/s for more than 3 s (GB rule c).
    public static let temperatureRate = ThermalRunawaySignals(rawValue: 1 << 2)
    /// Sustained heating above the warning rate.
    public static let heating = ThermalRunawaySignals(rawValue: 1 << 3)
    /// A neighbouring block heating as well.
    public static let neighbourHeating = ThermalRunawaySignals(rawValue: 1 << 4)
    public static let gas = ThermalRunawaySignals(rawValue: 1 << 5)
    public static let gasAlarm = ThermalRunawaySignals(rawValue: 1 << 6)
    public static let pressure = ThermalRunawaySignals(rawValue: 1 << 7)
    public static let pressureAlarm = ThermalRunawaySignals(rawValue: 1 << 8)
    public static let smoke = ThermalRunawaySignals(rawValue: 1 << 9)
    /// Soft-short signature (excess self-discharge of one block).
    public static let softShort = ThermalRunawaySignals(rawValue: 1 << 10)
    /// Cell voltage clearly below the pack mean (corroboration).
    public static let voltageDeviation = ThermalRunawaySignals(rawValue: 1 << 11)
}

/// What the controller broadcasts when the thermal-runaway stage rises or spreads.
public struct ThermalRunawayAlarm: Hashable, Sendable {
    public var level: ThermalRunawayLevel
    /// Blocks that triggered the stage (ascending; empty for pack-level signals like gas).
    public var cells: [Int]
    public var signals: ThermalRunawaySignals
    /// Neighbouring blocks heating after an alarm (propagation), ascending.
    public var propagation: [Int]
    public var atMilliseconds: Int64

    public init(level: ThermalRunawayLevel, cells: [Int], signals: ThermalRunawaySignals, propagation: [Int], atMilliseconds: Int64) {
        self.level = level
        self.cells = cells
        self.signals = signals
        self.propagation = propagation
        self.atMilliseconds = atMilliseconds
    }
}
