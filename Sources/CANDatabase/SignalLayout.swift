import CANCore

/// Precomputed bit position of one signal: which bytes it touches and how to shift and mask them.
///
/// Intel (`@1`): the start bit is the least significant bit; the field is bits `start ..< start+length`
/// of the payload read as one little-endian integer.
/// Motorola (`@0`): the start bit is the most significant bit in sawtooth numbering; in network order
/// (bit 0 = most significant bit of byte 0) it is at `8·(start/8) + 7 − start%8`, and the field is the
/// next `length` bits of the payload read as one big-endian integer. This is cantools' and Vector's
/// numbering.
///
/// Fields within the first 8 bytes are read from one 64-bit word; others byte by byte (up to 9 bytes
/// for a 64-bit field that does not start on a byte boundary).
struct SignalLayout: Hashable, Sendable {
    let isBigEndian: Bool
    let length: Int
    let mask: UInt64
    /// Lowest byte index the field touches.
    let firstByte: Int
    /// Highest byte index the field touches.
    let lastByte: Int
    /// Right shift of the assembled bytes (Intel: start % 8; Motorola: bits after the field's LSB in its byte).
    let byteShift: Int
    /// Shift within the little-endian word (Intel) or big-endian word (Motorola) of bytes 0...7.
    let wordShift: Int
    /// `true` when the field lies within bytes 0...7.
    let fitsFirstWord: Bool

    init(startBit: Int, length: Int, byteOrder: DBCSignal.ByteOrder) {
        self.length = length
        self.mask = length >= 64 ? .max : (UInt64(1) << UInt64(length)) &- 1
        switch byteOrder {
        case .littleEndian:
            isBigEndian = false
            firstByte = startBit / 8
            lastByte = (startBit + length - 1) / 8
            byteShift = startBit % 8
            wordShift = startBit
        case .bigEndian:
            isBigEndian = true
            let mostSignificant = 8 * (startBit / 8) + 7 - startBit % 8
            let leastSignificant = mostSignificant + length - 1
            firstByte = mostSignificant / 8
            lastByte = leastSignificant / 8
            byteShift = 7 - leastSignificant % 8
            wordShift = 64 - mostSignificant - length
        }
        fitsFirstWord = lastByte < 8
    }

    /// Number of bytes the field touches (1...9).
    var byteCount: Int { lastByte - firstByte + 1 }

    /// The field's bits, right-aligned. `word0` is the payload's little-endian word of bytes 0...7;
    /// the payload must hold at least `lastByte + 1` bytes (the codec checks the frame length first).
    @inline(__always)
    func extract(word0: UInt64, payload: CANPayload) -> UInt64 {
        if fitsFirstWord {
            let word = isBigEndian ? word0.byteSwapped : word0
            return (word &>> UInt64(wordShift)) & mask
        }
        return payload.withUnsafeBytes { bytes -> UInt64 in
            guard lastByte < bytes.count else { return 0 }
            var value: UInt64 = 0
            if isBigEndian {
                // Big endian: the last (up to) 8 bytes form `value`; a 9th, leading byte spills in from above.
                let low = max(firstByte, lastByte - 7)
                for index in low...lastByte { value = value << 8 | UInt64(bytes[index]) }
                value = value >> UInt64(byteShift)
                if low > firstByte { value |= UInt64(bytes[firstByte]) << UInt64(64 - byteShift) }
            } else {
                let high = min(lastByte, firstByte + 7)
                for index in stride(from: high, through: firstByte, by: -1) { value = value << 8 | UInt64(bytes[index]) }
                value = value >> UInt64(byteShift)
                if high < lastByte { value |= UInt64(bytes[lastByte]) << UInt64(64 - byteShift) }
            }
            return value & mask
        }
    }

    /// Writes the low `length` bits of `raw` into the field of a 64-byte buffer (payload byte i at
    /// offset i), leaving every other bit unchanged.
    @inline(__always)
    func insert(_ raw: UInt64, into bytes: UnsafeMutableRawBufferPointer) {
        let value = raw & mask
        if fitsFirstWord {
            let stored = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
            let updated: UInt64
            if isBigEndian {
                let word = stored.byteSwapped
                updated = ((word & ~(mask &<< UInt64(wordShift))) | (value &<< UInt64(wordShift))).byteSwapped
            } else {
                updated = (stored & ~(mask &<< UInt64(wordShift))) | (value &<< UInt64(wordShift))
            }
            bytes.storeBytes(of: updated.littleEndian, as: UInt64.self)
            return
        }
        // The field shifted into position within its byte span, as (up to) 72 bits: low 64 + 8 spill.
        let low = value << UInt64(byteShift)
        let spill = byteShift == 0 ? 0 : UInt8(truncatingIfNeeded: value >> UInt64(64 - byteShift))
        let lowMask = mask << UInt64(byteShift)
        let spillMask = byteShift == 0 ? 0 : UInt8(truncatingIfNeeded: mask >> UInt64(64 - byteShift))
        for offset in 0..<byteCount {
            // offset 0 is the least significant byte of the span.
            let bits = offset < 8 ? UInt8(truncatingIfNeeded: low >> UInt64(8 * offset)) : spill
            let bitsMask = offset < 8 ? UInt8(truncatingIfNeeded: lowMask >> UInt64(8 * offset)) : spillMask
            let index = isBigEndian ? lastByte - offset : firstByte + offset
            guard index < bytes.count else { continue }
            bytes[index] = (bytes[index] & ~bitsMask) | (bits & bitsMask)
        }
    }

    /// Marks the field's bits in a 512-bit occupancy map (8 words, bit i = payload bit in little-endian
    /// byte order: byte i/8, bit i%8). Used for overlap checks.
    func occupancy() -> [UInt64] {
        var words = PayloadWords()
        guard lastByte < PayloadWords.byteCount else { return [UInt64](repeating: 0, count: 8) }
        words.withBytes { insert(.max, into: $0) }
        return words.littleEndianWords
    }
}
