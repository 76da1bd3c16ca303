import CANCore

/// Statements as written, before they are attached to messages and signals.
struct Collected {
    struct Located<Value> {
        var value: Value
        var token: DBCToken
    }

    var version = ""
    var nodes: [String] = []
    var messages: [DBCMessage] = []
    /// DBC identifier (with bit 31 for extended) → index in `messages`, first declaration wins.
    var messageIndex: [UInt32: Int] = [:]
    var valueTables: [DBCValueTable] = []
    var networkComment: String?
    var nodeComments: [Located<(node: String, text: String)>] = []
    var messageComments: [Located<(id: UInt32, text: String)>] = []
    var signalComments: [Located<(id: UInt32, signal: String, text: String)>] = []
    var definitions: [DBCAttributeDefinition] = []
    var defaults: [Located<(name: String, value: DBCAttributeValue)>] = []
    var networkAttributes: [DBCAttributeAssignment] = []
    var nodeAttributes: [Located<(node: String, assignment: DBCAttributeAssignment)>] = []
    var messageAttributes: [Located<(id: UInt32, assignment: DBCAttributeAssignment)>] = []
    var signalAttributes: [Located<(id: UInt32, signal: String, assignment: DBCAttributeAssignment)>] = []
    var valueDescriptions: [Located<(id: UInt32, signal: String, entries: [(value: Int64, name: String)])>] = []
    var signalValueTypes: [Located<(id: UInt32, signal: String, type: Int64)>] = []
    var multiplexerValues: [Located<(id: UInt32, signal: String, multiplexer: String, ranges: [ClosedRange<Int64>])>] = []
    var extraSenders: [Located<(id: UInt32, nodes: [String])>] = []
}

extension DBCParser {
    static let dbcIdentifierRange: ClosedRange<Int64> = 0...0xFFFF_FFFF

    mutating func parseVersion() throws(DBCParseError) {
        _ = try expectKeyword("VERSION")
        collected.version = try expectString("the version")
    }

    /// `NS_ :` followed by a list of symbol names; the list ends at the first name that is followed by
    /// something other than another name (normally `BS_:`).
    mutating func parseNewSymbols() throws(DBCParseError) {
        _ = try expectKeyword("NS_")
        try expectPunctuation(":", "after NS_")
        while let token = current, token.kind == .identifier, let next = peek(1), next.kind == .identifier {
            position += 1
        }
    }

    /// `BS_: [baudrate : BTR1 , BTR2]` — obsolete bit timing, read and ignored.
    mutating func parseBitTiming() throws(DBCParseError) {
        _ = try expectKeyword("BS_")
        try expectPunctuation(":", "after BS_")
        while let token = current, !token.isFirstOnLine, token.kind == .number || isPunctuation(token, ":")
            || isPunctuation(token, ",")
        {
            position += 1
        }
    }

    mutating func parseNodes() throws(DBCParseError) {
        _ = try expectKeyword("BU_")
        try expectPunctuation(":", "after BU_")
        // The list ends at the end of the line (as Vector writes it) or at a keyword.
        while let token = current, token.kind == .identifier, !token.isFirstOnLine,
            !DBCParser.keywords.contains(word(token))
        {
            collected.nodes.append(word(token))
            position += 1
        }
    }

    mutating func parseValueTable() throws(DBCParseError) {
        _ = try expectKeyword("VAL_TABLE_")
        let (name, _) = try expectIdentifier("the value table name")
        let entries = try parseValuePairs()
        collected.valueTables.append(DBCValueTable(name: name, entries: entries))
    }

    /// `(integer "name")* ;`
    mutating func parseValuePairs() throws(DBCParseError) -> [(value: Int64, name: String)] {
        var entries: [(value: Int64, name: String)] = []
        while !isPunctuation(current, ";") {
            guard current != nil else { throw error("expected ';' after the value descriptions", at: nil) }
            let value = try expectInteger("raw value", in: Int64.min...Int64.max)
            let name = try expectString("the value name")
            entries.append((value, name))
        }
        position += 1
        return entries
    }

