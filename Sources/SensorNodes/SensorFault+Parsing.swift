import CANCore

/// Why a fault text could not be read: the 1-based column of the offending word and what is wrong.
public struct SensorFaultParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text as given.
    public let text: String
    /// 1-based column (character) where the problem starts.
    public let column: Int
    /// What is wrong, in words a user can act on.
    public let reason: String

    public var description: String { "column \(column): \(reason) (in \"\(text)\")" }
}

extension SensorFault {
    /// Reads a fault from its textual form (see ``SensorFault`` for the table of forms).
    ///
    /// The parser checks syntax, names, units and value ranges that hold for every configuration (board
    /// numbers from 1, wires 0...12 ...); whether board 9 exists is checked by ``PackNodes/inject(_:)``.
    ///
    /// - Throws: ``SensorFaultParseError`` naming the column and the problem.
    public init(parsing text: String) throws(SensorFaultParseError) {
        var reader = FaultTextReader(text)
        self = try reader.parseFault()
    }
}

/// A word of the fault text with its 1-based column.
private struct Word {
    var text: Substring
    var column: Int
}

private struct FaultTextReader {
    let text: String
    var words: [Word]
    var position = 0

    init(_ text: String) {
        self.text = text
        var words: [Word] = []
        var current: Substring.Index?
        var column = 0
        var startColumn = 0
        var index = text.startIndex
        while index < text.endIndex {
            column += 1
            let isSpace = text[index] == " " || text[index] == "\t"
            if isSpace {
                if let start = current { words.append(Word(text: text[start..<index], column: startColumn)) }
                current = nil
            } else if current == nil {
                current = index
                startColumn = column
            }
            index = text.index(after: index)
        }
        if let start = current { words.append(Word(text: text[start..<text.endIndex], column: startColumn)) }
        self.words = words
    }

    func error(_ column: Int, _ reason: String) -> SensorFaultParseError {
        SensorFaultParseError(text: text, column: max(column, 1), reason: reason)
    }

    var endColumn: Int { text.count + 1 }

    mutating func next(_ what: String) throws(SensorFaultParseError) -> Word {
        guard position < words.count else { throw error(endColumn, "expected \(what)") }
        defer { position += 1 }
        return words[position]
    }

    func finish() throws(SensorFaultParseError) {
        if position < words.count {
            throw error(words[position].column, "unexpected '\(words[position].text)' after the fault")
        }
    }

    mutating func parseFault() throws(SensorFaultParseError) -> SensorFault {
        let target = try next("a node such as cmu3, ivt or cmu3.voltage[5]")
        let (nodeText, channelText, index, indexColumn) = try split(target)
        guard let node = NodeAddress(name: nodeText) else {
            throw error(
                target.column,
                "unknown node '\(nodeText)'; expected cmu1..cmu99, ivt, gas, press, smoke, imd, charger or contactors")
        }
        let fault: SensorFault
        if let channelText {
            fault = try parseChannelFault(node: node, channel: channelText, index: index, target: target, indexColumn: indexColumn)
        } else {
            guard index == nil else { throw error(indexColumn, "an index needs a channel, e.g. \(node).voltage[\(index ?? 1)]") }
            fault = try parseNodeFault(node: node)
        }
        try finish()
        return fault
    }

    /// `cmu3.voltage[5]` → ("cmu3", "voltage", 5).
    func split(_ word: Word) throws(SensorFaultParseError) -> (Substring, Substring?, Int?, Int) {
        var body = word.text
        var index: Int?
        var indexColumn = word.column
        if let open = body.firstIndex(of: "[") {
            indexColumn = word.column + body.distance(from: body.startIndex, to: open) + 1
            guard body.last == "]" else { throw error(indexColumn, "missing ']' after the index") }
            let digits = body[body.index(after: open)..<body.index(before: body.endIndex)]
            guard let value = Int(digits) else { throw error(indexColumn, "'\(digits)' is not a whole number") }
            index = value
            body = body[body.startIndex..<open]
        }
        guard let dot = body.firstIndex(of: ".") else { return (body, nil, index, indexColumn) }
        let channel = body[body.index(after: dot)...]
        guard !channel.isEmpty else { throw error(word.column, "missing channel name after '.'") }
        return (body[body.startIndex..<dot], channel, index, indexColumn)
    }

