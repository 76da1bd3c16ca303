/// A receive filter with SocketCAN `CAN_RAW_FILTER` semantics.
///
/// A frame matches when `(frame.socketCANIdentifier & mask) == (id & mask)`; an inverted filter
/// (`CAN_INV_FILTER`) matches the opposite. `id` and `mask` include the flag bits (`CAN_EFF_FLAG`,
/// `CAN_RTR_FLAG`), so a mask can select standard or extended frames or exclude remote requests.
/// Error frames never match data filters; they are selected with an error mask instead.
public struct CANFilter: Hashable, Sendable, CustomStringConvertible {
    /// `CAN_INV_FILTER` bit in `can_id` of a kernel filter.
    public static let invertFlag: UInt32 = 0x2000_0000

    /// Identifier bits (with flag bits) to compare.
    public var id: UInt32
    /// Which bits of the identifier to compare.
    public var mask: UInt32
    /// `true` to pass frames that do *not* match.
    public var isInverted: Bool

    /// Creates a filter from raw SocketCAN values.
    public init(id: UInt32, mask: UInt32, inverted: Bool = false) {
        self.id = id & ~CANFilter.invertFlag
        self.mask = mask & ~CANFilter.invertFlag
        self.isInverted = inverted
    }

    /// Passes exactly one identifier (data frames only; standard and extended are distinct).
    public static func exact(_ identifier: CANID) -> CANFilter {
        CANFilter(
            id: identifier.socketCANValue,
            mask: (identifier.isExtended ? CANID.extendedMask : CANID.standardMask) | CANFrame.extendedFlag | CANFrame.remoteFlag)
    }

    /// Passes identifiers that agree with `identifier` on the bits of `mask` (same width only).
    public static func masked(_ identifier: CANID, mask: UInt32) -> CANFilter {
        CANFilter(id: identifier.socketCANValue, mask: mask | CANFrame.extendedFlag)
    }

    /// Passes every data and remote frame (the kernel default `0:0`).
    public static let all = CANFilter(id: 0, mask: 0)

    /// `true` if `frame` passes this filter.
    @inlinable
    public func matches(_ frame: CANFrame) -> Bool {
        guard !frame.isErrorFrame else { return false }
        return ((frame.socketCANIdentifier & mask) == (id & mask)) != isInverted
    }

    /// Parses candump filter syntax: `<id>:<mask>` or `<id>~<mask>` (hex; 8-digit ids set `CAN_EFF_FLAG`).
    public init(candumpSyntax text: some StringProtocol) throws(CANFrameError) {
        let bytes = Array(text.utf8)
        guard let split = bytes.firstIndex(where: { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "~") }) else {
            throw .malformedText(reason: "filter needs '<id>:<mask>' or '<id>~<mask>'", offset: 0)
        }
        func parseHex(_ slice: ArraySlice<UInt8>, at offset: Int) throws(CANFrameError) -> UInt32 {
            guard !slice.isEmpty, slice.count <= 8 else {
                throw .malformedText(reason: "filter value needs 1 to 8 hex digits", offset: offset)
            }
            var value: UInt32 = 0
            for (index, byte) in zip(slice.indices, slice) {
                guard let nibble = hexValue(byte) else {
                    throw .malformedText(reason: "'\(printable(byte))' is not a hex digit", offset: index)
                }
                value = value << 4 | UInt32(nibble)
            }
            return value
        }
        var id = try parseHex(bytes[..<split], at: 0)
        var mask = try parseHex(bytes[(split + 1)...], at: split + 1)
        if split == 8, id & CANFrame.errorFlag == 0 { id |= CANFrame.extendedFlag }
        if bytes.count - split - 1 == 8, mask & CANFrame.errorFlag == 0 { mask |= CANFrame.extendedFlag }
        self.init(id: id, mask: mask, inverted: bytes[split] == UInt8(ascii: "~"))
    }

    /// The filter in candump syntax.
    public var description: String {
        var text = ""
        appendHex(id, digits: 8, to: &text)
        text += isInverted ? "~" : ":"
        appendHex(mask, digits: 8, to: &text)
        return text
    }
}

extension Sequence<CANFilter> {
    /// `true` if `frame` passes any filter (the kernel's default OR semantics); an empty list passes nothing.
    @inlinable
    public func anyMatches(_ frame: CANFrame) -> Bool {
        contains { $0.matches(frame) }
    }
}