    mutating func parseMessage() throws(DBCParseError) {
        let keyword = try expectKeyword("BO_")
        let idToken = current
        let dbcID = UInt32(try expectInteger("message identifier", in: DBCParser.dbcIdentifierRange))
        let (name, _) = try expectIdentifier("the message name")
        try expectPunctuation(":", "after the message name")
        let length = Int(try expectInteger("message length (DLC in bytes)", in: 0...64))
        let (sender, _) = try expectIdentifier("the sending node")

        var signals: [DBCSignal] = []
        while isKeyword(current, "SG_") {
            let signal = try parseSignal()
            signals.append(signal)
        }
        // Vector stores signals that belong to no message here; cantools drops them too.
        if name == "VECTOR__INDEPENDENT_SIG_MSG" { return }

        let id: CANID
        let isExtended = dbcID & 0x8000_0000 != 0
        do throws(CANFrameError) {
            id = try CANID(dbcID & 0x7FFF_FFFF, extended: isExtended)
        } catch {
            let reason = isExtended
                ? "extended identifier 0x\(String(dbcID & 0x7FFF_FFFF, radix: 16, uppercase: true)) is above 0x1FFFFFFF"
                : "standard identifier 0x\(String(dbcID, radix: 16, uppercase: true)) is above 0x7FF (set bit 31, i.e. add 2147483648, for an extended identifier)"
            throw self.error(reason, at: idToken)
        }
        var message = DBCMessage(
            id: id, name: name, length: length, senders: sender == "Vector__XXX" ? [] : [sender], signals: signals,
            line: keyword.line)
        message.isFD = false
        if collected.messageIndex[dbcID] == nil { collected.messageIndex[dbcID] = collected.messages.count }
        collected.messages.append(message)
    }

    /// `SG_ name [M|m<n>|m<n>M] : start|length@order± (factor,offset) [min|max] "unit" receivers`
    mutating func parseSignal() throws(DBCParseError) -> DBCSignal {
        let keyword = try expectKeyword("SG_")
        let (name, _) = try expectIdentifier("the signal name")
        var indicator: String?
        var isMultiplexer = false
        if let token = current, token.kind == .identifier {
            let text = word(token)
            guard DBCParser.isMultiplexerIndicator(text) else {
                throw error("expected ':' or a multiplexer indicator (M, m<n>, m<n>M), found '\(text)'", at: token)
            }
            indicator = text
            isMultiplexer = text.hasSuffix("M")
            position += 1
        }
        try expectPunctuation(":", "after the signal name")
        let startBit = Int(try expectInteger("start bit", in: 0...511))
        try expectPunctuation("|", "between start bit and length")
        let length = Int(try expectInteger("signal length in bits", in: 1...64))
        try expectPunctuation("@", "before the byte order")
        let orderToken = current
        let order = try expectInteger("byte order (0 = Motorola, 1 = Intel)", in: Int64.min...Int64.max)
        guard order == 0 || order == 1 else {
            throw error("byte order must be 0 (Motorola) or 1 (Intel), found \(order)", at: orderToken)
        }
        let isSigned: Bool
        if isPunctuation(current, "+") {
            isSigned = false
        } else if isPunctuation(current, "-") {
            isSigned = true
        } else {
            throw error("expected '+' (unsigned) or '-' (signed) after the byte order" + found(), at: current)
        }
        position += 1
        try expectPunctuation("(", "before factor and offset")
        let factor = try expectNumber("factor")
        try expectPunctuation(",", "between factor and offset")
        let offset = try expectNumber("offset")
        try expectPunctuation(")", "after the offset")
        try expectPunctuation("[", "before the minimum")
        let minimum = try expectNumber("minimum")
        try expectPunctuation("|", "between minimum and maximum")
        let maximum = try expectNumber("maximum")
        try expectPunctuation("]", "after the maximum")
        let unit = try expectString("the unit")
        var receivers: [String] = []
        while let token = current, !token.isFirstOnLine {
            if isPunctuation(token, ",") {
                position += 1
                continue
            }
            guard token.kind == .identifier, !DBCParser.keywords.contains(word(token)) else { break }
            let receiver = word(token)
            if receiver != "Vector__XXX" { receivers.append(receiver) }
            position += 1
        }
        return DBCSignal(
            name: name, startBit: startBit, length: length, byteOrder: order == 1 ? .littleEndian : .bigEndian,
            isSigned: isSigned, factor: factor, offset: offset, minimum: minimum, maximum: maximum, unit: unit,
            receivers: receivers, multiplexerIndicator: indicator, isMultiplexer: isMultiplexer, line: keyword.line)
    }