    mutating func parseChannelFault(
        node: NodeAddress, channel: Substring, index: Int?, target: Word, indexColumn: Int
    ) throws(SensorFaultParseError) -> SensorFault {
        let channelColumn = target.column + node.description.count + 1
        if case .cellMonitor(let board) = node {
            switch channel {
            case "wire":
                guard let wire = index else { throw error(channelColumn, "wire needs an index 0...12, e.g. cmu\(board).wire[4]") }
                guard (0...99).contains(wire) else { throw error(indexColumn, "wire index \(wire) must be 0 or more (0 = bottom of group 1)") }
                let word = try next("'open'")
                guard word.text == "open" else { throw error(word.column, "a sense wire can only be 'open', not '\(word.text)'") }
                return .openSenseWire(board: board, wire: wire)
            case "voltage", "temperature":
                guard let position = index else {
                    throw error(channelColumn, "\(channel) needs a 1-based index, e.g. cmu\(board).\(channel)[1]")
                }
                guard position >= 1 else { throw error(indexColumn, "\(channel) index \(position) must be 1 or more (1-based)") }
            default: break
            }
        }
        if node == .contactors {
            guard index == nil, let contactor = Contactor(rawValue: String(channel)) else {
                throw error(channelColumn, "unknown contactor '\(channel)'; expected main-plus, main-minus or precharge")
            }
            let word = try next("'welded' or 'fail-to-close'")
            guard let fault = ContactorFault(rawValue: String(word.text)) else {
                throw error(word.column, "unknown contactor fault '\(word.text)'; expected welded or fail-to-close")
            }
            return .contactor(contactor, fault)
        }
        guard let sensorChannel = SensorChannel.named(channel, node: node, index: index) else {
            let hint = index != nil && SensorChannel.named(channel, node: node, index: nil) != nil
                ? "\(channel) takes no index" : "unknown channel '\(channel)' of \(node); expected one of: \(SensorChannel.names(of: node).joined(separator: ", "))"
            throw error(channelColumn, hint)
        }
        let action = try next("a fault: stuck, offset, drift, gain, noise or dropout")
        if case .cellTemperature(let board, let sensor) = sensorChannel, let fault = ThermistorFault(rawValue: String(action.text)) {
            return .thermistor(board: board, sensor: sensor, fault)
        }
        return .value(sensorChannel, try parseValueFault(action, unit: sensorChannel.unit))
    }

    mutating func parseValueFault(_ action: Word, unit: PhysicalUnit) throws(SensorFaultParseError) -> ValueFault {
        switch action.text {
        case "dropout": return .dropout
        case "stuck": return .stuck(try quantity(unit: unit, perHour: false))
        case "offset": return .offset(try quantity(unit: unit, perHour: false))
        case "drift": return .drift(perHour: try quantity(unit: unit, perHour: true))
        case "noise":
            let sigma = try quantity(unit: unit, perHour: false)
            guard sigma >= 0 else { throw error(words[position - 1].column, "noise σ must not be negative") }
            return .noise(standardDeviation: sigma)
        case "gain":
            let word = try next("a factor such as 1.02 or a percentage such as +2%")
            if word.text.hasSuffix("%") {
                guard let percent = Double(word.text.dropLast()), percent.isFinite else {
                    throw error(word.column, "'\(word.text)' is not a percentage")
                }
                return .gain(1 + percent / 100)
            }
            guard let factor = Double(word.text), factor.isFinite else {
                throw error(word.column, "'\(word.text)' is not a factor (write 1.02 or +2%)")
            }
            return .gain(factor)
        default:
            throw error(action.column, "unknown fault '\(action.text)'; expected stuck, offset, drift, gain, noise or dropout")
        }
    }

    /// A number with an optional unit (attached, `3.7V`, or as the next word, `3.7 V`), in `unit`.
    mutating func quantity(unit: PhysicalUnit, perHour: Bool) throws(SensorFaultParseError) -> Double {
        let word = try next(perHour ? "a rate such as 2\(unit.rawValue)/h" : "a value in \(unit.rawValue)")
        var (number, suffix) = Self.numberPrefix(word.text)
        guard let value = Double(number), value.isFinite else {
            throw error(word.column, "'\(word.text)' does not start with a finite number")
        }
        if suffix.isEmpty, position < words.count, Self.isUnitWord(words[position].text, unit: unit) {
            suffix = words[position].text
            position += 1
        }
        if perHour {
            guard suffix.hasSuffix("/h") else {
                throw error(word.column, "a drift needs a rate per hour, e.g. \(number)\(unit.rawValue)/h")
            }
            suffix = suffix.dropLast(2)
        }
        if suffix.isEmpty { return value }
        guard let factor = unit.spellings.first(where: { $0.text == suffix })?.factor else {
            let accepted = unit.spellings.map(\.text).joined(separator: ", ")
            throw error(word.column, "unit '\(suffix)' does not fit this channel; use \(accepted)")
        }
        return value * factor
    }

