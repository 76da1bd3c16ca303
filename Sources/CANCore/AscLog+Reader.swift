/// Line-by-line ASC reading state: header settings, measurement start, results.
struct AscReader {
    var result = AscLog.ParseResult()
    var radix = 16
    var sawTriggerBlock = false

    mutating func consume(_ rawLine: String, lineNumber: Int) {
        let line = rawLine.trimmingBlanks()
        if line.isEmpty { return }
        let tokens = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        let lowered = tokens[0].lowercased()
        func fail(_ reason: String) {
            result.errors.append(LogLineError(line: lineNumber, column: 1, reason: reason))
        }
        switch lowered {
        case "date":
            if let start = AscReader.parseDate(tokens.dropFirst()) { result.startNanoseconds = start } else { fail("unreadable date in header") }
            return
        case "base":
            guard tokens.count >= 2, ["hex", "dec"].contains(tokens[1].lowercased()) else { return fail("'base' must be hex or dec") }
            radix = tokens[1].lowercased() == "dec" ? 10 : 16
            return
        case "begin":
            sawTriggerBlock = true
            if tokens.count > 2, let start = AscReader.parseDate(tokens.dropFirst(2)) { result.startNanoseconds = start }
            return
        case "end", "internal", "no":
            return
        default:
            break
        }
        if line.hasPrefix("//") { result.ignoredLines += 1; return }
        guard let offset = AscReader.parseSeconds(tokens[0]) else {
            result.ignoredLines += 1
            return
        }
        guard tokens.count >= 3 else { result.ignoredLines += 1; return }
        let start = result.startNanoseconds ?? 0
        let (sum, overflow) = start.addingReportingOverflow(offset)
        guard !overflow, sum >= 0 else { return fail("timestamp out of range") }
        let timestamp = CANTimestamp(totalNanoseconds: UInt64(sum))

        if tokens[1].lowercased() == "canfd" {
            do {
                result.records.append(try parseFD(Array(tokens.dropFirst(2)), timestamp: timestamp))
            } catch {
                fail(error.reason)
            }
            return
        }
        guard let channel = Int(tokens[1]), channel >= 0 else { result.ignoredLines += 1; return }
        if tokens[2].lowercased().hasPrefix("errorframe") {
            let frame = try! CANFrame(errorClass: CANErrorClass.busError.rawValue, data: [UInt8]())
            result.records.append(AscLog.Record(timestamp: timestamp, channel: channel, frame: frame))
            return
        }
        guard tokens.count >= 5, ["rx", "tx"].contains(tokens[3].lowercased()) else {
            result.ignoredLines += 1  // statistics, chip status, J1939 and other events
            return
        }
        do {
            result.records.append(try parseClassic(Array(tokens), channel: channel, timestamp: timestamp))
        } catch {
            fail(error.reason)
        }
    }

    struct LineFailure: Error { let reason: String }

    func parseID(_ token: Substring) throws(LineFailure) -> CANID {
        let extended = token.last == "x" || token.last == "X"
        let digits = extended ? token.dropLast() : token
        guard !digits.isEmpty, digits.count <= 10, let value = UInt32(digits, radix: radix) else {
            throw LineFailure(reason: "'\(token)' is not a CAN identifier")
        }
        do { return try CANID(value, extended: extended) } catch { throw LineFailure(reason: error.description) }
    }

    func parseBytes(_ tokens: ArraySlice<Substring>, count: Int) throws(LineFailure) -> [UInt8] {
        guard tokens.count >= count else { throw LineFailure(reason: "expected \(count) data bytes, found \(tokens.count)") }
        var bytes: [UInt8] = []
        for token in tokens.prefix(count) {
            guard token.count <= 3, let byte = UInt8(token, radix: radix) else { throw LineFailure(reason: "'\(token)' is not a data byte") }
            bytes.append(byte)
        }
        return bytes
    }

    func parseClassic(_ tokens: [Substring], channel: Int, timestamp: CANTimestamp) throws(LineFailure) -> AscLog.Record {
        // ts ch id dir d|r dlc data...
        let id = try parseID(tokens[2])
        let direction: CANLogDirection = tokens[3].lowercased() == "tx" ? .transmit : .receive
        let kind = tokens[4].lowercased()
        if kind == "r" {
            var length = 0
            if tokens.count > 5 {
                guard let dlc = Int(tokens[5], radix: 16), (0...8).contains(dlc) else { throw LineFailure(reason: "remote frame length must be 0-8") }
                length = dlc
            }
            do {
                return AscLog.Record(timestamp: timestamp, channel: channel, frame: try CANFrame(remoteRequest: id, length: length), direction: direction)
            } catch { throw LineFailure(reason: error.description) }
        }
        guard kind == "d", tokens.count >= 6, let dlc = Int(tokens[5], radix: 16), (0...15).contains(dlc) else {
            throw LineFailure(reason: "expected 'd <dlc>' or 'r' after the direction")
        }
        let bytes = try parseBytes(tokens[6...], count: min(dlc, 8))
        do {
            return AscLog.Record(timestamp: timestamp, channel: channel, frame: try CANFrame(id: id, data: bytes), direction: direction)
        } catch { throw LineFailure(reason: error.description) }
    }

