public import CANCore

/// Converts frames to and from the byte layout of `struct can_frame` (16 bytes, `CAN_MTU`) and
/// `struct canfd_frame` (72 bytes, `CANFD_MTU`) as read from and written to a CAN_RAW socket.
///
/// Decoding takes any bytes and never traps: a read of the wrong size, a classic length above 8, an
/// invalid FD length, an FD frame with remote or error flags, or an error frame without a class gives
/// a ``SocketCANFrameCodec/DecodingError`` naming what was wrong. The layout is the kernel's in host
/// byte order (`can_id` is a native-endian `u32`), so the codec works on plain byte buffers and is
/// tested without a CAN socket.
public enum SocketCANFrameCodec {
    /// Size of a classic frame on the socket. The corresponding C constant is `CAN_MTU`.
    public static let classicFrameSize = 16
    /// Size of a CAN FD frame on the socket. The corresponding C constant is `CANFD_MTU`.
    public static let fdFrameSize = 72

    static let extendedFlag: UInt32 = 0x8000_0000
    static let remoteFlag: UInt32 = 0x4000_0000
    static let errorFlag: UInt32 = 0x2000_0000
    static let errorMask: UInt32 = 0x1FFF_FFFF
    static let dataOffset = 8

    /// Why bytes read from a socket are not a frame.
    public enum DecodingError: Error, Hashable, Sendable, CustomStringConvertible {
        /// The read returned a size that is neither 16 nor 72 bytes (or was truncated).
        case unexpectedSize(Int)
        /// A classic frame whose `len` is above 8.
        case classicLengthOutOfRange(UInt8)
        /// An FD frame whose `len` is not one of 0-8, 12, 16, 20, 24, 32, 48, 64.
        case invalidFDLength(UInt8)
        /// An FD frame carrying `CAN_RTR_FLAG` or `CAN_ERR_FLAG` (FD has neither remote nor error frames).
        case invalidFDFlags(canID: UInt32)
        /// An error frame whose class mask is zero.
        case errorFrameWithoutClass

        public var description: String {
            switch self {
            case .unexpectedSize(let size):
                return "read \(size) bytes, but a CAN frame is 16 (classic) or 72 (FD) bytes"
            case .classicLengthOutOfRange(let length):
                return "classic frame with length \(length) (at most 8)"
            case .invalidFDLength(let length):
                return "CAN FD frame with length \(length) (valid: 0-8, 12, 16, 20, 24, 32, 48, 64)"
            case .invalidFDFlags(let canID):
                let hex = String(canID, radix: 16, uppercase: true)
                return "CAN FD frame with can_id 0x\(hex) has a remote-request or error flag"
            case .errorFrameWithoutClass:
                return "error frame without an error class"
            }
        }
    }

    /// Decodes the bytes of one read.
    ///
    /// Standard identifiers keep their low 11 bits (`CAN_SFF_MASK`), as the kernel and can-utils do
    /// with stray upper bits in `can_id`.
    ///
    /// - Parameter bytes: exactly the bytes the read returned (16 or 72).
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<CANFrame, DecodingError> {
        switch bytes.count {
        case classicFrameSize: return decodeClassic(bytes)
        case fdFrameSize: return decodeFD(bytes)
        default: return .failure(.unexpectedSize(bytes.count))
        }
    }

    /// Decodes bytes held in an array (tests, replay).
    public static func decode(_ bytes: [UInt8]) -> Result<CANFrame, DecodingError> {
        bytes.withUnsafeBytes { decode($0) }
    }

