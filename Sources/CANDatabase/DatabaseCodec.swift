public import CANCore

/// Codecs for every message of a database, looked up by frame identifier — for monitors and loggers
/// that decode whatever arrives.
///
/// Messages that cannot be compiled (a signal beyond the length, say) are listed in ``failures``
/// instead of failing the whole database, so a third-party file with one bad message stays usable.
public struct DatabaseCodec: Sendable {
    /// Compiled codecs in database order.
    public let codecs: [MessageCodec]
    /// Messages that could not be compiled, with the reason.
    public let failures: [(message: String, error: DBCCodecError)]
    private let indexByIdentifier: [UInt32: Int]

    public init(_ database: CANDatabase) {
        var codecs: [MessageCodec] = []
        var failures: [(message: String, error: DBCCodecError)] = []
        var index: [UInt32: Int] = [:]
        for message in database.messages {
            do {
                let codec = try MessageCodec(message)
                if index[message.id.socketCANValue] == nil { index[message.id.socketCANValue] = codecs.count }
                codecs.append(codec)
            } catch {
                failures.append((message.name, error))
            }
        }
        self.codecs = codecs
        self.failures = failures
        self.indexByIdentifier = index
    }

    /// The codec for frames with this identifier, if the database has the message.
    public func codec(for id: CANID) -> MessageCodec? {
        indexByIdentifier[id.socketCANValue].map { codecs[$0] }
    }

    /// Decodes a frame with the codec of its identifier: `nil` for identifiers the database does not
    /// know (and for error frames), otherwise the decoded frame or why it could not be decoded.
    public func decode(_ frame: CANFrame) -> Result<DecodedFrame, CANDecodeError>? {
        guard !frame.isErrorFrame, let codec = codec(for: frame.id) else { return nil }
        do throws(CANDecodeError) {
            return .success(try codec.decode(frame))
        } catch {
            return .failure(error)
        }
    }
}
