import CANCore
import CANDatabase

/// One message a node sends: its reusable encoder, its E2E sender (counter, and CRC if the DBC has one)
/// and the scaling of its signals. Handles are resolved once at construction.
struct OutgoingMessage: Sendable {
    let codec: MessageCodec
    var encoder: MessageEncoder
    var sender: E2ESender?
    var profile: E2EProfile? { sender?.profile }

    /// Compiles message `name` of `database`, which must be sent by `node`.
    init(_ name: String, node: String, database: CANDatabase) throws(NodeSetupError) {
        guard let message = database.message(named: name) else {
            throw NodeSetupError("Firmware database has no message \(name) (needed by node \(node))")
        }
        guard message.senders.isEmpty || message.senders.contains(node) else {
            throw NodeSetupError("message \(name) is sent by \(message.senders.joined(separator: ", ")), not by \(node)")
        }
        do throws(DBCCodecError) {
            codec = try MessageCodec(message)
        } catch {
            throw NodeSetupError("message \(name) cannot be compiled: \(error)")
        }
        encoder = codec.encoder()
        if message.signals.contains(where: { $0.e2eRole == .counter }) {
            do throws(E2EProfile.ConfigurationError) {
                sender = E2ESender(profile: try E2EProfile(codec: codec))
            } catch {
                throw NodeSetupError("message \(name): \(error)")
            }
        }
    }

    var name: String { codec.message.name }

    /// Cycle time from `GenMsgCycleTime`, in nanoseconds.
    func cycleNanoseconds() throws(NodeSetupError) -> Int64 {
        guard case .cyclic(let milliseconds) = codec.message.timing else {
            throw NodeSetupError("message \(name) has no GenMsgCycleTime; the node cannot schedule it")
        }
        return Int64(milliseconds) * 1_000_000
    }

    func handle(_ signal: String) throws(NodeSetupError) -> SignalHandle {
        do throws(DBCCodecError) {
            return try codec.handle(named: signal)
        } catch {
            throw NodeSetupError("message \(name) has no signal \(signal)")
        }
    }

    /// A scaled view of signal `name` (factor, offset and raw limits from the DBC).
    func scaled(_ signal: String) throws(NodeSetupError) -> ScaledSignal {
        let handle = try handle(signal)
        guard let definition = codec.signal(handle) else { throw NodeSetupError("message \(name) has no signal \(signal)") }
        return ScaledSignal(handle: handle, signal: definition)
    }

    /// Starts a new frame.
    mutating func begin() { encoder.reset() }

    /// Sets a raw value; a value that does not fit the signal's bits (a configuration mismatch) is
    /// reported by returning `false`, never by trapping.
    @discardableResult
    mutating func set(_ handle: SignalHandle, raw: Int64) -> Bool {
        do throws(CANEncodeError) {
            try encoder.set(handle, raw: raw)
            return true
        } catch {
            return false
        }
    }

    /// Seals the frame: counter (frozen when `freezeCounter`), CRC, and the frame itself. `nil` if the
    /// encoder is incomplete (a node bug or a database mismatch; the node counts it).
    mutating func seal(freezeCounter: Bool) -> CANFrame? {
        do throws(CANEncodeError) {
            if freezeCounter, var frozen = sender {
                return try frozen.protect(&encoder)  // the copy's advanced counter is dropped
            }
            // In place: copying the sender per frame would retain its profile.
            if let frame = try sender?.protect(&encoder) { return frame }
            return try encoder.frame()
        } catch {
            return nil
        }
    }
}

/// A signal with its DBC scaling, for converting physical values into raw values the DBC admits.
struct ScaledSignal: Sendable {
    let handle: SignalHandle
    let factor: Double
    let offset: Double
    /// Raw values of the DBC `[min|max]` (or the bit range when the DBC gives none).
    let rawMinimum: Int64
    let rawMaximum: Int64

    init(handle: SignalHandle, signal: DBCSignal) {
        self.handle = handle
        factor = signal.factor == 0 ? 1 : signal.factor
        offset = signal.offset
        let bits = min(signal.length, 63)
        let bitMinimum: Int64 = signal.isSigned ? -(Int64(1) << Int64(bits - 1)) : 0
        let bitMaximum: Int64 = signal.isSigned ? (Int64(1) << Int64(bits - 1)) - 1 : (Int64(1) << Int64(bits)) - 1
        if signal.hasPhysicalRange {
            let low = ((signal.minimum - signal.offset) / factor).rounded(.up)
            let high = ((signal.maximum - signal.offset) / factor).rounded(.down)
            let lower = min(low, high)
            let upper = max(low, high)
            rawMinimum = max(bitMinimum, Int64(clamping: lower))
            rawMaximum = min(bitMaximum, Int64(clamping: upper))
        } else {
            rawMinimum = bitMinimum
            rawMaximum = bitMaximum
        }
    }

    /// The raw value for `physical`, rounded half to even and clamped into the DBC range; `nil` for NaN.
    func raw(_ physical: Double) -> Int64? {
        guard !physical.isNaN else { return nil }
        let scaled = ((physical - offset) / factor).rounded(.toNearestOrEven)
        if scaled <= Double(rawMinimum) { return rawMinimum }
        if scaled >= Double(rawMaximum) { return rawMaximum }
        return Int64(scaled)
    }

    /// `true` when `physical` lies outside the DBC range (it would be clamped).
    func isOutOfRange(_ physical: Double) -> Bool {
        let scaled = ((physical - offset) / factor).rounded(.toNearestOrEven)
        return !(scaled >= Double(rawMinimum) && scaled <= Double(rawMaximum))
    }

    /// The physical value a raw value stands for.
    func physical(_ raw: Int64) -> Double { Double(raw) * factor + offset }
}

extension Int64 {
    /// Clamping conversion from a Double (NaN → 0).
    init(clamping value: Double) {
        if value.isNaN { self = 0 }
        else if value >= 9.2e18 { self = .max }
        else if value <= -9.2e18 { self = .min }
        else { self = Int64(value) }
    }
}

/// Why the nodes could not be built from a configuration and a CAN database.
public struct NodeSetupError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What does not fit, naming the message, signal or configuration key.
    public let reason: String

    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}
