#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Turns SIGINT and SIGTERM into a flag the run loops poll, so a run stops at a cycle boundary and
/// flushes its logs instead of dying mid-write.
///
/// The handler only stores to an atomic (async-signal-safe). A blocking `clock_nanosleep` or `poll`
/// returns with EINTR when the signal arrives, so loops notice within one cycle.
public enum ShutdownSignal {
    private static let requested = Atomic<Int32>(0)

    /// Installs the handlers (idempotent). Call once, early, from the command-line tool.
    public static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            ShutdownSignal.requested.store(signal, ordering: .relaxed)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0  // no SA_RESTART: blocking calls return EINTR so loops can check the flag
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
    }

    /// `true` once SIGINT or SIGTERM arrived (or ``request()`` was called).
    public static var isRequested: Bool { requested.load(ordering: .relaxed) != 0 }

    /// The signal number that requested shutdown, 0 if none.
    public static var signalNumber: Int32 { requested.load(ordering: .relaxed) }

    /// Requests shutdown from code (tests, the remote API).
    public static func request() { requested.store(-1, ordering: .relaxed) }
}
