import CANCore

/// 64 payload bytes held inline as eight words, for building frames field by field without
/// allocation or per-byte calls into CANCore. Byte i of the payload is byte i of this buffer.
struct PayloadWords: Sendable {
    static let byteCount = 64
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

    init() {}

    @inline(__always)
    mutating func withBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeMutableBytes(of: &words, body)
    }

    /// Bytes 0...7 as a little-endian word.
    @inline(__always)
    var word0: UInt64 { UInt64(littleEndian: words.0) }

    var littleEndianWords: [UInt64] {
        [words.0, words.1, words.2, words.3, words.4, words.5, words.6, words.7].map { UInt64(littleEndian: $0) }
    }

    /// The first `count` bytes as a payload.
    func payload(count: Int) -> CANPayload {
        var payload = CANPayload()
        withUnsafeBytes(of: words) { bytes in
            for index in 0..<min(count, PayloadWords.byteCount) { payload.set(bytes[index], at: index) }
        }
        return payload
    }
}
