/// Why a CAN identifier, frame or frame text was rejected.
///
/// Every constructor that takes values from outside (a socket, a log file, a user) throws one of
/// these instead of trapping, so a caller can count, log or skip the bad input and carry on.
public enum CANFrameError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A standard identifier above 0x7FF or an extended one above 0x1FFFFFFF.
    case identifierOutOfRange(UInt32, extended: Bool)
    /// A payload length the frame format cannot carry (classic: 0...8; FD: 0...8, 12, 16, 20, 24, 32, 48, 64).
    case invalidLength(Int, format: CANFrameFormat)
    /// A classic data-length code above 15 or a `len8_dlc` outside 9...15 (or given for fewer than 8 bytes).
    case invalidDataLengthCode(UInt8)
    /// An error-class mask with bits outside `CAN_ERR_MASK` (0x1FFFFFFF) or with no class bit set.
    case invalidErrorClass(UInt32)
    /// Frame text that does not follow the candump/cansend syntax; `offset` is the 0-based byte column.
    case malformedText(reason: String, offset: Int)

    public var description: String {
        switch self {
        case .identifierOutOfRange(let value, let extended):
            let limit = extended ? "0x1FFFFFFF" : "0x7FF"
            return "CAN identifier 0x\(hex(value)) exceeds \(limit) for \(extended ? "an extended" : "a standard") frame"
        case .invalidLength(let length, let format):
            switch format {
            case .classic: return "classic CAN frames carry 0 to 8 bytes, not \(length)"
            case .fd: return "CAN FD frames carry 0-8, 12, 16, 20, 24, 32, 48 or 64 bytes, not \(length)"
            }
        case .invalidDataLengthCode(let code):
            return "data length code \(code) is not valid here"
        case .invalidErrorClass(let mask):
            return "error class 0x\(hex(mask)) is not a valid SocketCAN error class mask"
        case .malformedText(let reason, let offset):
            return "\(reason) (column \(offset + 1))"
        }
    }
}

/// Upper-case hexadecimal without a prefix; used in messages and the log format.
@inline(__always)
func hex(_ value: UInt32) -> String {
    String(value, radix: 16, uppercase: true)
}
