import CANCore
import CANDatabase
import Foundation
import SeededRandom
import Testing

/// python3 with cantools, the independent peer. Missing → the suite is skipped with the reason, or
/// fails when `BMSEMU_REQUIRE_PEERS=1` (CI sets it, so a broken install cannot pass silently).
enum PeerTools {
    static let required = ProcessInfo.processInfo.environment["BMSEMU_REQUIRE_PEERS"] == "1"
    static let script = TestFiles.testsDirectory.appendingPathComponent("Peers/cantools_crosscheck.py")

    static let cantoolsVersion: String? = {
        guard let result = try? run(["python3", "-c", "import cantools; print(cantools.__version__)"]),
            result.status == 0
        else { return nil }
        let version = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
        return version.isEmpty ? nil : version
    }()

    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

@Suite(
    "cantools cross-check",
    .enabled(
        if: PeerTools.cantoolsVersion != nil || PeerTools.required,
        "python3 with cantools not found (pip install cantools==45.1.0); set BMSEMU_REQUIRE_PEERS=1 to fail instead"),
    .timeLimit(.minutes(2))
)
struct CantoolsCrossCheckTests {
    struct DecodeCase: Codable {
        var dbc: String
        var message: String
        var data: String
    }

    struct GenerateRequest: Codable {
        var dbc: String
        var samples: Int
        var seed: Int
    }

    struct Request: Codable {
        var decode: [DecodeCase]
        var generate: [GenerateRequest]
    }

    struct GeneratedCase: Codable {
        var dbc: String
        var message: String
        var data: String
        var values: [String: String]
        var raw: [String: String]
    }

    struct Response: Codable {
        var cantools: String
        var decoded: [[String: String]]
        var generated: [GeneratedCase]
    }

    static let databasePaths = [TestFiles.firmwareDatabase.path]
        + TestFiles.fixtureNames.map { TestFiles.fixtures.appendingPathComponent($0).path }

    static func close(_ a: Double, _ b: Double) -> Bool {
        if a == b || (a.isNaN && b.isNaN) { return true }
        return abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    }

    static func hex(_ payload: CANPayload) -> String { payload.hexString().lowercased() }

    static func frame(_ message: DBCMessage, _ hexText: String) throws -> CANFrame {
        let bytes = MessageCodecTests.hex(hexText)
        return message.isFD ? try CANFrame(fdID: message.id, data: bytes) : try CANFrame(id: message.id, data: bytes)
    }

    /// What our codec makes of a frame: signal → physical, or the error.
    static func ours(_ codec: MessageCodec, _ frame: CANFrame) -> Result<[String: Double], CANDecodeError> {
        do throws(CANDecodeError) {
            var values: [String: Double] = [:]
            for signal in try codec.decode(frame).signals { values[signal.name] = signal.physical }
            return .success(values)
        } catch {
            return .failure(error)
        }
    }