    static func isUnitWord(_ text: Substring, unit: PhysicalUnit) -> Bool {
        let bare = text.hasSuffix("/h") ? text.dropLast(2) : text
        return unit.spellings.contains { $0.text == bare }
    }

    /// Splits `-5mV` into ("-5", "mV").
    static func numberPrefix(_ text: Substring) -> (Substring, Substring) {
        var end = text.startIndex
        while end < text.endIndex, "0123456789+-.eE".contains(text[end]) {
            // An 'e' only belongs to the number when digits or a sign follow (1e3), not in "1 degC".
            if text[end] == "e" || text[end] == "E" {
                let after = text.index(after: end)
                guard after < text.endIndex, "0123456789+-".contains(text[after]) else { break }
            }
            end = text.index(after: end)
        }
        return (text[text.startIndex..<end], text[end...])
    }

    mutating func parseNodeFault(node: NodeAddress) throws(SensorFaultParseError) -> SensorFault {
        let action = try next("a fault such as silent, bus-off, delay 20ms, babble 0x000 1000/s, dlc 5, bad-counter, bad-crc")
        switch action.text {
        case "silent": return .bus(node, .silent)
        case "bus-off": return .bus(node, .busOff)
        case "bad-counter": return .bus(node, .badCounter)
        case "bad-crc": return .bus(node, .badCRC)
        case "delay":
            let word = try next("a delay such as 20ms")
            let (number, suffix) = Self.numberPrefix(word.text)
            guard let value = Double(number), value.isFinite, value >= 0 else {
                throw error(word.column, "'\(word.text)' is not a delay of 0 ms or more")
            }
            switch suffix {
            case "ms": return .bus(node, .delay(milliseconds: value))
            case "s": return .bus(node, .delay(milliseconds: value * 1000))
            default: throw error(word.column, "a delay needs a unit: ms or s")
            }
        case "dlc":
            let word = try next("a length 0...8")
            guard let bytes = Int(word.text), (0...8).contains(bytes) else {
                throw error(word.column, "'\(word.text)' is not a classic CAN length 0...8")
            }
            return .bus(node, .wrongLength(bytes: bytes))
        case "babble":
            let identifierWord = try next("an identifier such as 0x000")
            let identifier = try parseIdentifier(identifierWord)
            let rateWord = try next("a rate such as 1000/s")
            let (number, suffix) = Self.numberPrefix(rateWord.text)
            guard let rate = Double(number), rate.isFinite, rate > 0, suffix == "/s" || suffix == "Hz" else {
                throw error(rateWord.column, "'\(rateWord.text)' is not a rate such as 1000/s")
            }
            guard rate <= 1_000_000 else { throw error(rateWord.column, "a rate above 1000000/s exceeds any CAN bus") }
            return .bus(node, .babble(identifier: identifier, framesPerSecond: rate))
        case "output-fault", "overtemperature":
            guard node == .charger, let fault = ChargerFault(rawValue: String(action.text)) else {
                throw error(action.column, "'\(action.text)' is a charger fault (charger \(action.text))")
            }
            return .charger(fault)
        default:
            throw error(
                action.column,
                "unknown fault '\(action.text)' for \(node); expected silent, bus-off, delay, babble, dlc, bad-counter or bad-crc"
                    + (node == .charger ? ", output-fault or overtemperature" : ""))
        }
    }

    func parseIdentifier(_ word: Word) throws(SensorFaultParseError) -> CANID {
        let text = word.text
        let value: UInt32?
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            value = UInt32(text.dropFirst(2), radix: 16)
        } else {
            value = UInt32(text)
        }
        guard let value, value <= CANID.extendedMask else {
            throw error(word.column, "'\(text)' is not a CAN identifier (0x000...0x7FF, or up to 0x1FFFFFFF extended)")
        }
        do throws(CANFrameError) {
            return try value <= CANID.standardMask ? CANID(standard: value) : CANID(extended: value)
        } catch {
            throw self.error(word.column, "'\(text)' is not a CAN identifier")
        }
    }
}
