import CANCore
import Testing

@Suite("CANID")
struct CANIDTests {
    @Test func standardRangeIsEnforced() throws {
        #expect(try CANID(standard: 0x7FF).value == 0x7FF)
        #expect(throws: CANFrameError.identifierOutOfRange(0x800, extended: false)) { try CANID(standard: 0x800) }
    }

    @Test func extendedRangeIsEnforced() throws {
        #expect(try CANID(extended: 0x1FFF_FFFF).socketCANValue == 0x9FFF_FFFF)
        #expect(throws: CANFrameError.identifierOutOfRange(0x2000_0000, extended: true)) { try CANID(extended: 0x2000_0000) }
    }

    @Test func smallExtendedIdentifiersStayExtended() throws {
        let id = try CANID(extended: 0x12)
        #expect(id.isExtended)
        #expect(id.description == "0x00000012")
        #expect(id != (try CANID(standard: 0x12)))
    }

    @Test func orderingFollowsArbitration() throws {
        let standard100 = try CANID(standard: 0x100)
        let extendedSameBase = try CANID(extended: 0x100 << 18)
        let standard101 = try CANID(standard: 0x101)
        let extendedLowBase = try CANID(extended: (0x0FF << 18) | 0x3FFFF)
        // Lower base identifier wins; on an equal base the standard frame wins (dominant IDE).
        #expect([standard101, extendedSameBase, standard100, extendedLowBase].sorted()
            == [extendedLowBase, standard100, extendedSameBase, standard101])
    }
}
