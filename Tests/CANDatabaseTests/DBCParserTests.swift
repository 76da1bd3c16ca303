import CANCore
import CANDatabase
import Testing

@Suite("DBC parser")
struct DBCParserTests {
    @Test func parsesTheSectionsRealDatabasesUse() throws {
        let database = try TestFiles.fixture("powertrain_motorola.dbc")
        #expect(database.version == "fixture 2.1")
        #expect(database.nodes.map(\.name) == ["Inverter", "Gateway", "Logger"])
        #expect(database.node(named: "Inverter")?.comment == "Traction inverter")
        #expect(database.node(named: "Inverter")?.attributes.value(named: "NodeLayerModules") == .string("CANoeILNLVector.dll"))
        #expect(database.comment?.hasPrefix("Fixture written for the bmsemu tests") == true)
        #expect(database.valueTables.first?.name == "GearTable")
        #expect(database.valueTables.first?.name(for: 3) == "Drive")
        #expect(database.messages.map(\.name) == [
            "InverterStatus", "J1939Like", "DiagMux", "FdSnapshot", "FloatBox", "Extremes", "Wide",
        ])

        let status = try #require(database.message(named: "InverterStatus"))
        #expect(status.id == (try CANID(standard: 0x123)))
        #expect(status.senders == ["Inverter", "Gateway"], "BO_TX_BU_ adds a sender")
        #expect(status.cycleTimeMilliseconds == 10)
        #expect(status.timing == .cyclic(milliseconds: 10))
        #expect(status.comment == "Status of the inverter,\nsent every 10 ms; the comment spans two lines and quotes a \"word\".")
        #expect(status.attributes.value(named: "Priority") == .integer(3))
        let speed = try #require(status.signal(named: "MotorSpeed"))
        #expect(speed.startBit == 7 && speed.length == 16 && speed.byteOrder == .bigEndian && speed.isSigned)
        #expect(speed.factor == 0.5 && speed.offset == 0 && speed.minimum == -16000 && speed.maximum == 16000)
        #expect(speed.unit == "rpm" && speed.receivers == ["Gateway", "Logger"])
        #expect(speed.attributes.value(named: "Accuracy") == .float(0.25))
        let torque = try #require(status.signal(named: "MotorTorque"))
        #expect(torque.factor == -0.1 && torque.comment == "Negative factor: raw counts are braking torque.")
        let gear = try #require(status.signal(named: "Gear"))
        #expect(gear.valueTable?.name(for: 2) == "Neutral" && gear.initialRawValue == 2)

        let j1939 = try #require(database.message(named: "J1939Like"))
        #expect(j1939.id == (try CANID(extended: 0x18FF_50E5)) && !j1939.isFD)
        #expect(database.message(id: try CANID(extended: 0x18FF_50E5))?.name == "J1939Like")

        let diagnostics = try #require(database.message(named: "DiagMux"))
        #expect(diagnostics.timing == .eventDriven(minimumIntervalMilliseconds: 50))
        #expect(diagnostics.sendType == "Spontaneous")

        let snapshot = try #require(database.message(named: "FdSnapshot"))
        #expect(snapshot.isFD && snapshot.usesBitRateSwitch && snapshot.length == 64)
        #expect(snapshot.id == (try CANID(extended: 0x400)))
        #expect(database.message(id: try CANID(standard: 0x400))?.name == "DiagMux", "standard and extended 0x400 are distinct")
        #expect(snapshot.signal(named: "RatioSingle")?.valueType == .float32)
        #expect(database.message(named: "FloatBox")?.signal(named: "Efficiency")?.valueType == .float64)
    }

    @Test func resolvesNestedAndExtendedMultiplexingLikeCantools() throws {
        let message = try #require(try TestFiles.fixture("powertrain_motorola.dbc").message(named: "DiagMux"))
        func condition(_ name: String) -> DBCSignal.MultiplexCondition? { message.signal(named: name)?.multiplexCondition }
        #expect(message.signal(named: "Service")?.isMultiplexer == true)
        #expect(condition("Service") == nil)
        #expect(message.signal(named: "Subfunction")?.isMultiplexer == true)
        #expect(condition("Subfunction") == .init(multiplexerName: "Service", values: [1...1]))
        #expect(condition("ResetKind") == .init(multiplexerName: "Subfunction", values: [0...1, 16...16]))
        #expect(condition("ReadValue") == .init(multiplexerName: "Service", values: [2...2, 4...7]))
        #expect(message.topLevelMultiplexerIndices == [0])
        #expect(message.multiplexerValues(of: 0) == [1...7])
    }

    @Test func singleMultiplexerTakesIndicatorValuesPlusExtendedRanges() throws {
        let database = try CANDatabase.parse(text: """
            BO_ 100 Paged: 8 Node
             SG_ Page M : 0|8@1+ (1,0) [0|0] "" Node
             SG_ A m0 : 8|8@1+ (1,0) [0|0] "" Node
             SG_ B m1 : 8|16@1+ (1,0) [0|0] "" Node
            SG_MUL_VAL_ 100 B Page 1-1, 5-9;
            """)
        let message = try #require(database.messages.first)
        #expect(message.signal(named: "A")?.multiplexCondition == .init(multiplexerName: "Page", values: [0...0]))
        #expect(message.signal(named: "B")?.multiplexCondition == .init(multiplexerName: "Page", values: [1...1, 5...9]))
        #expect(message.multiplexerValues(of: 0) == [0...1, 5...9])
    }

    @Test func readsWindows1252AndCRLFFiles() throws {
        let database = try TestFiles.fixture("vendor_cp1252.dbc")
        let probe = try #require(database.message(named: "ThermalProbe"))
        #expect(probe.signal(named: "ProbeTemperature")?.unit == "°C")
        #expect(probe.signal(named: "ProbeTemperature")?.comment == "Probe temperature in °C (Latin-1 degree sign in the file).")
        #expect(probe.signal(named: "AmbientTemperature")?.receivers == [], "Vector__XXX is no receiver")
        #expect(probe.signal(named: "AmbientTemperature")?.valueTable?.name(for: -128) == "NotAvailable")
        #expect(probe.signal(named: "Checksum")?.e2eRole == .checksum)
        #expect(database.message(named: "CounterOnly")?.signal(named: "AliveCounter")?.e2eRole == .counter)
        #expect(database.message(named: "NoTiming")?.timing == .unspecified)
    }

    @Test func utf8StringsStayUTF8() throws {
        let database = try CANDatabase.parse(text: """
            BO_ 1 M: 1 N
             SG_ T : 0|8@1+ (1,0) [0|0] "°C" N
            CM_ SG_ 1 T "Grad Celsius – UTF-8";
            """)
        #expect(database.messages[0].signals[0].unit == "°C")
        #expect(database.messages[0].signals[0].comment == "Grad Celsius – UTF-8")
    }

    @Test func windows1252MapsItsPrintableControlRange() throws {
        // 0x80 is the euro sign in Windows-1252, 0x93/0x94 typographic quotes.
        let bytes = Array("BO_ 1 M: 1 N\n SG_ T : 0|8@1+ (1,0) [0|0] \"".utf8) + [0x80, 0x93, 0x41, 0x94] + Array("\" N\n".utf8)
        let database = try CANDatabase.parse(bytes)
        #expect(database.messages[0].signals[0].unit == "€“A”")
    }

    @Test func skipsUnknownAndUnusedSectionsWithWarnings() throws {
        let database = try CANDatabase.parse(text: """
            BS_: 500 : 12,34
            BU_: ECU
            FOO_BAR_ something "with a ; inside" 1 2;
            EV_ Brightness: 0 [0|100] "%" 50 1 DUMMY_NODE_VECTOR0 Vector__XXX;
            SIG_GROUP_ 256 Group1 1 : Value;
            BO_ 256 Known: 8 ECU
             SG_ Value : 0|8@1+ (1,0) [0|255] "" ECU
            CAT_DEF_ 1 Category 0
            BA_ "GenMsgCycleTime" BO_ 999 100;
            """)
        #expect(database.messages.map(\.name) == ["Known"])
        #expect(database.warnings.count == 5)
        #expect(database.warnings[0].line == 3 && database.warnings[0].reason.contains("FOO_BAR_"))
        #expect(database.warnings[1].line == 4 && database.warnings[1].reason.contains("EV_"))
        #expect(database.warnings[3].line == 8 && database.warnings[3].reason.contains("CAT_DEF_"))
        #expect(database.warnings[4].line == 9 && database.warnings[4].reason.contains("unknown message 999"))
    }

    @Test func cycleTimeNeedsTheAttributeDefinitionAndIgnoresZero() throws {
        let database = try CANDatabase.parse(text: """
            BO_ 1 A: 1 N
            BO_ 2 B: 1 N
            BO_ 3 C: 1 N
            BA_DEF_ BO_ "GenMsgCycleTime" INT 0 1000;
            BA_DEF_DEF_ "GenMsgCycleTime" 200;
            BA_ "GenMsgCycleTime" BO_ 2 0;
            BA_ "GenMsgCycleTime" BO_ 3 50;
            """)
        #expect(database.messages.map(\.cycleTimeMilliseconds) == [200, nil, 50])
        let undeclared = try CANDatabase.parse(text: "BO_ 1 A: 1 N\nBA_ \"GenMsgCycleTime\" BO_ 1 100;")
        #expect(undeclared.messages[0].cycleTimeMilliseconds == nil)
        #expect(undeclared.messages[0].attributes.value(named: "GenMsgCycleTime") == .integer(100))
    }

    @Test func frameFormatDeclaredAsIntegerUsesVectorsList() throws {
        let database = try CANDatabase.parse(text: """
            BO_ 1 A: 64 N
            BO_ 2147483650 B: 12 N
            BA_DEF_ BO_ "VFrameFormat" INT 0 15;
            BA_DEF_DEF_ "VFrameFormat" 0;
            BA_ "VFrameFormat" BO_ 1 14;
            BA_ "VFrameFormat" BO_ 2147483650 15;
            """)
        #expect(database.messages.map(\.isFD) == [true, true])
        #expect(database.messages[1].frameLength == 12 && database.messages[1].id.isExtended)
    }

    @Test func networkAttributesAndBitRate() throws {
        let database = try TestFiles.bmsDatabase()
        #expect(database.bitRate == 500_000)
        #expect(database.attribute(named: "DBName") == .string("bmsemu"))
        #expect(database.attributeDefinition(named: "SigType")?.enumerationChoice(.integer(11)) == "MessageCounter")
    }

    @Test func vectorIndependentSignalMessageIsDropped() throws {
        let database = try CANDatabase.parse(text: """
            BO_ 3221225472 VECTOR__INDEPENDENT_SIG_MSG: 0 Vector__XXX
             SG_ Orphan : 0|8@1+ (1,0) [0|0] "" Vector__XXX
            BO_ 5 Real: 1 Vector__XXX
            """)
        #expect(database.messages.map(\.name) == ["Real"])
        #expect(database.messages[0].senders == [])
    }

    /// Malformed input: the error names the line and column of the offending token.
    @Test(arguments: [
        ("BO_ 1 M: 8 N\n SG_ S : 0|8@2+ (1,0) [0|0] \"\" N", 2, 14, "byte order must be 0"),
        ("BO_ 1 M: 8 N\n SG_ S : 0|8@1* (1,0) [0|0] \"\" N", 2, 15, "expected '+'"),
        ("BO_ 1 M: 8 N\n SG_ S : 0|65@1+ (1,0) [0|0] \"\" N", 2, 12, "signal length in bits 65"),
        ("BO_ 1 M: 8 N\n SG_ S : 0|0@1+ (1,0) [0|0] \"\" N", 2, 12, "signal length"),
        ("BO_ 1 M: 8 N\n SG_ S : 0|8@1+ (1,0 [0|0] \"\" N", 2, 22, "expected ')'"),
        ("BO_ 1 M: 8 N\n SG_ S : 0|8@1+ (1,0) [0|0] \"unit N", 2, 29, "unit in double quotes"),
        ("BO_ 1 M: 8 N\n SG_ S x3 : 0|8@1+ (1,0) [0|0] \"\" N", 2, 8, "multiplexer indicator"),
        ("BO_ 1 M: 65 N", 1, 10, "outside 0...64"),
        ("BO_ 2048 M: 8 N", 1, 5, "above 0x7FF"),
        ("BO_ 4294967295 M: 8 N", 1, 5, "above 0x1FFFFFFF"),
        ("BO_ 1 M 8 N", 1, 9, "expected ':'"),
        ("BO_ 1.5 M: 8 N", 1, 5, "must be an integer"),
        ("VERSION \"x\"\n\n  SG_ S : 0|8@1+ (1,0) [0|0] \"\" N", 3, 3, "SG_ outside a message"),
        ("BU_: A\n12", 2, 1, "expected a section keyword"),
        ("CM_ BO_ 1 \"never closed;\n", 1, 11, "comment in double quotes"),
        ("BA_DEF_ BO_ \"X\" WORD 1 2;", 1, 17, "unknown attribute type"),
        ("BO_ 1 M: 8 N\nSG_MUL_VAL_ 1 A B 5-3;", 2, 19, "empty multiplexer range"),
        ("BO_ 1 M: 8 N\nSIG_VALTYPE_ 1 A : 7;", 2, 20, "value type"),
        ("VAL_ 1 S 0 \"a\" 1;", 1, 17, "value name"),
        ("BO_ 1 M: 8 N\n SG_ S : 0|8@1+ (1e999,0) [0|0] \"\" N", 2, 18, "not a finite number"),
        ("BO_ 1 M: 8 N\n SG_ S : 0|8@1+ (1,0) [0|0]", 2, 28, "end of file"),
        ("BO_ 1 M: 8 N\n SG_ S : 0|8@1+ (1,0) [0|0] \u{7}", 2, 29, "unit"),
    ] as [(String, Int, Int, String)])
    func malformedInputNamesLineAndColumn(_ text: String, _ line: Int, _ column: Int, _ reason: String) {
        do {
            let database = try CANDatabase.parse(text: text)
            Issue.record("parsed without error: \(database.messages.map(\.name))")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.column == column, "\(error)")
            #expect(error.reason.contains(reason), "\(error)")
        }
    }

    @Test func emptyAndCommentOnlyFilesAreEmptyDatabases() throws {
        #expect(try CANDatabase.parse(text: "").messages.isEmpty)
        #expect(try CANDatabase.parse(text: "// just a comment\n\n  \r\n").messages.isEmpty)
    }
}
