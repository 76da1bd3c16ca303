import CANCore
import Testing

@Suite("candump frame text")
struct CandumpTextTests {
    @Test(arguments: [
        "123#DEADBEEF", "1F334455#1122334455667788", "123#", "7FF#R", "00000012#R", "123#R4",
        "456##5112233", "456##4", "1ABCDEF0##7000102030405060708090A0B0C0D0E0F",
        "20000080#0000000000000000", "123#1122334455667788_E", "000#00",
    ])
    func canonicalTextRoundTrips(text: String) throws {
        #expect(try CANFrame(candumpText: text).candumpText == text)
    }

    @Test func parsesEveryFrameKind() throws {
        let ext = try CANFrame(candumpText: "1F334455#1122334455667788")
        #expect(ext.id == (try CANID(extended: 0x1F33_4455)))
        #expect(Array(ext.data) == [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88])

        let fd = try CANFrame(candumpText: "456##1112233")
        #expect(fd.format == .fd)
        #expect(fd.fdFlags == .bitRateSwitch)
        #expect(Array(fd.data) == [0x11, 0x22, 0x33])

        let remote = try CANFrame(candumpText: "123#r5")
        #expect(remote.isRemoteRequest && remote.length == 5)

        let error = try CANFrame(candumpText: "20000040#0000000000000000")
        #expect(error.isErrorFrame && error.errorClass == .busOff)
    }

    @Test func separatorsAndLowerCaseAreAccepted() throws {
        let frame = try CANFrame(candumpText: "1ab#de.ad.be.ef")
        #expect(frame.candumpText == "1AB#DEADBEEF")
    }

    @Test(arguments: [
        ("12#00", "identifier must have 3"),
        ("800#00", "exceeds 0x7FF"),
        ("123#0", "two hex digits"),
        ("123#GG", "not a hex digit"),
        ("123#112233445566778899", "more than 8 data bytes"),
        ("123##", "CAN FD frame needs"),
        ("123##G0", "CAN FD frame needs"),
        ("123##0112233445566778899", "not 9"),
        ("123#R9", "remote request length"),
        ("123#Rxyz", "remote request length"),
        ("123", "missing '#'"),
        ("E0000123#00", "EFF/RTR flag"),
        ("123#1122_E", "'_' must be followed"),
    ])
    func malformedTextIsRejectedWithAReason(text: String, fragment: String) {
        do {
            _ = try CANFrame(candumpText: text)
            Issue.record("accepted malformed frame text \(text)")
        } catch {
            #expect(error.description.contains(fragment), "\(error.description)")
        }
    }
}
