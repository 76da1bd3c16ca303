/// A problem on one line of a candump log. Other lines of the file are unaffected.
public typealias CandumpLogError = LogLineError

/// A problem on one line of a log file (candump or ASC), located by line and column.
public struct LogLineError: Error, Hashable, Sendable, CustomStringConvertible {
    /// 1-based line number.
    public let line: Int
    /// 1-based byte column where the problem starts.
    public let column: Int
    /// What is wrong.
    public let reason: String

    public init(line: Int, column: Int, reason: String) {
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String { "line \(line), column \(column): \(reason)" }
}

/// What one line of a candump log holds.
public enum CandumpLogEntry: Hashable, Sendable {
    /// A frame record.
    case record(CANLogRecord)
    /// A `#` comment line (text after `#`, trimmed); canplayer ignores these. Used for labels.
    case comment(String)
}

/// Reads and writes the candump `-L` / canplayer log format.
///
/// Parsing works on bytes, never traps, and reports each malformed line with its number while
/// keeping every good line: `parse` returns both the records and the errors.
public enum CandumpLog {
    /// The result of parsing a whole log.
    public struct ParseResult: Sendable {
        /// Every well-formed frame record, in file order.
        public var records: [CANLogRecord] = []
        /// `#` comment lines, in file order, with their line numbers.
        public var comments: [(line: Int, text: String)] = []
        /// Every malformed line.
        public var errors: [CandumpLogError] = []
    }

    /// Parses a whole log held in memory. Blank lines are skipped; `\r\n` line ends are accepted.
    public static func parse(_ bytes: some Collection<UInt8>) -> ParseResult {
        var result = ParseResult()
        var splitter = LineSplitter()
        splitter.append(bytes)
        splitter.finish()
        while let (number, line) = splitter.nextLine() {
            switch parseLine(line, lineNumber: number) {
            case .success(.record(let record))?: result.records.append(record)
            case .success(.comment(let text))?: result.comments.append((number, text))
            case .failure(let error)?: result.errors.append(error)
            case nil: break
            }
        }
        return result
    }

    /// Parses a whole log held in a string.
    public static func parse(text: String) -> ParseResult { parse(Array(text.utf8)) }

    /// Parses one line (without its line break). Returns `nil` for a blank line.
    public static func parseLine(_ line: some Collection<UInt8>, lineNumber: Int) -> Result<CandumpLogEntry, CandumpLogError>? {
        var bytes = Array(line)
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return bytes.withUnsafeBufferPointer { buffer in parseLine(buffer, lineNumber: lineNumber) }
    }

