#if canImport(Glibc)
import Glibc
#endif

/// Reads the kernel clocks the runtime schedules and stamps by.
public enum MonotonicClock {
    /// Nanoseconds of `CLOCK_MONOTONIC` (unaffected by wall-clock changes); the scheduler's time base.
    public static func nanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    /// Nanoseconds since the Unix epoch (`CLOCK_REALTIME`), the base SocketCAN uses for kernel timestamps.
    public static func wallNanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    /// Sleeps until the absolute `CLOCK_MONOTONIC` time (`clock_nanosleep` with `TIMER_ABSTIME`), retrying on EINTR
    /// unless `interruptible` says to stop (e.g. a shutdown signal arrived).
    public static func sleep(untilNanoseconds deadline: Int64, interruptible: () -> Bool = { false }) {
        var spec = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        while true {
            let result = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &spec, nil)
            if result == EINTR, !interruptible() { continue }
            return
        }
    }
}
