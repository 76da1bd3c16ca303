/// Why a message could not be compiled into a ``MessageCodec``, or a name could not be resolved.
public enum DBCCodecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No message with this name or identifier in the database.
    case unknownMessage(String)
    /// No signal with this name in the message.
    case unknownSignal(message: String, signal: String)
    /// A classic message declares more than 8 bytes (or an FD message more than 64).
    case invalidMessageLength(message: String, length: Int)
    /// A signal's bits reach past the declared message length.
    case signalOutsidePayload(message: String, signal: String, lastByte: Int, length: Int)
    /// A float signal is not 32 (`SIG_VALTYPE_` 1) or 64 (`SIG_VALTYPE_` 2) bits long.
    case invalidFloatLength(message: String, signal: String, length: Int)
    /// A multiplexed signal names a multiplexer that does not exist or is not marked `M`.
    case unknownMultiplexer(message: String, signal: String, multiplexer: String)
    /// Multiplexers select each other in a loop.
    case multiplexerCycle(message: String, signal: String)
    /// More than ``MessageCodec/maximumMultiplexerDepth`` multiplexers nested above a signal.
    case multiplexerTooDeep(message: String, signal: String)

    public var description: String {
        switch self {
        case .unknownMessage(let name): "no message \(name) in the database"
        case .unknownSignal(let message, let signal): "message \(message) has no signal \(signal)"
        case .invalidMessageLength(let message, let length): "message \(message): length \(length) bytes is not possible"
        case .signalOutsidePayload(let message, let signal, let lastByte, let length):
            "message \(message): signal \(signal) reaches byte \(lastByte) but the message has \(length) bytes"
        case .invalidFloatLength(let message, let signal, let length):
            "message \(message): float signal \(signal) must be 32 or 64 bits, not \(length)"
        case .unknownMultiplexer(let message, let signal, let multiplexer):
            "message \(message): signal \(signal) is multiplexed by \(multiplexer), which is not a multiplexer signal"
        case .multiplexerCycle(let message, let signal):
            "message \(message): the multiplexers of \(signal) select each other in a loop"
        case .multiplexerTooDeep(let message, let signal):
            "message \(message): \(signal) is nested under more than \(MessageCodec.maximumMultiplexerDepth) multiplexers"
        }
    }
}
