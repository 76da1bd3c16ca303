import CANCore
import CANDatabase

/// One message of the database compiled for the firmware, with lookups that fail with a
/// ``BMSBusInterfaceError`` naming what is missing.
struct MessageBinding: Sendable {
    let name: String
    let codec: MessageCodec

    init(_ database: CANDatabase, _ name: String) throws(BMSBusInterfaceError) {
        guard let message = database.message(named: name) else { throw .missingMessage(name) }
        do {
            codec = try MessageCodec(message)
        } catch {
            throw .unusableMessage(message: name, reason: error.description)
        }
        self.name = name
    }

    var id: CANID { codec.id }

    /// The handle of `signal`.
    func handle(_ signal: String) throws(BMSBusInterfaceError) -> SignalHandle {
        do {
            return try codec.handle(named: signal)
        } catch {
            throw .missingSignal(message: name, signal: signal)
        }
    }

    /// The end-to-end profile (counter, optional CRC) from the `SigType` signals.
    func profile() throws(BMSBusInterfaceError) -> E2EProfile {
        do {
            return try E2EProfile(codec: codec)
        } catch {
            throw .unusableMessage(message: name, reason: error.description)
        }
    }

    /// The multiplexer value that selects `signal` (its first value), nil for a plain signal.
    func page(of handle: SignalHandle) -> Int64? {
        codec.signal(handle)?.multiplexCondition?.values.first?.lowerBound
    }
}

/// A signal with its DBC range, for encoding: physical values are clamped into `[min|max]` (counted)
/// rather than refused, so a value beyond what the database can carry is sent as its nearest limit.
struct RangedSignal: Sendable {
    let handle: SignalHandle
    let minimum: Double
    let maximum: Double
    let factor: Double
    let offset: Double

    init(_ binding: MessageBinding, _ name: String) throws(BMSBusInterfaceError) {
        handle = try binding.handle(name)
        let signal = binding.codec.signal(handle)
        factor = signal?.factor ?? 1
        offset = signal?.offset ?? 0
        if let signal, signal.hasPhysicalRange {
            minimum = signal.minimum
            maximum = signal.maximum
        } else {
            minimum = -.greatestFiniteMagnitude
            maximum = .greatestFiniteMagnitude
        }
    }

    /// `value` clamped into the signal's range (NaN becomes the minimum); `clipped` counts a clamp.
    func clamped(_ value: Double, clipped: inout Int) -> Double {
        guard value.isFinite else {
            clipped += 1
            return value.isNaN ? max(minimum, min(0, maximum)) : (value > 0 ? maximum : minimum)
        }
        if value < minimum {
            clipped += 1
            return minimum
        }
        if value > maximum {
            clipped += 1
            return maximum
        }
        return value
    }
}
