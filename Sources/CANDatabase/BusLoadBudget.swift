public import CANCore

/// Worst-case bus load of a database's message set at its cycle times.
///
/// Each message is counted at its worst-case length on the wire (``CANFrame/worstCaseBitLength``:
/// Davis et al. 2007 stuffing bound for classic CAN, ISO 11898-1:2015 for CAN FD, interframe space
/// included) and its frame rate:
/// - cyclic: one frame per multiplexer value of its top-level multiplexer per `GenMsgCycleTime`
///   (the cycle time of a multiplexed message is the full page cycle), else one per cycle;
/// - event driven with `GenMsgDelayTime`: one frame per minimum interval (the most it may send);
/// - otherwise it cannot be budgeted and is listed in ``unbudgeted``.
///
/// ```swift
/// let budget = BusLoadBudget(database: database, nominalBitRate: 500_000)
/// budget.load          // 0.23 = 23 % of the bus
/// print(budget.report)
/// ```
public struct BusLoadBudget: Hashable, Sendable {
    /// One message's share of the bus.
    public struct Entry: Hashable, Sendable {
        /// Message name.
        public var message: String
        /// Identifier (entries are sorted by arbitration priority).
        public var id: CANID
        /// Where the rate came from.
        public var timing: DBCMessage.Timing
        /// Frames per cycle: the number of multiplexer values (1 for plain messages).
        public var framesPerCycle: Int
        /// Worst-case frame rate.
        public var framesPerSecond: Double
        /// Worst-case bits of one frame.
        public var bitsPerFrame: CANFrameBitLength
        /// Fraction of bus time this message occupies (0...1 and beyond).
        public var load: Double
    }

    /// Arbitration-phase bit rate, bit/s.
    public var nominalBitRate: Int
    /// CAN FD data-phase bit rate, bit/s (equal to the nominal rate for classic buses).
    public var dataBitRate: Int
    /// Budgeted messages, in identifier (arbitration) order.
    public var entries: [Entry]
    /// Messages without a rate (no cycle time, no minimum interval), or with a length CAN cannot carry.
    public var unbudgeted: [String]

    /// - Parameters:
    ///   - nominalBitRate: arbitration bit rate in bit/s (500 000 for the default bus).
    ///   - dataBitRate: CAN FD data-phase bit rate in bit/s; defaults to the nominal rate.
    public init(database: CANDatabase, nominalBitRate: Int, dataBitRate: Int? = nil) {
        self.nominalBitRate = max(nominalBitRate, 1)
        self.dataBitRate = max(dataBitRate ?? nominalBitRate, 1)
        var entries: [Entry] = []
        var unbudgeted: [String] = []
        for message in database.messages {
            let rate: (frames: Int, perSecond: Double)
            switch message.timing {
            case .cyclic(let milliseconds):
                let frames = BusLoadBudget.framesPerCycle(message)
                rate = (frames, Double(frames) * 1000 / Double(milliseconds))
            case .eventDriven(let interval?) where interval > 0:
                rate = (1, 1000 / Double(interval))
            default:
                unbudgeted.append(message.name)
                continue
            }
            guard let bits = BusLoadBudget.worstCaseBits(message) else {
                unbudgeted.append(message.name)
                continue
            }
            let seconds = Double(bits.nominalBits) / Double(self.nominalBitRate)
                + Double(bits.dataPhaseBits) / Double(self.dataBitRate)
            entries.append(Entry(
                message: message.name, id: message.id, timing: message.timing, framesPerCycle: rate.frames,
                framesPerSecond: rate.perSecond, bitsPerFrame: bits, load: rate.perSecond * seconds))
        }
        self.entries = entries.sorted { $0.id < $1.id }
        self.unbudgeted = unbudgeted
    }

    /// Total fraction of bus time used (0.5 = 50 %).
    public var load: Double { entries.reduce(0) { $0 + $1.load } }

    /// Total frames per second.
    public var framesPerSecond: Double { entries.reduce(0) { $0 + $1.framesPerSecond } }

    /// Frames per cycle of a message: the number of values its top-level multiplexer can select
    /// (the largest, if there are several), else 1.
    public static func framesPerCycle(_ message: DBCMessage) -> Int {
        var frames = 1
        let values = message.multiplexerValuesByName()
        for index in message.topLevelMultiplexerIndices {
            var count: UInt64 = 0
            for range in values[message.signals[index].name] ?? [] {
                let width = UInt64(bitPattern: range.upperBound &- range.lowerBound) &+ 1
                let (sum, overflow) = count.addingReportingOverflow(width)
                count = overflow || width == 0 ? UInt64(Int.max) : sum
            }
            frames = max(frames, Int(min(count, UInt64(Int.max))))
        }
        return frames
    }

    /// Worst-case length of one frame of `message`, or `nil` if CAN cannot carry its length.
    public static func worstCaseBits(_ message: DBCMessage) -> CANFrameBitLength? {
        var payload = CANPayload()
        payload.pad(to: message.frameLength)
        guard payload.count == message.frameLength else { return nil }
        if message.isFD {
            let flags: CANFDFlags = message.usesBitRateSwitch ? [.bitRateSwitch] : []
            return (try? CANFrame(fdID: message.id, payload: payload, flags: flags))?.worstCaseBitLength
        }
        return (try? CANFrame(id: message.id, payload: payload))?.worstCaseBitLength
    }

    /// A plain-text table: one line per message (id, name, frames/s, bits, load) and the total.
    public var report: String {
        var lines: [String] = []
        let rate = dataBitRate == nominalBitRate
            ? "\(nominalBitRate / 1000) kbit/s"
            : "\(nominalBitRate / 1000) kbit/s nominal, \(dataBitRate / 1000) kbit/s data"
        lines.append("Worst-case bus load at \(rate) (stuff bits and interframe space included)")
        lines.append(pad("ID", 12) + pad("message", 28) + pad("frames/s", 10) + pad("bits", 7) + "load")
        for entry in entries {
            let bits = entry.bitsPerFrame.nominalBits + entry.bitsPerFrame.dataPhaseBits
            lines.append(
                pad(entry.id.description, 12) + pad(entry.message, 28) + pad(Self.format(entry.framesPerSecond, 1), 10)
                    + pad(String(bits), 7) + Self.format(entry.load * 100, 2) + " %")
        }
        lines.append(
            "total: " + Self.format(framesPerSecond, 1) + " frames/s, " + Self.format(load * 100, 2) + " % of the bus")
        if !unbudgeted.isEmpty { lines.append("not budgeted (no cycle time or minimum interval): " + unbudgeted.joined(separator: ", ")) }
        return lines.joined(separator: "\n")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }

    /// Fixed-point decimal text without Foundation.
    static func format(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return String(value) }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e18 else { return String(value) }
        let integer = UInt64(scaled)
        let whole = integer / UInt64(scale)
        var text = (value < 0 && integer > 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let fraction = String(integer % UInt64(scale))
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }
}
