/// A CAN identifier: 11-bit standard (CAN 2.0A) or 29-bit extended (CAN 2.0B).
///
/// The value is validated at construction, so a `CANID` in hand is always sendable.
/// `Comparable` follows bus arbitration: the identifier that wins arbitration sorts first
/// (lower base identifier first; on an equal 11-bit base, the standard frame beats the extended one
/// because its IDE bit is dominant).
public struct CANID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The identifier bits (11 or 29 significant bits), without SocketCAN flag bits.
    public let value: UInt32
    /// `true` for a 29-bit identifier.
    public let isExtended: Bool

    /// Largest 11-bit identifier. The corresponding C constant is `CAN_SFF_MASK`.
    public static let standardMask: UInt32 = 0x7FF
    /// Largest 29-bit identifier. The corresponding C constant is `CAN_EFF_MASK`.
    public static let extendedMask: UInt32 = 0x1FFF_FFFF

    /// Creates a standard 11-bit identifier.
    ///
    /// - Throws: ``CANFrameError/identifierOutOfRange(_:extended:)`` above 0x7FF.
    public init(standard value: UInt32) throws(CANFrameError) {
        guard value <= Self.standardMask else { throw .identifierOutOfRange(value, extended: false) }
        self.value = value
        self.isExtended = false
    }

    /// Creates an extended 29-bit identifier (any value up to 0x1FFFFFFF, including small ones).
    ///
    /// - Throws: ``CANFrameError/identifierOutOfRange(_:extended:)`` above 0x1FFFFFFF.
    public init(extended value: UInt32) throws(CANFrameError) {
        guard value <= Self.extendedMask else { throw .identifierOutOfRange(value, extended: true) }
        self.value = value
        self.isExtended = true
    }

    /// Creates an identifier of the given width.
    public init(_ value: UInt32, extended: Bool) throws(CANFrameError) {
        if extended { try self.init(extended: value) } else { try self.init(standard: value) }
    }

    /// The identifier as SocketCAN writes it into `can_id`: the value, plus `CAN_EFF_FLAG` when extended.
    @inlinable
    public var socketCANValue: UInt32 {
        isExtended ? value | CANFrame.extendedFlag : value
    }

    /// The 11 most significant identifier bits, which arbitrate first on the bus.
    public var baseIdentifier: UInt32 {
        isExtended ? value >> 18 : value
    }

    public static func < (lhs: CANID, rhs: CANID) -> Bool {
        if lhs.baseIdentifier != rhs.baseIdentifier { return lhs.baseIdentifier < rhs.baseIdentifier }
        if lhs.isExtended != rhs.isExtended { return !lhs.isExtended }
        return lhs.value < rhs.value
    }

    /// `0x123` for a standard identifier and `0x12345678` (8 digits) for an extended one.
    public var description: String {
        let digits = hex(value)
        let width = isExtended ? 8 : 3
        return "0x" + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
