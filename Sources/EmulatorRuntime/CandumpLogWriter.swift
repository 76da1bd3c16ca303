#if canImport(Glibc)
import Glibc
#endif
public import CANCore

/// Writes candump `-L` lines to a file through a buffered stream; ``close()`` flushes and syncs, so a
/// run stopped by SIGINT/SIGTERM still leaves a complete log of everything recorded.
public final class CandumpLogWriter {
    private var file: UnsafeMutablePointer<FILE>?
    /// The path written to.
    public let path: String
    /// Lines written so far.
    public private(set) var linesWritten: UInt64 = 0

    /// Opens (truncates) `path` for writing.
    ///
    /// - Throws: ``RuntimeError`` naming the path and the system error.
    public init(path: String) throws(RuntimeError) {
        self.path = path
        guard let handle = fopen(path, "w") else {
            throw RuntimeError("cannot open \(path) for writing: \(String(cString: strerror(errno)))")
        }
        file = handle
    }

    /// Appends a `#` comment line (labels, run metadata).
    public func writeComment(_ text: String) {
        write(line: "# " + text)
    }

    /// Appends one record.
    public func write(_ record: CANLogRecord) {
        write(line: record.description)
    }

    private func write(line: String) {
        guard let file else { return }
        var text = line
        text += "\n"
        text.withUTF8 { bytes in _ = fwrite(bytes.baseAddress, 1, bytes.count, file) }
        linesWritten &+= 1
    }

    /// Pushes buffered lines to the kernel.
    public func flush() {
        if let file { fflush(file) }
    }

    /// Flushes, syncs to disk and closes; further writes are ignored. Idempotent.
    public func close() {
        guard let handle = file else { return }
        fflush(handle)
        fsync(fileno(handle))
        fclose(handle)
        file = nil
    }

    deinit { close() }
}

/// A failure in the runtime shell (files, processes, configuration), with a message for the user.
public struct RuntimeError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
