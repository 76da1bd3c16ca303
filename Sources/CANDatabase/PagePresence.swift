import CANCore

/// The signals a frame of one message carries, for every value of its multiplexer: what lets
/// ``MessageEncoder/frame()`` check a page by looking at that page's signals instead of walking every
/// signal of every page.
///
/// Built for messages without multiplexing and for messages with one multiplexer of at most 8 bits that
/// is itself always present (simple multiplexing, `M` / `mN` in the DBC, including `SG_MUL_VAL_` ranges
/// on that multiplexer). Nested multiplexers or a wider multiplexer build none; the encoder then walks
/// every signal, as it does to name the first mismatch whenever this check fails.
struct PagePresence: Sendable {
    /// Index of the multiplexer signal; -1 for a message without multiplexing.
    let multiplexer: Int
    /// Signals present in every frame, ascending.
    let always: [Int]
    /// `pageSignals[pageStarts[b]..<pageStarts[b + 1]]`: the signals the multiplexer's raw bits `b` select.
    let pageSignals: [Int]
    let pageStarts: [Int]

    /// The largest multiplexer a table is built for (256 pages).
    static let maximumMultiplexerBits = 8

    /// The table of a compiled message, or nil when it has nested or several multiplexers, or a wider one.
    init?(signals: [SignalCodec], conditions: [MultiplexerCondition], ranges: [ClosedRange<Int64>]) {
        var always: [Int] = []
        var conditioned: [Int] = []
        var multiplexer = -1
        for index in signals.indices {
            let conditionIndex = signals[index].conditionIndex
            guard conditionIndex >= 0 else {
                always.append(index)
                continue
            }
            let owner = conditions[conditionIndex].multiplexer
            guard multiplexer < 0 || multiplexer == owner else { return nil }
            multiplexer = owner
            conditioned.append(index)
        }
        var pageSignals: [Int] = []
        var pageStarts = [0]
        if multiplexer >= 0 {
            let codec = signals[multiplexer]
            guard codec.conditionIndex < 0, codec.layout.length <= Self.maximumMultiplexerBits else { return nil }
            for bits in 0..<(UInt64(1) << UInt64(codec.layout.length)) {
                if let value = codec.rawInteger(bits: bits) {
                    for index in conditioned
                    where MessageCodec.Storage.contains(conditions[signals[index].conditionIndex], value, ranges: ranges) {
                        pageSignals.append(index)
                    }
                }
                pageStarts.append(pageSignals.count)
            }
        }
        self.multiplexer = multiplexer
        self.always = always
        self.pageSignals = pageSignals
        self.pageStarts = pageStarts
    }

    /// `true` when the set signals are exactly the ones this payload's multiplexer value selects: every
    /// selected signal is set and no more are (`setCount` counts distinct set signals). `false` leaves the
    /// verdict, and the name of the first mismatch, to the full walk.
    @inline(__always)
    func isSatisfied(isSet: [Bool], setCount: Int, signals: [SignalCodec], word0: UInt64, payload: CANPayload) -> Bool {
        var expected = always.count
        for index in always where !isSet[index] { return false }
        if multiplexer >= 0 {
            let bits = signals[multiplexer].layout.extract(word0: word0, payload: payload)
            guard bits < UInt64(pageStarts.count - 1) else { return false }
            let page = Int(bits)
            for position in pageStarts[page]..<pageStarts[page + 1] where !isSet[pageSignals[position]] { return false }
            expected += pageStarts[page + 1] - pageStarts[page]
        }
        return setCount == expected
    }
}
