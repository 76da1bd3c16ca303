/// Why a CAN database cannot carry the firmware's traffic: the message, signal or cell it lacks.
public enum BMSBusInterfaceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The database has no message with this name.
    case missingMessage(String)
    /// The message lacks a signal the firmware reads or writes.
    case missingSignal(message: String, signal: String)
    /// The message cannot be compiled, or its end-to-end signals are unusable.
    case unusableMessage(message: String, reason: String)
    /// No `CMU<n>_CellVoltages` signal carries this cell group (0-based) of the controller's topology.
    case missingCellVoltage(cell: Int)
    /// No `CMU<n>_CellTemperatures` signal carries this temperature sensor (0-based).
    case missingTemperature(sensor: Int)
    /// `BMS_BalancingCommand` has no mask for the board that carries this cell group (0-based).
    case missingBalancingMask(cell: Int)

    public var description: String {
        switch self {
        case .missingMessage(let name): "bms.dbc: no message \(name), which the firmware needs"
        case .missingSignal(let message, let signal): "bms.dbc: message \(message) has no signal \(signal), which the firmware needs"
        case .unusableMessage(let message, let reason): "bms.dbc: message \(message) cannot be used: \(reason)"
        case .missingCellVoltage(let cell):
            "bms.dbc: no CMU<n>_CellVoltages signal CellVoltage\(Self.number(cell + 1)) for cell group \(cell + 1) of the pack"
        case .missingTemperature(let sensor):
            "bms.dbc: no CMU<n>_CellTemperatures signal CellTemperature\(Self.number(sensor + 1)) for temperature sensor \(sensor + 1)"
        case .missingBalancingMask(let cell):
            "bms.dbc: BMS_BalancingCommand has no Balancing_MaskCMU<n> page for the board of cell group \(cell + 1)"
        }
    }

    /// Three-digit cell number as in the signal names (`001`).
    static func number(_ value: Int) -> String {
        let text = String(value)
        return text.count >= 3 ? text : String(repeating: "0", count: 3 - text.count) + text
    }
}
