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
        guard !frame.isRemoteRequest, !frame.isErrorFrame, frame.format == (codec.isFD ? .fd : .classic) else {
            counters.notADataFrame += 1
            return nil
        }
        guard frame.data.count == codec.frameLength else {
            counters.wrongLength += 1
            return nil
        }
        if receiver != nil {
            switch receiver!.check(frame) {
            case .ok, .initial: break
            case .skipped(let lost): counters.lostFrames += lost
            case .repeated:
                counters.repeatedCounter += 1
                return nil
            case .badCRC:
                counters.badCRC += 1
                return nil
            case .wrongLength:
                counters.wrongLength += 1
                return nil
            case .wrongFrame:
                counters.notADataFrame += 1
                return nil
            }
        }
        do throws(CANDecodeError) {
            return try codec.decode(frame)
        } catch {
            switch error {
            case .unknownMultiplexerValue: counters.invalidMultiplexer += 1
            case .wrongLength: counters.wrongLength += 1
            case .notADataFrame, .wrongIdentifier: counters.notADataFrame += 1
            }
            return nil
        }
    }
}
