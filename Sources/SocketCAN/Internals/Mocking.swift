// Debug-only syscall mocking seam (swift-system `Internals/Mocking.swift` style).
//
// A test installs a `MockingDriver` with `MockingDriver.withMocking { driver in ... }`. While it is
// installed (task-local, so parallel tests do not see each other's drivers), every `system_*` call
// in `Syscalls.swift` is recorded in `driver.trace` and answered by the test's handler instead of the
// kernel. This exercises the open/bind/setsockopt/read/write sequences and the errno handling (EINTR
// retry, close on every error path) on kernels without AF_CAN.
#if os(Linux) && ENABLE_MOCKING
internal import CSocketCAN
import Glibc
import Synchronization

/// One intercepted system call with its arguments. Pointers are valid only during the handler call.
enum MockCall {
    case socket(domain: CInt, type: CInt, protocolNumber: CInt)
    case bind(fd: CInt, address: UnsafeRawBufferPointer)
    case setsockopt(fd: CInt, level: CInt, option: CInt, value: UnsafeRawBufferPointer)
    case getsockopt(fd: CInt, level: CInt, option: CInt, value: UnsafeMutableRawBufferPointer)
    case ioctl(fd: CInt, request: UInt, argument: UnsafeMutableRawPointer)
    case recvmsg(fd: CInt, message: UnsafeMutablePointer<msghdr>, flags: CInt)
    case write(fd: CInt, bytes: UnsafeRawBufferPointer)
    case send(fd: CInt, bytes: UnsafeRawBufferPointer, flags: CInt)
    case recv(fd: CInt, buffer: UnsafeMutableRawBufferPointer, flags: CInt)
    case close(fd: CInt)
    case poll(descriptors: UnsafeMutableBufferPointer<pollfd>, timeoutNanoseconds: Int64)
    case eventfd(flags: CInt)
    case interfaceIndex(name: String)
    case libsocketcan(function: String, interface: String)

    /// A stable, comparable summary of the call for traces: name and integer arguments.
    var summary: MockTraceEntry {
        switch self {
        case .socket(let domain, let type, let protocolNumber):
            return MockTraceEntry("socket", [Int(domain), Int(type), Int(protocolNumber)])
        case .bind(let fd, _): return MockTraceEntry("bind", [Int(fd)])
        case .setsockopt(let fd, let level, let option, let value):
            return MockTraceEntry("setsockopt", [Int(fd), Int(level), Int(option)], bytes: Array(value))
        case .getsockopt(let fd, let level, let option, _):
            return MockTraceEntry("getsockopt", [Int(fd), Int(level), Int(option)])
        case .ioctl(let fd, let request, _): return MockTraceEntry("ioctl", [Int(fd), Int(request)])
        case .recvmsg(let fd, _, let flags): return MockTraceEntry("recvmsg", [Int(fd), Int(flags)])
        case .write(let fd, let bytes): return MockTraceEntry("write", [Int(fd)], bytes: Array(bytes))
        case .send(let fd, let bytes, _): return MockTraceEntry("send", [Int(fd)], bytes: Array(bytes))
        case .recv(let fd, _, _): return MockTraceEntry("recv", [Int(fd)])
        case .close(let fd): return MockTraceEntry("close", [Int(fd)])
        case .poll(let descriptors, let timeout):
            return MockTraceEntry("poll", descriptors.map { Int($0.fd) } + [Int(timeout)])
        case .eventfd(let flags): return MockTraceEntry("eventfd", [Int(flags)])
        case .interfaceIndex(let name): return MockTraceEntry("if_nametoindex", [], text: name)
        case .libsocketcan(let function, let interface): return MockTraceEntry(function, [], text: interface)
        }
    }
}

/// What a recorded call looked like.
struct MockTraceEntry: Hashable, Sendable, CustomStringConvertible {
    var name: String
    var arguments: [Int]
    var bytes: [UInt8]
    var text: String

    init(_ name: String, _ arguments: [Int], bytes: [UInt8] = [], text: String = "") {
        self.name = name
        self.arguments = arguments
        self.bytes = bytes
        self.text = text
    }

    var description: String {
        var result = name + "(" + arguments.map(String.init).joined(separator: ", ")
        if !text.isEmpty { result += (arguments.isEmpty ? "" : ", ") + "\"" + text + "\"" }
        return result + ")"
    }
}

/// The scripted answer to one call.
enum MockOutcome {
    /// Return this value (a descriptor, a byte count, 0).
    case value(Int)
    /// Return -1 with `errno` set.
    case fail(errno: CInt)
}

/// Records system calls and answers them from a test's handler.
final class MockingDriver: Sendable {
    typealias Handler = @Sendable (MockCall) -> MockOutcome

    private struct State {
        var trace: [MockTraceEntry] = []
        var handler: Handler
    }

    private let state: Mutex<State>

    /// The driver installed for the current task (and for threads that the code under test starts with it).
    @TaskLocal static var current: MockingDriver?

    init(handler: @escaping Handler) {
        state = Mutex(State(handler: handler))
    }

    /// Runs `body` with a driver installed; calls outside it go to the kernel as usual.
    static func withMocking<R>(
        _ handler: @escaping Handler, _ body: (MockingDriver) throws -> R
    ) rethrows -> R {
        let driver = MockingDriver(handler: handler)
        return try $current.withValue(driver) { try body(driver) }
    }

    /// Every call so far, in order.
    var trace: [MockTraceEntry] { state.withLock { $0.trace } }

    /// Replaces the handler (to script a later phase of a test).
    func setHandler(_ handler: @escaping Handler) {
        state.withLock { $0.handler = handler }
    }

    func perform<T: FixedWidthInteger>(_ call: MockCall) -> T {
        let outcome = state.withLock { state -> MockOutcome in
            state.trace.append(call.summary)
            return state.handler(call)
        }
        switch outcome {
        case .value(let value): return T(truncatingIfNeeded: value)
        case .fail(let code):
            errno = code
            return -1
        }
    }
}
#endif
