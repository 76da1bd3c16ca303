// Every system call of the SocketCAN module, wrapped once (swift-system `Internals/Syscalls.swift` style).
//
// - Each `system_*` function calls the C function, or, in debug builds while a test has installed a
//   `MockingDriver`, records the call and returns what the test scripted (including errno).
// - `valueOrErrno(retryOnInterrupt:)` captures errno immediately after the call, retries `EINTR`,
//   and returns `Result<T, Errno>`; callers treat `EAGAIN`/`EWOULDBLOCK` as a state, not an error.
// - Nothing outside this file calls libc socket functions directly.
#if os(Linux)
internal import CSocketCAN
import Glibc
import SystemPackage

// MARK: - Result handling

/// Runs `call` until it does not fail with `EINTR` (when `retryOnInterrupt`), capturing errno at once.
@inline(__always)
func valueOrErrno<T: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ call: () -> T) -> Result<T, Errno> {
    while true {
        let result = call()
        if result != -1 { return .success(result) }
        let code = Errno(rawValue: errno)
        if retryOnInterrupt && code == .interrupted { continue }
        return .failure(code)
    }
}

/// Like ``valueOrErrno(retryOnInterrupt:_:)`` for calls that return a pointer-free status of 0 on success.
@inline(__always)
func nothingOrErrno(retryOnInterrupt: Bool = true, _ call: () -> CInt) -> Result<Void, Errno> {
    valueOrErrno(retryOnInterrupt: retryOnInterrupt, call).map { _ in () }
}

// MARK: - Sockets

/// The corresponding C function is `socket(2)`.
func system_socket(_ domain: CInt, _ type: CInt, _ protocolNumber: CInt) -> CInt {
    #if ENABLE_MOCKING
    if let driver = MockingDriver.current {
        return driver.perform(.socket(domain: domain, type: type, protocolNumber: protocolNumber))
    }
    #endif
    return socket(domain, type, protocolNumber)
}

