import RemoteAPI
import SeededRandom
import Testing

@Suite("RemoteAPI JSON")
struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func readsEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5e3, true, false, null], "b": "x\"\\\/\n\u00e9\ud83d\ude00", "c": {}} "#)
        #expect(value == .object([
            ("a", .array([1, -2500, true, false, .null])), ("b", .string("x\"\\/\né😀")), ("c", .object([])),
        ]))
        #expect(try parse("0") == 0)
        #expect(try parse("-0.5") == -0.5)
        #expect(try parse("[]") == .array([]))
    }

    @Test(arguments: [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{'a':1}", "{\"a\" 1}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul",
        "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"a\u{01}b\"", "1 2", "[1 2]", "NaN", "Infinity", "1e400",
        "{\"a\":1}}", "[\"\\ud83d\\u0041\"]",
    ])
    func refusesMalformedText(_ text: String) {
        #expect(throws: JSONParseError.self) { try parse(text) }
    }

    @Test func refusesInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([UInt8](repeating: UInt8(ascii: "["), count: 100_000)) }
        let deepest = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        #expect((try? parse(deepest)) != nil)
    }

    static func randomValue(_ rng: inout Xoshiro256, depth: Int = 0) -> JSONValue {
        switch rng.next() % (depth > 3 ? 4 : 6) {
        case 0: return .null
        case 1: return .bool(rng.next() & 1 == 0)
        case 2:
            let raw = Double(bitPattern: rng.next())
            return .number(raw.isFinite ? raw : Double(Int64(truncatingIfNeeded: rng.next()) >> 20) / 1024)
        case 3:
            let scalars = (0..<Int(rng.next() % 8)).compactMap { _ in Unicode.Scalar(UInt32(rng.next() % 0x2_0000)) }
            return .string(String(String.UnicodeScalarView(scalars)))
        case 4: return .array((0..<Int(rng.next() % 4)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            return .object((0..<Int(rng.next() % 4)).map { index in ("k\(index)", randomValue(&rng, depth: depth + 1)) })
        }
    }

    @Test func everyValueRoundTripsThroughItsText() throws {
        var rng = Xoshiro256(seed: 0x15_0_2)
        for _ in 0..<5_000 {
            let value = Self.randomValue(&rng)
            let text = value.serialized
            #expect(!text.contains("\n"))
            #expect(try parse(text) == value, "\(text)")
        }
    }

    @Test func randomBytesGiveAValueOrAnErrorNeverATrap() {
        var rng = Xoshiro256(seed: 99)
        let alphabet = Array("{}[]\",:0123456789-+.eEtrufalsn \\u\"".utf8)
        var parsed = 0
        for round in 0..<50_000 {
            let length = Int(rng.next() % 40)
            let bytes: [UInt8] = (0..<length).map { _ in
                round % 2 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : alphabet[Int(rng.next() % UInt64(alphabet.count))]
            }
            do {
                let value = try JSONParser.parse(bytes)
                parsed += 1
                #expect((try? JSONParser.parse(Array(value.serialized.utf8))) == value)
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count)
                #expect(!error.reason.isEmpty)
            }
        }
        #expect(parsed > 0)
    }
}
