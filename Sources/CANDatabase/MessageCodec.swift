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
    /// Everything compiled from the message. The arrays the decode loop reads (`signals`,
    /// `conditions`, `ranges`) hold trivially copyable values only.
    final class Storage: Sendable {
        let message: DBCMessage
        let id: CANID
        let length: Int
        let frameLength: Int
        let isFD: Bool
        let usesBitRateSwitch: Bool
        let key: UInt32
        let signals: [SignalCodec]
        let conditions: [MultiplexerCondition]
        let ranges: [ClosedRange<Int64>]
        /// Multiplexers that select at least one signal, with the values that select something
        /// (`multiplexer` = the multiplexer's own index); ancestors first.
        let multiplexerChecks: [MultiplexerCondition]
        let names: [String]
        let units: [String]
        let valueTables: [DBCValueTable?]
        /// Every value-table raw value, signal after signal, ascending within a signal; signal i's are
        /// `namedRaws[namedRawStarts[i]..<namedRawStarts[i + 1]]` (flat and trivially copyable, so asking
        /// whether a value is named retains nothing).
        let namedRaws: [Int64]
        let namedRawStarts: [Int]
        let indexByName: [String: Int]
        /// The signals each multiplexer value selects, for the encoder's check (nil: walk every signal).
        let pagePresence: PagePresence?

        init(
            message: DBCMessage, signals: [SignalCodec], conditions: [MultiplexerCondition], ranges: [ClosedRange<Int64>],
            multiplexerChecks: [MultiplexerCondition], indexByName: [String: Int]
        ) {
            self.message = message
            self.id = message.id
            self.length = message.length
            self.frameLength = message.frameLength
            self.isFD = message.isFD
            self.usesBitRateSwitch = message.usesBitRateSwitch
            self.key = message.id.socketCANValue
            self.signals = signals
            self.conditions = conditions
            self.ranges = ranges
            self.multiplexerChecks = multiplexerChecks
            self.names = message.signals.map(\.name)
            self.units = message.signals.map(\.unit)
            self.valueTables = message.signals.map(\.valueTable)
            var namedRaws: [Int64] = []
            var namedRawStarts = [0]
            for table in valueTables {
                namedRaws.append(contentsOf: table?.entries.map(\.value) ?? [])
                namedRawStarts.append(namedRaws.count)
            }
            self.namedRaws = namedRaws
            self.namedRawStarts = namedRawStarts
            self.indexByName = indexByName
            pagePresence = PagePresence(signals: signals, conditions: conditions, ranges: ranges)
        }

        @inline(__always)
        func contains(_ condition: MultiplexerCondition, _ value: Int64) -> Bool {
            Self.contains(condition, value, ranges: ranges)
        }

        /// Whether `value` of the condition's multiplexer selects the condition's signal.
        @inline(__always)
        static func contains(_ condition: MultiplexerCondition, _ value: Int64, ranges: [ClosedRange<Int64>]) -> Bool {
            if condition.isSingle { return value == condition.single }
            for index in condition.rangeStart..<(condition.rangeStart + condition.rangeCount)
            where ranges[index].contains(value) {
                return true
            }
            return false
        }

        /// `true` when every multiplexer condition of signal `index` holds in this payload (walks up
        /// the multiplexer tree, which compilation proved acyclic).
        @inline(__always)
        func isPresent(_ index: Int, word0: UInt64, payload: CANPayload) -> Bool {
            var current = index
            while true {
                let conditionIndex = signals[current].conditionIndex
                if conditionIndex < 0 { return true }
                let condition = conditions[conditionIndex]
                let multiplexer = signals[condition.multiplexer]
                let bits = multiplexer.layout.extract(word0: word0, payload: payload)
                guard let value = multiplexer.rawInteger(bits: bits), contains(condition, value) else { return false }
                current = condition.multiplexer
            }
        }

        /// Whether signal `index`'s value table names `raw`.
        @inline(__always)
        func isNamed(_ index: Int, _ raw: Int64) -> Bool {
            var low = namedRawStarts[index]
            var high = namedRawStarts[index + 1]
            while low < high {
                let middle = (low + high) / 2
                if namedRaws[middle] < raw { low = middle + 1 } else { high = middle }
            }
            return low < namedRawStarts[index + 1] && namedRaws[low] == raw
        }

        /// The first multiplexer that is present but whose value selects nothing.
        @inline(__always)
        func invalidMultiplexer(word0: UInt64, payload: CANPayload) -> (name: String, value: Int64)? {
            for check in multiplexerChecks where isPresent(check.multiplexer, word0: word0, payload: payload) {
                let multiplexer = signals[check.multiplexer]
                let bits = multiplexer.layout.extract(word0: word0, payload: payload)
                let value = multiplexer.rawInteger(bits: bits) ?? Int64(bitPattern: bits)
                if !contains(check, value) { return (names[check.multiplexer], value) }
            }
            return nil
        }
    }

    let storage: Storage

    /// Deepest multiplexer nesting a codec accepts. Real databases nest one to three levels; the cap
    /// keeps every presence check a short walk, whatever a file declares.
    public static let maximumMultiplexerDepth = 32

    /// The message this codec was compiled from.
    public var message: DBCMessage { storage.message }

    /// The message's identifier, without copying the whole ``message`` (cheap enough for per-frame dispatch).
    public var id: CANID { storage.id }

    /// Whether the message is CAN FD (cheap, like ``id``).
    public var isFD: Bool { storage.isFD }

    /// The payload length on the wire (``DBCMessage/frameLength``; cheap, like ``id``).
    public var frameLength: Int { storage.frameLength }

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
        let count = message.signals.count
        let multiplexerOf = message.multiplexerIndices()
        for (index, signal) in message.signals.enumerated() {
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
            if let condition = signal.multiplexCondition {
                guard let multiplexer = multiplexerOf[index], message.signals[multiplexer].isMultiplexer else {
                    throw .unknownMultiplexer(message: message.name, signal: signal.name, multiplexer: condition.multiplexerName)
                }
            }
        }
        // Depth in the multiplexer tree, with cycle detection: one pass, each signal visited once.
        var depth = [Int](repeating: 0, count: count)
        var state = [UInt8](repeating: 0, count: count)  // 0 unvisited, 1 on the current path, 2 done
        for start in 0..<count where state[start] == 0 {
            var path: [Int] = []
            var current: Int? = start
            while let node = current, state[node] == 0 {
                state[node] = 1
                path.append(node)
                current = multiplexerOf[node]
            }
            if let node = current, state[node] == 1 {
                throw .multiplexerCycle(message: message.name, signal: message.signals[start].name)
            }
            var below = current.map { depth[$0] + 1 } ?? 0
            for node in path.reversed() {
                depth[node] = below
                state[node] = 2
                below += 1
            }
        }
        if let deep = depth.firstIndex(where: { $0 > Self.maximumMultiplexerDepth }) {
            throw .multiplexerTooDeep(message: message.name, signal: message.signals[deep].name)
        }

        var compiled: [SignalCodec] = []
        var conditions: [MultiplexerCondition] = []
        var ranges: [ClosedRange<Int64>] = []
        compiled.reserveCapacity(count)
        func condition(multiplexer: Int, values: [ClosedRange<Int64>]) -> MultiplexerCondition {
            let single = values.count == 1 && values[0].lowerBound == values[0].upperBound
            let result = MultiplexerCondition(
                multiplexer: multiplexer, single: single ? values[0].lowerBound : 0, isSingle: single,
                rangeStart: ranges.count, rangeCount: values.count)
            ranges += values
            return result
        }
        for (index, signal) in message.signals.enumerated() {
            var conditionIndex = -1
            if let multiplexCondition = signal.multiplexCondition, let multiplexer = multiplexerOf[index] {
                conditionIndex = conditions.count
                conditions.append(condition(multiplexer: multiplexer, values: multiplexCondition.values))
            }
            compiled.append(SignalCodec(signal, conditionIndex: conditionIndex))
        }
        let allowedByName = message.multiplexerValuesByName()
        var checks: [(check: MultiplexerCondition, depth: Int)] = []
        for index in message.signals.indices where message.signals[index].isMultiplexer {
            if let allowed = allowedByName[message.signals[index].name], !allowed.isEmpty {
                checks.append((condition(multiplexer: index, values: allowed), depth[index]))
            }
        }
        checks.sort { $0.depth < $1.depth }
        storage = Storage(
            message: message, signals: compiled, conditions: conditions, ranges: ranges,
            multiplexerChecks: checks.map(\.check), indexByName: indexByName)
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
        guard !frame.isRemoteRequest, !frame.isErrorFrame else { throw .notADataFrame }
        guard frame.id == storage.id else { throw .wrongIdentifier(expected: storage.id, actual: frame.id) }
        let length = frame.data.count
        guard length == storage.length || length == storage.frameLength else {
            throw .wrongLength(expected: storage.length, actual: length)
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
