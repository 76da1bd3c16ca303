public import CANCore

/// The sending side of E2E protection: fills in the alive counter and the CRC.
///
/// ```swift
/// var sender = E2ESender(profile: try E2EProfile(codec: codec))
/// try encoder.set(mode, valueNamed: "Charge")
/// let frame = try sender.protect(&encoder)   // counter 0, 1, 2, ... 15, 0, ...
/// ```
public struct E2ESender: Hashable, Sendable {
    /// Where counter and CRC are and what the CRC covers.
    public let profile: E2EProfile
    /// The counter value the next frame will carry.
    public private(set) var nextCounter: UInt8

    public init(profile: E2EProfile, initialCounter: UInt8 = 0) {
        self.profile = profile
        self.nextCounter = initialCounter & 0x0F
    }

    /// Sets counter and CRC in `encoder`, builds the frame and advances the counter (only when a frame
    /// is returned: a throwing call leaves the counter as it was).
    ///
    /// - Throws: ``CANEncodeError`` if the encoder's other signals are incomplete (see
    ///   ``MessageEncoder/frame()``).
    public mutating func protect(_ encoder: inout MessageEncoder) throws(CANEncodeError) -> CANFrame {
        try encoder.set(profile.counter, raw: Int64(nextCounter))
        if let checksum = profile.checksum { try encoder.set(checksum, raw: 0) }
        var payload = try encoder.validatedPayload()
        if let checksum = profile.checksum, let byte = profile.checksumByte {
            let crc = profile.crc(of: payload)
            try encoder.set(checksum, raw: Int64(crc))
            payload.set(crc, at: byte)
        }
        let frame = try MessageEncoder.makeFrame(encoder.storage, payload)
        nextCounter = (nextCounter &+ 1) & 0x0F
        return frame
    }
}
