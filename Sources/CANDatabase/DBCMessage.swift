public import CANCore

/// One message (`BO_`) with its signals and the properties other statements give it.
public struct DBCMessage: Hashable, Sendable {
    /// When a message is sent, from `GenMsgCycleTime` / `GenMsgSendType` / `GenMsgDelayTime`.
    public enum Timing: Hashable, Sendable {
        /// Sent every `milliseconds` (`GenMsgCycleTime` > 0). For a multiplexed message this is the
        /// full cycle in which every multiplexer value is sent once.
        case cyclic(milliseconds: Int)
        /// Sent on events (`GenMsgSendType` other than `Cyclic`/`NoMsgSendType` and no cycle time), at
        /// most once per `minimumIntervalMilliseconds` (`GenMsgDelayTime`) when that is given.
        case eventDriven(minimumIntervalMilliseconds: Int?)
        /// Neither a cycle time nor an event send type.
        case unspecified
    }

    /// The identifier (bit 31 of the DBC id selects an extended identifier).
    public var id: CANID
    /// Message name (unique within a consistent database).
    public var name: String
    /// Payload length in bytes as declared (0...64; above 8 only for CAN FD).
    public var length: Int
    /// Sending nodes: the `BO_` sender plus `BO_TX_BU_` additions; empty for `Vector__XXX`.
    public var senders: [String]
    /// Signals in file order (handles index into this array).
    public var signals: [DBCSignal]
    /// `CM_ BO_` comment.
    public var comment: String?
    /// `true` when `VFrameFormat` is `StandardCAN_FD` or `ExtendedCAN_FD`.
    public var isFD: Bool
    /// For CAN FD: whether the data phase uses the fast bit rate (`CANFD_BRS`, default on).
    public var usesBitRateSwitch: Bool
    /// `GenMsgCycleTime` in ms when positive (as cantools reads it; requires the attribute definition).
    public var cycleTimeMilliseconds: Int?
    /// `GenMsgSendType` resolved to its enumeration name, if defined.
    public var sendType: String?
    /// `GenMsgDelayTime` in ms when positive.
    public var delayTimeMilliseconds: Int?
    /// `BA_ ... BO_` assignments as written (defaults not filled in).
    public var attributes: [DBCAttributeAssignment]
    /// 1-based line of the `BO_` statement (0 for messages built in code).
    public var line: Int

    public init(
        id: CANID, name: String, length: Int, senders: [String] = [], signals: [DBCSignal] = [],
        comment: String? = nil, isFD: Bool = false, usesBitRateSwitch: Bool = true,
        cycleTimeMilliseconds: Int? = nil, sendType: String? = nil, delayTimeMilliseconds: Int? = nil,
        attributes: [DBCAttributeAssignment] = [], line: Int = 0
    ) {
        self.id = id
        self.name = name
        self.length = length
        self.senders = senders
        self.signals = signals
        self.comment = comment
        self.isFD = isFD
        self.usesBitRateSwitch = usesBitRateSwitch
        self.cycleTimeMilliseconds = cycleTimeMilliseconds
        self.sendType = sendType
        self.delayTimeMilliseconds = delayTimeMilliseconds
        self.attributes = attributes
        self.line = line
    }

    /// Cyclic, event driven or unspecified (see ``Timing``).
    public var timing: Timing {
        if let cycle = cycleTimeMilliseconds, cycle > 0 { return .cyclic(milliseconds: cycle) }
        if let type = sendType, !DBCMessage.nonEventSendTypes.contains(type.lowercased()) {
            return .eventDriven(minimumIntervalMilliseconds: delayTimeMilliseconds)
        }
        return .unspecified
    }

    static let nonEventSendTypes: Set<String> = ["cyclic", "nomsgsendtype", "notused", "none", ""]

    /// The index of the signal called `name`, if any.
    public func signalIndex(named name: String) -> Int? {
        signals.firstIndex { $0.name == name }
    }

    /// The signal called `name`, if any.
    public func signal(named name: String) -> DBCSignal? {
        signals.first { $0.name == name }
    }

    /// The id as written in a DBC file: the value, with bit 31 set for an extended identifier.
    public var dbcIdentifier: UInt32 {
        id.isExtended ? id.value | 0x8000_0000 : id.value
    }

    /// The frame length actually sent: the declared length, rounded up to the next valid CAN FD length
    /// for FD messages (12, 16, 20, 24, 32, 48, 64).
    public var frameLength: Int {
        guard isFD else { return length }
        return CANFrame.fdLengths.first { $0 >= length } ?? 64
    }

    /// Multiplexer signals that are not themselves multiplexed (the top of the multiplexer tree).
    public var topLevelMultiplexerIndices: [Int] {
        signals.indices.filter { signals[$0].isMultiplexer && signals[$0].multiplexCondition == nil }
    }

    /// The multiplexer values that select at least one signal, for multiplexer `index`, merged into
    /// sorted ranges.
    public func multiplexerValues(of index: Int) -> [ClosedRange<Int64>] {
        guard signals.indices.contains(index) else { return [] }
        return multiplexerValuesByName()[signals[index].name] ?? []
    }

    /// ``multiplexerValues(of:)`` for every multiplexer at once, keyed by multiplexer name (one pass).
    func multiplexerValuesByName() -> [String: [ClosedRange<Int64>]] {
        var ranges: [String: [ClosedRange<Int64>]] = [:]
        for signal in signals {
            if let condition = signal.multiplexCondition { ranges[condition.multiplexerName, default: []] += condition.values }
        }
        return ranges.mapValues { DBCSignal.MultiplexCondition.normalized($0) }
    }

    /// For each signal, the index of its multiplexer (`nil` if none or unresolvable), by one name lookup.
    func multiplexerIndices() -> [Int?] {
        var indexByName: [String: Int] = [:]
        for (index, signal) in signals.enumerated() where indexByName[signal.name] == nil { indexByName[signal.name] = index }
        return signals.map { signal in signal.multiplexCondition.flatMap { indexByName[$0.multiplexerName] } }
    }
}
