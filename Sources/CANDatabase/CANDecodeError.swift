public import CANCore

/// Why a frame could not be decoded with a ``MessageCodec``.
public enum CANDecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The frame's identifier is not the message's.
    case wrongIdentifier(expected: CANID, actual: CANID)
    /// The payload length differs from the message length.
    case wrongLength(expected: Int, actual: Int)
    /// A remote request or a SocketCAN error frame carries no signals.
    case notADataFrame
    /// A multiplexer carries a value for which the database defines no signals (cantools rejects these too).
    case unknownMultiplexerValue(multiplexer: String, value: Int64)

    public var description: String {
        switch self {
        case .wrongIdentifier(let expected, let actual): "frame \(actual) decoded with the codec of \(expected)"
        case .wrongLength(let expected, let actual): "frame has \(actual) bytes, the message \(expected)"
        case .notADataFrame: "remote request or error frame carries no signals"
        case .unknownMultiplexerValue(let multiplexer, let value): "multiplexer \(multiplexer) = \(value) selects no signals"
        }
    }
}
