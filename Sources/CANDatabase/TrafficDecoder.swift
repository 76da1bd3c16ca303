public import CANCore

/// Decodes whatever arrives on a bus with a database, checking end-to-end protection per message:
/// the engine behind `bmsemu monitor` and log inspection.
///
/// Frames of unknown identifiers, malformed frames and E2E failures are described, never dropped
/// silently, and counted in ``statistics``.
public struct TrafficDecoder: Sendable {
    /// One decoded frame.
    public struct Line: Sendable, CustomStringConvertible {
        public var frame: CANFrame
        /// Message name, or `nil` for an identifier the database does not know.
        public var message: String?
        public var signals: [DecodedSignal]
        /// E2E verdict for protected messages.
        public var e2e: E2ECheck?
        /// Why the frame could not be decoded.
        public var error: CANDecodeError?

        public var description: String {
            var text = frame.id.description + " "
            guard let message else { return text + "unknown " + frame.candumpText }
            text += message
            if let error { return text + " ! " + error.description }
            for signal in signals { text += " " + signal.description }
            if let e2e, e2e != .ok { text += " [e2e: \(e2e)]" }
            return text
        }
    }

    /// Counts since creation.
    public struct Statistics: Hashable, Sendable {
        public var decoded = 0
        public var unknownIdentifiers = 0
        public var malformed = 0
        public var e2eFailures = 0
        public var errorFrames = 0
    }

    public let codec: DatabaseCodec
    public private(set) var statistics = Statistics()
    private var receivers: [UInt32: E2EReceiver] = [:]

    public init(database: CANDatabase) {
        codec = DatabaseCodec(database)
        for messageCodec in codec.codecs {
            if let profile = try? E2EProfile(codec: messageCodec) {
                receivers[messageCodec.message.id.socketCANValue] = E2EReceiver(profile: profile)
            }
        }
    }

    /// Decodes one frame; `nil` for error frames (counted; decode them with ``CANCore/CANBusError``).
    public mutating func decode(_ frame: CANFrame) -> Line? {
        guard !frame.isErrorFrame else {
            statistics.errorFrames += 1
            return nil
        }
        guard let result = codec.decode(frame) else {
            statistics.unknownIdentifiers += 1
            return Line(frame: frame, message: nil, signals: [], e2e: nil, error: nil)
        }
        let name = codec.codec(for: frame.id)?.message.name
        switch result {
        case .failure(let error):
            statistics.malformed += 1
            return Line(frame: frame, message: name, signals: [], e2e: nil, error: error)
        case .success(let decoded):
            statistics.decoded += 1
            var verdict: E2ECheck?
            if var receiver = receivers[frame.id.socketCANValue] {
                let check = receiver.check(frame)
                receivers[frame.id.socketCANValue] = receiver
                verdict = check
                if !check.isUsable { statistics.e2eFailures += 1 }
            }
            return Line(frame: frame, message: name, signals: decoded.signals, e2e: verdict, error: nil)
        }
    }
}
