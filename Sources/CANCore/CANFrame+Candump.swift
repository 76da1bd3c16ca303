// The compact frame syntax shared by candump -L, canplayer and cansend (can-utils lib.c):
//   123#DEADBEEF        standard data frame (3 hex digits)
//   1F334455#1122       extended data frame (8 hex digits)
//   123#R  123#R4       remote request, optional requested length
//   123##1AABBCC        CAN FD: '##', one flags nibble (BRS=1, ESI=2, FDF=4), then data
//   20000080#0000...    error frame (8 digits with CAN_ERR_FLAG set)
//   123#1122334455667788_E   classic 8-byte frame with len8_dlc 0xE
// Data bytes may be separated by '.'.

extension CANFrame {
    /// Parses one frame in candump/cansend syntax.
    ///
    /// Accepts everything can-utils writes plus lower-case hex and '.' separators. Rejects what
    /// lib.c would silently truncate (odd digit counts, trailing garbage, too many bytes) so that a
    /// corrupt log line is reported, not half-read.
    ///
    /// - Throws: ``CANFrameError`` naming the byte column of the problem.
    public init(candumpText text: some StringProtocol) throws(CANFrameError) {
        var utf8 = Array(text.utf8)
        self = try utf8.withUnsafeMutableBufferPointer { buffer throws(CANFrameError) in
            try CANFrame.parseCandump(UnsafeBufferPointer(buffer), offset: 0)
        }
    }

    /// Parses frame text from raw bytes; `offset` is added to reported columns.
    static func parseCandump(_ bytes: UnsafeBufferPointer<UInt8>, offset: Int) throws(CANFrameError) -> CANFrame {
        func fail(_ reason: String, _ at: Int) -> CANFrameError { .malformedText(reason: reason, offset: offset + at) }
        let hash = UInt8(ascii: "#")
        guard let delimiter = bytes.firstIndex(of: hash) else { throw fail("missing '#' after the CAN identifier", bytes.count) }
        guard delimiter == 3 || delimiter == 8 else {
            throw fail("CAN identifier must have 3 (standard) or 8 (extended) hex digits, found \(delimiter)", 0)
        }
        var rawID: UInt32 = 0
        for index in 0..<delimiter {
            guard let nibble = hexValue(bytes[index]) else { throw fail("'\(printable(bytes[index]))' is not a hex digit", index) }
            rawID = rawID << 4 | UInt32(nibble)
        }
        var position = delimiter + 1
        let isError = delimiter == 8 && rawID & CANFrame.errorFlag != 0
        let id: CANID
        if isError {
            guard rawID & (CANFrame.extendedFlag | CANFrame.remoteFlag) == 0 else {
                throw fail("error frame identifier 0x\(hex(rawID)) also has EFF/RTR flag bits", 0)
            }
            id = try CANID(extended: rawID & CANID.extendedMask)
        } else if delimiter == 8 {
            do { id = try CANID(extended: rawID) } catch { throw fail(error.description, 0) }
        } else {
            do { id = try CANID(standard: rawID) } catch { throw fail(error.description, 0) }
        }

        // Remote request.
        if position < bytes.count, bytes[position] == UInt8(ascii: "R") || bytes[position] == UInt8(ascii: "r") {
            guard !isError else { throw fail("error frames cannot be remote requests", position) }
            position += 1
            var length = 0
            if position < bytes.count {
                guard let digit = hexValue(bytes[position]), digit <= 8 else {
                    throw fail("remote request length must be a single digit 0-8", position)
                }
                length = Int(digit)
                position += 1
            }
            guard position == bytes.count else { throw fail("unexpected text after remote request", position) }
            return try CANFrame(remoteRequest: id, length: length)
        }

        // CAN FD escape.
        var isFD = false
        var flags = CANFDFlags()
        if position < bytes.count, bytes[position] == hash {
            guard !isError else { throw fail("error frames cannot be CAN FD frames", position) }
            position += 1
            guard position < bytes.count, let nibble = hexValue(bytes[position]) else {
                throw fail("CAN FD frame needs one hex flags digit after '##'", position)
            }
            flags = CANFDFlags(rawValue: nibble)
            isFD = true
            position += 1
        }

        var payload = CANPayload()
        let maximum = isFD ? 64 : 8
        var len8DLC: UInt8?
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: ".") { position += 1; continue }
            if byte == UInt8(ascii: "_") && !isFD {
                guard payload.count == 8, position + 2 == bytes.count, let code = hexValue(bytes[position + 1]), code >= 9 else {
                    throw fail("'_' must be followed by one DLC digit 9-F after exactly 8 data bytes", position)
                }
                len8DLC = code
                position = bytes.count
                break
            }
            guard let high = hexValue(byte) else { throw fail("'\(printable(byte))' is not a hex digit", position) }
            guard position + 1 < bytes.count, let low = hexValue(bytes[position + 1]) else {
                throw fail("data byte needs two hex digits", position)
            }
            guard payload.count < maximum else { throw fail("more than \(maximum) data bytes", position) }
            payload.set(high << 4 | low, at: payload.count)
            position += 2
        }

        if isError {
            return try CANFrame(errorClass: id.value, data: payload)
        }
        if isFD {
            guard CANFrame.isValidFDLength(payload.count) else {
                throw fail("CAN FD frames carry 0-8, 12, 16, 20, 24, 32, 48 or 64 bytes, not \(payload.count)", bytes.count)
            }
            return try CANFrame(fdID: id, payload: payload, flags: flags)
        }
        return try CANFrame(id: id, payload: payload, len8DLC: len8DLC)
    }

    /// The frame in candump `-L` / cansend syntax, exactly as can-utils prints it (upper-case hex).
    public var candumpText: String {
        var text = ""
        text.reserveCapacity(12 + 2 * data.count)
        let width = (isErrorFrame || id.isExtended) ? 8 : 3
        let rawID = isErrorFrame ? CANFrame.errorFlag | id.value : id.value
        appendHex(rawID, digits: width, to: &text)
        text.unicodeScalars.append("#")
        if isRemoteRequest {
            text.unicodeScalars.append("R")
            if length > 0 { text.unicodeScalars.append(hexDigit(UInt8(length))) }
            return text
        }
        if format == .fd {
            text.unicodeScalars.append("#")
            text.unicodeScalars.append(hexDigit(fdFlags.rawValue & 0xF))
        }
        text += data.hexString()
        if let code = len8DLC {
            text.unicodeScalars.append("_")
            text.unicodeScalars.append(hexDigit(code))
        }
        return text
    }
}

@inline(__always)
func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte &- UInt8(ascii: "0")
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte &- UInt8(ascii: "A") &+ 10
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte &- UInt8(ascii: "a") &+ 10
    default: return nil
    }
}

func printable(_ byte: UInt8) -> String {
    (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16, uppercase: true)
}

func appendHex(_ value: UInt32, digits: Int, to text: inout String) {
    var shift = (digits - 1) * 4
    while shift >= 0 {
        text.unicodeScalars.append(hexDigit(UInt8((value >> UInt32(shift)) & 0xF)))
        shift -= 4
    }
}
