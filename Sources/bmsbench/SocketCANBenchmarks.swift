#if os(Linux)
import CANCore
import CANTransport
import Glibc
import SocketCAN
import Synchronization

/// Send+receive throughput over a real vcan: can-utils (cangen → candump) as the reference, then our
/// SocketCANBus sender → SocketCANBus receiver, with the same frame count, the same 8-byte frames and
/// the same receive buffer. Both sides count received frames and drops; the figure is frames received
/// per second of wall-clock time from the start of sending until the receiver holds the last frame.
///
/// Needs `vcan0` (run it through `HIL/bench-socketcan.sh`, which boots one User-Mode Linux guest).
/// `BMSEMU_BENCH_FRAMES` sets the frame count (default 50,000), `BMSEMU_BENCH_RUNS` the runs per side
/// (default 3; the best run counts, as elsewhere in bmsbench).
enum SocketCANBenchmarks {
    static let interface = "vcan0"
    static let receiveBufferBytes = 16 << 20
    static let idleTimeoutMilliseconds: Int64 = 1_000

    struct Measurement {
        var received: Int
        var dropped: UInt64
        var seconds: Double
        var framesPerSecond: Double { Double(received) / max(seconds, 1e-9) }
    }

    static func run() throws {
        let frames = environmentInteger("BMSEMU_BENCH_FRAMES") ?? 50_000
        let runs = environmentInteger("BMSEMU_BENCH_RUNS") ?? 3
        do {
            try SocketCANBus(interface: interface).close()
        } catch {
            print("socketcan: skipped, \(interface) is not usable here (\(error)); run: bash HIL/bench-socketcan.sh")
            return
        }
        print("socketcan: \(frames) frames of 8 bytes per run, best of \(runs), receive buffer \(receiveBufferBytes >> 20) MiB")

        var reference: [Measurement] = []
        for _ in 0..<runs { reference.append(try measureCanUtils(frames: frames)) }
        var ours: [Measurement] = []
        for _ in 0..<runs { ours.append(try measureSocketCANBus(frames: frames)) }
        var stream: [Measurement] = []
        for _ in 0..<runs { stream.append(try measureSocketCANBus(frames: frames, useEventStream: true)) }

        let bestReference = best(reference)
        let bestOurs = best(ours)
        let bestStream = best(stream)
        report("cangen -> candump (reference)", bestReference, all: reference)
        report("SocketCANBus send -> receive", bestOurs, all: ours)
        report("SocketCANBus send -> events() stream", bestStream, all: stream)
        Bench.note("ratio receive / reference", Bench.format(bestOurs.framesPerSecond / bestReference.framesPerSecond, 2) + " (target >= 0.8)")
        Bench.note("ratio events() / reference", Bench.format(bestStream.framesPerSecond / bestReference.framesPerSecond, 2))
    }

    static func best(_ measurements: [Measurement]) -> Measurement {
        measurements.max { $0.framesPerSecond < $1.framesPerSecond } ?? Measurement(received: 0, dropped: 0, seconds: 0)
    }

    static func report(_ name: String, _ measurement: Measurement, all: [Measurement]) {
        let rates = all.map { Bench.format($0.framesPerSecond, 0) }.joined(separator: ", ")
        Bench.note(
            name,
            Bench.format(measurement.framesPerSecond, 0) + " frames/s  (received \(measurement.received), dropped "
                + "\(measurement.dropped); runs: \(rates))")
    }

    // MARK: can-utils reference

    static func measureCanUtils(frames: Int) throws -> Measurement {
        let scratch = getenv("BMSEMU_SCRATCH_DIR").map { String(cString: $0) } ?? "/tmp"
        let log = "\(scratch)/bmsbench-candump-\(getpid()).log"
        defer { unlink(log) }
        let dumper = try Spawned(
            ["candump", "-L", "-d", "-r", String(receiveBufferBytes), "-n", String(frames), "-T", String(idleTimeoutMilliseconds),
             "\(interface),5C2:7FF"], stdoutPath: log)
        try waitUntilListening(frameID: 0x5C2, log: log)
        let start = monotonicSeconds()
        let generator = try Spawned(
            ["cangen", interface, "-g", "0", "-n", String(frames), "-I", "5C2", "-L", "8", "-D", "1122334455667788", "-p", "10"],
            stdoutPath: "/dev/null")
        let generatorStatus = generator.wait()
        let dumperStatus = dumper.wait()
        var elapsed = monotonicSeconds() - start
        let text = readFile(log)
        var received = 0
        var dropped: UInt64 = 0
        for line in text.split(separator: "\n") {
            if line.hasPrefix("(") && line.contains("5C2#1122334455667788") { received += 1 }
            if line.hasPrefix("DROPCOUNT"), let count = line.split(separator: " ").compactMap({ UInt64($0) }).first { dropped += count }
        }
        if received <= 0 || generatorStatus != 0 {
            print("socketcan: reference run failed: cangen status \(generatorStatus), candump status \(dumperStatus), log: \(text.prefix(300))")
        }
        if received < frames { elapsed -= Double(idleTimeoutMilliseconds) / 1000 }  // ended by -T, not by -n
        return Measurement(received: received, dropped: dropped, seconds: elapsed)
    }

    /// Waits until candump's kernel filter is registered (`/proc/net/can/rcvlist_fil`), so the timed
    /// run starts with candump listening and no marker frame has to be counted out.
    static func waitUntilListening(frameID: UInt32, log: String) throws {
        let entry = String(frameID, radix: 16) + "    000007ff"
        for _ in 0..<1_000 {
            if readFile("/proc/net/can/rcvlist_fil").contains(entry) { return }
            sleepMilliseconds(5)
        }
        throw Spawned.Failure(description: "candump did not register its filter within 5 s")
    }

