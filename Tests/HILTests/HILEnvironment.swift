import Foundation
import SocketCAN

/// Where the multi-process HIL tests find the repository, the built `bmsemu`, python with its CAN peers, and
/// `vcan0`, and whether they must run.
///
/// They run when `vcan0` opens and python3 imports python-can, cantools and PyYAML. With `BMSEMU_REQUIRE_VCAN=1` /
/// `BMSEMU_REQUIRE_PEERS=1` (set by `HIL/test.sh`) a missing interface or peer FAILS them instead.
enum HILEnvironment {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let interface = "vcan0"

    static var environment: [String: String] { ProcessInfo.processInfo.environment }
    static var vcanRequired: Bool { environment["BMSEMU_REQUIRE_VCAN"] == "1" }
    static var peersRequired: Bool { environment["BMSEMU_REQUIRE_PEERS"] == "1" }

    static let vcanUsable: Bool = (try? SocketCANBus(interface: interface)).map { bus in
        bus.close()
        return true
    } ?? false

    static let peersUsable: Bool = {
        guard let run = try? SpawnedProcess.run(["python3", "-c", "import can, cantools, yaml"], timeoutSeconds: 60) else { return false }
        return run.status == 0
    }()

    /// Run when everything is there, or when the environment demands it (then a missing piece fails).
    static var shouldRun: Bool { (vcanUsable && peersUsable) || vcanRequired }

    /// The `bmsemu` executable next to the test bundle (`swift build --build-tests` builds both), or `BMSEMU`.
    static var binary: String? {
        var candidates: [String] = []
        if let explicit = environment["BMSEMU"] { candidates.append(explicit) }
        candidates.append(URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("bmsemu").path)
        candidates.append(root.appendingPathComponent(".build/debug/bmsemu").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A fresh directory for one test's files: under `BMSEMU_SCRATCH_DIR` (the UML guest's tmpfs) or the temp dir.
    static func scratchDirectory(_ name: String) throws -> URL {
        let base = environment["BMSEMU_SCRATCH_DIR"].map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
        let directory = base.appendingPathComponent("hiltests-\(getpid())-\(name)")
        try? FileManager.default.removeItem(at: directory)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
