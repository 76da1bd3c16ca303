/// The data bytes of a CAN frame, stored inline (up to 64 bytes, no heap allocation).
///
/// A `RandomAccessCollection` of `UInt8`, so it can be iterated, indexed and compared like an array;
/// frames can be copied and fanned out without reference counting.
public struct CANPayload: RandomAccessCollection, Hashable, Sendable, CustomStringConvertible {
    /// Maximum bytes any frame carries (CAN FD). The corresponding C constant is `CANFD_MAX_DLEN`.
    public static let capacity = 64

    @usableFromInline typealias Words = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    @usableFromInline var words: Words = (0, 0, 0, 0, 0, 0, 0, 0)
    @usableFromInline var storedCount: UInt8 = 0
    /// Number of valid bytes.
    @inlinable
    public var count: Int {
        get { Int(storedCount) }
        set { storedCount = UInt8(truncatingIfNeeded: newValue) }
    }

    /// An empty payload.
    @inlinable
    public init() {}

    /// Copies up to ``capacity`` bytes; returns `nil` if `bytes` holds more.
    @inlinable
    public init?(_ bytes: some Sequence<UInt8>) {
        var storage: Words = (0, 0, 0, 0, 0, 0, 0, 0)
        var index = 0
        let fits = withUnsafeMutableBytes(of: &storage) { raw -> Bool in
            for byte in bytes {
                guard index < CANPayload.capacity else { return false }
                raw[index] = byte
                index += 1
            }
            return true
        }
        guard fits else { return nil }
        words = storage
        storedCount = UInt8(index)
    }

    /// Copies `count` bytes from a raw buffer; `count` must not exceed the buffer or ``capacity``.
    init(copying buffer: UnsafeRawBufferPointer, count: Int) {
        let n = Swift.min(count, buffer.count, CANPayload.capacity)
        var storage: Words = (0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &storage) { raw in
            for i in 0..<n { raw[i] = buffer[i] }
        }
        words = storage
        storedCount = UInt8(n)
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }

    @inlinable
    public subscript(position: Int) -> UInt8 {
        precondition(position >= 0 && position < count, "CANPayload index out of range")
        return Swift.withUnsafeBytes(of: words) { $0[position] }
    }

    /// The byte at `position`, or `nil` outside `0..<count`. Use this on lengths that came from outside.
    @inlinable
    public func byte(at position: Int) -> UInt8? {
        guard position >= 0 && position < count else { return nil }
        return Swift.withUnsafeBytes(of: words) { $0[position] }
    }

    /// Calls `body` with the valid bytes.
    @inlinable
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: words) { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[0..<count]))
        }
    }

    /// The payload as a little-endian 64-bit word (bytes 0...7; missing bytes read as zero).
    ///
    /// Signal codecs use this to pull Intel-order bit fields out of classic frames without loops.
    @inlinable
    public var littleEndianWord0: UInt64 {
        let mask: UInt64 = count >= 8 ? .max : (UInt64(1) << (UInt64(count) * 8)) &- 1
        return UInt64(littleEndian: words.0) & mask
    }

    /// Sets the byte at `position`; grows `count` to `position + 1` if needed. `position` must be below ``capacity``.
    @inlinable
    public mutating func set(_ byte: UInt8, at position: Int) {
        precondition(position >= 0 && position < CANPayload.capacity, "CANPayload position out of range")
        withUnsafeMutableBytes(of: &words) { $0[position] = byte }
        if position >= count { count = position + 1 }
    }

    /// Pads with `byte` up to `length` (no-op when already that long).
    @inlinable
    public mutating func pad(to length: Int, with byte: UInt8 = 0) {
        let target = Swift.min(length, CANPayload.capacity)
        while count < target { set(byte, at: count) }
    }

    public static func == (lhs: CANPayload, rhs: CANPayload) -> Bool {
        guard lhs.count == rhs.count else { return false }
        return lhs.withUnsafeBytes { l in rhs.withUnsafeBytes { r in l.elementsEqual(r) } }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storedCount)
        withUnsafeBytes { hasher.combine(bytes: $0) }
    }

    /// Upper-case hexadecimal, two digits per byte, no separators (the candump data format).
    public var description: String { hexString() }

    /// Upper-case hexadecimal with an optional separator between bytes.
    public func hexString(separator: String = "") -> String {
        var text = ""
        text.reserveCapacity(count * (2 + separator.utf8.count))
        for index in 0..<count {
            if index > 0 { text += separator }
            let byte = self[index]
            text.unicodeScalars.append(hexDigit(byte >> 4))
            text.unicodeScalars.append(hexDigit(byte & 0xF))
        }
        return text
    }
}

@inline(__always)
func hexDigit(_ nibble: UInt8) -> Unicode.Scalar {
    Unicode.Scalar(nibble < 10 ? 0x30 + nibble : 0x37 + nibble)
}