/// The corresponding C function is `bind(2)`.
func system_bind(_ fd: CInt, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> CInt {
    #if ENABLE_MOCKING
    if let driver = MockingDriver.current {
        return driver.perform(.bind(fd: fd, address: UnsafeRawBufferPointer(start: address, count: Int(length))))
    }
    #endif
    return bind(fd, address, length)
}

/// The corresponding C function is `setsockopt(2)`.
func system_setsockopt(_ fd: CInt, _ level: CInt, _ option: CInt, _ value: UnsafeRawPointer?, _ length: socklen_t) -> CInt {
    #if ENABLE_MOCKING
    if let driver = MockingDriver.current {
        return driver.perform(
            .setsockopt(fd: fd, level: level, option: option, value: UnsafeRawBufferPointer(start: value, count: Int(length))))
    }
    #endif
    return setsockopt(fd, level, option, value, length)
}

/// The corresponding C function is `getsockopt(2)`.
func system_getsockopt(
    _ fd: CInt, _ level: CInt, _ option: CInt, _ value: UnsafeMutableRawPointer, _ length: UnsafeMutablePointer<socklen_t>
) -> CInt {
    #if ENABLE_MOCKING
    if let driver = MockingDriver.current {
        return driver.perform(
            .getsockopt(fd: fd, level: level, option: option, value: UnsafeMutableRawBufferPointer(start: value, count: Int(length.pointee))))
    }
    #endif
    return getsockopt(fd, level, option, value, length)
}

/// The corresponding C function is `ioctl(2)` with a pointer argument.
func system_ioctl(_ fd: CInt, _ request: UInt, _ argument: UnsafeMutableRawPointer) -> CInt {
    #if ENABLE_MOCKING
    if let driver = MockingDriver.current {
        return driver.perform(.ioctl(fd: fd, request: request, argument: argument))
    }
    #endif
    return ioctl(fd, request, argument)
}

/// The corresponding C function is `recvmsg(2)`.
func system_recvmsg(_ fd: CInt, _ message: UnsafeMutablePointer<msghdr>, _ flags: CInt) -> Int {
    #if ENABLE_MOCKING
    if let driver = MockingDriver.current {
        return driver.perform(.recvmsg(fd: fd, message: message, flags: flags))
    }
    #endif
    return recvmsg(fd, message, flags)
}

/// The corresponding C function is `write(2)`.
func system_write(_ fd: CInt, _ buffer: UnsafeRawBufferPointer) -> Int {
    #if ENABLE_MOCKING
    if let driver = MockingDriver.current {
        return driver.perform(.write(fd: fd, bytes: buffer))
    }
    #endif
    return write(fd, buffer.baseAddress, buffer.count)
}

/// The corresponding C function is `send(2)` (netlink requests).
func system_send(_ fd: CInt, _ buffer: UnsafeRawBufferPointer, _ flags: CInt) -> Int {
    #if ENABLE_MOCKING
    if let driver = MockingDriver.current {
        return driver.perform(.send(fd: fd, bytes: buffer, flags: flags))
    }
    #endif
    return send(fd, buffer.baseAddress, buffer.count, flags)
}

/// The corresponding C function is `recv(2)` (netlink replies).
func system_recv(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, _ flags: CInt) -> Int {
    #if ENABLE_MOCKING
    if let driver = MockingDriver.current {
        return driver.perform(.recv(fd: fd, buffer: buffer, flags: flags))
    }
    #endif
    return recv(fd, buffer.baseAddress, buffer.count, flags)
}

/// The corresponding C function is `close(2)`. Never retried on `EINTR`: on Linux the descriptor is
/// released even then, and a retry could close a descriptor another thread just received.
func system_close(_ fd: CInt) -> CInt {
    #if ENABLE_MOCKING
    if let driver = MockingDriver.current {
        return driver.perform(.close(fd: fd))
    }
    #endif
    return close(fd)
}

// MARK: - Waiting and waking

/// The corresponding C function is `poll(2)`; `timeoutNanoseconds` < 0 waits without limit, other
/// values are rounded up to whole milliseconds (poll's resolution), so a wait never ends early.
func system_poll(_ descriptors: UnsafeMutableBufferPointer<pollfd>, _ timeoutNanoseconds: Int64) -> CInt {
    #if ENABLE_MOCKING
    if let driver = MockingDriver.current {
        return driver.perform(.poll(descriptors: descriptors, timeoutNanoseconds: timeoutNanoseconds))
    }
    #endif
    let milliseconds: CInt
    if timeoutNanoseconds < 0 {
        milliseconds = -1
    } else {
        let rounded = timeoutNanoseconds / 1_000_000 + (timeoutNanoseconds % 1_000_000 == 0 ? 0 : 1)
        milliseconds = CInt(clamping: rounded)
    }
    return poll(descriptors.baseAddress, nfds_t(descriptors.count), milliseconds)
}

/// The corresponding C function is `eventfd(2)`.
func system_eventfd(_ initialValue: CUnsignedInt, _ flags: CInt) -> CInt {
    #if ENABLE_MOCKING
    if let driver = MockingDriver.current {
        return driver.perform(.eventfd(flags: flags))
    }
    #endif
    return eventfd(initialValue, flags)
}

// MARK: - Names, clocks

/// The corresponding C function is `if_nametoindex(3)`; returns 0 and sets errno when there is no such interface.
func system_if_nametoindex(_ name: UnsafePointer<CChar>) -> CUnsignedInt {
    #if ENABLE_MOCKING
    if let driver = MockingDriver.current {
        let index: CInt = driver.perform(.interfaceIndex(name: String(cString: name)))
        return index < 0 ? 0 : CUnsignedInt(index)
    }
    #endif
    return if_nametoindex(name)
}

/// Nanoseconds of `CLOCK_MONOTONIC` (deadlines); the corresponding C function is `clock_gettime(2)`.
func system_monotonicNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Int64(now.tv_sec) &* 1_000_000_000 &+ Int64(now.tv_nsec)
}

/// `CLOCK_REALTIME` (software receive timestamps when kernel timestamps are off).
func system_realtime() -> timespec {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return now
}

// MARK: - Threads

/// The corresponding C function is `pthread_create(3)`.
func system_pthread_create(
    _ thread: UnsafeMutablePointer<pthread_t>,
    _ body: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer?,
    _ argument: UnsafeMutableRawPointer
) -> CInt {
    pthread_create(thread, nil, body, argument)
}

// MARK: - libsocketcan (netlink interface control)

/// Calls one libsocketcan function with the interface name as a C string.
///
/// libsocketcan returns -1 on failure without reliably setting errno, so callers map failures themselves.
func system_libsocketcan(_ name: String, _ function: String, _ call: (UnsafePointer<CChar>) -> CInt) -> CInt {
    #if ENABLE_MOCKING
    if let driver = MockingDriver.current {
        return driver.perform(.libsocketcan(function: function, interface: name))
    }
    #endif
    return name.withCString { call($0) }
}
#endif
