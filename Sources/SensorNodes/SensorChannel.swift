/// One measured (or, for `charger.output`, delivered) quantity of one node, as fault texts address it.
///
/// Values of faults on a channel are in the channel's ``unit`` and follow the bus conventions of
/// `Firmware/bms.dbc`: currents are positive when they charge the pack (`ivt.current`,
/// `charger.current`, `charger.output`).
public enum SensorChannel: Hashable, Sendable, CustomStringConvertible {
    /// `cmu<b>.voltage[<g>]`: cell-group voltage `g` (1-based) of board `b`, volts.
    case cellVoltage(board: Int, group: Int)
    /// `cmu<b>.temperature[<s>]`: temperature sensor `s` (1-based) of board `b`, °C.
    case cellTemperature(board: Int, sensor: Int)
    /// `ivt.current`: pack current, A (+ charges).
    case current
    /// `ivt.u1`: battery voltage before the contactors, V.
    case voltage1
    /// `ivt.u2`: link voltage after the contactors, V.
    case voltage2
    /// `ivt.u3`: voltage after the precharge contactor, V.
    case voltage3
    /// `ivt.temperature`: shunt temperature, °C.
    case shuntTemperature
    /// `gas.h2`, ppm.
    case hydrogen
    /// `gas.co`, ppm.
    case carbonMonoxide
    /// `gas.co2`, ppm.
    case carbonDioxide
    /// `press.stack`: stack pressure, kPa.
    case stackPressure
    /// `press.enclosure`: enclosure gauge pressure, Pa.
    case enclosurePressure
    /// `press.expansion`: stack thickness change, µm.
    case stackExpansion
    /// `smoke.obscuration`: optical obscuration, %/m.
    case smokeObscuration
    /// `imd.resistance`: insulation resistance, kΩ.
    case insulationResistance
    /// `charger.current`: current the charger reports, A (+ charges).
    case chargerCurrent
    /// `charger.voltage`: voltage the charger reports, V.
    case chargerVoltage
    /// `charger.output`: current the charger actually delivers, A (+ charges). Faults here make the
    /// charger not follow its setpoint; its report then shows what it delivered.
    case chargerOutput

    /// The node the channel belongs to.
    public var node: NodeAddress {
        switch self {
        case .cellVoltage(let board, _), .cellTemperature(let board, _): .cellMonitor(board)
        case .current, .voltage1, .voltage2, .voltage3, .shuntTemperature: .currentSensor
        case .hydrogen, .carbonMonoxide, .carbonDioxide: .gasSensor
        case .stackPressure, .enclosurePressure, .stackExpansion: .pressureSensor
        case .smokeObscuration: .smokeDetector
        case .insulationResistance: .insulationMonitor
        case .chargerCurrent, .chargerVoltage, .chargerOutput: .charger
        }
    }

    /// The unit of values given for this channel.
    public var unit: PhysicalUnit {
        switch self {
        case .cellVoltage, .voltage1, .voltage2, .voltage3, .chargerVoltage: .volt
        case .cellTemperature, .shuntTemperature: .celsius
        case .current, .chargerCurrent, .chargerOutput: .ampere
        case .hydrogen, .carbonMonoxide, .carbonDioxide: .ppm
        case .stackPressure: .kilopascal
        case .enclosurePressure: .pascal
        case .stackExpansion: .micrometre
        case .smokeObscuration: .percentPerMetre
        case .insulationResistance: .kiloohm
        }
    }

    /// `cmu3.voltage[5]`, `ivt.current`, `gas.h2`, ...
    public var description: String {
        switch self {
        case .cellVoltage(let board, let group): "cmu\(board).voltage[\(group)]"
        case .cellTemperature(let board, let sensor): "cmu\(board).temperature[\(sensor)]"
        case .current: "ivt.current"
        case .voltage1: "ivt.u1"
        case .voltage2: "ivt.u2"
        case .voltage3: "ivt.u3"
        case .shuntTemperature: "ivt.temperature"
        case .hydrogen: "gas.h2"
        case .carbonMonoxide: "gas.co"
        case .carbonDioxide: "gas.co2"
        case .stackPressure: "press.stack"
        case .enclosurePressure: "press.enclosure"
        case .stackExpansion: "press.expansion"
        case .smokeObscuration: "smoke.obscuration"
        case .insulationResistance: "imd.resistance"
        case .chargerCurrent: "charger.current"
        case .chargerVoltage: "charger.voltage"
        case .chargerOutput: "charger.output"
        }
    }

