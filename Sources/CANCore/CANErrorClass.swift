/// The error classes of a SocketCAN error frame (`can_id & CAN_ERR_MASK`), from `<linux/can/error.h>`.
public struct CANErrorClass: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `CAN_ERR_TX_TIMEOUT` (0x001): transmission timed out.
    public static let txTimeout = CANErrorClass(rawValue: 0x001)
    /// `CAN_ERR_LOSTARB` (0x002): arbitration lost; `data[0]` holds the bit.
    public static let lostArbitration = CANErrorClass(rawValue: 0x002)
    /// `CAN_ERR_CRTL` (0x004): controller problem; details in `data[1]`.
    public static let controller = CANErrorClass(rawValue: 0x004)
    /// `CAN_ERR_PROT` (0x008): protocol violation; type in `data[2]`, location in `data[3]`.
    public static let protocolViolation = CANErrorClass(rawValue: 0x008)
    /// `CAN_ERR_TRX` (0x010): transceiver status in `data[4]`.
    public static let transceiver = CANErrorClass(rawValue: 0x010)
    /// `CAN_ERR_ACK` (0x020): no acknowledgement received on transmission.
    public static let noAcknowledgement = CANErrorClass(rawValue: 0x020)
    /// `CAN_ERR_BUSOFF` (0x040): the controller went bus-off.
    public static let busOff = CANErrorClass(rawValue: 0x040)
    /// `CAN_ERR_BUSERROR` (0x080): bus error (may flood the bus).
    public static let busError = CANErrorClass(rawValue: 0x080)
    /// `CAN_ERR_RESTARTED` (0x100): the controller restarted after bus-off.
    public static let restarted = CANErrorClass(rawValue: 0x100)
    /// `CAN_ERR_CNT` (0x200): TX/RX error counters are valid in `data[6]`/`data[7]`.
    public static let errorCounters = CANErrorClass(rawValue: 0x200)

    /// Every class a Linux 6.x kernel reports; a good default for `CAN_RAW_ERR_FILTER`.
    public static let all: CANErrorClass = [
        .txTimeout, .lostArbitration, .controller, .protocolViolation, .transceiver,
        .noAcknowledgement, .busOff, .busError, .restarted, .errorCounters,
    ]
}

/// A typed reading of one error frame: what went wrong on the bus or in the controller.
///
/// `CANBusError(frame:)` never traps: unknown bits are kept in ``unknownClassBits``.
public struct CANBusError: Hashable, Sendable, CustomStringConvertible {
    /// Controller states and events, most severe first.
    public enum Condition: Hashable, Sendable {
        case busOff
        case restartedAfterBusOff
        case errorPassive(transmit: Bool, receive: Bool)
        case errorWarning(transmit: Bool, receive: Bool)
        case backToErrorActive
        case noAcknowledgement
        case receiveOverflow
        case transmitOverflow
        case protocolViolation(type: UInt8, location: UInt8)
        case transmitTimeout
        case lostArbitration(bit: UInt8)
        case transceiver(status: UInt8)
        case busError
    }

    /// The conditions this frame reports, in the order listed in ``Condition``.
    public let conditions: [Condition]
    /// Transmit error counter, when the frame carries counters (`CAN_ERR_CNT`).
    public let transmitErrorCount: UInt8?
    /// Receive error counter, when the frame carries counters (`CAN_ERR_CNT`).
    public let receiveErrorCount: UInt8?
    /// Class bits this library does not know (newer kernels may add some).
    public let unknownClassBits: UInt32

    /// Decodes an error frame. Returns `nil` for frames that are not error frames.
    public init?(frame: CANFrame) {
        guard frame.isErrorFrame else { return nil }
        let mask = frame.errorClass
        let data = frame.data
        func byte(_ index: Int) -> UInt8 { data.byte(at: index) ?? 0 }
        var found: [Condition] = []
        if mask.contains(.busOff) { found.append(.busOff) }
        if mask.contains(.restarted) { found.append(.restartedAfterBusOff) }
        if mask.contains(.controller) {
            let detail = byte(1)
            if detail & 0x30 != 0 { found.append(.errorPassive(transmit: detail & 0x20 != 0, receive: detail & 0x10 != 0)) }
            if detail & 0x0C != 0 { found.append(.errorWarning(transmit: detail & 0x08 != 0, receive: detail & 0x04 != 0)) }
            if detail & 0x40 != 0 { found.append(.backToErrorActive) }
            if detail & 0x01 != 0 { found.append(.receiveOverflow) }
            if detail & 0x02 != 0 { found.append(.transmitOverflow) }
        }
        if mask.contains(.noAcknowledgement) { found.append(.noAcknowledgement) }
        if mask.contains(.protocolViolation) { found.append(.protocolViolation(type: byte(2), location: byte(3))) }
        if mask.contains(.txTimeout) { found.append(.transmitTimeout) }
        if mask.contains(.lostArbitration) { found.append(.lostArbitration(bit: byte(0))) }
        if mask.contains(.transceiver) { found.append(.transceiver(status: byte(4))) }
        if mask.contains(.busError) { found.append(.busError) }
        conditions = found
        let counters = mask.contains(.errorCounters)
        transmitErrorCount = counters ? byte(6) : nil
        receiveErrorCount = counters ? byte(7) : nil
        unknownClassBits = mask.rawValue & ~CANErrorClass.all.rawValue
    }

    /// `true` if the controller reported bus-off.
    public var isBusOff: Bool { conditions.contains(.busOff) }

    public var description: String {
        var parts = conditions.map { condition -> String in
            switch condition {
            case .busOff: return "bus-off"
            case .restartedAfterBusOff: return "restarted-after-bus-off"
            case .errorPassive(let tx, let rx): return "error-passive(\(directions(tx, rx)))"
            case .errorWarning(let tx, let rx): return "error-warning(\(directions(tx, rx)))"
            case .backToErrorActive: return "back-to-error-active"
            case .noAcknowledgement: return "no-acknowledgement"
            case .receiveOverflow: return "rx-overflow"
            case .transmitOverflow: return "tx-overflow"
            case .protocolViolation(let type, let location):
                return "protocol-violation(type 0x\(hex(UInt32(type))), location \(location))"
            case .transmitTimeout: return "tx-timeout"
            case .lostArbitration(let bit): return "lost-arbitration(bit \(bit))"
            case .transceiver(let status): return "transceiver(0x\(hex(UInt32(status))))"
            case .busError: return "bus-error"
            }
        }
        if let tx = transmitErrorCount, let rx = receiveErrorCount { parts.append("counters tx \(tx) rx \(rx)") }
        if unknownClassBits != 0 { parts.append("unknown class bits 0x\(hex(unknownClassBits))") }
        return parts.isEmpty ? "error frame without class" : parts.joined(separator: ", ")
    }
}

private func directions(_ transmit: Bool, _ receive: Bool) -> String {
    switch (transmit, receive) {
    case (true, true): return "tx,rx"
    case (true, false): return "tx"
    default: return "rx"
    }
}