    func parseFD(_ tokens: [Substring], timestamp: CANTimestamp) throws(LineFailure) -> AscLog.Record {
        // ch dir id [symbolic name] brs esi dlc length data...
        guard tokens.count >= 7, let channel = Int(tokens[0]), ["rx", "tx"].contains(tokens[1].lowercased()) else {
            throw LineFailure(reason: "CANFD line needs channel, direction, id, BRS, ESI, DLC and length")
        }
        let direction: CANLogDirection = tokens[1].lowercased() == "tx" ? .transmit : .receive
        let id = try parseID(tokens[2])
        var index = 3
        if !(tokens[index] == "0" || tokens[index] == "1") { index += 1 }  // symbolic name
        guard index + 4 <= tokens.count, let brs = Int(tokens[index]), let esi = Int(tokens[index + 1]),
            let dlc = Int(tokens[index + 2], radix: 16), (0...15).contains(dlc), let length = Int(tokens[index + 3]),
            (0...1).contains(brs), (0...1).contains(esi)
        else { throw LineFailure(reason: "malformed BRS/ESI/DLC/length fields in CANFD line") }
        guard CANFrame.fdLengths[dlc] == length else {
            throw LineFailure(reason: "DLC \(dlc) means \(CANFrame.fdLengths[dlc]) bytes, but the length field says \(length)")
        }
        let bytes = try parseBytes(tokens[(index + 4)...], count: length)
        var flags = CANFDFlags()
        if brs == 1 { flags.insert(.bitRateSwitch) }
        if esi == 1 { flags.insert(.errorStateIndicator) }
        do {
            return AscLog.Record(timestamp: timestamp, channel: channel, frame: try CANFrame(fdID: id, data: bytes, flags: flags), direction: direction)
        } catch { throw LineFailure(reason: error.description) }
    }

    /// Seconds with up to 9 decimals, as nanoseconds.
    static func parseSeconds(_ token: Substring) -> Int64? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = Int64(parts[0]), whole >= 0, whole < 9_000_000_000 else { return nil }
        var nanos: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.count <= 9, let value = Int64(fraction), value >= 0 else { return nil }
            nanos = value
            for _ in fraction.count..<9 { nanos *= 10 }
        }
        return whole * 1_000_000_000 + nanos
    }

    /// `Mon Nov 23 09:00:00.123 am 2026`, `Mon Nov 23 21:00:00.123 2026`, with or without milliseconds.
    static func parseDate(_ tokens: ArraySlice<Substring>) -> Int64? {
        let words = Array(tokens)
        guard words.count >= 4 else { return nil }
        let monthNames = CivilTime.monthNames.map { $0.lowercased() } + ["mär", "mai", "okt", "dez"]
        let monthNumbers = Array(1...12) + [3, 5, 10, 12]
        guard let monthIndex = monthNames.firstIndex(of: words[1].lowercased()), let day = Int(words[2]) else { return nil }
        let clock = words[3].split(separator: ":")
        guard clock.count == 3, var hour = Int(clock[0]), let minute = Int(clock[1]) else { return nil }
        let secondParts = clock[2].split(separator: ".")
        guard let second = Int(secondParts[0]) else { return nil }
        var millisecond = 0
        if secondParts.count == 2, let value = Int(secondParts[1].prefix(3)) {
            millisecond = value
            for _ in secondParts[1].prefix(3).count..<3 { millisecond *= 10 }
        }
        var yearIndex = 4
        if words.count > 4, ["am", "pm"].contains(words[4].lowercased()) {
            let pm = words[4].lowercased() == "pm"
            hour = hour % 12 + (pm ? 12 : 0)
            yearIndex = 5
        }
        guard words.count > yearIndex, let year = Int(words[yearIndex]) else { return nil }
        return CivilTime(year: year, month: monthNumbers[monthIndex], day: day, hour: hour, minute: minute, second: second,
                         millisecond: millisecond).unixNanoseconds
    }
}

extension String {
    func trimmingBlanks() -> Substring {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" || first == "\r" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" || last == "\r" { slice.removeLast() }
        return slice
    }
}

extension Substring {
    fileprivate func split(whereSeparator isSeparator: (Character) -> Bool) -> [Substring] {
        self.split(omittingEmptySubsequences: true, whereSeparator: isSeparator)
    }
}
