/// Whether a frame uses classic CAN (ISO 11898-1 CAN 2.0) or CAN FD framing.
public enum CANFrameFormat: Hashable, Sendable {
    /// Up to 8 data bytes; may be a remote request or an error frame.
    case classic
    /// Up to 64 data bytes at the valid FD lengths; never a remote request.
    case fd
}

/// CAN FD frame flags. The corresponding C constants are `CANFD_BRS` and `CANFD_ESI`.
public struct CANFDFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// Bit-rate switch: the data phase runs at the data bit rate. `CANFD_BRS` (0x01).
    public static let bitRateSwitch = CANFDFlags(rawValue: 0x01)
    /// Error-state indicator: the sender is error passive. `CANFD_ESI` (0x02).
    public static let errorStateIndicator = CANFDFlags(rawValue: 0x02)
    /// FD frame marker `CANFD_FDF` (0x04): Linux 6.x sets it on received FD frames, so candump
    /// prints `##5` for a frame sent as `##1`. Kept so logs round-trip unchanged.
    public static let fdFormat = CANFDFlags(rawValue: 0x04)
}

/// One CAN frame: classic data, classic remote request, classic error frame, or CAN FD data.
///
/// Every initializer validates its input and throws ``CANFrameError`` rather than trapping, so
/// frames can be built straight from socket bytes or log text. Frames are plain values (no heap
/// storage) and cheap to copy and fan out.
public struct CANFrame: Hashable, Sendable, CustomStringConvertible {
    /// SocketCAN `CAN_EFF_FLAG`: the identifier is 29 bits.
    public static let extendedFlag: UInt32 = 0x8000_0000
    /// SocketCAN `CAN_RTR_FLAG`: remote transmission request.
    public static let remoteFlag: UInt32 = 0x4000_0000
    /// SocketCAN `CAN_ERR_FLAG`: error frame; the low 29 bits are the error class mask.
    public static let errorFlag: UInt32 = 0x2000_0000
    /// Valid CAN FD payload lengths, indexed by data length code.
    public static let fdLengths: [Int] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64]

    /// The data bytes (empty for a remote request).
    public let data: CANPayload
    /// The identifier; for an error frame, an extended identifier whose value is the error class mask.
    public let id: CANID
    /// Classic or FD framing.
    public let format: CANFrameFormat
    /// FD flags (low nibble of `canfd_frame.flags`); always empty for classic frames.
    public let fdFlags: CANFDFlags
    /// `true` for a classic remote transmission request.
    public let isRemoteRequest: Bool
    /// `true` for a SocketCAN error frame (a controller status report, not bus traffic).
    public let isErrorFrame: Bool
    private let remoteLength: UInt8
    private let storedLen8DLC: UInt8

    /// A classic data frame with 0...8 bytes.
    ///
    /// - Parameters:
    ///   - len8DLC: optional raw DLC 9...15 for an 8-byte frame (`CAN_CTRLMODE_CC_LEN8_DLC`).
    /// - Throws: ``CANFrameError/invalidLength(_:format:)`` for more than 8 bytes.
    public init(id: CANID, data: some Collection<UInt8>, len8DLC: UInt8? = nil) throws(CANFrameError) {
        guard data.count <= 8, let payload = CANPayload(data) else {
            throw .invalidLength(data.count, format: .classic)
        }
        try self.init(id: id, payload: payload, len8DLC: len8DLC)
    }

    /// A classic data frame from an inline payload (no copy through a collection).
    public init(id: CANID, payload: CANPayload, len8DLC: UInt8? = nil) throws(CANFrameError) {
        guard payload.count <= 8 else { throw .invalidLength(payload.count, format: .classic) }
        if let code = len8DLC {
            guard payload.count == 8, (9...15).contains(code) else { throw .invalidDataLengthCode(code) }
        }
        self.data = payload
        self.id = id
        self.format = .classic
        self.fdFlags = []
        self.isRemoteRequest = false
        self.isErrorFrame = false
        self.remoteLength = 0
        self.storedLen8DLC = len8DLC ?? 0
    }

    /// A CAN FD data frame.
    ///
    /// - Throws: ``CANFrameError/invalidLength(_:format:)`` unless the length is 0-8, 12, 16, 20, 24, 32, 48 or 64.
    public init(fdID id: CANID, data: some Collection<UInt8>, flags: CANFDFlags = [.bitRateSwitch]) throws(CANFrameError) {
        guard let payload = CANPayload(data) else { throw .invalidLength(data.count, format: .fd) }
        try self.init(fdID: id, payload: payload, flags: flags)
    }

    /// A CAN FD data frame from an inline payload.
    public init(fdID id: CANID, payload: CANPayload, flags: CANFDFlags = [.bitRateSwitch]) throws(CANFrameError) {
        guard CANFrame.isValidFDLength(payload.count) else { throw .invalidLength(payload.count, format: .fd) }
        self.data = payload
        self.id = id
        self.format = .fd
        self.fdFlags = CANFDFlags(rawValue: flags.rawValue & 0x0F)
        self.isRemoteRequest = false
        self.isErrorFrame = false
        self.remoteLength = 0
        self.storedLen8DLC = 0
    }

    /// A classic remote transmission request asking for `length` (0...8) bytes.
    public init(remoteRequest id: CANID, length: Int = 0) throws(CANFrameError) {
        guard (0...8).contains(length) else { throw .invalidLength(length, format: .classic) }
        self.data = CANPayload()
        self.id = id
        self.format = .classic
        self.fdFlags = []
        self.isRemoteRequest = true
        self.isErrorFrame = false
        self.remoteLength = UInt8(length)
        self.storedLen8DLC = 0
    }

    /// A SocketCAN error frame: the class mask (`can_id & CAN_ERR_MASK`) and its detail bytes (0...8).
    ///
    /// - Throws: ``CANFrameError/invalidErrorClass(_:)`` if the mask is zero or has bits above 0x1FFFFFFF.
    public init(errorClass mask: UInt32, data: some Collection<UInt8>) throws(CANFrameError) {
        guard mask != 0, mask <= CANID.extendedMask else { throw .invalidErrorClass(mask) }
        guard data.count <= 8, let payload = CANPayload(data) else {
            throw .invalidLength(data.count, format: .classic)
        }
        self.data = payload
        self.id = try CANID(extended: mask)
        self.format = .classic
        self.fdFlags = []
        self.isRemoteRequest = false
        self.isErrorFrame = true
        self.remoteLength = 0
        self.storedLen8DLC = 0
    }

    /// `true` when `length` is a payload length CAN FD can carry.
    public static func isValidFDLength(_ length: Int) -> Bool {
        switch length {
        case 0...8, 12, 16, 20, 24, 32, 48, 64: return true
        default: return false
        }
    }

    /// Payload length in bytes; for a remote request, the requested length.
    public var length: Int { isRemoteRequest ? Int(remoteLength) : data.count }

    /// The raw 8-byte classic DLC 9...15, if the frame carries one.
    public var len8DLC: UInt8? { storedLen8DLC == 0 ? nil : storedLen8DLC }

    /// The 4-bit data length code sent on the wire.
    public var dataLengthCode: UInt8 {
        if let code = len8DLC { return code }
        switch format {
        case .classic: return UInt8(length)
        case .fd: return UInt8(CANFrame.fdLengths.firstIndex(of: length) ?? 15)
        }
    }

    /// The 32-bit `can_id` as SocketCAN stores it, with `CAN_EFF_FLAG`, `CAN_RTR_FLAG` or `CAN_ERR_FLAG` set.
    @inlinable
    public var socketCANIdentifier: UInt32 {
        if isErrorFrame { return CANFrame.errorFlag | id.value }
        var raw = id.socketCANValue
        if isRemoteRequest { raw |= CANFrame.remoteFlag }
        return raw
    }

    /// For an error frame, the error classes it reports; empty otherwise.
    public var errorClass: CANErrorClass {
        isErrorFrame ? CANErrorClass(rawValue: id.value) : []
    }

    /// The frame in candump log syntax, e.g. `123#DEADBEEF`, `12345678#R`, `123##1AABB`.
    public var description: String { candumpText }
}
