import CANCore
import Testing

@Suite("CANFilter")
struct CANFilterTests {
    func frame(_ text: String) throws -> CANFrame { try CANFrame(candumpText: text) }

    @Test func exactFilterSeparatesStandardFromExtended() throws {
        let filter = CANFilter.exact(try CANID(standard: 0x123))
        #expect(filter.matches(try frame("123#00")))
        #expect(!filter.matches(try frame("00000123#00")))
        #expect(!filter.matches(try frame("124#00")))
        #expect(!filter.matches(try frame("123#R")))
    }

    @Test func maskedRangeAndInversion() throws {
        let range = try CANFilter(candumpSyntax: "520:7F0")
        #expect(range.matches(try frame("521#00")))
        #expect(range.matches(try frame("52F#00")))
        #expect(!range.matches(try frame("530#00")))
        let inverted = try CANFilter(candumpSyntax: "520~7F0")
        #expect(!inverted.matches(try frame("521#00")))
        #expect(inverted.matches(try frame("530#00")))
    }

    @Test func eightDigitSyntaxSelectsExtendedFrames() throws {
        let filter = try CANFilter(candumpSyntax: "12345678:1FFFFFFF")
        #expect(filter.matches(try frame("12345678#")))
        #expect(!filter.matches(try frame("678#")))
    }

    @Test func errorFramesNeverMatchDataFilters() throws {
        #expect(!CANFilter.all.matches(try frame("20000040#0000000000000000")))
        #expect(CANFilter.all.matches(try frame("7FF#R")))
    }

    @Test func malformedFilterSyntaxIsAnError() {
        #expect(throws: CANFrameError.self) { try CANFilter(candumpSyntax: "123") }
        #expect(throws: CANFrameError.self) { try CANFilter(candumpSyntax: "12G:7FF") }
        #expect(throws: CANFrameError.self) { try CANFilter(candumpSyntax: "123:123456789") }
    }

    @Test func anyMatchesUsesOrSemantics() throws {
        let filters = [CANFilter.exact(try CANID(standard: 1)), CANFilter.exact(try CANID(standard: 2))]
        #expect(filters.anyMatches(try frame("002#")))
        #expect(!filters.anyMatches(try frame("003#")))
        #expect(![CANFilter]().anyMatches(try frame("002#")))
    }
}
