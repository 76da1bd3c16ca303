public import CANCore

/// End-to-end protection of one message: where its alive counter and CRC are, and what the CRC covers.
///
/// The database marks the signals with the `SigType` attribute: `MessageCounter` for a 4-bit
/// unsigned counter (0...15, +1 per frame, wrapping) and `MessageChecksum` for an 8-bit unsigned,
/// byte-aligned CRC. The CRC is ``CRC8SAEJ1850`` over the data id (the two low bytes of the CAN
/// identifier, low byte first) followed by every payload byte except the CRC byte, in order — the
/// layout of AUTOSAR E2E Profile 1 with the identifier as data id. A message may have a counter only
/// (like the IVT-S current sensor); then only the counter is checked.
public struct E2EProfile: Hashable, Sendable {
    /// The message this profile protects.
    public let messageID: CANID
    /// Accepted payload lengths (declared, and padded for CAN FD).
    public let lengths: [Int]
    /// The counter signal.
    public let counter: SignalHandle
    /// The CRC signal, if the message has one.
    public let checksum: SignalHandle?
    /// Payload byte that holds the CRC.
    public let checksumByte: Int?
    /// The counter's bit layout, for reading it from raw frames.
    let counterLayout: SignalLayout
    /// Name of the CRC, for reports.
    public static let checksumName = "CRC-8/SAE-J1850 (poly 0x1D, init 0xFF, xorout 0xFF) over data id (CAN id low, high byte) + payload without the CRC byte"

    /// Why a message's E2E signals cannot be used.
    public enum ConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The message has no signal with `SigType` `MessageCounter`.
        case noCounter(message: String)
        /// More than one counter or checksum signal.
        case ambiguous(message: String)
        /// The counter is not a 4-bit unsigned integer that is always present.
        case invalidCounter(message: String, signal: String)
        /// The checksum is not an 8-bit unsigned, byte-aligned integer that is always present.
        case invalidChecksum(message: String, signal: String)

        public var description: String {
            switch self {
            case .noCounter(let message): "message \(message) has no MessageCounter signal"
            case .ambiguous(let message): "message \(message) has more than one MessageCounter or MessageChecksum signal"
            case .invalidCounter(let message, let signal):
                "message \(message): counter \(signal) must be a 4-bit unsigned integer outside any multiplexer"
            case .invalidChecksum(let message, let signal):
                "message \(message): checksum \(signal) must be an 8-bit unsigned integer on a byte boundary, outside any multiplexer"
            }
        }
    }

    /// The profile of the codec's message, from its `SigType` signals.
    public init(codec: MessageCodec) throws(ConfigurationError) {
        let message = codec.message
        let counters = message.signals.indices.filter { message.signals[$0].e2eRole == .counter }
        let checksums = message.signals.indices.filter { message.signals[$0].e2eRole == .checksum }
        guard let counterIndex = counters.first else { throw .noCounter(message: message.name) }
        guard counters.count == 1, checksums.count <= 1 else { throw .ambiguous(message: message.name) }
        let counterSignal = message.signals[counterIndex]
        guard counterSignal.length == 4, !counterSignal.isSigned, counterSignal.valueType == .integer,
            counterSignal.multiplexCondition == nil
        else { throw .invalidCounter(message: message.name, signal: counterSignal.name) }
        let key = message.id.socketCANValue
        messageID = message.id
        lengths = message.length == message.frameLength ? [message.length] : [message.length, message.frameLength]
        counter = SignalHandle(index: counterIndex, messageKey: key)
        counterLayout = SignalLayout(startBit: counterSignal.startBit, length: 4, byteOrder: counterSignal.byteOrder)
        if let checksumIndex = checksums.first {
            let signal = message.signals[checksumIndex]
            let aligned = signal.byteOrder == .littleEndian ? signal.startBit % 8 == 0 : signal.startBit % 8 == 7
            guard signal.length == 8, aligned, !signal.isSigned, signal.valueType == .integer,
                signal.multiplexCondition == nil
            else { throw .invalidChecksum(message: message.name, signal: signal.name) }
            checksum = SignalHandle(index: checksumIndex, messageKey: key)
            checksumByte = signal.startBit / 8
        } else {
            checksum = nil
            checksumByte = nil
        }
    }

    /// The CRC over the data id and every payload byte except the CRC byte.
    public func crc(of payload: CANPayload) -> UInt8 {
        var state = CRC8SAEJ1850.initialValue
        state = CRC8SAEJ1850.update(state, UInt8(truncatingIfNeeded: messageID.value))
        state = CRC8SAEJ1850.update(state, UInt8(truncatingIfNeeded: messageID.value >> 8))
        let skip = checksumByte ?? -1
        // The table once per frame, not once per byte (each `table` access checks its lazy initialisation).
        CRC8SAEJ1850.table.withUnsafeBufferPointer { table in
            payload.withUnsafeBytes { bytes in
                for index in bytes.indices where index != skip { state = table[Int(state ^ bytes[index])] }
            }
        }
        return state ^ CRC8SAEJ1850.finalXOR
    }

    /// The counter value in a payload.
    public func counterValue(in payload: CANPayload) -> UInt8 {
        UInt8(truncatingIfNeeded: counterLayout.extract(word0: payload.littleEndianWord0, payload: payload))
    }

    /// `payload` with the CRC byte recomputed (for senders that edit frames after sealing, such as
    /// fault injection that changes a value but keeps the frame valid). Unchanged without a CRC.
    public func resealed(_ payload: CANPayload) -> CANPayload {
        guard let byte = checksumByte, byte < payload.count else { return payload }
        var sealed = payload
        sealed.set(crc(of: payload), at: byte)
        return sealed
    }
}
