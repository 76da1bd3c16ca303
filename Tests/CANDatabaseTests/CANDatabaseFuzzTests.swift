import CANCore
import CANDatabase
import Foundation
import PropertyBased
import SeededRandom
import Testing

/// Bad input: any text gives a database or a located error, any frame a value or a typed error —
/// never a trap or a hang. Seeded, so a failure reproduces.
@Suite("CANDatabase fuzz and properties", .timeLimit(.minutes(2)))
struct CANDatabaseFuzzTests {
    static let vocabulary: [String] = [
        "BO_ ", "SG_ ", " M ", " m0 ", " m1M ", "CM_ ", "BA_DEF_ ", "BA_DEF_DEF_ ", "BA_ ", "VAL_ ", "VAL_TABLE_ ",
        "SIG_VALTYPE_ ", "SG_MUL_VAL_ ", "BO_TX_BU_ ", "BU_: ", "NS_ : ", "BS_: ", "VERSION ", "EV_ ", "BU_ ", "SG_ ",
        "\"GenMsgCycleTime\" ", "\"VFrameFormat\" ", "\"SigType\" ", "INT ", "ENUM ", "\"a\",\"b\" ", "STRING ",
        ": ", ";", ",", "|", "@1+", "@0-", "@2+", "(1,0)", "(0.5,-40)", "(-1E-005,3)", "[0|0]", "[-1|1]", "\"unit\"",
        "\"°C\"", "\"unterminated", "\\\"", "\n", "\r\n", " ", "\t", "//c\n", "0", "7", "8", "63", "64", "65", "512",
        "-1", "2147483648", "4294967295", "99999999999999999999", "1e999", "0-3", "5-2", ".5", "Node", "Sig", "Msg",
        "Vector__XXX", "VECTOR__INDEPENDENT_SIG_MSG", "\u{0}", "\u{FF}",
    ]

