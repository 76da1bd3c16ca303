/// Reads and writes Vector ASC (ASCII) CAN logs, the format CANoe/CANalyzer users exchange.
///
/// Supported: the header (`date`, `base hex|dec`, `timestamps absolute|relative`, internal events),
/// `Begin Triggerblock <date>`, classic data and remote frames (`d`/`r`, extended ids with an `x`
/// suffix), `ErrorFrame` lines, and `CANFD` lines (BRS, ESI, DLC, data length). Other events
/// (statistics, chip status, J1939, comments) are skipped and counted. A line shaped like a frame but
/// malformed is reported with its line number; every other line is kept.
///
/// ASC dates carry no time zone; they are read and written as UTC so that round trips are exact.
/// ASC error frames carry no SocketCAN error class; they are read as `CAN_ERR_BUSERROR` (0x080).
public enum AscLog {
    /// One frame event.
    public struct Record: Hashable, Sendable {
        /// Absolute time (measurement start from the header plus the event's offset).
        public var timestamp: CANTimestamp
        /// 1-based channel number as written in the file.
        public var channel: Int
        public var frame: CANFrame
        public var direction: CANLogDirection

        public init(timestamp: CANTimestamp, channel: Int, frame: CANFrame, direction: CANLogDirection = .receive) {
            self.timestamp = timestamp
            self.channel = channel
            self.frame = frame
            self.direction = direction
        }
    }

    /// The result of reading a whole file.
    public struct ParseResult: Sendable {
        public var records: [Record] = []
        public var errors: [LogLineError] = []
        /// Lines that are valid ASC but not CAN frames (statistics, status, comments, markers).
        public var ignoredLines = 0
        /// Measurement start (Unix ns) from the header, if it had a date.
        public var startNanoseconds: Int64?
    }

    /// Reads an ASC file held in memory.
    public static func parse(_ bytes: some Collection<UInt8>) -> ParseResult {
        var state = AscReader()
        var splitter = LineSplitter()
        splitter.append(bytes)
        splitter.finish()
        while let (number, line) = splitter.nextLine() {
            state.consume(String(decoding: line, as: UTF8.self), lineNumber: number)
        }
        return state.result
    }

    /// Reads ASC text.
    public static func parse(text: String) -> ParseResult { parse(Array(text.utf8)) }

    /// Writes records as an ASC file (`base hex  timestamps absolute`), the layout python-can and CANoe
    /// write. The measurement starts at `startNanoseconds` (Unix ns), or at the first record; either is
    /// truncated to whole milliseconds because the header date has millisecond resolution, so event
    /// offsets stay exact to the microsecond on a round trip.
    public static func format(_ records: [Record], startNanoseconds: Int64? = nil) -> String {
        let requested = startNanoseconds ?? records.first.map { Int64(clamping: $0.timestamp.totalNanoseconds) } ?? 0
        let start = requested - ((requested % 1_000_000) + 1_000_000) % 1_000_000
        let date = headerDate(start)
        var text = "date \(date)\nbase hex  timestamps absolute\ninternal events logged\n// version 9.0.0\n"
        text += "Begin Triggerblock \(date)\n"
        text += eventPrefix(0) + "Start of measurement\n"
        for record in records {
            let offset = Int64(clamping: record.timestamp.totalNanoseconds) - start
            text += eventPrefix(offset) + eventBody(record) + "\n"
        }
        text += "End TriggerBlock\n"
        return text
    }

    /// `Mon Nov 23 09:00:00.123 am 2026` (CANoe's own header form).
    static func headerDate(_ unixNanoseconds: Int64) -> String {
        let civil = CivilTime(unixNanoseconds: unixNanoseconds)
        let hour12 = civil.hour % 12 == 0 ? 12 : civil.hour % 12
        return "\(civil.weekdayName) \(CivilTime.monthNames[civil.month - 1]) \(two(civil.day)) \(two(hour12)):\(two(civil.minute)):\(two(civil.second))."
            + three(civil.millisecond) + (civil.hour < 12 ? " am " : " pm ") + String(civil.year)
    }

    /// Right-aligned seconds with 6 decimals and a trailing space (python-can's `{: 9.6f} `).
    static func eventPrefix(_ offsetNanoseconds: Int64) -> String {
        let negative = offsetNanoseconds < 0
        let magnitude = offsetNanoseconds.magnitude
        let micros = (magnitude % 1_000_000_000) / 1000
        var number = String(magnitude / 1_000_000_000) + "." + String(repeating: "0", count: 6 - String(micros).count) + String(micros)
        if negative { number = "-" + number }
        let padded = String(repeating: " ", count: max(0, 10 - number.count)) + number
        return padded + " "
    }

    static func eventBody(_ record: Record) -> String {
        let frame = record.frame
        if frame.isErrorFrame { return "\(record.channel)  ErrorFrame" }
        var id = String(frame.id.value, radix: 16, uppercase: true)
        if frame.id.isExtended { id += "x" }
        let direction = record.direction == .receive ? "Rx" : "Tx"
        let data = frame.data.hexString(separator: " ")
        if frame.format == .fd {
            let flags = 1 << 12 | (frame.fdFlags.contains(.bitRateSwitch) ? 1 << 13 : 0) | (frame.fdFlags.contains(.errorStateIndicator) ? 1 << 14 : 0)
            let fields: [String] = [
                "CANFD", leftPad(String(record.channel), 3), rightPad(direction, 4), leftPad(id, 8) + "  " + leftPad("", 32),
                frame.fdFlags.contains(.bitRateSwitch) ? "1" : "0", frame.fdFlags.contains(.errorStateIndicator) ? "1" : "0",
                String(frame.dataLengthCode, radix: 16), leftPad(String(frame.length), 2), data,
                leftPad("0", 8), leftPad("0", 4), leftPad(String(flags, radix: 16, uppercase: true), 8),
                leftPad("0", 8), leftPad("0", 8), leftPad("0", 8), leftPad("0", 8), leftPad("0", 8),
            ]
            return fields.joined(separator: " ")
        }
        let type = frame.isRemoteRequest
            ? "r " + String(frame.length, radix: 16)
            : "d " + String(frame.length, radix: 16)
        return "\(record.channel)  " + rightPad(id, 15) + " " + rightPad(direction, 4) + " " + type + " " + data
    }
}

private func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
private func three(_ value: Int) -> String { value < 10 ? "00\(value)" : value < 100 ? "0\(value)" : "\(value)" }
private func leftPad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
private func rightPad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
