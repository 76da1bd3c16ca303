import CANCore
import Testing

@Suite("CANFrame")
struct CANFrameTests {
    let id = try! CANID(standard: 0x123)

    @Test func classicFramesCarryZeroToEightBytes() throws {
        for length in 0...8 {
            let frame = try CANFrame(id: id, data: [UInt8](repeating: 0xAB, count: length))
            #expect(frame.length == length)
            #expect(frame.dataLengthCode == UInt8(length))
        }
        #expect(throws: CANFrameError.invalidLength(9, format: .classic)) {
            try CANFrame(id: id, data: [UInt8](repeating: 0, count: 9))
        }
    }

    @Test(arguments: 0...64)
    func fdFramesAcceptOnlyValidLengths(length: Int) throws {
        let valid = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 16, 20, 24, 32, 48, 64].contains(length)
        let bytes = [UInt8](repeating: 0x5A, count: length)
        if valid {
            let frame = try CANFrame(fdID: id, data: bytes)
            #expect(frame.format == .fd)
            #expect(CANFrame.fdLengths[Int(frame.dataLengthCode)] == length)
        } else {
            #expect(throws: CANFrameError.invalidLength(length, format: .fd)) { try CANFrame(fdID: id, data: bytes) }
        }
    }

    @Test func fdFramesRejectMoreThanSixtyFourBytes() {
        #expect(throws: CANFrameError.invalidLength(65, format: .fd)) {
            try CANFrame(fdID: id, data: [UInt8](repeating: 0, count: 65))
        }
    }

    @Test func remoteRequestsHaveNoDataButALength() throws {
        let frame = try CANFrame(remoteRequest: id, length: 4)
        #expect(frame.isRemoteRequest)
        #expect(frame.data.isEmpty)
        #expect(frame.length == 4)
        #expect(frame.socketCANIdentifier == 0x4000_0123)
        #expect(throws: CANFrameError.invalidLength(9, format: .classic)) { try CANFrame(remoteRequest: id, length: 9) }
    }

    @Test func len8DLCNeedsEightBytesAndCode9To15() throws {
        let eight = [UInt8](repeating: 1, count: 8)
        #expect(try CANFrame(id: id, data: eight, len8DLC: 0xF).dataLengthCode == 0xF)
        #expect(throws: CANFrameError.invalidDataLengthCode(8)) { try CANFrame(id: id, data: eight, len8DLC: 8) }
        #expect(throws: CANFrameError.invalidDataLengthCode(9)) { try CANFrame(id: id, data: [1, 2], len8DLC: 9) }
    }

    @Test func errorFramesKeepTheirClassMask() throws {
        let frame = try CANFrame(errorClass: 0x40, data: [0, 0, 0, 0, 0, 0, 0, 0])
        #expect(frame.isErrorFrame)
        #expect(frame.errorClass == .busOff)
        #expect(frame.socketCANIdentifier == 0x2000_0040)
        #expect(throws: CANFrameError.invalidErrorClass(0)) { try CANFrame(errorClass: 0, data: []) }
    }

    @Test func payloadEqualityIgnoresUnusedStorage() throws {
        var a = CANPayload([1, 2, 3])!
        a.set(9, at: 5)
        let b = CANPayload([1, 2, 3, 0, 0, 9])!
        #expect(a == b)
        #expect(a.hashValue == b.hashValue)
        #expect(CANPayload([1, 2]) != CANPayload([1, 2, 0]))
        #expect(CANPayload([UInt8](repeating: 0, count: 65)) == nil)
    }

    @Test func worstCaseBitLengthsMatchDavis2007() throws {
        let std8 = try CANFrame(id: id, data: [UInt8](repeating: 0, count: 8))
        let ext8 = try CANFrame(id: CANID(extended: 0x1234), data: [UInt8](repeating: 0, count: 8))
        let std0 = try CANFrame(id: id, data: [])
        #expect(std8.worstCaseBitLength.nominalBits == 135)
        #expect(ext8.worstCaseBitLength.nominalBits == 160)
        #expect(std0.worstCaseBitLength.nominalBits == 55)
        // 135 bits at 500 kbit/s = 270 µs.
        #expect(std8.worstCaseBitLength.nanoseconds(nominalBitRate: 500_000, dataBitRate: 500_000) == 270_000)
    }

    @Test func fdWithBitRateSwitchSpendsMostBitsInTheDataPhase() throws {
        let frame = try CANFrame(fdID: id, data: [UInt8](repeating: 0, count: 64), flags: .bitRateSwitch)
        let slow = try CANFrame(fdID: id, data: [UInt8](repeating: 0, count: 64), flags: [])
        let length = frame.worstCaseBitLength
        #expect(length.dataPhaseBits > 512)
        #expect(length.nominalBits < 40)
        #expect(slow.worstCaseBitLength.dataPhaseBits == 0)
        #expect(slow.worstCaseBitLength.nominalBits == length.nominalBits + length.dataPhaseBits)
        // 500 kbit/s arbitration, 2 Mbit/s data: faster than the same frame without BRS.
        #expect(length.nanoseconds(nominalBitRate: 500_000, dataBitRate: 2_000_000)
            < slow.worstCaseBitLength.nanoseconds(nominalBitRate: 500_000, dataBitRate: 2_000_000))
    }
}
