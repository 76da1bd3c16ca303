/// Recursive-descent parser over the token list of one DBC file.
///
/// Statements are collected as written (`collected`), then ``assemble()`` attaches comments,
/// attributes, value names, float types and multiplexer ranges to messages and signals. Every loop
/// consumes at least one token per iteration, so any input terminates.
struct DBCParser {
    let bytes: [UInt8]
    let tokens: [DBCToken]
    var position = 0
    var collected = Collected()
    var warnings: [DBCWarning] = []

    /// Statement keywords of the DBC format; a node or receiver list ends at any of them.
    static let keywords: Set<String> = [
        "VERSION", "NS_", "NS_DESC_", "BS_", "BU_", "BO_", "SG_", "BO_TX_BU_", "CM_", "BA_DEF_", "BA_DEF_DEF_",
        "BA_", "VAL_", "VAL_TABLE_", "SIG_VALTYPE_", "SG_MUL_VAL_", "EV_", "ENVVAR_DATA_", "EV_DATA_", "SGTYPE_",
        "SGTYPE_VAL_", "BA_DEF_SGTYPE_", "BA_SGTYPE_", "SIG_TYPE_REF_", "SIGTYPE_VALTYPE_", "SIG_GROUP_",
        "BA_DEF_REL_", "BA_REL_", "BA_DEF_DEF_REL_", "BU_SG_REL_", "BU_EV_REL_", "BU_BO_REL_", "CAT_DEF_", "CAT_",
        "FILTER",
    ]

    init(bytes: [UInt8]) {
        self.bytes = bytes
        self.tokens = DBCLexer.tokenize(bytes)
    }

    mutating func parseDatabase() throws(DBCParseError) -> CANDatabase {
        while let token = current {
            if isPunctuation(token, ";") {
                position += 1
                continue
            }
            guard token.kind == .identifier else {
                throw error("expected a section keyword (BO_, SG_, CM_, BA_, VAL_, ...), found \(describe(token))", at: token)
            }
            switch word(token) {
            case "VERSION": try parseVersion()
            case "NS_": try parseNewSymbols()
            case "BS_": try parseBitTiming()
            case "BU_": try parseNodes()
            case "BO_": try parseMessage()
            case "SG_": throw error("SG_ outside a message: a signal must follow its BO_ line", at: token)
            case "BO_TX_BU_": try parseExtraSenders()
            case "CM_": try parseComment()
            case "BA_DEF_": try parseAttributeDefinition()
            case "BA_DEF_DEF_": try parseAttributeDefault()
            case "BA_": try parseAttribute()
            case "VAL_": try parseValueDescriptions()
            case "VAL_TABLE_": try parseValueTable()
            case "SIG_VALTYPE_": try parseSignalValueType()
            case "SG_MUL_VAL_": try parseMultiplexerValues()
            case let other where DBCParser.keywords.contains(other):
                skipStatement(reason: "\(other) section not used; skipped")
            case let other:
                skipStatement(reason: "unknown section '\(other)' skipped")
            }
        }
        return assemble()
    }

    // MARK: - Token access

    var current: DBCToken? { position < tokens.count ? tokens[position] : nil }

    func peek(_ offset: Int) -> DBCToken? {
        let index = position + offset
        return index >= 0 && index < tokens.count ? tokens[index] : nil
    }

    func word(_ token: DBCToken) -> String {
        String(decoding: bytes[token.start..<token.end], as: UTF8.self)
    }

    func isPunctuation(_ token: DBCToken?, _ character: Unicode.Scalar) -> Bool {
        guard let token, token.kind == .punctuation else { return false }
        return bytes[token.start] == UInt8(truncatingIfNeeded: character.value)
    }

    func isKeyword(_ token: DBCToken?, _ keyword: String) -> Bool {
        guard let token, token.kind == .identifier, token.end - token.start == keyword.utf8.count else { return false }
        return bytes[token.start..<token.end].elementsEqual(keyword.utf8)
    }

    /// A short description of a token for error messages.
    func describe(_ token: DBCToken) -> String {
        switch token.kind {
        case .invalid:
            let byte = bytes[token.start]
            return byte >= 0x20 && byte < 0x7F ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x" + String(byte, radix: 16, uppercase: true)
        case .unterminatedString: return "a string without its closing quote"
        case .string: return "a string"
        default:
            let text = String(decoding: bytes[token.start..<min(token.end, token.start + 40)], as: UTF8.self)
            return "'\(text)'"
        }
    }

