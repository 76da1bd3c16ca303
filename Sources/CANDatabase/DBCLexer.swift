/// One lexical token of a DBC file, located by byte offsets into the file.
struct DBCToken: Sendable {
    enum Kind: Equatable, Sendable {
        /// `[A-Za-z_][A-Za-z0-9_]*`: keywords, names, multiplexer indicators such as `m3M`.
        case identifier
        /// `[+-]?(digits[.digits]|.digits)([eE][+-]?digits)?`.
        case number
        /// A double-quoted string; `\"` inside is an escaped quote. The range includes the quotes.
        case string
        /// One of `: ; , | @ + - ( ) [ ]`.
        case punctuation
        /// A byte that starts no token (outside a string). Only an error if a statement needs it.
        case invalid
        /// A string without its closing quote (runs to the end of the file).
        case unterminatedString
    }

    var kind: Kind
    /// Byte range in the file.
    var start: Int
    var end: Int
    /// 1-based line and byte column of the first byte.
    var line: Int
    var column: Int
    /// `true` when no other token precedes this one on its line.
    var isFirstOnLine: Bool
}

/// Splits DBC bytes into tokens. Never fails: unknown bytes become `.invalid` tokens, so sections the
/// parser skips may contain anything. `//` starts a comment to the end of the line.
struct DBCLexer {
    static func tokenize(_ bytes: [UInt8]) -> [DBCToken] {
        var tokens: [DBCToken] = []
        tokens.reserveCapacity(bytes.count / 4)
        var index = 0
        var line = 1
        var lineStart = 0
        var lastTokenLine = 0
        let count = bytes.count

        func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
        func isIdentifierStart(_ byte: UInt8) -> Bool {
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
        }
        func isIdentifierPart(_ byte: UInt8) -> Bool { isIdentifierStart(byte) || isDigit(byte) }

        while index < count {
            let byte = bytes[index]
            switch byte {
            case 0x0A:
                index += 1
                line += 1
                lineStart = index
                continue
            case 0x20, 0x09, 0x0D, 0x0B, 0x0C:
                index += 1
                continue
            case 0x2F where index + 1 < count && bytes[index + 1] == 0x2F:
                while index < count && bytes[index] != 0x0A { index += 1 }
                continue
            default:
                break
            }

            let start = index
            let startLine = line
            let column = start - lineStart + 1
            var kind: DBCToken.Kind

            if byte == 0x22 {
                // String: may span lines; `\"` escapes a quote.
                index += 1
                kind = .unterminatedString
                while index < count {
                    let current = bytes[index]
                    if current == 0x5C && index + 1 < count && bytes[index + 1] == 0x22 {
                        index += 2
                        continue
                    }
                    if current == 0x0A {
                        line += 1
                        lineStart = index + 1
                    }
                    index += 1
                    if current == 0x22 {
                        kind = .string
                        break
                    }
                }
            } else if isIdentifierStart(byte) {
                index += 1
                while index < count && isIdentifierPart(bytes[index]) { index += 1 }
                kind = .identifier
            } else if let end = numberEnd(bytes, from: index) {
                index = end
                kind = .number
            } else if ":;,|@+-()[]".utf8.contains(byte) {
                index += 1
                kind = .punctuation
            } else {
                index += 1
                kind = .invalid
            }
            tokens.append(DBCToken(
                kind: kind, start: start, end: index, line: startLine, column: column,
                isFirstOnLine: startLine != lastTokenLine))
            lastTokenLine = line
        }
        return tokens
    }

    /// End of a number starting at `index`, or `nil` if none starts there.
    static func numberEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        let count = bytes.count
        var index = start
        func isDigit(_ i: Int) -> Bool { i < count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        if index < count && (bytes[index] == 0x2B || bytes[index] == 0x2D) { index += 1 }
        var digits = 0
        while isDigit(index) {
            index += 1
            digits += 1
        }
        if index < count && bytes[index] == 0x2E {
            let dot = index
            index += 1
            var fraction = 0
            while isDigit(index) {
                index += 1
                fraction += 1
            }
            if digits == 0 && fraction == 0 { index = dot }
            digits += fraction
        }
        guard digits > 0 else { return nil }
        if index < count && (bytes[index] == 0x65 || bytes[index] == 0x45) {
            var exponent = index + 1
            if exponent < count && (bytes[exponent] == 0x2B || bytes[exponent] == 0x2D) { exponent += 1 }
            if isDigit(exponent) {
                while isDigit(exponent) { exponent += 1 }
                index = exponent
            }
        }
        return index
    }
}