    /// Random token soup and random bytes: the parser returns or throws, and whatever it returns can be
    /// compiled, checked, budgeted and used to decode without trapping.
    @Test func randomTextNeverTraps() {
        var rng = Xoshiro256(seed: 0xDBC_F022)
        var parsed = 0
        for _ in 0..<4_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(rng.next() % 60) {
                if rng.next() % 5 == 0 {
                    bytes.append(UInt8(truncatingIfNeeded: rng.next()))
                } else {
                    bytes += Array(Self.vocabulary[Int(rng.next() % UInt64(Self.vocabulary.count))].utf8)
                }
            }
            if let database = Self.parseAndExercise(bytes, &rng) { parsed += database.messages.count >= 0 ? 1 : 0 }
        }
        #expect(parsed > 0, "some soups parse (an empty file is a database)")
    }

    /// Structured statements with hostile numbers: every accepted database survives the whole pipeline.
    @Test func generatedStatementsWithExtremeNumbers() {
        var rng = Xoshiro256(seed: 77)
        let numbers = ["0", "1", "7", "8", "15", "31", "32", "56", "63", "64", "300", "447", "511", "-1", "2047",
                       "2048", "2147483648", "3221225472", "-0.5", "1e-300", "1e300", "0.1"]
        func number() -> String { numbers[Int(rng.next() % UInt64(numbers.count))] }
        func bit() -> String { rng.next() % 4 == 0 ? number() : String(rng.next() % 64) }
        var accepted = 0
        for _ in 0..<3_000 {
            var text = "BU_: A B\n"
            for message in 0..<Int(1 + rng.next() % 3) {
                text += "BO_ \(rng.next() % 4 == 0 ? number() : String(message + 1)) M\(message): \(rng.next() % 3 == 0 ? number() : "8") A\n"
                for signal in 0..<Int(rng.next() % 5) {
                    let indicator = ["", " M", " m0", " m1", " m2M", " m\(number())"][Int(rng.next() % 6)]
                    text += " SG_ S\(signal)\(indicator) : \(bit())|\(bit())@\(rng.next() % 2)\(rng.next() % 2 == 0 ? "+" : "-") (\(number()),\(number())) [\(number())|\(number())] \"u\" B\n"
                }
                if rng.next() % 2 == 0 { text += "SG_MUL_VAL_ \(message + 1) S1 S0 \(number())-\(number());\n" }
                if rng.next() % 2 == 0 { text += "SIG_VALTYPE_ \(message + 1) S0 : \(rng.next() % 3);\n" }
                if rng.next() % 2 == 0 { text += "VAL_ \(message + 1) S0 \(number()) \"x\" \(number()) \"y\";\n" }
            }
            text += "BA_DEF_ BO_ \"GenMsgCycleTime\" INT 0 65535;\nBA_ \"GenMsgCycleTime\" BO_ 1 \(number());\n"
            text += "BA_DEF_ BO_ \"VFrameFormat\" INT 0 15;\nBA_ \"VFrameFormat\" BO_ 1 \(rng.next() % 17);\n"
            if Self.parseAndExercise(Array(text.utf8), &rng) != nil { accepted += 1 }
        }
        #expect(accepted > 200, "the generator produces valid databases too (\(accepted))")
    }

    /// Byte-level mutations of real files.
    @Test func mutatedDatabasesNeverTrap() throws {
        var rng = Xoshiro256(seed: 4242)
        let sources = try TestFiles.fixtureNames.map { try TestFiles.bytes(TestFiles.fixtures.appendingPathComponent($0)) }
        let bms = try TestFiles.bytes(TestFiles.firmwareDatabase)
        for round in 0..<600 {
            var bytes = round % 20 == 0 ? bms : sources[Int(rng.next() % UInt64(sources.count))]
            for _ in 0..<Int(1 + rng.next() % 8) where !bytes.isEmpty {
                let position = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 5 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: position)
                case 2: bytes.insert(UInt8(truncatingIfNeeded: rng.next()), at: position)
                case 3: bytes.insert(contentsOf: Array(Self.vocabulary[Int(rng.next() % UInt64(Self.vocabulary.count))].utf8), at: position)
                default:
                    let end = min(bytes.count, position + Int(rng.next() % 200))
                    bytes.removeSubrange(position..<end)
                }
            }
            _ = Self.parseAndExercise(bytes, &rng)
        }
    }

    /// Random frames into every codec of the real database: a value or a typed error, and every
    /// accessor of a decoded frame answers.
    @Test func randomFramesIntoEveryDecoder() throws {
        let database = try TestFiles.bmsDatabase()
        let codecs = DatabaseCodec(database)
        var rng = Xoshiro256(seed: 5150)
        var decoded = 0
        for _ in 0..<40_000 {
            let codec = codecs.codecs[Int(rng.next() % UInt64(codecs.codecs.count))]
            let length = rng.next() % 4 == 0 ? Int(rng.next() % 9) : codec.message.length
            let id = rng.next() % 8 == 0 ? try CANID(standard: UInt32(rng.next() % 0x800)) : codec.message.id
            let frame = try CANFrame(id: id, data: (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
            if let result = codecs.decode(frame), case .success(let view) = result {
                decoded += 1
                for handle in codecs.codec(for: frame.id)!.handles {
                    _ = view.physical(handle)
                    _ = view.rawBits(handle)
                    #expect(view.hasValueName(handle) == (view.valueName(handle) != nil))
                    if let reading = view.integerReading(handle) {
                        #expect(reading.raw == view.raw(handle) && reading.physical == view.physical(handle))
                        #expect(reading.isNamed == view.hasValueName(handle))
                    } else {
                        #expect(view.raw(handle) == nil)
                    }
                }
                _ = view.signals
            }
            _ = try? codec.decode(frame)
        }
        #expect(decoded > 10_000)
    }

    /// Property: the encoder's page check (a per-multiplexer-value table) accepts a frame exactly when the
    /// set signals are the ones the decoder finds present in its payload (the walk over the multiplexer
    /// tree), for random pages and random sets of signals of every message of bms.dbc.
    @Test func encoderAcceptsExactlyThePresentSignals() throws {
        let database = try TestFiles.bmsDatabase()
        var rng = Xoshiro256(seed: 0xE4C0DE)
        var accepted = 0
        var refused = 0
        for message in database.messages {
            let codec = try MessageCodec(message)
            let multiplexers = message.signals.indices.filter { message.signals[$0].isMultiplexer }
            for _ in 0..<200 {
                var encoder = codec.encoder()
                var set = Set<Int>()
                for index in multiplexers {
                    let bits = message.signals[index].length >= 63 ? rng.next() : rng.next() % (UInt64(1) << UInt64(message.signals[index].length))
                    try encoder.set(codec.handles[index], rawBits: bits % 4 == 3 ? 0 : bits % 32)
                    set.insert(index)
                }
                // The page the multiplexer values select, as the decoder sees it.
                let page = try? codec.decode(try CANFrame(id: message.id, payload: encoder.payload))
                let present = Set(codec.handles.indices.filter { page?.rawBits(codec.handles[$0]) != nil })
                let exact = rng.next() % 2 == 0
                for index in message.signals.indices where !message.signals[index].isMultiplexer {
                    let wanted = exact ? present.contains(index) : rng.next() % 3 != 0
                    if wanted {
                        try encoder.set(codec.handles[index], rawBits: 0)
                        set.insert(index)
                    }
                }
                let result = Result { () throws(CANEncodeError) -> CANFrame in try encoder.frame() }
                if page != nil, set == present {
                    #expect((try? result.get()) != nil, "\(message.name): \(set.sorted()) refused")
                    accepted += 1
                } else {
                    #expect((try? result.get()) == nil, "\(message.name): \(set.sorted()) accepted, present \(present.sorted())")
                    refused += 1
                }
            }
        }
        #expect(accepted > 500 && refused > 500, "accepted \(accepted), refused \(refused)")
    }

    /// Property: `hasValueName` answers exactly when `valueName` gives a name, for every named value of
    /// every signal of bms.dbc and for the raw values around it.
    @Test func hasValueNameAgreesWithValueName() throws {
        let database = try TestFiles.bmsDatabase()
        var named = 0
        for message in database.messages {
            let codec = try MessageCodec(message)
            for (index, signal) in message.signals.enumerated() {
                guard let table = signal.valueTable, signal.multiplexCondition == nil, !signal.isMultiplexer else { continue }
                let handle = codec.handles[index]
                for entry in table.entries {
                    for raw in [entry.value - 1, entry.value, entry.value + 1] {
                        guard raw >= 0, signal.length >= 63 || raw < Int64(1) << Int64(signal.length) else { continue }
                        var bytes = [UInt8](repeating: 0, count: message.length)
                        let layout = (start: signal.startBit, length: signal.length)
                        for bit in 0..<layout.length where (raw >> Int64(bit)) & 1 == 1 {
                            let position = signal.byteOrder == .littleEndian ? layout.start + bit : -1
                            guard position >= 0 else { continue }
                            bytes[position / 8] |= UInt8(1) << UInt8(position % 8)
                        }
                        guard signal.byteOrder == .littleEndian, let decoded = try? codec.decode(CANFrame(id: message.id, data: bytes)) else { continue }
                        #expect(decoded.hasValueName(handle) == (decoded.valueName(handle) != nil), "\(signal.name) raw \(raw)")
                        if raw == entry.value, decoded.raw(handle) == raw {
                            #expect(decoded.hasValueName(handle), "\(signal.name) raw \(raw) is named \(entry.name)")
                            named += 1
                        }
                    }
                }
            }
        }
        #expect(named > 10)
    }

    /// Property: any value a signal can carry survives encode → decode, for every message, every
    /// multiplexer variant, and both the bms.dbc and the fixture databases.
    @Test func encodeDecodeRoundTripsEveryVariant() throws {
        var rng = Xoshiro256(seed: 1)
        let databases = try [TestFiles.bmsDatabase()] + TestFiles.fixtureNames.map { try TestFiles.fixture($0) }
        var checked = 0
        for database in databases {
            for message in database.messages {
                let codec = try MessageCodec(message)
                for variant in FrameGenerator.variants(message) {
                    for _ in 0..<8 {
                        let values = FrameGenerator.randomValues(message, variant, &rng)
                        let frame = try FrameGenerator.encode(codec, values)
                        let view = try codec.decode(frame)
                        for (name, raw) in values.raw {
                            let handle = try codec.handle(named: name)
                            #expect(view.raw(handle) == raw, "\(message.name).\(name)")
                        }
                        for (name, physical) in values.floats {
                            let handle = try codec.handle(named: name)
                            #expect(view.physical(handle) == physical, "\(message.name).\(name)")
                        }
                        #expect(view.signals.count == FrameGenerator.presentSignals(message, variant).count)
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 500)
    }

    /// Property (PropertyBased; a failure prints its seed): for any start bit, length and byte order a
    /// field round-trips, sets no bit outside itself, and reads all ones from an all-ones payload.
    @Test func bitFieldInsertExtractProperty() async {
        await propertyCheck(count: 3_000, input: Gen.int(in: 0...511), Gen.int(in: 1...64), Gen.bool, Gen.uint64()) {
            start, length, motorola, raw in
            let text = """
                BO_ 1 M: 64 N
                 SG_ S : \(start)|\(length)@\(motorola ? 0 : 1)+ (1,0) [0|0] "" N
                BA_DEF_ BO_ "VFrameFormat" ENUM "StandardCAN","StandardCAN_FD";
                BA_ "VFrameFormat" BO_ 1 1;
                """
            let database = try CANDatabase.parse(text: text)
            let lastBit = motorola ? 8 * (start / 8) + 7 - start % 8 + length - 1 : start + length - 1
            guard lastBit < 512 else {
                #expect(throws: DBCCodecError.self) { try MessageCodec(database.messages[0]) }
                return
            }
            let codec = try MessageCodec(database.messages[0])
            let handle = try codec.handle(named: "S")
            let mask: UInt64 = length == 64 ? .max : (1 << UInt64(length)) - 1
            var encoder = codec.encoder()
            if raw & ~mask != 0 {
                #expect(throws: CANEncodeError.self) { try encoder.set(handle, rawBits: raw) }
            }
            try encoder.set(handle, rawBits: raw & mask)
            let frame = try encoder.frame()
            #expect(try codec.decode(frame).rawBits(handle) == raw & mask)
            #expect(frame.data.reduce(0) { $0 + $1.nonzeroBitCount } == (raw & mask).nonzeroBitCount)
            let ones = try CANFrame(fdID: frame.id, data: [UInt8](repeating: 0xFF, count: 64))
            #expect(try codec.decode(ones).rawBits(handle) == mask)
        }
    }

    /// A hostile file: 100 000 signals nested one under the other, 100 000 value-table entries, a
    /// VAL_ and CM_ per signal. Everything stays linear: quadratic work here would run for hours.
    @Test(.timeLimit(.minutes(1))) func hugeDeepDatabaseStaysLinear() throws {
        let count = 100_000
        var text = "BU_: N\nVAL_TABLE_ Big"
        for index in 0..<count { text += " \(index % 1000) \"v\(index)\"" }
        text += ";\nBO_ 1 Deep: 8 N\n SG_ S0 M : 0|8@1+ (1,0) [0|0] \"\" N\n"
        for index in 1..<count { text += " SG_ S\(index) m0M : \(index % 56)|8@1+ (1,0) [0|0] \"\" N\n" }
        for index in 1..<count { text += "SG_MUL_VAL_ 1 S\(index) S\(index - 1) 0-0;\n" }
        for index in 0..<count { text += "VAL_ 1 S\(index) 0 \"zero\" 1 \"one\";\nCM_ SG_ 1 S\(index) \"c\";\n" }
        let database = try CANDatabase.parse(text: text)
        #expect(database.valueTables[0].entries.count == 1000)
        #expect(database.valueTables[0].name(for: 7) == "v99007", "the last name of a repeated value wins")
        let message = try #require(database.messages.first)
        #expect(message.signals[count - 1].multiplexCondition?.multiplexerName == "S\(count - 2)")
        let issues = database.consistencyIssues()
        #expect(issues.map(\.kind).contains(.multiplexerTooDeep))
        #expect(issues.contains { $0.kind == .overlappingSignals && $0.severity == .warning })
        #expect(throws: DBCCodecError.multiplexerTooDeep(message: "Deep", signal: "S33")) {
            try MessageCodec(message)
        }
        _ = BusLoadBudget(database: database, nominalBitRate: 500_000)
    }

    /// A wide message: 60 000 signals on 60 000 values of one 16-bit multiplexer compile, decode and
    /// encode in linear time.
    @Test(.timeLimit(.minutes(1))) func hugeWideMultiplexedMessage() throws {
        let count = 60_000
        var text = "BO_ 1 Wide: 8 N\n SG_ Page M : 0|16@1+ (1,0) [0|0] \"\" N\n"
        for index in 0..<count { text += " SG_ V\(index) m\(index) : 16|16@1+ (1,0) [0|0] \"\" N\n" }
        let database = try CANDatabase.parse(text: text)
        let codec = try MessageCodec(database.messages[0])
        let view = try codec.decode(try CANFrame(id: try CANID(standard: 1), data: [0x39, 0x30, 0xAA, 0xBB, 0, 0, 0, 0]))
        #expect(view.signals.map(\.name) == ["Page", "V12345"])
        #expect(view.raw(try codec.handle(named: "V12345")) == 0xBBAA)
        var encoder = codec.encoder()
        try encoder.set("Page", raw: 59_999)
        try encoder.set("V59999", raw: 1)
        #expect(try encoder.frame().data.littleEndianWord0 == 0x0001_EA5F)
        #expect(BusLoadBudget.framesPerCycle(database.messages[0]) == count)
        // Above 4096 signals the pairwise overlap check is skipped, and says so.
        #expect(database.consistencyIssues().map { "\($0.severity) \($0.kind)" } == ["warning missingTiming", "warning overlappingSignals"])
    }

    /// Parses `bytes`; if that works, compiles every message, runs the consistency check and the bus
    /// budget, and decodes random frames with every codec.
    static func parseAndExercise(_ bytes: [UInt8], _ rng: inout Xoshiro256) -> CANDatabase? {
        let database: CANDatabase
        do {
            database = try CANDatabase.parse(bytes)
        } catch {
            #expect(error.line >= 1 && error.column >= 1 && !error.reason.isEmpty)
            return nil
        }
        _ = database.consistencyIssues()
        _ = BusLoadBudget(database: database, nominalBitRate: 500_000, dataBitRate: 2_000_000).report
        let codecs = DatabaseCodec(database)
        for codec in codecs.codecs {
            for _ in 0..<4 {
                let length = Int(rng.next() % 65)
                let data = (0..<length).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                let frame = length <= 8 ? try? CANFrame(id: codec.message.id, data: data) : try? CANFrame(fdID: codec.message.id, data: data)
                if let frame, let view = try? codec.decode(frame) {
                    _ = view.signals
                }
            }
            var encoder = codec.encoder()
            for handle in codec.handles {
                try? encoder.set(handle, Double(Int64(bitPattern: rng.next() % 1000)) - 500)
                try? encoder.set(handle, raw: Int64(bitPattern: rng.next()))
            }
            _ = try? encoder.frame()
            if let profile = try? E2EProfile(codec: codec) {
                var sender = E2ESender(profile: profile)
                _ = try? sender.protect(&encoder)
            }
        }
        return database
    }
}
