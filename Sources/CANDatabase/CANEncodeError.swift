public import CANCore

/// Why a value could not be encoded. Nothing is ever wrapped or clipped silently.
public enum CANEncodeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The handle belongs to another message's codec, or the name is not a signal of this message.
    case unknownSignal(String)
    /// NaN or infinity.
    case notFinite(signal: String)
    /// The physical value lies outside `[min|max]` of the DBC (with cantools' tolerance of |factor|·1e-6).
    case outOfRange(signal: String, value: Double, minimum: Double, maximum: Double)
    /// The raw value does not fit the signal's bits (`raw` is the rounded raw value).
    case rawOutOfRange(signal: String, raw: Double, bits: Int, signed: Bool)
    /// The value table of the signal has no entry with this name.
    case unknownValueName(signal: String, name: String)
    /// A signal the multiplexer selects was not set.
    case missingSignal(String)
    /// A signal was set that the multiplexer value does not select.
    case inactiveSignal(String)
    /// A multiplexer was set to a value that selects no signals.
    case unknownMultiplexerValue(multiplexer: String, value: Int64)
    /// CANCore rejected the frame (only possible for a message built in code with an impossible length).
    case invalidFrame(CANFrameError)

    public var description: String {
        switch self {
        case .unknownSignal(let name): "no signal \(name) in this message"
        case .notFinite(let signal): "\(signal): value is not a finite number"
        case .outOfRange(let signal, let value, let minimum, let maximum):
            "\(signal): \(value) is outside [\(minimum), \(maximum)]"
        case .rawOutOfRange(let signal, let raw, let bits, let signed):
            "\(signal): raw value \(raw) does not fit \(bits) \(signed ? "signed" : "unsigned") bits"
        case .unknownValueName(let signal, let name): "\(signal): no value named \"\(name)\""
        case .missingSignal(let name): "signal \(name) is selected by the multiplexer but was not set"
        case .inactiveSignal(let name): "signal \(name) was set but the multiplexer value does not select it"
        case .unknownMultiplexerValue(let multiplexer, let value): "multiplexer \(multiplexer) = \(value) selects no signals"
        case .invalidFrame(let error): "frame rejected: \(error)"
        }
    }
}
