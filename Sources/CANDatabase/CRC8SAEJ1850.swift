/// CRC-8/SAE-J1850 as AUTOSAR's `Crc_CalculateCRC8` and E2E Profile 1 use it: polynomial 0x1D
/// (x⁸+x⁴+x³+x²+1), initial value 0xFF, no reflection, final XOR 0xFF. Check value: 0x4B for the
/// ASCII bytes "123456789". Detects every 1-, 2- and 3-bit error and every burst up to 8 bits in
/// frames of CAN length.
public enum CRC8SAEJ1850 {
    /// Generator polynomial without the x⁸ term.
    public static let polynomial: UInt8 = 0x1D
    /// Register value before the first byte.
    public static let initialValue: UInt8 = 0xFF
    /// XOR applied to the register after the last byte.
    public static let finalXOR: UInt8 = 0xFF

    static let table: [UInt8] = (0..<256).map { index in
        var crc = UInt8(index)
        for _ in 0..<8 { crc = crc & 0x80 != 0 ? (crc << 1) ^ polynomial : crc << 1 }
        return crc
    }

    /// The CRC of `bytes`.
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt8 {
        var state = initialValue
        for byte in bytes { state = update(state, byte) }
        return state ^ finalXOR
    }

    /// Feeds one byte into a running CRC state (start with ``initialValue``, finish with XOR ``finalXOR``).
    @inline(__always)
    public static func update(_ state: UInt8, _ byte: UInt8) -> UInt8 {
        table[Int(state ^ byte)]
    }
}
