import Foundation
import Testing

/// Runs the pytest example in `HIL/python` against the built `bmsemu` binary, as a user's suite would.
/// Skipped only when python3 with pytest is missing and `BMSEMU_REQUIRE_PEERS` is not `1`.
@Suite("RemoteAPI pytest example")
struct PytestExampleTests {
    static var isRequired: Bool { ProcessInfo.processInfo.environment["BMSEMU_REQUIRE_PEERS"] == "1" }

    static let pytestAvailable: Bool = (try? run(["python3", "-c", "import pytest"]).status) == 0

    /// The `bmsemu` executable next to the test bundle (`swift build --build-tests` builds both), or `BMSEMU`.
    static var binary: String? {
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["BMSEMU"] { candidates.append(explicit) }
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        candidates.append(bundleDirectory.appendingPathComponent("bmsemu").path)
        candidates.append(Harness.root.appendingPathComponent(".build/debug/bmsemu").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = Harness.root
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: pytestAvailable || isRequired, "python3 with pytest is not installed (pip install pytest)"))
    func pytestExamplePassesAgainstALiveRun() throws {
        guard Self.pytestAvailable else {
            Issue.record("python3 with pytest is required (BMSEMU_REQUIRE_PEERS=1) but not available")
            return
        }
        let binary = try #require(Self.binary, "no bmsemu binary next to the tests; build with swift build --build-tests")
        let result = try Self.run(
            ["python3", "-m", "pytest", "-q", "-p", "no:cacheprovider", "HIL/python"],
            environment: ["BMSEMU": binary, "PYTHONDONTWRITEBYTECODE": "1"])
        #expect(result.status == 0, "pytest failed:\n\(result.output)")
        #expect(result.output.contains("3 passed"), "\(result.output)")
    }
}