    @Test func everyMessageDecodesAndEncodesLikeCantools() throws {
        guard let version = PeerTools.cantoolsVersion else {
            Issue.record("BMSEMU_REQUIRE_PEERS=1 but `python3 -c 'import cantools'` fails: install python3 and pip install cantools==45.1.0")
            return
        }
        // 1. Our encoder's frames (every message, every multiplexer variant) and random payloads.
        var rng = Xoshiro256(seed: 0xCA27)
        var cases: [DecodeCase] = []
        var expectations: [(codec: MessageCodec, frame: CANFrame, values: Result<[String: Double], CANDecodeError>)] = []
        for path in Self.databasePaths {
            let database = try CANDatabase.parse(TestFiles.bytes(URL(fileURLWithPath: path)))
            for message in database.messages {
                let codec = try MessageCodec(message)
                var frames: [CANFrame] = []
                for variant in FrameGenerator.variants(message) {
                    for _ in 0..<6 {
                        frames.append(try FrameGenerator.encode(codec, FrameGenerator.randomValues(message, variant, &rng)))
                    }
                }
                for _ in 0..<8 {
                    let bytes = (0..<message.frameLength).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    frames.append(message.isFD ? try CANFrame(fdID: message.id, data: bytes) : try CANFrame(id: message.id, data: bytes))
                }
                for frame in frames {
                    cases.append(DecodeCase(dbc: path, message: message.name, data: Self.hex(frame.data)))
                    expectations.append((codec, frame, Self.ours(codec, frame)))
                }
            }
        }
        let request = Request(
            decode: cases,
            generate: Self.databasePaths.enumerated().map { GenerateRequest(dbc: $1, samples: 6, seed: 100 + $0) })

        // 2. Let cantools decode ours and encode its own.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bmsemu-cantools-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let requestURL = directory.appendingPathComponent("request.json")
        let responseURL = directory.appendingPathComponent("response.json")
        try JSONEncoder().encode(request).write(to: requestURL)
        let run = try PeerTools.run(["python3", PeerTools.script.path, requestURL.path, responseURL.path])
        try #require(run.status == 0, "cantools script failed: \(run.output)")
        let response = try JSONDecoder().decode(Response.self, from: Data(contentsOf: responseURL))
        #expect(response.cantools == version)
        try #require(response.decoded.count == cases.count)

        // 3. Our encode → cantools decode: same signals present, same physical values.
        var comparedValues = 0
        var bothRejected = 0
        for (index, theirs) in response.decoded.enumerated() {
            let (codec, frame, ours) = expectations[index]
            let context = "\(codec.message.name) \(frame.data.hexString())"
            switch ours {
            case .failure(let error):
                #expect(theirs["error"] != nil, "we reject (\(error)), cantools decodes: \(context)")
                bothRejected += 1
            case .success(let values):
                #expect(theirs["error"] == nil, "cantools rejects \(theirs["error"] ?? ""): \(context)")
                guard theirs["error"] == nil else { continue }
                #expect(Set(values.keys) == Set(theirs.keys), "present signals differ: \(context)")
                for (name, value) in values {
                    guard let text = theirs[name], let their = Double(text) else { continue }
                    #expect(Self.close(value, their), "\(name): ours \(value), cantools \(text): \(context)")
                    comparedValues += 1
                }
            }
        }

        // 4. cantools encode → our decode, and our encode of the same values bit for bit.
        var databases: [String: CANDatabase] = [:]
        for path in Self.databasePaths { databases[path] = try CANDatabase.parse(TestFiles.bytes(URL(fileURLWithPath: path))) }
        var reencoded = 0
        for generated in response.generated {
            let message = try #require(databases[generated.dbc]?.message(named: generated.message))
            let codec = try MessageCodec(message)
            let frame = try Self.frame(message, generated.data)
            let context = "\(message.name) \(generated.data)"
            guard case .success(let values) = Self.ours(codec, frame) else {
                Issue.record("we cannot decode cantools' frame \(context)")
                continue
            }
            #expect(Set(values.keys) == Set(generated.values.keys), "present signals differ: \(context)")
            for (name, text) in generated.values {
                guard let their = Double(text), let value = values[name] else { continue }
                #expect(Self.close(value, their), "\(name): ours \(value), cantools \(text): \(context)")
            }
            var encoder = codec.encoder()
            for (name, text) in generated.values {
                let signal = try #require(message.signal(named: name))
                let rawText = generated.raw[name] ?? ""
                if signal.valueType == .integer, let raw = Int64(rawText), raw.magnitude < 1 << 40 {
                    try encoder.set(name, try #require(Double(text)))
                } else if signal.valueType == .integer, let raw = Int64(rawText) {
                    try encoder.set(name, raw: raw)
                } else if signal.valueType == .integer, let bits = UInt64(rawText) {
                    try encoder.set(name, rawBits: bits)
                } else {
                    try encoder.set(name, try #require(Double(text)))
                }
            }
            #expect(Self.hex(try encoder.frame().data) == generated.data, "encode differs: \(context)")
            reencoded += 1
        }
        print("cantools \(response.cantools): \(cases.count) of our frames compared (\(comparedValues) values, \(bothRejected) rejected by both); \(reencoded) cantools frames decoded and re-encoded bit for bit")
        #expect(comparedValues > 5_000 && reencoded > 300)
    }
}
