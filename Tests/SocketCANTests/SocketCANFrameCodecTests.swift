import CANCore
import SeededRandom
import SocketCAN
import Testing

/// The socket byte layout: every valid frame round-trips; any 16- or 72-byte buffer gives a frame or
/// a typed error, never a trap.
@Suite("SocketCAN frame codec")
struct SocketCANFrameCodecTests {
    static func randomFrame(_ rng: inout Xoshiro256) -> CANFrame {
        let extended = rng.next() & 1 == 0
        let id = try! CANID(UInt32(truncatingIfNeeded: rng.next()) & (extended ? 0x1FFF_FFFF : 0x7FF), extended: extended)
        switch rng.next() % 5 {
        case 0: return try! CANFrame(remoteRequest: id, length: Int(rng.next() % 9))
        case 1:
            let length = CANFrame.fdLengths[Int(rng.next() % 16)]
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return try! CANFrame(fdID: id, data: bytes, flags: CANFDFlags(rawValue: UInt8(rng.next() % 8)))
        case 2:
            let bytes = (0..<8).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return try! CANFrame(errorClass: UInt32(rng.next() % 0x3FF) + 1, data: bytes)
        case 3:
            let bytes = (0..<8).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return try! CANFrame(id: id, data: bytes, len8DLC: UInt8(9 + rng.next() % 7))
        default:
            let bytes = (0..<Int(rng.next() % 9)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return try! CANFrame(id: id, data: bytes)
        }
    }

    @Test func everyFrameRoundTrips() throws {
        var rng = Xoshiro256(seed: 0x50CC)
        for _ in 0..<20_000 {
            let frame = Self.randomFrame(&rng)
            let bytes = SocketCANFrameCodec.encode(frame)
            #expect(bytes.count == (frame.format == .fd ? 72 : 16))
            #expect(try SocketCANFrameCodec.decode(bytes).get() == frame, "\(frame)")
        }
    }

    @Test func layoutMatchesTheKernelStructs() throws {
        let classic = try CANFrame(id: CANID(extended: 0x1234_5678), data: [0xDE, 0xAD], len8DLC: nil)
        #expect(SocketCANFrameCodec.encode(classic) == [0x78, 0x56, 0x34, 0x92, 2, 0, 0, 0, 0xDE, 0xAD, 0, 0, 0, 0, 0, 0])
        let remote = try CANFrame(remoteRequest: CANID(standard: 0x123), length: 4)
        #expect(Array(SocketCANFrameCodec.encode(remote).prefix(5)) == [0x23, 0x01, 0, 0x40, 4])
        let fd = try CANFrame(fdID: CANID(standard: 0x7FF), data: [UInt8](repeating: 0xAB, count: 12), flags: .bitRateSwitch)
        let fdBytes = SocketCANFrameCodec.encode(fd)
        #expect(fdBytes.count == 72)
        #expect(Array(fdBytes.prefix(8)) == [0xFF, 0x07, 0, 0, 12, 0x01, 0, 0])
        #expect(fdBytes[8..<20].allSatisfy { $0 == 0xAB } && fdBytes[20...].allSatisfy { $0 == 0 })
    }

    @Test func malformedReadsGiveTypedErrors() {
        var classic = [UInt8](repeating: 0, count: 16)
        classic[4] = 9
        #expect(SocketCANFrameCodec.decode(classic) == .failure(.classicLengthOutOfRange(9)))
        var fd = [UInt8](repeating: 0, count: 72)
        fd[4] = 13
        #expect(SocketCANFrameCodec.decode(fd) == .failure(.invalidFDLength(13)))
        fd[4] = 8
        fd[3] = 0x40
        #expect(SocketCANFrameCodec.decode(fd) == .failure(.invalidFDFlags(canID: 0x4000_0000)))
        var error = [UInt8](repeating: 0, count: 16)
        error[3] = 0x20
        #expect(SocketCANFrameCodec.decode(error) == .failure(.errorFrameWithoutClass))
        #expect(SocketCANFrameCodec.decode([UInt8](repeating: 0, count: 20)) == .failure(.unexpectedSize(20)))
        #expect(SocketCANFrameCodec.decode([]) == .failure(.unexpectedSize(0)))
    }

    @Test func standardIdentifiersKeepTheirLowElevenBits() throws {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes[0] = 0x23
        bytes[1] = 0xF1  // 0xF123: bits above 0x7FF without CAN_EFF_FLAG
        let frame = try SocketCANFrameCodec.decode(bytes).get()
        #expect(frame.id == (try CANID(standard: 0x123)))
    }

    @Test(arguments: [16, 72])
    func randomBuffersNeverTrap(size: Int) {
        var rng = Xoshiro256(seed: UInt64(size) &* 0x9E37)
        var decoded = 0
        var rejected = 0
        for _ in 0..<50_000 {
            var bytes = (0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            // Bias the length byte towards the interesting range so both outcomes are common.
            if rng.next() % 2 == 0 { bytes[4] = UInt8(rng.next() % 70) }
            switch SocketCANFrameCodec.decode(bytes) {
            case .success(let frame):
                decoded += 1
                #expect(frame.length <= (size == 16 ? 8 : 64))
                #expect((frame.format == .fd) == (size == 72))
            case .failure: rejected += 1
            }
        }
        #expect(decoded > 1_000)
        #expect(rejected > 1_000)
    }
}
