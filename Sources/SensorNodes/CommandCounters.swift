/// How a node dealt with the frames it received: accepted commands and every reason for ignoring one.
///
/// Nothing that fails a check is executed; each such frame increments exactly one rejection counter.
public struct CommandCounters: Hashable, Sendable, CustomStringConvertible {
    /// Commands that passed every check and were executed.
    public var accepted = 0
    /// Identifiers the database does not know (counted by ``PackNodes`` only).
    public var unknownIdentifier = 0
    /// Remote requests and error frames.
    public var notADataFrame = 0
    /// Payload length differs from the DBC length.
    public var wrongLength = 0
    /// A multiplexer value that selects no signals (an unknown page or command code).
    public var invalidMultiplexer = 0
    /// A value outside the DBC range or beyond what the node can do (setpoints above its limits).
    public var outOfRange = 0
    /// E2E: the CRC does not match.
    public var badCRC = 0
    /// E2E: the counter repeated (stale or replayed frame).
    public var repeatedCounter = 0
    /// E2E: frames lost according to counter jumps (the frames that arrived were accepted).
    public var lostFrames = 0
    /// Valid frames the node cannot act on now (a profile whose parameter pages are incomplete).
    public var notApplicable = 0

    public init() {}

    /// All rejected frames (everything except `accepted` and `lostFrames`).
    public var rejected: Int {
        unknownIdentifier + notADataFrame + wrongLength + invalidMultiplexer + outOfRange + badCRC + repeatedCounter
            + notApplicable
    }

    public static func + (lhs: CommandCounters, rhs: CommandCounters) -> CommandCounters {
        var sum = lhs
        sum.accepted += rhs.accepted
        sum.unknownIdentifier += rhs.unknownIdentifier
        sum.notADataFrame += rhs.notADataFrame
        sum.wrongLength += rhs.wrongLength
        sum.invalidMultiplexer += rhs.invalidMultiplexer
        sum.outOfRange += rhs.outOfRange
        sum.badCRC += rhs.badCRC
        sum.repeatedCounter += rhs.repeatedCounter
        sum.lostFrames += rhs.lostFrames
        sum.notApplicable += rhs.notApplicable
        return sum
    }

    public var description: String {
        "accepted \(accepted), unknown id \(unknownIdentifier), not data \(notADataFrame), wrong length \(wrongLength), "
            + "bad mux \(invalidMultiplexer), out of range \(outOfRange), bad CRC \(badCRC), repeated counter \(repeatedCounter), "
            + "lost \(lostFrames), not applicable \(notApplicable)"
    }
}
