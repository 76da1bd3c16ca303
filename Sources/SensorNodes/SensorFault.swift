public import CANCore

/// A fault injected into one emulated node: into a measurement channel, the sensing hardware, the node's
/// bus behaviour or an actuator.
///
/// Every fault has a textual form for scenario files (parsed by ``init(parsing:)``, printed by
/// ``description``); both directions round-trip:
///
/// | Form | Meaning |
/// |---|---|
/// | `cmu3.voltage[5] stuck 3.7V` | channel reads a fixed value |
/// | `ivt.current offset -0.5A` | constant offset added |
/// | `cmu1.temperature[2] drift 0.5degC/h` | offset growing linearly from injection |
/// | `gas.h2 gain 1.2` (or `gain +20%`) | reading multiplied |
/// | `press.stack noise 3kPa` | extra Gaussian noise (σ) |
/// | `imd.resistance dropout` | channel stops sampling; the frame flags it invalid |
/// | `cmu2.wire[4] open` | sense wire 4 (0...12, between groups 4 and 5) broken |
/// | `cmu2.temperature[7] open` / `shorted` | thermistor open or shorted |
/// | `cmu4 silent` | node stops transmitting |
/// | `cmu4 bus-off` | controller bus-off: neither sends nor receives |
/// | `ivt delay 30ms` | frames leave late |
/// | `smoke babble 0x000 2000/s` | node floods an identifier |
/// | `gas dlc 5` | frames carry a wrong length |
/// | `cmu1 bad-counter` / `bad-crc` | E2E counter frozen / CRC corrupted |
/// | `contactors.main-plus welded` / `fail-to-close` | contactor faults |
/// | `charger.output stuck 20A`, `charger output-fault`, `charger overtemperature` | charger faults |
public enum SensorFault: Hashable, Sendable, CustomStringConvertible {
    /// A value fault on one measurement (or, for `charger.output`, on the delivered current).
    case value(SensorChannel, ValueFault)
    /// Sense wire `wire` (0 = bottom of group 1 ... 12 = top of group 12, per board) is open.
    case openSenseWire(board: Int, wire: Int)
    /// Thermistor `sensor` (1-based) of board `board` is open or shorted.
    case thermistor(board: Int, sensor: Int, ThermistorFault)
    /// A fault in how the node uses the bus.
    case bus(NodeAddress, BusFault)
    /// A contactor fault.
    case contactor(Contactor, ContactorFault)
    /// A fault of the charger itself.
    case charger(ChargerFault)

    /// The node the fault is injected into.
    public var node: NodeAddress {
        switch self {
        case .value(let channel, _): channel.node
        case .openSenseWire(let board, _), .thermistor(let board, _, _): .cellMonitor(board)
        case .bus(let node, _): node
        case .contactor: .contactors
        case .charger: .charger
        }
    }

    /// The textual form (see the table above).
    public var description: String {
        switch self {
        case .value(let channel, let fault): "\(channel) \(fault.text(unit: channel.unit))"
        case .openSenseWire(let board, let wire): "cmu\(board).wire[\(wire)] open"
        case .thermistor(let board, let sensor, let fault): "cmu\(board).temperature[\(sensor)] \(fault.rawValue)"
        case .bus(let node, let fault): "\(node) \(fault)"
        case .contactor(let contactor, let fault): "contactors.\(contactor.rawValue) \(fault.rawValue)"
        case .charger(let fault): "charger \(fault.rawValue)"
        }
    }
}

/// How a measured value goes wrong. Several faults on one channel combine in the order gain, offset,
/// drift, noise; `stuck` overrides them and `dropout` invalidates the reading.
public enum ValueFault: Hashable, Sendable {
    /// The reading is this value (channel unit).
    case stuck(Double)
    /// This value is added (channel unit).
    case offset(Double)
    /// An offset growing by this much per hour from the first sample after injection (channel unit / h).
    case drift(perHour: Double)
    /// The reading is multiplied by this factor (1.02 = 2 % high).
    case gain(Double)
    /// Extra Gaussian noise with this standard deviation (channel unit), from the node's fault stream.
    case noise(standardDeviation: Double)
    /// The node stops sampling the channel: the frame carries the message's invalid marker or error bit.
    case dropout

