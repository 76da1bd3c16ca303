public import CANCore

/// Builds frames of one message from physical values, raw values or value names.
///
/// Values are written into the payload as they are set; ``frame()`` then checks that exactly the
/// signals the multiplexer values select are set (cantools' strict mode) and returns the frame. Keep
/// one encoder per message and call ``reset()`` between frames to encode without allocating.
public struct MessageEncoder: Sendable {
    let storage: MessageCodec.Storage
    private var words = PayloadWords()
    private var isSet: [Bool]
    /// How many distinct signals are set.
    private var setCount = 0

    init(storage: MessageCodec.Storage) {
        self.storage = storage
        self.isSet = [Bool](repeating: false, count: storage.signals.count)
    }

    /// The payload built so far (zero bits where nothing was set), at the frame length.
    public var payload: CANPayload { words.payload(count: storage.frameLength) }

    /// Clears every value (payload back to zero), keeping the storage.
    public mutating func reset() {
        words = PayloadWords()
        isSet.withUnsafeMutableBufferPointer { $0.update(repeating: false) }
        setCount = 0
    }

    @inline(__always)
    private func index(_ handle: SignalHandle) throws(CANEncodeError) -> Int {
        guard handle.messageKey == storage.key, handle.index >= 0, handle.index < storage.signals.count else {
            throw .unknownSignal("handle \(handle.index) of another message")
        }
        return handle.index
    }

    private func index(named name: String) throws(CANEncodeError) -> Int {
        guard let index = storage.indexByName[name] else { throw .unknownSignal(name) }
        return index
    }

    @inline(__always)
    private mutating func write(_ bits: UInt64, at index: Int) {
        let layout = storage.signals[index].layout
        words.withBytes { layout.insert(bits, into: $0) }
        if !isSet[index] {
            isSet[index] = true
            setCount += 1
        }
    }

    /// Sets a physical value: raw = (value − offset) / factor rounded half to even, checked against
    /// `[min|max]` (unless the raw value is named in the value table) and against the bit width.
    public mutating func set(_ handle: SignalHandle, _ physical: Double) throws(CANEncodeError) {
        let index = try index(handle)
        write(try bits(forPhysical: physical, at: index), at: index)
    }

    @inline(__always)
    private func bits(forPhysical physical: Double, at index: Int) throws(CANEncodeError) -> UInt64 {
        let storage = storage
        return try storage.signals[index].bits(
            forPhysical: physical, name: storage.names[index],
            isNamed: { storage.valueTables[index]?.contains($0) == true })
    }

    /// Sets a raw value directly (checked against the bit width only). Used for counters, checksums,
    /// multiplexers and invalid-value markers.
    public mutating func set(_ handle: SignalHandle, raw: Int64) throws(CANEncodeError) {
        let index = try index(handle)
        write(try storage.signals[index].bits(forRaw: raw, name: storage.names[index]), at: index)
    }

    /// Sets the field's bits exactly as they go on the wire (right-aligned; for unsigned 64-bit values
    /// above `Int64.max` and float bit patterns). Bits beyond the signal's length are an error.
    public mutating func set(_ handle: SignalHandle, rawBits: UInt64) throws(CANEncodeError) {
        let index = try index(handle)
        let signal = storage.signals[index]
        guard rawBits & ~signal.layout.mask == 0 else {
            throw .rawOutOfRange(signal: storage.names[index], raw: Double(rawBits), bits: signal.layout.length, signed: false)
        }
        write(rawBits, at: index)
    }

    /// Sets a field's bits by signal name.
    public mutating func set(_ name: String, rawBits: UInt64) throws(CANEncodeError) {
        try set(SignalHandle(index: try index(named: name), messageKey: storage.key), rawBits: rawBits)
    }

    /// Sets the raw value that the signal's value table names `valueName`.
    public mutating func set(_ handle: SignalHandle, valueNamed valueName: String) throws(CANEncodeError) {
        let index = try index(handle)
        guard let raw = storage.valueTables[index]?.value(named: valueName) else {
            throw .unknownValueName(signal: storage.names[index], name: valueName)
        }
        write(try storage.signals[index].bits(forRaw: raw, name: storage.names[index]), at: index)
    }