    // MARK: ours

    final class ReceiverResult: Sendable {
        let value = Mutex<(received: Int, dropped: UInt64, lastFrameSeconds: Double)>((0, 0, 0))
        /// Events taken so far, for the idle watchdog of the stream run.
        let progress = Atomic<Int>(0)
    }

    static func measureSocketCANBus(frames: Int, useEventStream: Bool = false) throws -> Measurement {
        let id = try CANID(standard: 0x5C3)
        let receiver = try SocketCANBus(
            interface: interface, options: .init(filters: [.exact(id)], receiveBufferBytes: receiveBufferBytes))
        let sender = try SocketCANBus(interface: interface, options: .init(errorClasses: []))
        let result = ReceiverResult()
        let thread = try Spawned.thread {
            if useEventStream {
                consumeStream(receiver, frames: frames, into: result)
            } else {
                consumeReceive(receiver, frames: frames, into: result)
            }
        }
        sleepMilliseconds(50)  // let the receiver reach its first wait
        let frame = try CANFrame(id: id, data: [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88])
        let start = monotonicSeconds()
        var sent = 0
        while sent < frames {
            switch Result(catching: { () throws(CANTransportError) in try sender.send(frame) }) {
            case .success: sent += 1
            case .failure(let error) where error.kind == .transmitQueueFull: sleepMilliseconds(0)
            case .failure(let error): throw error
            }
        }
        _ = pthread_join(thread, nil)
        let outcome = result.value.withLock { $0 }
        receiver.close()
        sender.close()
        return Measurement(received: outcome.received, dropped: outcome.dropped, seconds: outcome.lastFrameSeconds - start)
    }

    static func consumeReceive(_ bus: SocketCANBus, frames: Int, into result: ReceiverResult) {
        var received = 0
        var dropped: UInt64 = 0
        var last = 0.0
        while received + Int(dropped) < frames {
            guard let event = try? bus.receive(timeoutNanoseconds: idleTimeoutMilliseconds * 1_000_000) else { break }
            switch event {
            case .frame:
                received += 1
                last = monotonicSeconds()
            case .framesDropped(let count): dropped += count
            case .busError: break
            }
        }
        result.value.withLock { $0 = (received, dropped, last) }
    }

    static func consumeStream(_ bus: SocketCANBus, frames: Int, into result: ReceiverResult) {
        let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        sem_init(semaphore, 0, 0)
        defer {
            sem_destroy(semaphore)
            semaphore.deallocate()
        }
        let stream = bus.events()
        let box = SemaphoreBox(semaphore)
        let task = Task {
            var received = 0
            var dropped: UInt64 = 0
            var last = 0.0
            var iterator = stream.makeAsyncIterator()
            while received + Int(dropped) < frames {
                guard let event = try? await iterator.next() else { break }
                result.progress.add(1, ordering: .relaxed)
                switch event {
                case .frame:
                    received += 1
                    last = monotonicSeconds()
                case .framesDropped(let count): dropped += count
                case .busError: break
                }
            }
            result.value.withLock { $0 = (received, dropped, last) }
            box.signal()
        }
        // The stream has no idle timeout of its own: end it if the frames stop coming.
        var lastCount = -1
        while true {
            var deadline = timespec()
            clock_gettime(CLOCK_REALTIME, &deadline)
            deadline.tv_sec += Int(idleTimeoutMilliseconds / 1000)
            if sem_timedwait(semaphore, &deadline) == 0 { break }
            let count = result.progress.load(ordering: .relaxed)
            if count == lastCount {
                task.cancel()
                bus.close()
                sem_wait(semaphore)
                break
            }
            lastCount = count
        }
    }

    // MARK: helpers

    static func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func sleepMilliseconds(_ milliseconds: Int) {
        var pause = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000 + 50_000)
        nanosleep(&pause, nil)
    }

    static func environmentInteger(_ name: String) -> Int? {
        guard let value = getenv(name) else { return nil }
        return Int(String(cString: value))
    }

    static func readFile(_ path: String) -> String {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A semaphore pointer handed to the stream-consuming task; Sendable because `sem_t` is thread-safe.
final class SemaphoreBox: @unchecked Sendable {
    // Justification for @unchecked: the pointer is only used through sem_post, which is thread-safe.
    private let semaphore: UnsafeMutablePointer<sem_t>
    init(_ semaphore: UnsafeMutablePointer<sem_t>) { self.semaphore = semaphore }
    func signal() { sem_post(semaphore) }
}

/// Child processes and threads for the benchmark (posix_spawn with a clean signal mask, pthreads).
struct Spawned {
    let pid: pid_t

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    init(_ arguments: [String], stdoutPath: String) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let cArguments = arguments.map { strdup($0) }
        defer { cArguments.forEach { free($0) } }
        var argv = cArguments + [nil]
        var child: pid_t = 0
        let result = posix_spawnp(&child, arguments[0], &actions, &attributes, &argv, environ)
        guard result == 0 else { throw Failure(description: "cannot start \(arguments[0]): errno \(result)") }
        pid = child
    }

    func wait() -> CInt {
        var status: CInt = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return status
    }

    final class ThreadBody {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func thread(_ body: @escaping () -> Void) throws -> pthread_t {
        var thread = pthread_t()
        let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        let result = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            throw Failure(description: "pthread_create failed: \(result)")
        }
        return thread
    }
}
#endif