    static func isMultiplexerIndicator(_ text: String) -> Bool {
        if text == "M" { return true }
        var scalars = Substring(text)
        guard scalars.first == "m" else { return false }
        scalars = scalars.dropFirst()
        if scalars.last == "M" { scalars = scalars.dropLast() }
        return !scalars.isEmpty && scalars.count <= 18 && scalars.allSatisfy { $0.isASCII && $0.isNumber }
    }

    mutating func parseExtraSenders() throws(DBCParseError) {
        let keyword = try expectKeyword("BO_TX_BU_")
        let id = UInt32(try expectInteger("message identifier", in: DBCParser.dbcIdentifierRange))
        try expectPunctuation(":", "after the message identifier")
        var nodes: [String] = []
        while !isPunctuation(current, ";") {
            if isPunctuation(current, ",") {
                position += 1
                continue
            }
            let (node, _) = try expectIdentifier("a sending node or ';'")
            nodes.append(node)
        }
        position += 1
        collected.extraSenders.append(.init(value: (id, nodes), token: keyword))
    }

    mutating func parseComment() throws(DBCParseError) {
        let keyword = try expectKeyword("CM_")
        guard let token = current else { throw error("expected a comment", at: nil) }
        if token.kind == .string {
            collected.networkComment = try expectString("the comment")
        } else if isKeyword(token, "BU_") {
            position += 1
            let (node, _) = try expectIdentifier("the node name")
            let text = try expectString("the comment")
            collected.nodeComments.append(.init(value: (node, text), token: keyword))
        } else if isKeyword(token, "BO_") {
            position += 1
            let id = UInt32(try expectInteger("message identifier", in: DBCParser.dbcIdentifierRange))
            let text = try expectString("the comment")
            collected.messageComments.append(.init(value: (id, text), token: keyword))
        } else if isKeyword(token, "SG_") {
            position += 1
            let id = UInt32(try expectInteger("message identifier", in: DBCParser.dbcIdentifierRange))
            let (signal, _) = try expectIdentifier("the signal name")
            let text = try expectString("the comment")
            collected.signalComments.append(.init(value: (id, signal, text), token: keyword))
        } else if isKeyword(token, "EV_") {
            position += 1
            _ = try expectIdentifier("the environment variable name")
            _ = try expectString("the comment")
        } else {
            throw error("expected a comment string or BU_, BO_, SG_, EV_" + found(), at: token)
        }
        try expectPunctuation(";", "after the comment")
    }

    mutating func parseObjectKind() -> DBCObjectKind {
        for kind in [DBCObjectKind.node, .message, .signal, .environmentVariable] where isKeyword(current, kind.rawValue) {
            position += 1
            return kind
        }
        return .network
    }

    mutating func parseAttributeDefinition() throws(DBCParseError) {
        _ = try expectKeyword("BA_DEF_")
        let kind = parseObjectKind()
        let name = try expectString("the attribute name")
        let (type, typeToken) = try expectIdentifier("the attribute type (INT, HEX, FLOAT, STRING, ENUM)")
        let valueType: DBCAttributeDefinition.ValueType
        switch type {
        case "INT", "HEX":
            var limits: [Int64] = []
            while current?.kind == .number, limits.count < 2 {
                limits.append(try expectInteger("attribute limit", in: Int64.min...Int64.max))
            }
            let minimum = limits.first
            let maximum = limits.count > 1 ? limits[1] : nil
            valueType = type == "INT" ? .integer(minimum: minimum, maximum: maximum) : .hex(minimum: minimum, maximum: maximum)
        case "FLOAT":
            var limits: [Double] = []
            while current?.kind == .number, limits.count < 2 { limits.append(try expectNumber("attribute limit")) }
            valueType = .float(minimum: limits.first, maximum: limits.count > 1 ? limits[1] : nil)
        case "STRING":
            valueType = .string
        case "ENUM":
            var choices: [String] = []
            while current?.kind == .string {
                choices.append(try expectString("an enumeration choice"))
                if isPunctuation(current, ",") { position += 1 }
            }
            valueType = .enumeration(choices)
        default:
            throw error("unknown attribute type '\(type)' (expected INT, HEX, FLOAT, STRING or ENUM)", at: typeToken)
        }
        try expectPunctuation(";", "after the attribute definition")
        collected.definitions.append(DBCAttributeDefinition(name: name, objectKind: kind, valueType: valueType))
    }

