public import CANCore

/// A resolved reference to one signal of one message, for decoding and encoding without name lookups.
///
/// Get handles once from ``MessageCodec/handle(named:)`` and keep them. A handle from another
/// message's codec is rejected (decoding gives `nil`, encoding throws), never misread.
public struct SignalHandle: Hashable, Sendable {
    /// Position of the signal in ``DBCMessage/signals``.
    public let index: Int
    let messageKey: UInt32
}

/// A message compiled for fast decoding and encoding: bit positions, shifts, masks and multiplexer
/// conditions are computed once.
///
/// Hot path (the firmware): resolve handles once, then decode frames and read the signals you need.
/// Decoding validates identifier, length and multiplexer value and allocates nothing.
///
/// ```swift
/// let codec = try database.codec(forMessageNamed: "CMU1_CellVoltages")
/// let page = try codec.handle(named: "CMU1_VoltagePage")
/// let cell1 = try codec.handle(named: "CellVoltage001")
///
/// let decoded = try codec.decode(frame)          // throws CANDecodeError
/// if decoded.raw(page) == 0, let millivolts = decoded.physical(cell1) { ... }   // nil when not on this page
///
/// var encoder = codec.encoder()                   // sensor nodes: reuse one encoder per message
/// try encoder.set(page, raw: 0)
/// try encoder.set(cell1, 3712)                    // physical value, range-checked, rounded like cantools
/// ...
/// let frame = try encoder.frame()                 // throws if a selected signal is missing
/// ```
public struct MessageCodec: Sendable {
    final class Storage: Sendable {
        let message: DBCMessage
        let signals: [SignalCodec]
        let indexByName: [String: Int]
        /// Multiplexers that select at least one signal, with the values that select something;
        /// ancestors come before the multiplexers they select.
        let multiplexerChecks: [(index: Int, allowed: [ClosedRange<Int64>])]
        let key: UInt32

        init(message: DBCMessage, signals: [SignalCodec], multiplexerChecks: [(index: Int, allowed: [ClosedRange<Int64>])]) {
            self.message = message
            self.signals = signals
            var byName: [String: Int] = [:]
            for (index, signal) in message.signals.enumerated() where byName[signal.name] == nil {
                byName[signal.name] = index
            }
            self.indexByName = byName
            self.multiplexerChecks = multiplexerChecks
            self.key = message.id.socketCANValue
        }

        /// `true` when every multiplexer condition of signal `index` holds in this payload.
        @inline(__always)
        func isPresent(_ index: Int, word0: UInt64, payload: CANPayload) -> Bool {
            for condition in signals[index].conditions {
                let multiplexer = signals[condition.multiplexer]
                let bits = multiplexer.layout.extract(word0: word0, payload: payload)
                guard let value = multiplexer.rawInteger(bits: bits), condition.contains(value) else { return false }
            }
            return true
        }

        /// The first multiplexer that is present but whose value selects nothing.
        func invalidMultiplexer(word0: UInt64, payload: CANPayload) -> (name: String, value: Int64)? {
            for check in multiplexerChecks where isPresent(check.index, word0: word0, payload: payload) {
                let multiplexer = signals[check.index]
                let bits = multiplexer.layout.extract(word0: word0, payload: payload)
                let value = multiplexer.rawInteger(bits: bits) ?? Int64(bitPattern: bits)
                if !check.allowed.contains(where: { $0.contains(value) }) { return (multiplexer.name, value) }
            }
            return nil
        }
    }

    let storage: Storage

    /// The message this codec was compiled from.
    public var message: DBCMessage { storage.message }

    /// Number of signals (handles are `0..<signalCount`).
    public var signalCount: Int { storage.signals.count }