    static func parseLine(_ bytes: UnsafeBufferPointer<UInt8>, lineNumber: Int) -> Result<CandumpLogEntry, CandumpLogError>? {
        func fail(_ reason: String, _ index: Int) -> Result<CandumpLogEntry, CandumpLogError> {
            .failure(CandumpLogError(line: lineNumber, column: index + 1, reason: reason))
        }
        var index = 0
        while index < bytes.count, isBlank(bytes[index]) { index += 1 }
        if index == bytes.count { return nil }
        if bytes[index] == UInt8(ascii: "#") {
            guard let text = String(validating: bytes[(index + 1)...], as: UTF8.self) else {
                return fail("comment is not valid UTF-8", index)
            }
            return .success(.comment(trimmed(text)))
        }
        guard bytes[index] == UInt8(ascii: "(") else { return fail("expected '(' starting the timestamp", index) }
        index += 1

        // Timestamp: digits '.' digits ')'
        let secondsStart = index
        var seconds: UInt64 = 0
        while index < bytes.count, let digit = decimalValue(bytes[index]) {
            let (scaled, o1) = seconds.multipliedReportingOverflow(by: 10)
            let (sum, o2) = scaled.addingReportingOverflow(UInt64(digit))
            guard !o1, !o2 else { return fail("timestamp seconds overflow 64 bits", secondsStart) }
            seconds = sum
            index += 1
        }
        let secondsDigits = index - secondsStart
        guard secondsDigits > 0 else { return fail("timestamp needs digits before '.'", secondsStart) }
        guard index < bytes.count, bytes[index] == UInt8(ascii: ".") else { return fail("timestamp needs a '.'", index) }
        index += 1
        let fractionStart = index
        var nanoseconds: UInt32 = 0
        while index < bytes.count, let digit = decimalValue(bytes[index]) {
            guard index - fractionStart < 9 else { return fail("timestamp has more than 9 fraction digits", index) }
            nanoseconds = nanoseconds * 10 + UInt32(digit)
            index += 1
        }
        let fractionDigits = index - fractionStart
        guard fractionDigits > 0 else { return fail("timestamp needs digits after '.'", fractionStart) }
        for _ in fractionDigits..<9 { nanoseconds *= 10 }
        guard index < bytes.count, bytes[index] == UInt8(ascii: ")") else { return fail("timestamp must end with ')'", index) }
        index += 1
        let timestamp = CANTimestamp(
            seconds: seconds, nanoseconds: nanoseconds,
            fractionDigits: UInt8(fractionDigits), secondsWidth: UInt8(min(secondsDigits, 20)))

        // Interface name.
        guard index < bytes.count, isBlank(bytes[index]) else { return fail("expected a space after the timestamp", index) }
        while index < bytes.count, isBlank(bytes[index]) { index += 1 }
        let nameStart = index
        while index < bytes.count, !isBlank(bytes[index]) { index += 1 }
        let nameLength = index - nameStart
        guard nameLength > 0 else { return fail("missing interface name", nameStart) }
        guard nameLength <= 15 else { return fail("interface name longer than 15 bytes", nameStart) }
        for position in nameStart..<index where !(0x21..<0x7F).contains(bytes[position]) || bytes[position] == UInt8(ascii: "/") {
            return fail("interface name has byte '\(printable(bytes[position]))'", position)
        }
        let interface = String(decoding: bytes[nameStart..<index], as: UTF8.self)

        // Frame.
        while index < bytes.count, isBlank(bytes[index]) { index += 1 }
        let frameStart = index
        while index < bytes.count, !isBlank(bytes[index]) { index += 1 }
        guard index > frameStart else { return fail("missing frame after the interface name", frameStart) }
        let frame: CANFrame
        do {
            frame = try CANFrame.parseCandump(UnsafeBufferPointer(rebasing: bytes[frameStart..<index]), offset: frameStart)
        } catch {
            if case .malformedText(let reason, let offset) = error {
                return fail(reason, offset)
            }
            return fail(error.description, frameStart)
        }

        // Optional direction marker.
        while index < bytes.count, isBlank(bytes[index]) { index += 1 }
        var direction: CANLogDirection?
        if index < bytes.count {
            let markerStart = index
            if bytes[index] == UInt8(ascii: "R") { direction = .receive } else if bytes[index] == UInt8(ascii: "T") { direction = .transmit }
            index += 1
            while index < bytes.count, isBlank(bytes[index]) { index += 1 }
            guard direction != nil, index == bytes.count else { return fail("unexpected text after the frame", markerStart) }
        }
        return .success(.record(CANLogRecord(timestamp: timestamp, interface: interface, frame: frame, direction: direction)))
    }

    /// Writes records as candump `-L` lines, each ending in `\n`.
    public static func format(_ records: some Sequence<CANLogRecord>) -> String {
        var text = ""
        for record in records {
            text += record.description
            text += "\n"
        }
        return text
    }
}

/// Splits a byte stream into lines; feed it chunks as they arrive, then call `finish()`.
public struct LineSplitter: Sendable {
    private var pending: [UInt8] = []
    private var ready: [(Int, [UInt8])] = []
    private var readIndex = 0
    private var lineNumber = 0
    private var finished = false

    public init() {}

    /// Adds bytes; complete lines become available from ``nextLine()``.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                lineNumber += 1
                if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                ready.append((lineNumber, pending))
                pending.removeAll(keepingCapacity: true)
            } else {
                pending.append(byte)
            }
        }
    }

    /// Marks the end of input: a last line without a line break becomes available.
    public mutating func finish() {
        guard !finished else { return }
        finished = true
        if !pending.isEmpty {
            lineNumber += 1
            if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
            ready.append((lineNumber, pending))
            pending.removeAll()
        }
    }

    /// The next complete line and its 1-based number, or `nil` if none is ready.
    public mutating func nextLine() -> (Int, [UInt8])? {
        guard readIndex < ready.count else {
            ready.removeAll(keepingCapacity: true)
            readIndex = 0
            return nil
        }
        defer { readIndex += 1 }
        return ready[readIndex]
    }
}

@inline(__always)
private func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

@inline(__always)
private func decimalValue(_ byte: UInt8) -> UInt8? {
    (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? byte - UInt8(ascii: "0") : nil
}

private func trimmed(_ text: String) -> String {
    var scalars = Substring(text)
    while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
    while let last = scalars.last, last == " " || last == "\t" || last == "\r" { scalars.removeLast() }
    return String(scalars)
}