    /// The text after the channel, with values in `unit`.
    func text(unit: PhysicalUnit) -> String {
        switch self {
        case .stuck(let value): "stuck \(formatted(value))\(unit.rawValue)"
        case .offset(let value): "offset \(formatted(value))\(unit.rawValue)"
        case .drift(let rate): "drift \(formatted(rate))\(unit.rawValue)/h"
        case .gain(let factor): "gain \(formatted(factor))"
        case .noise(let sigma): "noise \(formatted(sigma))\(unit.rawValue)"
        case .dropout: "dropout"
        }
    }

    /// `true` when every number is finite and the factor/σ make sense.
    var isValid: Bool {
        switch self {
        case .stuck(let value), .offset(let value), .drift(let value): value.isFinite
        case .gain(let factor): factor.isFinite
        case .noise(let sigma): sigma.isFinite && sigma >= 0
        case .dropout: true
        }
    }
}

/// A thermistor (NTC) failure the cell-monitoring board sees electrically.
public enum ThermistorFault: String, Hashable, Sendable, CaseIterable {
    /// Broken lead: the divider reads the reference, the board reports `SensorOpen`.
    case open
    /// Shorted thermistor: the divider reads 0 V, the board reports `SensorShorted`.
    case shorted
}

/// A fault in how a node uses the bus.
public enum BusFault: Hashable, Sendable, CustomStringConvertible {
    /// The node stops transmitting (it still measures and acts on commands).
    case silent
    /// The node's controller is bus-off: it neither sends nor receives. The emulator may mirror this on
    /// the bus (`VirtualCANBus.setBusOff`) through ``PackNodes/busOffNodes``.
    case busOff
    /// Every frame leaves this many milliseconds late.
    case delay(milliseconds: Double)
    /// The node floods `identifier` with 8-byte frames at `framesPerSecond` (in addition to its traffic).
    case babble(identifier: CANID, framesPerSecond: Double)
    /// Frames carry this many bytes instead of the DBC length (truncated or zero-padded).
    case wrongLength(bytes: Int)
    /// The E2E alive counter stops advancing (every frame repeats one counter value).
    case badCounter
    /// The E2E CRC byte is inverted (only nodes whose messages carry a CRC).
    case badCRC

    public var description: String {
        switch self {
        case .silent: "silent"
        case .busOff: "bus-off"
        case .delay(let milliseconds): "delay \(formatted(milliseconds))ms"
        case .babble(let identifier, let rate):
            "babble 0x\(String(identifier.value, radix: 16, uppercase: true)) \(formatted(rate))/s"
        case .wrongLength(let bytes): "dlc \(bytes)"
        case .badCounter: "bad-counter"
        case .badCRC: "bad-crc"
        }
    }
}

/// The three pack contactors.
public enum Contactor: String, Hashable, Sendable, CaseIterable {
    case mainPlus = "main-plus"
    case mainMinus = "main-minus"
    case precharge = "precharge"
}

/// A contactor failure.
public enum ContactorFault: String, Hashable, Sendable, CaseIterable {
    /// Contacts weld on the next close (or now, if closed): the contactor stays closed when commanded
    /// open; the feedback reports it.
    case welded
    /// The coil does not pull in: the contactor stays open when commanded closed; the feedback reports
    /// a coil fault.
    case failToClose = "fail-to-close"
}

/// A fault of the charger hardware itself.
public enum ChargerFault: String, Hashable, Sendable, CaseIterable {
    /// Power stage fault: no output, status Fault with OutputFault set.
    case outputFault = "output-fault"
    /// Over-temperature: output derated to the configured share, status Derating with Overtemperature set.
    case overtemperature
}

/// Shortest decimal text of a number (`3.7`, `-0.5`, `1000`), for fault texts.
func formatted(_ value: Double) -> String {
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(value)
}
