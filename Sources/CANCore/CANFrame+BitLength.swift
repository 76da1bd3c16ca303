/// Bit-level length of frames on the wire, for bus-load and latency budgets.
///
/// Classic CAN uses the worst-case stuffing bound of Davis, Burns, Bril and Lukkien, "Controller Area
/// Network (CAN) schedulability analysis: refuted, revisited and revised", Real-Time Systems 35 (2007),
/// eq. (1): `g + 8s + 13 + floor((g + 8s - 1) / 4)` bits, with g = 34 (standard) or 54 (extended)
/// stuffable control bits and s data bytes; 135 bits for an 8-byte standard frame, 160 extended.
/// The 3-bit interframe space is included.
///
/// CAN FD (ISO 11898-1:2015) splits the frame into an arbitration phase at the nominal bit rate and,
/// with BRS, a data phase at the data bit rate. Dynamic stuffing applies up to the stuff-count field
/// (worst case one bit per 4); the CRC field has fixed stuff bits (one per 4 bits plus one); the CRC
/// is 17 bits up to 16 bytes and 21 bits above.
public struct CANFrameBitLength: Hashable, Sendable {
    /// Bits sent at the nominal (arbitration) bit rate.
    public var nominalBits: Int
    /// Bits sent at the data bit rate (zero for classic frames and FD frames without BRS).
    public var dataPhaseBits: Int

    /// Transmission time in nanoseconds at the given bit rates.
    public func nanoseconds(nominalBitRate: Int, dataBitRate: Int) -> Int {
        let nominal = nominalBits * 1_000_000_000 / max(nominalBitRate, 1)
        let data = dataPhaseBits * 1_000_000_000 / max(dataBitRate, 1)
        return nominal + data
    }
}

extension CANFrame {
    /// Worst-case length on the wire including stuff bits and the 3-bit interframe space.
    public var worstCaseBitLength: CANFrameBitLength {
        let payloadBits = 8 * (isRemoteRequest ? 0 : data.count)
        switch format {
        case .classic:
            let g = id.isExtended || isErrorFrame ? 54 : 34
            let bits = g + payloadBits + 13 + (g + payloadBits - 1) / 4
            return CANFrameBitLength(nominalBits: bits, dataPhaseBits: 0)
        case .fd:
            // Arbitration: SOF + ID(11) + RRS + IDE + FDF + res + BRS = 17 (standard);
            // extended adds SRR and 18 ID bits: 36.
            let arbitration = id.isExtended ? 36 : 17
            // Data phase up to the stuff count: ESI + DLC(4) + data.
            let control = 1 + 4 + payloadBits
            let dynamicallyStuffed = arbitration + control
            let dynamicStuffBits = (dynamicallyStuffed - 1) / 4
            // Stuff count (4 incl. parity) + CRC with fixed stuff bits.
            let crcLength = data.count > 16 ? 21 : 17
            let fixedStuffBits = (4 + crcLength) / 4 + 1
            let crcSection = 4 + crcLength + fixedStuffBits
            // Back at the nominal rate: CRC delimiter + ACK + ACK delimiter + EOF(7) + IFS(3).
            let tail = 1 + 1 + 1 + 7 + 3
            let arbitrationStuff = (arbitration - 1) / 4
            let dataStuff = dynamicStuffBits - arbitrationStuff
            if fdFlags.contains(.bitRateSwitch) {
                return CANFrameBitLength(
                    nominalBits: arbitration + arbitrationStuff + tail,
                    dataPhaseBits: control + dataStuff + crcSection)
            }
            return CANFrameBitLength(nominalBits: dynamicallyStuffed + dynamicStuffBits + crcSection + tail, dataPhaseBits: 0)
        }
    }
}