    mutating func parseAttributeDefault() throws(DBCParseError) {
        let keyword = try expectKeyword("BA_DEF_DEF_")
        let name = try expectString("the attribute name")
        let value = try expectAttributeValue()
        try expectPunctuation(";", "after the attribute default")
        collected.defaults.append(.init(value: (name, value), token: keyword))
    }

    mutating func parseAttribute() throws(DBCParseError) {
        let keyword = try expectKeyword("BA_")
        let name = try expectString("the attribute name")
        let kind = parseObjectKind()
        switch kind {
        case .network:
            let value = try expectAttributeValue()
            collected.networkAttributes.append(DBCAttributeAssignment(name: name, value: value))
        case .node:
            let (node, _) = try expectIdentifier("the node name")
            let value = try expectAttributeValue()
            collected.nodeAttributes.append(.init(value: (node, .init(name: name, value: value)), token: keyword))
        case .message:
            let id = UInt32(try expectInteger("message identifier", in: DBCParser.dbcIdentifierRange))
            let value = try expectAttributeValue()
            collected.messageAttributes.append(.init(value: (id, .init(name: name, value: value)), token: keyword))
        case .signal:
            let id = UInt32(try expectInteger("message identifier", in: DBCParser.dbcIdentifierRange))
            let (signal, _) = try expectIdentifier("the signal name")
            let value = try expectAttributeValue()
            collected.signalAttributes.append(.init(value: (id, signal, .init(name: name, value: value)), token: keyword))
        case .environmentVariable:
            _ = try expectIdentifier("the environment variable name")
            _ = try expectAttributeValue()
        }
        try expectPunctuation(";", "after the attribute value")
    }

    mutating func parseValueDescriptions() throws(DBCParseError) {
        let keyword = try expectKeyword("VAL_")
        if current?.kind == .identifier {
            // Value names of an environment variable: not used.
            _ = try expectIdentifier("the environment variable name")
            _ = try parseValuePairs()
            return
        }
        let id = UInt32(try expectInteger("message identifier", in: DBCParser.dbcIdentifierRange))
        let (signal, _) = try expectIdentifier("the signal name")
        let entries = try parseValuePairs()
        collected.valueDescriptions.append(.init(value: (id, signal, entries), token: keyword))
    }

    mutating func parseSignalValueType() throws(DBCParseError) {
        let keyword = try expectKeyword("SIG_VALTYPE_")
        let id = UInt32(try expectInteger("message identifier", in: DBCParser.dbcIdentifierRange))
        let (signal, _) = try expectIdentifier("the signal name")
        if isPunctuation(current, ":") { position += 1 }
        let type = try expectInteger("value type (0 integer, 1 float, 2 double)", in: 0...2)
        try expectPunctuation(";", "after the value type")
        collected.signalValueTypes.append(.init(value: (id, signal, type), token: keyword))
    }

    /// `SG_MUL_VAL_ id signal multiplexer lo-hi, lo-hi ;`
    mutating func parseMultiplexerValues() throws(DBCParseError) {
        let keyword = try expectKeyword("SG_MUL_VAL_")
        let id = UInt32(try expectInteger("message identifier", in: DBCParser.dbcIdentifierRange))
        let (signal, _) = try expectIdentifier("the multiplexed signal name")
        let (multiplexer, _) = try expectIdentifier("the multiplexer signal name")
        var ranges: [ClosedRange<Int64>] = []
        repeat {
            if !ranges.isEmpty { position += 1 }
            let lowToken = current
            let low = try expectInteger("multiplexer range start", in: 0...Int64.max)
            let high: Int64
            // The lexer reads "0-3" as the numbers 0 and -3; "0 - 3" as 0, '-', 3.
            if isPunctuation(current, "-") {
                position += 1
                high = try expectInteger("multiplexer range end", in: 0...Int64.max)
            } else {
                guard let token = current, token.kind == .number, word(token).hasPrefix("-") else {
                    throw error("expected a range 'low-high'" + found(), at: current)
                }
                high = -(try expectInteger("multiplexer range end", in: (-Int64.max)...0))
            }
            guard low <= high else { throw error("empty multiplexer range \(low)-\(high)", at: lowToken) }
            ranges.append(low...high)
        } while isPunctuation(current, ",")
        try expectPunctuation(";", "after the multiplexer ranges")
        collected.multiplexerValues.append(.init(value: (id, signal, multiplexer, ranges), token: keyword))
    }
}
