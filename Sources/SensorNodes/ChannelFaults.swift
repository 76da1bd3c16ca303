import SeededRandom

/// The value faults active on one node's channels, applied to readings at sample time.
///
/// Channels are node-local small integers. With no fault active (the common case) ``apply(_:channel:at:)``
/// returns immediately. Fault noise comes from the node's own fault stream, so injecting noise on one
/// channel does not change the noise any other channel or node sees.
struct ChannelFaults: Sendable {
    struct Entry: Sendable {
        var channel: Int
        var fault: ValueFault
        /// Time of the first sample after injection (drift starts there); `nil` until then.
        var startNanoseconds: Int64?
    }

    private(set) var entries: [Entry] = []
    private var random: Xoshiro256

    init(random: Xoshiro256) {
        self.random = random
    }

    var isEmpty: Bool { entries.isEmpty }

    /// Adds a fault (an identical fault on the same channel is not added twice).
    mutating func add(_ fault: ValueFault, channel: Int) {
        guard !entries.contains(where: { $0.channel == channel && $0.fault == fault }) else { return }
        entries.append(Entry(channel: channel, fault: fault, startNanoseconds: nil))
    }

    /// Removes one fault; `true` if it was active.
    @discardableResult
    mutating func remove(_ fault: ValueFault, channel: Int) -> Bool {
        let before = entries.count
        entries.removeAll { $0.channel == channel && $0.fault == fault }
        return entries.count != before
    }

    mutating func removeAll() { entries.removeAll() }

    /// `true` when the channel has a dropout fault.
    func isDropped(_ channel: Int) -> Bool {
        guard !entries.isEmpty else { return false }
        return entries.contains { $0.channel == channel && $0.fault == .dropout }
    }

    /// `true` when any fault is active on `channel`.
    func affects(_ channel: Int) -> Bool {
        guard !entries.isEmpty else { return false }
        return entries.contains { $0.channel == channel }
    }

    /// The reading after the channel's faults (gain, offset, drift, noise in that order; stuck wins).
    mutating func apply(_ value: Double, channel: Int, at now: Int64) -> Double {
        guard !entries.isEmpty else { return value }
        var gain = 1.0
        var offset = 0.0
        var stuck: Double?
        var noise = 0.0
        for index in entries.indices where entries[index].channel == channel {
            switch entries[index].fault {
            case .gain(let factor): gain *= factor
            case .offset(let amount): offset += amount
            case .drift(let perHour):
                let start = entries[index].startNanoseconds ?? now
                entries[index].startNanoseconds = start
                offset += perHour * Double(now - start) / 3.6e12
            case .noise(let sigma): noise += sigma * random.nextGaussian()
            case .stuck(let fixed): stuck = fixed
            case .dropout: break
            }
        }
        return stuck ?? (value * gain + offset + noise)
    }
}
