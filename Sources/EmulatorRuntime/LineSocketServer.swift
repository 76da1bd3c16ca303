import Glibc

/// A TCP server for newline-delimited requests (the remote test API's transport), driven from the
/// caller's loop: ``poll(timeoutMilliseconds:handler:)`` accepts clients, reads what arrived, and
/// answers each complete line with what `handler` returns. Single-threaded, non-blocking; a line
/// longer than ``maximumLineBytes`` is passed truncated (so the handler can refuse it) and the rest
/// of it is discarded.
public final class LineSocketServer {
    /// The port actually bound (the one asked for, or the kernel's choice for 0).
    public let port: UInt16
    /// Most clients connected at once; further connections are accepted and closed at once.
    public let maximumClients = 16
    public let maximumLineBytes: Int
    private var listener: Int32
    private var clients: [Client] = []

    private struct Client {
        var descriptor: Int32
        var buffer: [UInt8] = []
        var discarding = false
    }

    /// Binds and listens on `host` (an IPv4 address, 127.0.0.1 by default) and `port` (0: any free port).
    public init(host: String = "127.0.0.1", port: UInt16, maximumLineBytes: Int = 1 << 20) throws(RuntimeError) {
        self.maximumLineBytes = max(maximumLineBytes, 16)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw RuntimeError("--rpc-bind: '\(host)' is not an IPv4 address") }
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw RuntimeError("rpc: socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(descriptor)
            throw RuntimeError("rpc: cannot listen on \(host):\(port): \(reason)")
        }
        var actual = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        listener = descriptor
        self.port = UInt16(bigEndian: actual.sin_port)
    }

    deinit { close() }

    /// Number of connected clients.
    public var clientCount: Int { clients.count }

    /// Closes the listener and every client.
    public func close() {
        for client in clients { Glibc.close(client.descriptor) }
        clients.removeAll()
        if listener >= 0 { Glibc.close(listener) }
        listener = -1
    }

    /// Waits up to `timeoutMilliseconds` (0: not at all) for activity, then serves it: new clients,
    /// request lines (each answered with `handler`'s line, if any, plus a newline), disconnects.
    public func poll(timeoutMilliseconds: Int32, handler: (ArraySlice<UInt8>) -> String?) {
        guard listener >= 0 else { return }
        var descriptors = [pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
        descriptors += clients.map { pollfd(fd: $0.descriptor, events: Int16(POLLIN), revents: 0) }
        let ready = Glibc.poll(&descriptors, nfds_t(descriptors.count), max(timeoutMilliseconds, 0))
        guard ready > 0 else { return }
        var closed: Set<Int32> = []
        for (index, entry) in descriptors.enumerated().dropFirst() where entry.revents != 0 {
            if !serve(clientAt: index - 1, handler: handler) { closed.insert(entry.fd) }
        }
        if !closed.isEmpty {
            for client in clients where closed.contains(client.descriptor) { Glibc.close(client.descriptor) }
            clients.removeAll { closed.contains($0.descriptor) }
        }
        if descriptors[0].revents & Int16(POLLIN) != 0 { acceptClients() }
    }

    private func acceptClients() {
        while true {
            let descriptor = accept(listener, nil, nil)
            guard descriptor >= 0 else { return }
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            guard clients.count < maximumClients else {
                Glibc.close(descriptor)
                continue
            }
            var one: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            clients.append(Client(descriptor: descriptor))
        }
    }

    /// Reads what is there and answers complete lines; `false` when the client is gone.
    private func serve(clientAt index: Int, handler: (ArraySlice<UInt8>) -> String?) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(clients[index].descriptor, $0.baseAddress, $0.count, 0) }
        if count == 0 { return false }
        if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
        var client = clients[index]
        var replies = ""
        for byte in chunk[0..<count] {
            if byte == 0x0A {
                if client.discarding {
                    client.discarding = false
                } else {
                    var line = client.buffer[...]
                    if line.last == 0x0D { line = line.dropLast() }
                    if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }), let reply = handler(line) { replies += reply + "\n" }
                }
                client.buffer.removeAll(keepingCapacity: true)
            } else if !client.discarding {
                client.buffer.append(byte)
                if client.buffer.count > maximumLineBytes {
                    if let reply = handler(client.buffer[...]) { replies += reply + "\n" }
                    client.buffer.removeAll()
                    client.discarding = true
                }
            }
        }
        clients[index] = client
        return replies.isEmpty || send(Array(replies.utf8), to: client.descriptor)
    }

    /// Sends everything, waiting up to a second at a time for a slow reader; `false` if it fails.
    private func send(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent > 0 {
                offset += sent
            } else if sent < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                guard Glibc.poll(&entry, 1, 1000) > 0 else { return false }
            } else {
                return false
            }
        }
        return true
    }
}