    private static func decodeClassic(_ bytes: UnsafeRawBufferPointer) -> Result<CANFrame, DecodingError> {
        let canID = bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
        let length = bytes[4]
        guard length <= 8 else { return .failure(.classicLengthOutOfRange(length)) }
        let payloadBytes = UnsafeRawBufferPointer(rebasing: bytes[dataOffset..<(dataOffset + Int(length))])
        if canID & errorFlag != 0 {
            guard let frame = try? CANFrame(errorClass: canID & errorMask, data: payloadBytes) else {
                return .failure(.errorFrameWithoutClass)
            }
            return .success(frame)
        }
        let id = identifier(canID)
        if canID & remoteFlag != 0 {
            // Cannot fail: length is 0...8 here.
            guard let frame = try? CANFrame(remoteRequest: id, length: Int(length)) else {
                return .failure(.classicLengthOutOfRange(length))
            }
            return .success(frame)
        }
        let rawDLC = bytes[7]
        let len8DLC: UInt8? = (length == 8 && (9...15).contains(rawDLC)) ? rawDLC : nil
        guard let payload = CANPayload(payloadBytes),
            let frame = try? CANFrame(id: id, payload: payload, len8DLC: len8DLC)
        else { return .failure(.classicLengthOutOfRange(length)) }
        return .success(frame)
    }

    private static func decodeFD(_ bytes: UnsafeRawBufferPointer) -> Result<CANFrame, DecodingError> {
        let canID = bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)
        let length = bytes[4]
        guard canID & (remoteFlag | errorFlag) == 0 else { return .failure(.invalidFDFlags(canID: canID)) }
        guard CANFrame.isValidFDLength(Int(length)) else { return .failure(.invalidFDLength(length)) }
        let payloadBytes = UnsafeRawBufferPointer(rebasing: bytes[dataOffset..<(dataOffset + Int(length))])
        guard let payload = CANPayload(payloadBytes),
            let frame = try? CANFrame(fdID: identifier(canID), payload: payload, flags: CANFDFlags(rawValue: bytes[5]))
        else { return .failure(.invalidFDLength(length)) }
        return .success(frame)
    }

    @inline(__always)
    private static func identifier(_ canID: UInt32) -> CANID {
        // Both initializers accept these masked values, so the fallback is unreachable; it avoids a trap path.
        if canID & extendedFlag != 0 {
            return (try? CANID(extended: canID & CANID.extendedMask)) ?? CANID.fallback
        }
        return (try? CANID(standard: canID & CANID.standardMask)) ?? CANID.fallback
    }

    /// Number of bytes ``encode(_:into:)`` writes for `frame`: 16 for classic frames, 72 for FD frames.
    public static func encodedSize(of frame: CANFrame) -> Int {
        frame.format == .fd ? fdFrameSize : classicFrameSize
    }

    /// Writes `frame` in socket layout into `buffer` (zero-filling the rest of the frame) and returns
    /// the byte count to write, or `nil` if `buffer` is smaller than ``encodedSize(of:)``.
    public static func encode(_ frame: CANFrame, into buffer: UnsafeMutableRawBufferPointer) -> Int? {
        let size = encodedSize(of: frame)
        guard buffer.count >= size else { return nil }
        let target = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size])
        target.initializeMemory(as: UInt8.self, repeating: 0)
        target.storeBytes(of: frame.socketCANIdentifier, toByteOffset: 0, as: UInt32.self)
        target[4] = UInt8(truncatingIfNeeded: frame.length)
        switch frame.format {
        case .fd:
            target[5] = frame.fdFlags.rawValue
        case .classic:
            target[7] = frame.len8DLC ?? 0
        }
        frame.data.withUnsafeBytes { data in
            let count = min(data.count, size - dataOffset)
            UnsafeMutableRawBufferPointer(rebasing: target[dataOffset..<(dataOffset + count)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: data[0..<count]))
        }
        return size
    }

    /// The frame in socket layout as an array (tests, tools).
    public static func encode(_ frame: CANFrame) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: encodedSize(of: frame))
        _ = bytes.withUnsafeMutableBytes { encode(frame, into: $0) }
        return bytes
    }
}

extension CANID {
    /// Identifier 0 (standard), built without a throwing initializer.
    fileprivate static let fallback: CANID = {
        guard let zero = try? CANID(standard: 0) else { preconditionFailure("CANID(standard: 0) is always valid") }
        return zero
    }()
}