    /// The channel called `name` on `node` (`index` for the `[i]` form), or `nil`.
    static func named(_ name: Substring, node: NodeAddress, index: Int?) -> SensorChannel? {
        switch (node, name, index) {
        case (.cellMonitor(let board), "voltage", .some(let group)): .cellVoltage(board: board, group: group)
        case (.cellMonitor(let board), "temperature", .some(let sensor)): .cellTemperature(board: board, sensor: sensor)
        case (.currentSensor, "current", nil): .current
        case (.currentSensor, "u1", nil): .voltage1
        case (.currentSensor, "u2", nil): .voltage2
        case (.currentSensor, "u3", nil): .voltage3
        case (.currentSensor, "temperature", nil): .shuntTemperature
        case (.gasSensor, "h2", nil): .hydrogen
        case (.gasSensor, "co", nil): .carbonMonoxide
        case (.gasSensor, "co2", nil): .carbonDioxide
        case (.pressureSensor, "stack", nil): .stackPressure
        case (.pressureSensor, "enclosure", nil): .enclosurePressure
        case (.pressureSensor, "expansion", nil): .stackExpansion
        case (.smokeDetector, "obscuration", nil): .smokeObscuration
        case (.insulationMonitor, "resistance", nil): .insulationResistance
        case (.charger, "current", nil): .chargerCurrent
        case (.charger, "voltage", nil): .chargerVoltage
        case (.charger, "output", nil): .chargerOutput
        default: nil
        }
    }

    /// Channel names a node has, for error messages.
    static func names(of node: NodeAddress) -> [String] {
        switch node {
        case .cellMonitor: ["voltage[g]", "temperature[s]", "wire[w]"]
        case .currentSensor: ["current", "u1", "u2", "u3", "temperature"]
        case .gasSensor: ["h2", "co", "co2"]
        case .pressureSensor: ["stack", "enclosure", "expansion"]
        case .smokeDetector: ["obscuration"]
        case .insulationMonitor: ["resistance"]
        case .charger: ["current", "voltage", "output"]
        case .contactors: ["main-plus", "main-minus", "precharge"]
        }
    }
}

/// Units a fault value may be written in. Each channel has one canonical unit; a value may also be
/// written in a scaled unit of the same dimension (`mV` for a volt channel).
public enum PhysicalUnit: String, Hashable, Sendable, CaseIterable {
    case volt = "V"
    case ampere = "A"
    case celsius = "degC"
    case ppm = "ppm"
    case kilopascal = "kPa"
    case pascal = "Pa"
    case micrometre = "um"
    case percentPerMetre = "%/m"
    case kiloohm = "kOhm"

    /// Accepted unit spellings and the factor that converts them into this unit.
    var spellings: [(text: String, factor: Double)] {
        switch self {
        case .volt: [("V", 1), ("mV", 1e-3)]
        case .ampere: [("A", 1), ("mA", 1e-3)]
        case .celsius: [("degC", 1), ("C", 1)]
        case .ppm: [("ppm", 1)]
        case .kilopascal: [("kPa", 1), ("Pa", 1e-3), ("MPa", 1e3)]
        case .pascal: [("Pa", 1), ("kPa", 1e3)]
        case .micrometre: [("um", 1), ("mm", 1e3)]
        case .percentPerMetre: [("%/m", 1)]
        case .kiloohm: [("kOhm", 1), ("Ohm", 1e-3), ("MOhm", 1e3)]
        }
    }
}
