import CANDatabase
import Foundation
import Testing

@Suite("Database consistency")
struct ConsistencyTests {
    static func issues(_ text: String) throws -> [DBCIssue] {
        try CANDatabase.parse(text: """
            BU_: N
            BA_DEF_ BO_ "GenMsgCycleTime" INT 0 65535;
            \(text)
            """).consistencyIssues()
    }

    static func kinds(_ text: String) throws -> [DBCIssue.Kind] {
        try issues(text).map(\.kind)
    }

    @Test func cleanDatabaseHasNoIssues() throws {
        #expect(try Self.issues("""
            BO_ 1 M: 8 N
             SG_ A : 0|8@1+ (1,0) [0|255] "" N
             SG_ B : 15|8@0+ (1,0) [0|255] "" N
            BA_ "GenMsgCycleTime" BO_ 1 100;
            """).isEmpty)
    }

    @Test func duplicateIdentifiersAndNames() throws {
        let issues = try Self.issues("""
            BO_ 1 M: 1 N
            BO_ 1 Other: 1 N
            BO_ 2 M: 1 N
            BA_ "GenMsgCycleTime" BO_ 1 100;
            BA_ "GenMsgCycleTime" BO_ 2 100;
            """)
        #expect(issues.map(\.kind) == [.duplicateIdentifier, .missingTiming, .duplicateMessageName])
        #expect(issues[0].message == "Other" && issues[0].line == 4 && issues[0].reason.contains("also used by M"))
        #expect(issues[2].description.hasPrefix("error (line 5) M: message name already used on line 3"))
    }

    @Test func overlappingSignalsAreFoundAcrossByteOrders() throws {
        let issues = try Self.issues("""
            BO_ 1 M: 8 N
             SG_ Intel : 4|8@1+ (1,0) [0|0] "" N
             SG_ Moto : 11|4@0+ (1,0) [0|0] "" N
             SG_ Free : 16|8@1+ (1,0) [0|0] "" N
            BA_ "GenMsgCycleTime" BO_ 1 100;
            """)
        #expect(issues.map(\.kind) == [.overlappingSignals])
        #expect(issues.first?.signal == "Moto" && issues.first?.reason == "shares bits with Intel")
    }

    @Test func signalsOfDifferentPagesMayShareBitsButNotWithTheirMultiplexer() throws {
        #expect(try Self.kinds("""
            BO_ 1 M: 8 N
             SG_ Page M : 0|8@1+ (1,0) [0|0] "" N
             SG_ A m0 : 8|16@1+ (1,0) [0|0] "" N
             SG_ B m1 : 8|16@1+ (1,0) [0|0] "" N
             SG_ C m2 : 4|8@1+ (1,0) [0|0] "" N
            BA_ "GenMsgCycleTime" BO_ 1 100;
            """) == [.overlappingSignals])
        // Extended multiplexing with overlapping ranges: 3 selects both.
        #expect(try Self.kinds("""
            BO_ 1 M: 8 N
             SG_ Page M : 0|8@1+ (1,0) [0|0] "" N
             SG_ A m0 : 8|16@1+ (1,0) [0|0] "" N
             SG_ B m4 : 8|16@1+ (1,0) [0|0] "" N
            SG_MUL_VAL_ 1 A Page 0-3;
            SG_MUL_VAL_ 1 B Page 3-4;
            BA_ "GenMsgCycleTime" BO_ 1 100;
            """) == [.overlappingSignals])
    }

    @Test func signalsBeyondTheLengthAndImpossibleLengths() throws {
        #expect(try Self.kinds("""
            BO_ 1 M: 2 N
             SG_ A : 12|8@1+ (1,0) [0|0] "" N
             SG_ B : 7|24@0+ (1,0) [0|0] "" N
            BO_ 2 Long: 12 N
            BA_ "GenMsgCycleTime" BO_ 1 100;
            BA_ "GenMsgCycleTime" BO_ 2 100;
            """) == [.signalOutsidePayload, .signalOutsidePayload, .overlappingSignals, .invalidLength])
    }

    @Test func multiplexedSignalsNeedAMultiplexer() throws {
        #expect(try Self.kinds("""
            BO_ 1 M: 8 N
             SG_ A m0 : 8|8@1+ (1,0) [0|0] "" N
            BA_ "GenMsgCycleTime" BO_ 1 100;
            """) == [.multiplexedWithoutMultiplexer])
        // Two multiplexers and no SG_MUL_VAL_ for the m-signal: ambiguous.
        #expect(try Self.kinds("""
            BO_ 1 M: 8 N
             SG_ P M : 0|4@1+ (1,0) [0|0] "" N
             SG_ Q M : 4|4@1+ (1,0) [0|0] "" N
             SG_ A m0 : 8|8@1+ (1,0) [0|0] "" N
            BA_ "GenMsgCycleTime" BO_ 1 100;
            """) == [.multiplexedWithoutMultiplexer])
    }

    @Test func multiplexerLoopsAreErrors() throws {
        let issues = try Self.issues("""
            BO_ 1 M: 8 N
             SG_ P m1M : 0|4@1+ (1,0) [0|0] "" N
             SG_ Q m1M : 4|4@1+ (1,0) [0|0] "" N
            SG_MUL_VAL_ 1 P Q 1-1;
            SG_MUL_VAL_ 1 Q P 1-1;
            BA_ "GenMsgCycleTime" BO_ 1 100;
            """)
        #expect(issues.map(\.kind) == [.multiplexerCycle, .multiplexerCycle])
        #expect(throws: DBCCodecError.multiplexerCycle(message: "M", signal: "P")) {
            try MessageCodec(try CANDatabase.parse(text: "BO_ 1 M: 8 N\n SG_ P m1M : 0|4@1+ (1,0) [0|0] \"\" N\n SG_ Q m1M : 4|4@1+ (1,0) [0|0] \"\" N\nSG_MUL_VAL_ 1 P Q 1-1;\nSG_MUL_VAL_ 1 Q P 1-1;").messages[0])
        }
    }

    @Test func missingTimingUnknownNodesAndOtherWarnings() throws {
        let issues = try Self.issues("""
            BA_DEF_ BO_ "GenMsgSendType" ENUM "Cyclic","Spontaneous";
            BO_ 1 NoCycle: 2 N
             SG_ A : 0|8@1+ (0,0) [0|0] "" Stranger
             SG_ B : 8|8@1+ (1,0) [0|300] "" N
            BO_ 2 Event: 1 Ghost
             SG_ F : 0|16@1+ (1,0) [0|0] "" N
            SIG_VALTYPE_ 2 F : 1;
            BA_ "GenMsgSendType" BO_ 2 1;
            """)
        #expect(issues.map(\.kind) == [
            .missingTiming, .zeroFactor, .unknownNode, .rangeNotRepresentable, .missingTiming, .unknownNode,
            .signalOutsidePayload, .invalidFloatLength,
        ])
        #expect(issues.filter { $0.severity == .warning }.map(\.kind) == [
            .missingTiming, .unknownNode, .rangeNotRepresentable, .missingTiming, .unknownNode,
        ])
    }

    @Test func invalidE2ESignalsAreReported() throws {
        let issues = try Self.issues("""
            BO_ 1 M: 2 N
             SG_ Counter : 0|5@1+ (1,0) [0|0] "" N
             SG_ Crc : 8|8@1+ (1,0) [0|0] "" N
            BA_DEF_ SG_ "SigType" ENUM "Default","MessageCounter","MessageChecksum";
            BA_ "SigType" SG_ 1 Counter 1;
            BA_ "SigType" SG_ 1 Crc 2;
            BA_ "GenMsgCycleTime" BO_ 1 10;
            """)
        #expect(issues.map(\.kind) == [.invalidE2E])
    }

    @Test func fixtureOverlapIsCaughtLikeCantoolsDoes() throws {
        // The first draft of the fixture had RatioSingle at bit 448, on top of Temperature; cantools refused it.
        var text = String(decoding: try TestFiles.bytes(TestFiles.fixtures.appendingPathComponent("powertrain_motorola.dbc")), as: UTF8.self)
        text = text.replacingOccurrences(of: "RatioSingle : 456|32@1-", with: "RatioSingle : 448|32@1-")
        let issues = try CANDatabase.parse(text: text).consistencyIssues().filter { $0.severity == .error }
        #expect(issues.map(\.kind) == [.overlappingSignals])
        #expect(issues.first?.reason == "shares bits with Temperature")
        #expect(try TestFiles.fixture("powertrain_motorola.dbc").consistencyIssues().filter { $0.severity == .error }.isEmpty)
    }
}
