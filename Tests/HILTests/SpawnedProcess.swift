import Foundation
import Glibc

/// A child process started with `posix_spawnp` in the repository root, standard output and error going to
/// files, waited for with a time limit.
///
/// The child starts with an empty signal mask and default SIGTERM/SIGINT/SIGPIPE/SIGHUP handling: the test
/// runner's threads block signals, and a child (and its children: candump, bmsemu) inheriting a blocked
/// SIGINT or SIGTERM could not be stopped.
struct SpawnedProcess {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    struct Result {
        var status: Int32
        var output: String
        var errors: String
        var wallSeconds: Double
    }

    /// Runs `arguments` (the first looked up on PATH) in the repository root to completion; SIGKILL (to its
    /// whole process group) after `timeoutSeconds`.
    static func run(_ arguments: [String], timeoutSeconds: Double, environment extra: [String: String] = [:]) throws -> Result {
        let directory = FileManager.default.temporaryDirectory
        let stem = "hiltests-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        let outputPath = directory.appendingPathComponent(stem + ".out").path
        let errorPath = directory.appendingPathComponent(stem + ".err").path
        defer {
            unlink(outputPath)
            unlink(errorPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptySet = sigset_t()
        sigemptyset(&emptySet)
        var defaultSet = sigset_t()
        sigemptyset(&defaultSet)
        for signal in [SIGTERM, SIGINT, SIGPIPE, SIGHUP] { sigaddset(&defaultSet, signal) }
        posix_spawnattr_setsigmask(&attributes, &emptySet)
        posix_spawnattr_setsigdefault(&attributes, &defaultSet)
        // Its own process group, so a timeout stops the scripts' children (candump, bmsemu, python) too.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }.map { "\($0.key)=\($0.value)" }
        // `env -C` (coreutils): the child runs in the repository root, whatever the test's directory.
        let cArguments = (["env", "-C", HILEnvironment.root.path] + arguments).map { strdup($0) }
        let cEnvironment = environment.map { strdup($0) }
        defer {
            cArguments.forEach { free($0) }
            cEnvironment.forEach { free($0) }
        }
        var argv = cArguments + [nil]
        var envp = cEnvironment + [nil]
        var pid: pid_t = 0
        let start = Date()
        let result = posix_spawnp(&pid, "env", &actions, &attributes, &argv, &envp)
        guard result == 0 else { throw Failure(description: "cannot start \(arguments[0]): errno \(result)") }

        var status: Int32 = 0
        var timedOut = false
        while true {
            let waited = waitpid(pid, &status, WNOHANG)
            if waited == pid { break }
            if waited < 0, errno != EINTR { throw Failure(description: "waitpid: errno \(errno)") }
            if Date().timeIntervalSince(start) > timeoutSeconds, !timedOut {
                timedOut = true
                kill(-pid, SIGKILL)
            }
            usleep(20_000)
        }
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let output = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let errors = (try? String(contentsOfFile: errorPath, encoding: .utf8)) ?? ""
        if timedOut {
            throw Failure(description: "\(arguments.joined(separator: " ")) did not finish within \(timeoutSeconds) s; killed.\n\(output)\n\(errors)")
        }
        return Result(status: code, output: output, errors: errors, wallSeconds: Date().timeIntervalSince(start))
    }
}
