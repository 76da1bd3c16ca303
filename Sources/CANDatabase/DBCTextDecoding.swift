/// Turns the bytes of a DBC string (comment, unit, value name) into text.
///
/// Vector tools write DBC files in Windows-1252; vendor files carry a raw 0xB0 for "°". Valid UTF-8
/// is taken as UTF-8; anything else is read as Windows-1252 (Latin-1 plus the 0x80–0x9F printable
/// characters), so every byte sequence gives a string and none is rejected.
enum DBCTextDecoding {
    static func string(from bytes: ArraySlice<UInt8>) -> String {
        if bytes.allSatisfy({ $0 < 0x80 }) || String(validating: bytes, as: UTF8.self) != nil {
            return String(decoding: bytes, as: UTF8.self)
        }
        var scalars = String.UnicodeScalarView()
        for byte in bytes { scalars.append(windows1252(byte)) }
        return String(scalars)
    }

    /// Windows-1252 code page: 0x80–0x9F map to typographic characters; the five undefined positions
    /// map to the C1 control of the same value, as Python's `cp1252` codec would reject and Latin-1 keeps.
    static func windows1252(_ byte: UInt8) -> Unicode.Scalar {
        guard (0x80...0x9F).contains(byte) else { return Unicode.Scalar(byte) }
        let table: [UInt32] = [
            0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
            0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
            0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
            0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
        ]
        return Unicode.Scalar(table[Int(byte - 0x80)]) ?? Unicode.Scalar(byte)
    }
}
