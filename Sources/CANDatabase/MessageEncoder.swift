public import CANCore

/// Builds frames of one message from physical values, raw values or value names.
///
/// Values are written into the payload as they are set; ``frame()`` then checks that exactly the
/// signals the multiplexer values select are set (cantools' strict mode) and returns the frame. Keep
/// one encoder per message and call ``reset()`` between frames to encode without allocating.
public struct MessageEncoder: Sendable {
    let storage: MessageCodec.Storage
    /// The payload built so far (zero bits where nothing was set).
    public private(set) var payload: CANPayload
    private var isSet: [Bool]

    init(storage: MessageCodec.Storage) {
        self.storage = storage
        var payload = CANPayload()
        payload.pad(to: storage.message.frameLength)
        self.payload = payload
        self.isSet = [Bool](repeating: false, count: storage.signals.count)
    }

    /// Clears every value (payload back to zero), keeping the storage.
    public mutating func reset() {
        var payload = CANPayload()
        payload.pad(to: storage.message.frameLength)
        self.payload = payload
        for index in isSet.indices { isSet[index] = false }
    }

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

    private mutating func write(_ bits: UInt64, at index: Int) {
        storage.signals[index].layout.insert(bits, into: &payload)
        isSet[index] = true
    }

    /// Sets a physical value: raw = (value − offset) / factor rounded half to even, checked against
    /// `[min|max]` (unless the raw value is named in the value table) and against the bit width.
    public mutating func set(_ handle: SignalHandle, _ physical: Double) throws(CANEncodeError) {
        let index = try index(handle)
        write(try storage.signals[index].bits(forPhysical: physical), at: index)
    }

    /// Sets a raw value directly (checked against the bit width only). Used for counters, checksums,
    /// multiplexers and invalid-value markers.
    public mutating func set(_ handle: SignalHandle, raw: Int64) throws(CANEncodeError) {
        let index = try index(handle)
        write(try storage.signals[index].bits(forRaw: raw), at: index)
    }

    /// Sets the raw value that the signal's value table names `valueName`.
    public mutating func set(_ handle: SignalHandle, valueNamed valueName: String) throws(CANEncodeError) {
        let index = try index(handle)
        let signal = storage.signals[index]
        guard let raw = signal.valueTable?.value(named: valueName) else {
            throw .unknownValueName(signal: signal.name, name: valueName)
        }
        write(try signal.bits(forRaw: raw), at: index)
    }

    /// Sets a physical value by signal name (resolves the name on every call; prefer handles in loops).
    public mutating func set(_ name: String, _ physical: Double) throws(CANEncodeError) {
        let index = try index(named: name)
        write(try storage.signals[index].bits(forPhysical: physical), at: index)
    }

    /// Sets a raw value by signal name.
    public mutating func set(_ name: String, raw: Int64) throws(CANEncodeError) {
        let index = try index(named: name)
        write(try storage.signals[index].bits(forRaw: raw), at: index)
    }

    /// Sets a value-table name by signal name.
    public mutating func set(_ name: String, valueNamed valueName: String) throws(CANEncodeError) {
        let index = try index(named: name)
        try set(SignalHandle(index: index, messageKey: storage.key), valueNamed: valueName)
    }

    /// Unsets a signal and zeroes its bits (to switch a multiplexed frame to another page).
    public mutating func clear(_ handle: SignalHandle) throws(CANEncodeError) {
        let index = try index(handle)
        storage.signals[index].layout.insert(0, into: &payload)
        isSet[index] = false
    }

    /// The frame, after checking that every signal the multiplexer values select is set, that no
    /// unselected signal is set, and that every multiplexer value selects something.
    public func frame() throws(CANEncodeError) -> CANFrame {
        let word0 = payload.littleEndianWord0
        if let bad = storage.invalidMultiplexer(word0: word0, payload: payload) {
            throw .unknownMultiplexerValue(multiplexer: bad.name, value: bad.value)
        }
        for index in storage.signals.indices {
            let present = storage.isPresent(index, word0: word0, payload: payload)
            if present && !isSet[index] { throw .missingSignal(storage.signals[index].name) }
            if !present && isSet[index] { throw .inactiveSignal(storage.signals[index].name) }
        }
        return try Self.makeFrame(storage.message, payload)
    }

    static func makeFrame(_ message: DBCMessage, _ payload: CANPayload) throws(CANEncodeError) -> CANFrame {
        do throws(CANFrameError) {
            if message.isFD {
                return try CANFrame(fdID: message.id, payload: payload, flags: message.usesBitRateSwitch ? [.bitRateSwitch] : [])
            }
            return try CANFrame(id: message.id, payload: payload)
        } catch {
            throw .invalidFrame(error)
        }
    }
}
