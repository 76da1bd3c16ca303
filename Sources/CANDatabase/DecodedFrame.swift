public import CANCore

/// A frame checked by ``MessageCodec/decode(_:)``: read signals from it by handle.
///
/// Every accessor returns `nil` for a signal the frame's multiplexer value does not select (and for a
/// handle of another message), so a reader cannot mistake another page's bits for its signal.
/// Reading costs one shift and mask for fields within the first 8 bytes; nothing is allocated.
public struct DecodedFrame: Sendable {
    let storage: MessageCodec.Storage
    /// The payload as received.
    public let payload: CANPayload
    let word0: UInt64

    /// The message this frame carries.
    public var message: DBCMessage { storage.message }

    /// `true` when the signal is present in this frame (its multiplexer conditions hold).
    public func isPresent(_ handle: SignalHandle) -> Bool {
        guard handle.messageKey == storage.key, handle.index >= 0, handle.index < storage.signals.count else { return false }
        return storage.isPresent(handle.index, word0: word0, payload: payload)
    }

    /// The signal's bits as on the wire, right-aligned and zero-extended.
    public func rawBits(_ handle: SignalHandle) -> UInt64? {
        guard isPresent(handle) else { return nil }
        return storage.signals[handle.index].layout.extract(word0: word0, payload: payload)
    }

    /// The raw integer (sign-extended for signed signals); `nil` for float signals and unsigned
    /// 64-bit values above `Int64.max` (use ``rawBits(_:)``).
    public func raw(_ handle: SignalHandle) -> Int64? {
        guard let bits = rawBits(handle) else { return nil }
        return storage.signals[handle.index].rawInteger(bits: bits)
    }

    /// The physical value, raw × factor + offset.
    @inline(__always)
    public func physical(_ handle: SignalHandle) -> Double? {
        guard handle.messageKey == storage.key, handle.index >= 0, handle.index < storage.signals.count else { return nil }
        return physical(at: handle.index)
    }

    @inline(__always)
    func physical(at index: Int) -> Double? {
        guard storage.isPresent(index, word0: word0, payload: payload) else { return nil }
        let signal = storage.signals[index]
        return signal.physical(bits: signal.layout.extract(word0: word0, payload: payload))
    }

    /// The value-table name of the signal's raw value (`VAL_`), if it has one.
    public func valueName(_ handle: SignalHandle) -> String? {
        guard let raw = raw(handle) else { return nil }
        return storage.valueTables[handle.index]?.name(for: raw)
    }

    /// Whether the signal's raw value has a value-table name (``valueName(_:)`` is not nil), without
    /// producing the name: nothing is copied or retained.
    public func hasValueName(_ handle: SignalHandle) -> Bool {
        guard let raw = raw(handle) else { return false }
        return storage.isNamed(handle.index, raw)
    }

    /// One read of an integer signal: its raw value, its physical value and whether its value table names
    /// the raw value (what ``raw(_:)``, ``physical(_:)`` and ``hasValueName(_:)`` give, from one presence check
    /// and one extraction); nil when the signal is absent or a float signal.
    public func integerReading(_ handle: SignalHandle) -> (raw: Int64, physical: Double, isNamed: Bool)? {
        guard handle.messageKey == storage.key, handle.index >= 0, handle.index < storage.signals.count,
            storage.isPresent(handle.index, word0: word0, payload: payload)
        else { return nil }
        let signal = storage.signals[handle.index]
        let bits = signal.layout.extract(word0: word0, payload: payload)
        guard let raw = signal.rawInteger(bits: bits) else { return nil }
        return (raw, signal.physical(bits: bits), storage.isNamed(handle.index, raw))
    }

    /// Every present signal, in message order, with raw and physical value, unit and value name.
    /// For monitors and logs; allocates.
    public var signals: [DecodedSignal] {
        var result: [DecodedSignal] = []
        for (index, signal) in storage.signals.enumerated()
        where storage.isPresent(index, word0: word0, payload: payload) {
            let bits = signal.layout.extract(word0: word0, payload: payload)
            let raw = signal.rawInteger(bits: bits)
            result.append(DecodedSignal(
                name: storage.names[index], rawBits: bits, raw: raw, physical: signal.physical(bits: bits),
                unit: storage.units[index], valueName: raw.flatMap { storage.valueTables[index]?.name(for: $0) }))
        }
        return result
    }
}

/// One decoded signal with everything a monitor shows.
public struct DecodedSignal: Hashable, Sendable, CustomStringConvertible {
    /// Signal name.
    public var name: String
    /// Bits as on the wire, right-aligned.
    public var rawBits: UInt64
    /// Raw integer (sign-extended); `nil` for float signals.
    public var raw: Int64?
    /// raw × factor + offset.
    public var physical: Double
    /// Physical unit from the DBC.
    public var unit: String
    /// Value-table name of the raw value, if any.
    public var valueName: String?

    public init(name: String, rawBits: UInt64, raw: Int64?, physical: Double, unit: String, valueName: String?) {
        self.name = name
        self.rawBits = rawBits
        self.raw = raw
        self.physical = physical
        self.unit = unit
        self.valueName = valueName
    }

    /// `Name = 3712 mV`, or `Name = Charge (2)` when the raw value has a name.
    public var description: String {
        if let valueName, let raw { return "\(name) = \(valueName) (\(raw))" }
        return unit.isEmpty ? "\(name) = \(physical)" : "\(name) = \(physical) \(unit)"
    }
}
