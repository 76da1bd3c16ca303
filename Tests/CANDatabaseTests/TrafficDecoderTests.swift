import CANCore
import CANDatabase
import Testing

@Suite("TrafficDecoder")
struct TrafficDecoderTests {
    let database = try! CANDatabase.parse(text: """
        VERSION ""
        BU_: A B
        BO_ 256 Status: 3 A
         SG_ Counter : 0|4@1+ (1,0) [0|15] "" B
         SG_ Crc : 8|8@1+ (1,0) [0|255] "" B
         SG_ Volts : 16|8@1+ (0.1,0) [0|25.5] "V" B
        BA_DEF_ SG_ "SigType" ENUM "Default","MessageCounter","MessageChecksum";
        BA_ "SigType" SG_ 256 Counter 1;
        BA_ "SigType" SG_ 256 Crc 2;
        """)

    func protectedFrames(_ count: Int) throws -> [CANFrame] {
        let codec = try database.codec(forMessageNamed: "Status")
        var sender = E2ESender(profile: try E2EProfile(codec: codec))
        var frames: [CANFrame] = []
        for index in 0..<count {
            var encoder = codec.encoder()
            try encoder.set("Volts", Double(index) / 10)
            frames.append(try sender.protect(&encoder))
        }
        return frames
    }

    @Test func decodesNamesValuesAndE2E() throws {
        var decoder = TrafficDecoder(database: database)
        let frames = try protectedFrames(3)
        let firstLine = decoder.decode(frames[0])
        let first = try #require(firstLine)
        #expect(first.message == "Status")
        #expect(first.e2e == .initial)
        _ = decoder.decode(frames[1])
        let repeatedLine = decoder.decode(frames[1])
        let repeated = try #require(repeatedLine)
        #expect(repeated.e2e == .repeated)
        #expect(repeated.description.contains("[e2e: repeated counter]"))
        #expect(decoder.statistics.decoded == 3)
        #expect(decoder.statistics.e2eFailures == 1)
    }

    @Test func unknownMalformedAndErrorFramesAreCounted() throws {
        var decoder = TrafficDecoder(database: database)
        let unknownLine = decoder.decode(try CANFrame(candumpText: "7FF#00"))
        let unknown = try #require(unknownLine)
        #expect(unknown.message == nil)
        let shortLine = decoder.decode(try CANFrame(candumpText: "100#01"))
        let short = try #require(shortLine)
        #expect(short.error != nil)
        #expect(decoder.decode(try CANFrame(candumpText: "20000040#0000000000000000")) == nil)
        #expect(decoder.statistics.decoded == 0)
        #expect(decoder.statistics.unknownIdentifiers == 1)
        #expect(decoder.statistics.malformed == 1)
        #expect(decoder.statistics.errorFrames == 1)
    }
}