    /// Compiles `message`.
    ///
    /// - Throws: ``DBCCodecError`` if a signal lies outside the payload, a float signal has the wrong
    ///   length, a classic message is longer than 8 bytes, or the multiplexers do not form a tree.
    public init(_ message: DBCMessage) throws(DBCCodecError) {
        let maximumLength = message.isFD ? 64 : 8
        guard (0...maximumLength).contains(message.length) else {
            throw .invalidMessageLength(message: message.name, length: message.length)
        }
        var indexByName: [String: Int] = [:]
        for (index, signal) in message.signals.enumerated() where indexByName[signal.name] == nil {
            indexByName[signal.name] = index
        }
        var compiled: [SignalCodec] = []
        compiled.reserveCapacity(message.signals.count)
        for signal in message.signals {
            let layout = SignalLayout(startBit: signal.startBit, length: signal.length, byteOrder: signal.byteOrder)
            guard layout.lastByte < message.length, signal.length >= 1, signal.length <= 64 else {
                throw .signalOutsidePayload(
                    message: message.name, signal: signal.name, lastByte: layout.lastByte, length: message.length)
            }
            switch signal.valueType {
            case .float32 where signal.length != 32, .float64 where signal.length != 64:
                throw .invalidFloatLength(message: message.name, signal: signal.name, length: signal.length)
            default: break
            }
            var conditions: [SignalCodec.Condition] = []
            var current = signal.multiplexCondition
            while let condition = current {
                guard let multiplexer = indexByName[condition.multiplexerName],
                    message.signals[multiplexer].isMultiplexer
                else {
                    throw .unknownMultiplexer(
                        message: message.name, signal: signal.name, multiplexer: condition.multiplexerName)
                }
                guard conditions.count < message.signals.count else {
                    throw .multiplexerCycle(message: message.name, signal: signal.name)
                }
                conditions.append(.init(multiplexer: multiplexer, ranges: condition.values))
                current = message.signals[multiplexer].multiplexCondition
            }
            compiled.append(SignalCodec(signal, conditions: conditions))
        }
        var checks: [(index: Int, allowed: [ClosedRange<Int64>], depth: Int)] = []
        for index in message.signals.indices where message.signals[index].isMultiplexer {
            let allowed = message.multiplexerValues(of: index)
            if !allowed.isEmpty { checks.append((index, allowed, compiled[index].conditions.count)) }
        }
        checks.sort { $0.depth < $1.depth }
        storage = Storage(message: message, signals: compiled, multiplexerChecks: checks.map { ($0.index, $0.allowed) })
    }

    /// The handle of the signal called `name`.
    public func handle(named name: String) throws(DBCCodecError) -> SignalHandle {
        guard let index = storage.indexByName[name] else {
            throw .unknownSignal(message: storage.message.name, signal: name)
        }
        return SignalHandle(index: index, messageKey: storage.key)
    }

    /// Handles of all signals, in message order.
    public var handles: [SignalHandle] {
        storage.signals.indices.map { SignalHandle(index: $0, messageKey: storage.key) }
    }

    /// The signal a handle refers to, or `nil` for a handle of another message.
    public func signal(_ handle: SignalHandle) -> DBCSignal? {
        isValid(handle) ? storage.message.signals[handle.index] : nil
    }

    @inline(__always)
    func isValid(_ handle: SignalHandle) -> Bool {
        handle.messageKey == storage.key && handle.index >= 0 && handle.index < storage.signals.count
    }

    /// Checks that `frame` carries this message and returns a view to read its signals from.
    ///
    /// - Throws: ``CANDecodeError`` for another identifier, a length other than the message length
    ///   (for CAN FD also the padded FD length), a remote/error frame, or a multiplexer value that
    ///   selects no signals.
    public func decode(_ frame: CANFrame) throws(CANDecodeError) -> DecodedFrame {
        let message = storage.message
        guard !frame.isRemoteRequest, !frame.isErrorFrame else { throw .notADataFrame }
        guard frame.id == message.id else { throw .wrongIdentifier(expected: message.id, actual: frame.id) }
        let length = frame.data.count
        guard length == message.length || length == message.frameLength else {
            throw .wrongLength(expected: message.length, actual: length)
        }
        let word0 = frame.data.littleEndianWord0
        if !storage.multiplexerChecks.isEmpty, let bad = storage.invalidMultiplexer(word0: word0, payload: frame.data) {
            throw .unknownMultiplexerValue(multiplexer: bad.name, value: bad.value)
        }
        return DecodedFrame(storage: storage, payload: frame.data, word0: word0)
    }

    /// Decodes every signal's physical value into `physical` (resized to ``signalCount`` if needed;
    /// index = handle index). Signals the multiplexer does not select get NaN.
    public func decode(_ frame: CANFrame, into physical: inout [Double]) throws(CANDecodeError) {
        let decoded = try decode(frame)
        if physical.count != storage.signals.count {
            physical = [Double](repeating: .nan, count: storage.signals.count)
        }
        for index in storage.signals.indices {
            physical[index] = decoded.physical(at: index) ?? .nan
        }
    }

    /// A fresh encoder for this message (all signals unset, payload zero).
    public func encoder() -> MessageEncoder {
        MessageEncoder(storage: storage)
    }
}
