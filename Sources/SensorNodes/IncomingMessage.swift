import CANCore
import CANDatabase

/// One command message a node receives: its codec and, for E2E-protected messages, its receiver.
///
/// ``check(_:counters:)`` applies every check in order (data frame, format, length, CRC, counter,
/// multiplexer) and counts the first that fails; only a frame that passes all of them is returned.
struct IncomingMessage: Sendable {
    let codec: MessageCodec
    private(set) var receiver: E2EReceiver?

    init(_ name: String, node: String, database: CANDatabase) throws(NodeSetupError) {
        guard let message = database.message(named: name) else {
            throw NodeSetupError("Firmware database has no message \(name) (received by node \(node))")
        }
        do throws(DBCCodecError) {
            codec = try MessageCodec(message)
        } catch {
            throw NodeSetupError("message \(name) cannot be compiled: \(error)")
        }
        if message.signals.contains(where: { $0.e2eRole == .counter }) {
            do throws(E2EProfile.ConfigurationError) {
                receiver = E2EReceiver(profile: try E2EProfile(codec: codec))
            } catch {
                throw NodeSetupError("message \(name): \(error)")
            }
        }
    }

    var identifier: CANID { codec.id }

    func handle(_ signal: String) throws(NodeSetupError) -> SignalHandle {
        do throws(DBCCodecError) {
            return try codec.handle(named: signal)
        } catch {
            throw NodeSetupError("message \(codec.message.name) has no signal \(signal)")
        }
    }

    /// The decoded frame if it passes every check, otherwise `nil` with the reason counted.
    mutating func check(_ frame: CANFrame, counters: inout CommandCounters) -> DecodedFrame? {
        check(prepare(frame), counters: &counters)
    }

    /// What ``check(_:counters:)`` finds in `frame` that depends on the frame alone (shape, expected
    /// CRC, decoding): every node receiving this message from the same database finds the same, so a
    /// broadcast frame is prepared once and checked by each node against its own counter state.
    func prepare(_ frame: CANFrame) -> PreparedCommand {
        guard !frame.isRemoteRequest, !frame.isErrorFrame, frame.format == (codec.isFD ? .fd : .classic) else {
            return PreparedCommand(frame: frame, shape: .notADataFrame)
        }
        guard frame.data.count == codec.frameLength else {
            return PreparedCommand(frame: frame, shape: .wrongLength)
        }
        let expectedCRC = receiver.flatMap { $0.profile.checksumByte == nil ? nil : $0.profile.crc(of: frame.data) }
        let decoded: Result<DecodedFrame, CANDecodeError>
        do throws(CANDecodeError) {
            decoded = .success(try codec.decode(frame))
        } catch {
            decoded = .failure(error)
        }
        return PreparedCommand(frame: frame, shape: .dataFrame(expectedCRC: expectedCRC, decoded: decoded))
    }

    /// ``check(_:counters:)`` of a frame prepared by ``prepare(_:)`` (of this message, by any node).
    mutating func check(_ prepared: PreparedCommand, counters: inout CommandCounters) -> DecodedFrame? {
        accepts(prepared, counters: &counters) ? prepared.decoded : nil
    }

    /// Whether ``check(_:counters:)`` would return the frame, with the same counting and counter tracking,
    /// without handing out a copy of the decoded frame (for a broadcast frame whose content most receivers
    /// do not need: a CMU board reads a balancing page only when it is addressed).
    mutating func accepts(_ prepared: PreparedCommand, counters: inout CommandCounters) -> Bool {
        switch prepared.shape {
        case .notADataFrame:
            counters.notADataFrame += 1
            return false
        case .wrongLength:
            counters.wrongLength += 1
            return false
        case .dataFrame(let expectedCRC, let decoded):
            return accepts(prepared.frame, expectedCRC: expectedCRC, decoded: decoded, counters: &counters)
        }
    }

    private mutating func accepts(
        _ frame: CANFrame, expectedCRC: UInt8?, decoded: Result<DecodedFrame, CANDecodeError>, counters: inout CommandCounters
    ) -> Bool {
        if receiver != nil {
            let result = expectedCRC.map { receiver!.check(frame, expectedCRC: $0) } ?? receiver!.check(frame)
            switch result {
            case .ok, .initial: break
            case .skipped(let lost): counters.lostFrames += lost
            case .repeated:
                counters.repeatedCounter += 1
                return false
            case .badCRC:
                counters.badCRC += 1
                return false
            case .wrongLength:
                counters.wrongLength += 1
                return false
            case .wrongFrame:
                counters.notADataFrame += 1
                return false
            }
        }
        switch decoded {
        case .success:
            return true
        case .failure(let error):
            switch error {
            case .unknownMultiplexerValue: counters.invalidMultiplexer += 1
            case .wrongLength: counters.wrongLength += 1
            case .notADataFrame, .wrongIdentifier: counters.notADataFrame += 1
            }
            return false
        }
    }
}

/// A received command frame with the checks that depend on the frame alone already made
/// (``IncomingMessage/prepare(_:)``).
struct PreparedCommand: Sendable {
    enum Shape: Sendable {
        case notADataFrame
        case wrongLength
        /// A data frame of the message's format and length: its expected E2E CRC (`nil` without a
        /// CRC) and its decoding.
        case dataFrame(expectedCRC: UInt8?, decoded: Result<DecodedFrame, CANDecodeError>)
    }

    let frame: CANFrame
    let shape: Shape

    /// The decoded frame of a data frame of the right shape that decodes; nil otherwise.
    var decoded: DecodedFrame? {
        guard case .dataFrame(_, .success(let decoded)) = shape else { return nil }
        return decoded
    }
}