    /// Sets a physical value by signal name (resolves the name on every call; prefer handles in loops).
    public mutating func set(_ name: String, _ physical: Double) throws(CANEncodeError) {
        let index = try index(named: name)
        write(try bits(forPhysical: physical, at: index), at: index)
    }

    /// Sets a raw value by signal name.
    public mutating func set(_ name: String, raw: Int64) throws(CANEncodeError) {
        let index = try index(named: name)
        write(try storage.signals[index].bits(forRaw: raw, name: storage.names[index]), at: index)
    }

    /// Sets a value-table name by signal name.
    public mutating func set(_ name: String, valueNamed valueName: String) throws(CANEncodeError) {
        let index = try index(named: name)
        try set(SignalHandle(index: index, messageKey: storage.key), valueNamed: valueName)
    }

    /// Unsets a signal and zeroes its bits (to switch a multiplexed frame to another page).
    public mutating func clear(_ handle: SignalHandle) throws(CANEncodeError) {
        let index = try index(handle)
        let layout = storage.signals[index].layout
        words.withBytes { layout.insert(0, into: $0) }
        if isSet[index] {
            isSet[index] = false
            setCount -= 1
        }
    }

    /// The frame, after checking that every signal the multiplexer values select is set, that no
    /// unselected signal is set, and that every multiplexer value selects something.
    public func frame() throws(CANEncodeError) -> CANFrame {
        try Self.makeFrame(storage, validatedPayload())
    }

    /// The payload after the checks of ``frame()``.
    func validatedPayload() throws(CANEncodeError) -> CANPayload {
        let payload = payload
        let word0 = words.word0
        if !storage.multiplexerChecks.isEmpty, let bad = storage.invalidMultiplexer(word0: word0, payload: payload) {
            throw .unknownMultiplexerValue(multiplexer: bad.name, value: bad.value)
        }
        // The selected page's signals alone when the message has a presence table; every signal otherwise,
        // and to name the first mismatch.
        if let presence = storage.pagePresence,
            presence.isSatisfied(isSet: isSet, setCount: setCount, signals: storage.signals, word0: word0, payload: payload)
        {
            return payload
        }
        // Signals of one page share their multiplexer: its value and its own presence are read once per
        // run of signals (the same conjunction `isPresent` walks, without re-extracting the multiplexer).
        var multiplexer = -1
        var multiplexerValue: Int64?
        var multiplexerPresent = false
        let signals = storage.signals
        let conditions = storage.conditions
        for index in signals.indices {
            let conditionIndex = signals[index].conditionIndex
            let present: Bool
            if conditionIndex < 0 {
                present = true
            } else {
                let condition = conditions[conditionIndex]
                if condition.multiplexer != multiplexer {
                    multiplexer = condition.multiplexer
                    let codec = signals[multiplexer]
                    multiplexerValue = codec.rawInteger(bits: codec.layout.extract(word0: word0, payload: payload))
                    multiplexerPresent = storage.isPresent(multiplexer, word0: word0, payload: payload)
                }
                present = multiplexerPresent && multiplexerValue.map { storage.contains(condition, $0) } == true
            }
            if present != isSet[index] {
                throw present ? .missingSignal(storage.names[index]) : .inactiveSignal(storage.names[index])
            }
        }
        return payload
    }

    /// The frame of the storage's message (read from the storage's own fields: copying the whole
    /// ``DBCMessage`` per frame would retain every name and signal).
    static func makeFrame(_ storage: MessageCodec.Storage, _ payload: CANPayload) throws(CANEncodeError) -> CANFrame {
        do throws(CANFrameError) {
            if storage.isFD {
                return try CANFrame(fdID: storage.id, payload: payload, flags: storage.usesBitRateSwitch ? [.bitRateSwitch] : [])
            }
            return try CANFrame(id: storage.id, payload: payload)
        } catch {
            throw .invalidFrame(error)
        }
    }
}
