import Glibc

/// A child process (can-utils) started with `posix_spawnp`, its standard output on a pipe read with
/// `poll` from the test's own thread.
///
/// The child starts with an empty signal mask and default SIGTERM/SIGINT/SIGPIPE/SIGHUP handling: the
/// test runner's threads block signals, and a child inheriting a blocked SIGTERM cannot be stopped
/// (seen as a hang when stopping candump).
final class ChildProcess {
    let pid: pid_t
    private var outputDescriptor: CInt
    private(set) var output: [UInt8] = []
    private var exitStatus: CInt?

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    /// Starts `arguments[0]` (looked up on PATH) with the given arguments.
    init(_ arguments: [String]) throws {
        var pipeEnds: [CInt] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { throw SpawnError(description: "pipe failed: errno \(errno)") }
        // Close-on-exec on both ends: the child gets the write end as its stdout through dup2 only.
        _ = fcntl(pipeEnds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeEnds[1], F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        // The test runner's threads block signals; without a reset the child inherits a blocked
        // SIGTERM and cannot be stopped.
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
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArguments = arguments.map { strdup($0) }
        defer { cArguments.forEach { free($0) } }
        var argv = cArguments + [nil]
        var child: pid_t = 0
        let result = posix_spawnp(&child, arguments[0], &actions, &attributes, &argv, environ)
        close(pipeEnds[1])
        guard result == 0 else {
            close(pipeEnds[0])
            throw SpawnError(description: "cannot start \(arguments[0]): errno \(result)")
        }
        pid = child
        outputDescriptor = pipeEnds[0]
    }

    deinit {
        if exitStatus == nil {
            kill(pid, SIGKILL)
            _ = waitForExit()
        }
        if outputDescriptor >= 0 { close(outputDescriptor) }
    }

    /// Reads whatever output arrives within `timeoutMilliseconds`; returns `false` at end of output.
    @discardableResult
    func readOutput(timeoutMilliseconds: CInt) -> Bool {
        guard outputDescriptor >= 0 else { return false }
        var descriptor = pollfd(fd: outputDescriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, timeoutMilliseconds) > 0 else { return true }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let count = buffer.withUnsafeMutableBytes { read(outputDescriptor, $0.baseAddress, $0.count) }
        if count > 0 {
            output += buffer[0..<count]
            return true
        }
        if count < 0 && (errno == EINTR || errno == EAGAIN) { return true }
        close(outputDescriptor)
        outputDescriptor = -1
        return false
    }

    /// Output so far as text.
    var outputText: String { String(decoding: output, as: UTF8.self) }

    /// Sends SIGTERM.
    func terminate() { kill(pid, SIGTERM) }

    /// Reads the remaining output, waits for the process and returns its exit status (128+signal when killed).
    func waitForExit() -> CInt {
        if let exitStatus { return exitStatus }
        while readOutput(timeoutMilliseconds: 1_000) {}
        var status: CInt = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        exitStatus = code
        return code
    }
}
