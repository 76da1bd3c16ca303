public import CANCore

/// What the receiver concluded about one frame.
public enum E2ECheck: Hashable, Sendable, CustomStringConvertible {
    /// Counter advanced by exactly one and the CRC matches.
    case ok
    /// First frame since start or ``E2EReceiver/reset()``: CRC matches, counter accepted as the reference.
    case initial
    /// Same counter as the last accepted frame: the sender is stuck or the frame was repeated. The
    /// data is stale; do not use it as new.
    case repeated
    /// Counter advanced by 2...15: `lost` frames are missing in between. The frame itself is intact.
    case skipped(lost: Int)
    /// The CRC does not match: the frame is corrupt (or from a sender with another data id).
    case badCRC(expected: UInt8, received: UInt8)
    /// Payload length differs from the message length.
    case wrongLength(expected: Int, actual: Int)
    /// Another identifier, a remote request or an error frame.
    case wrongFrame

    /// `true` when the frame's content may be used as new data (`ok`, `initial`, `skipped`).
    public var isUsable: Bool {
        switch self {
        case .ok, .initial, .skipped: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .ok: "ok"
        case .initial: "initial"
        case .repeated: "repeated counter"
        case .skipped(let lost): "skipped counter (\(lost) lost)"
        case .badCRC(let expected, let received): "bad CRC (expected 0x\(String(expected, radix: 16)), got 0x\(String(received, radix: 16)))"
        case .wrongLength(let expected, let actual): "wrong length (\(actual) bytes, expected \(expected))"
        case .wrongFrame: "wrong frame"
        }
    }
}

/// The receiving side of E2E protection for one message: checks length, CRC and counter sequence.
///
/// Keep one receiver per protected message. A frame with a bad CRC or length does not move the
/// reference counter; a skipped counter resynchronises to the received value.
public struct E2EReceiver: Hashable, Sendable {
    /// Where counter and CRC are and what the CRC covers.
    public let profile: E2EProfile
    /// Counter of the last usable frame, or `nil` before the first.
    public private(set) var lastCounter: UInt8?

    public init(profile: E2EProfile) {
        self.profile = profile
    }

    /// Forgets the counter history (after a timeout or restart the next frame is `initial`).
    public mutating func reset() { lastCounter = nil }

    /// Checks one frame and updates the counter reference.
    public mutating func check(_ frame: CANFrame) -> E2ECheck {
        check(frame) { $0.crc(of: frame.data) }
    }

    /// Checks one frame like ``check(_:)``, with its CRC already computed: `expectedCRC` must be
    /// `profile.crc(of: frame.data)`. For a broadcast frame that several receivers of the same
    /// profile check (the CRC depends on the frame only; the counter state is each receiver's own).
    public mutating func check(_ frame: CANFrame, expectedCRC: UInt8) -> E2ECheck {
        check(frame) { _ in expectedCRC }
    }

    @inline(__always)
    private mutating func check(_ frame: CANFrame, crc: (E2EProfile) -> UInt8) -> E2ECheck {
        guard frame.id == profile.messageID, !frame.isRemoteRequest, !frame.isErrorFrame else { return .wrongFrame }
        guard profile.lengths.contains(frame.data.count) else {
            return .wrongLength(expected: profile.lengths[0], actual: frame.data.count)
        }
        if let byte = profile.checksumByte, let received = frame.data.byte(at: byte) {
            let expected = crc(profile)
            guard expected == received else { return .badCRC(expected: expected, received: received) }
        }
        let counter = profile.counterValue(in: frame.data)
        defer { lastCounter = counter }
        guard let last = lastCounter else { return .initial }
        let step = Int((counter &- last) & 0x0F)
        switch step {
        case 0: return .repeated
        case 1: return .ok
        default: return .skipped(lost: step - 1)
        }
    }
}