    /// Error at `token`, or at the end of the file when `token` is nil.
    func error(_ reason: String, at token: DBCToken?) -> DBCParseError {
        if let token { return DBCParseError(line: token.line, column: token.column, reason: reason) }
        var line = 1
        var lineStart = 0
        for (index, byte) in bytes.enumerated() where byte == 0x0A {
            line += 1
            lineStart = index + 1
        }
        return DBCParseError(line: line, column: bytes.count - lineStart + 1, reason: reason + " (end of file)")
    }

    mutating func warn(_ reason: String, at token: DBCToken) {
        warnings.append(DBCWarning(line: token.line, column: token.column, reason: reason))
    }

    /// Skips the statement starting at the current token: up to and including `;`, or up to the next
    /// line that starts with a statement keyword, whichever comes first.
    mutating func skipStatement(reason: String) {
        guard let first = current else { return }
        warn(reason, at: first)
        position += 1
        while let token = current {
            if isPunctuation(token, ";") {
                position += 1
                return
            }
            if token.isFirstOnLine, token.kind == .identifier, DBCParser.keywords.contains(word(token)) { return }
            position += 1
        }
    }

    // MARK: - Expectations

    mutating func expectKeyword(_ keyword: String) throws(DBCParseError) -> DBCToken {
        guard let token = current, isKeyword(token, keyword) else {
            throw error("expected \(keyword)" + found(), at: current)
        }
        position += 1
        return token
    }

    mutating func expectPunctuation(_ character: Unicode.Scalar, _ context: String) throws(DBCParseError) {
        guard isPunctuation(current, character) else {
            throw error("expected '\(Character(character))' \(context)" + found(), at: current)
        }
        position += 1
    }

    mutating func expectIdentifier(_ what: String) throws(DBCParseError) -> (String, DBCToken) {
        guard let token = current, token.kind == .identifier else {
            throw error("expected \(what)" + found(), at: current)
        }
        position += 1
        return (word(token), token)
    }

    mutating func expectString(_ what: String) throws(DBCParseError) -> String {
        guard let token = current, token.kind == .string else {
            throw error("expected \(what) in double quotes" + found(), at: current)
        }
        position += 1
        return stringValue(token)
    }

    mutating func expectInteger(_ what: String, in range: ClosedRange<Int64>) throws(DBCParseError) -> Int64 {
        guard let token = current, token.kind == .number else {
            throw error("expected \(what) (an integer)" + found(), at: current)
        }
        let text = word(token)
        guard let value = Int64(text) else {
            let isIntegral = !text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" })
            throw error(
                isIntegral ? "\(what) \(text) is out of range" : "\(what) must be an integer, found '\(text)'", at: token)
        }
        guard range.contains(value) else {
            throw error("\(what) \(text) is outside \(range.lowerBound)...\(range.upperBound)", at: token)
        }
        position += 1
        return value
    }

    mutating func expectNumber(_ what: String) throws(DBCParseError) -> Double {
        guard let token = current, token.kind == .number else {
            throw error("expected \(what) (a number)" + found(), at: current)
        }
        guard let value = Double(word(token)), value.isFinite else {
            throw error("\(what) '\(word(token))' is not a finite number", at: token)
        }
        position += 1
        return value
    }

    /// A number or string attribute value.
    mutating func expectAttributeValue() throws(DBCParseError) -> DBCAttributeValue {
        guard let token = current else { throw error("expected an attribute value", at: nil) }
        switch token.kind {
        case .string:
            position += 1
            return .string(stringValue(token))
        case .number:
            let text = word(token)
            if let integer = Int64(text) {
                position += 1
                return .integer(integer)
            }
            let value = try expectNumber("attribute value")
            return .float(value)
        default:
            throw error("expected an attribute value (number or string)" + found(), at: token)
        }
    }

    func found() -> String {
        guard let token = current else { return "" }
        return ", found " + describe(token)
    }

    /// The text of a string token without its quotes, with `\"` unescaped.
    func stringValue(_ token: DBCToken) -> String {
        var content: [UInt8] = []
        content.reserveCapacity(token.end - token.start)
        var index = token.start + 1
        let end = max(token.start + 1, token.end - 1)
        while index < end {
            if bytes[index] == 0x5C && index + 1 < end && bytes[index + 1] == 0x22 {
                content.append(0x22)
                index += 2
            } else {
                content.append(bytes[index])
                index += 1
            }
        }
        return DBCTextDecoding.string(from: content[...])
    }
}
