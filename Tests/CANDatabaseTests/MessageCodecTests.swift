import CANCore
import CANDatabase
import Testing

/// Known vectors: the byte strings were produced by cantools 45.1.0 from the same fixture and are kept
/// here as fixed oracles (the live cross-check in CantoolsCrossCheckTests covers every message).
@Suite("Message codec")
struct MessageCodecTests {
    static func hex(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            bytes.append(UInt8(text[index..<next], radix: 16)!)
            index = next
        }
        return bytes
    }

    static func frame(_ id: CANID, _ hexText: String) throws -> CANFrame {
        try CANFrame(id: id, data: hex(hexText))
    }

    static func physicalValues(_ decoded: DecodedFrame) -> [String: Double] {
        var values: [String: Double] = [:]
        for signal in decoded.signals { values[signal.name] = signal.physical }
        return values
    }

    @Test func ivtCurrentFrameMatchesTheVendorExample() throws {
        let codec = try TestFiles.bmsDatabase().codec(forMessageNamed: "IVT_Msg_Result_I")
        let decoded = try codec.decode(try CANFrame(candumpText: "521#0003FFFFCFC7"))
        #expect(decoded.physical(try codec.handle(named: "IVT_Result_I")) == -12345)
        #expect(decoded.raw(try codec.handle(named: "IVT_MsgCount_Result_I")) == 3)
        #expect(decoded.valueName(try codec.handle(named: "IVT_ID_Result_I")) == "Result_I")

        var encoder = codec.encoder()
        for name in ["IVT_ID_Result_I", "IVT_Result_I_OCS", "IVT_Result_I_Channel_Error",
                     "IVT_Result_I_Measurement_Error", "IVT_Result_I_System_Error"] { try encoder.set(name, 0) }
        try encoder.set("IVT_MsgCount_Result_I", raw: 3)
        try encoder.set("IVT_Result_I", -12345)
        #expect(try encoder.frame().candumpText == "521#0003FFFFCFC7")
    }

    @Test func motorolaSignalsCrossingBytesWithNegativeFactors() throws {
        let codec = try TestFiles.fixture("powertrain_motorola.dbc").codec(forMessageNamed: "InverterStatus")
        let values: [String: Double] = [
            "MotorSpeed": -1234.5, "DcLinkVoltage": 401.25, "MotorTorque": -57.3, "Gear": 3, "Derating": 38,
            "HeatsinkTemp": -55,
        ]
        var encoder = codec.encoder()
        for (name, value) in values { try encoder.set(name, value) }
        let frame = try encoder.frame()
        #expect(Array(frame.data) == Self.hex("f65b64523ddff100"))
        let decoded = Self.physicalValues(try codec.decode(frame))
        for (name, value) in values { #expect(abs(decoded[name]! - value) < 1e-9, "\(name)") }
    }

    @Test func extendedIdentifierIntelSignalsWithNegativeFactorAndOffset() throws {
        let codec = try TestFiles.fixture("powertrain_motorola.dbc").codec(forMessageNamed: "J1939Like")
        let frame = try CANFrame(id: try CANID(extended: 0x18FF_50E5), data: Self.hex("65679dc27801c00d"))
        let decoded = Self.physicalValues(try codec.decode(frame))
        #expect(decoded["EngineLoad"] == 40.400000000000006)
        #expect(decoded["OilPressure"] == 412)
        #expect(decoded["Odometer"] == 123456.785)
        #expect(decoded["Trim"] == -300.5)
    }

    @Test func canFD64ByteMessageWithSignalsBeyondByte8AndAFloat() throws {
        let codec = try TestFiles.fixture("powertrain_motorola.dbc").codec(forMessageNamed: "FdSnapshot")
        let bytes = Self.hex(
            "01021cf3ffff000000000000000000004286ca0e5397db1f00000000000000000000000000102468acf13579bde0000000000000000000da800000c03f0000a5")
        let frame = try CANFrame(fdID: try CANID(extended: 0x400), data: bytes)
        let decoded = try codec.decode(frame)
        #expect(decoded.rawBits(try codec.handle(named: "SpanningIntel")) == 0xFEDC_BA98_7654_3210)
        #expect(decoded.raw(try codec.handle(named: "SpanningIntel")) == nil, "above Int64.max")
        #expect(decoded.rawBits(try codec.handle(named: "SpanningMotorola")) == 0x8123_4567_89AB_CDEF)
        #expect(decoded.physical(try codec.handle(named: "Temperature")) == -12.5)
        #expect(decoded.physical(try codec.handle(named: "RatioSingle")) == 1.5)
        #expect(decoded.physical(try codec.handle(named: "Voltage1")) == -3.3000000000000003)

        var encoder = codec.encoder()
        try encoder.set("Sequence", 513)
        try encoder.set("Voltage1", -3.3)
        try encoder.set("SpanningIntel", rawBits: 0xFEDC_BA98_7654_3210)
        try encoder.set("SpanningMotorola", rawBits: 0x8123_4567_89AB_CDEF)
        try encoder.set("Temperature", -12.5)
        try encoder.set("RatioSingle", 1.5)
        try encoder.set("Tail", 0xA5)
        let encoded = try encoder.frame()
        #expect(encoded.format == .fd && encoded.fdFlags.contains(.bitRateSwitch))
        #expect(Array(encoded.data) == bytes)
    }

    @Test func signed64BitMotorolaAndDoubleSignals() throws {
        let database = try TestFiles.fixture("powertrain_motorola.dbc")
        let wide = try database.codec(forMessageNamed: "Wide")
        var encoder = wide.encoder()
        try encoder.set("Signed64", -1e15)
        let frame = try encoder.frame()
        #expect(Array(frame.data) == Self.hex("fff8e502b6730006"))
        #expect(Self.physicalValues(try wide.decode(frame))["Signed64"] == -1e15)

        let box = try database.codec(forMessageNamed: "FloatBox")
        var floatEncoder = box.encoder()
        try floatEncoder.set("Efficiency", 0.9731)
        let floatFrame = try floatEncoder.frame()
        #expect(floatFrame.data.littleEndianWord0 == (0.9731 as Double).bitPattern)
        #expect(Self.physicalValues(try box.decode(floatFrame))["Efficiency"] == 0.9731)
    }

    @Test func roundingIsHalfToEvenLikeCantools() throws {
        let codec = try TestFiles.fixture("powertrain_motorola.dbc").codec(forMessageNamed: "InverterStatus")
        let speed = try codec.handle(named: "MotorSpeed")
        // factor 0.5: 0.25 → 0.5 → 0, 0.75 → 1.5 → 2, 1.25 → 2.5 → 2.
        for (physical, raw) in [(0.25, 0), (0.75, 2), (1.25, 2), (-0.75, -2)] as [(Double, Int64)] {
            var encoder = codec.encoder()
            try encoder.set(speed, physical)
            for name in ["DcLinkVoltage", "MotorTorque", "Gear", "HeatsinkTemp"] { try encoder.set(name, 0) }
            try encoder.set("Derating", 100)
            #expect(try codec.decode(try encoder.frame()).raw(speed) == raw, "\(physical)")
        }
    }

    @Test func outOfRangeEncodeIsATypedErrorNotAWrap() throws {
        let database = try TestFiles.bmsDatabase()
        let codec = try database.codec(forMessageNamed: "CMU1_CellVoltages")
        let cell = try codec.handle(named: "CellVoltage001")
        var encoder = codec.encoder()
        #expect(throws: CANEncodeError.outOfRange(signal: "CellVoltage001", value: 5001, minimum: 0, maximum: 5000)) {
            try encoder.set(cell, 5001)
        }
        #expect(throws: CANEncodeError.outOfRange(signal: "CellVoltage001", value: -1, minimum: 0, maximum: 5000)) {
            try encoder.set(cell, -1)
        }
        #expect(throws: CANEncodeError.notFinite(signal: "CellVoltage001")) { try encoder.set(cell, .nan) }
        // cantools' tolerance: |factor| * 1e-6 beyond the limit still encodes.
        try encoder.set(cell, 5000.0000005)
        // A named raw value skips the physical range check (65534 = OpenWire).
        try encoder.set(cell, valueNamed: "OpenWire")
        try encoder.set(cell, 65534)
        #expect(throws: CANEncodeError.rawOutOfRange(signal: "CellVoltage001", raw: 65536, bits: 16, signed: false)) {
            try encoder.set(cell, raw: 65536)
        }
        #expect(throws: CANEncodeError.unknownValueName(signal: "CellVoltage001", name: "Hot")) {
            try encoder.set(cell, valueNamed: "Hot")
        }
        // Without [min|max] ([0|0]) only the bit width limits: signed 32-bit IVT value.
        let ivt = try database.codec(forMessageNamed: "IVT_Msg_Result_U1")
        var ivtEncoder = ivt.encoder()
        #expect(throws: CANEncodeError.self) { try ivtEncoder.set("IVT_Result_U1", 2_147_483_648) }
        try ivtEncoder.set("IVT_Result_U1", -2_147_483_648)
        let signedCodec = try TestFiles.fixture("powertrain_motorola.dbc").codec(forMessageNamed: "DiagMux")
        var signedEncoder = signedCodec.encoder()
        #expect(throws: CANEncodeError.rawOutOfRange(signal: "ReadValue", raw: 2_147_483_648, bits: 32, signed: true)) {
            try signedEncoder.set("ReadValue", 2_147_483.648)
        }
    }

    @Test func multiplexedDecodeGivesOnlyTheSelectedPage() throws {
        let codec = try TestFiles.bmsDatabase().codec(forMessageNamed: "CMU2_CellVoltages")
        let page = try codec.handle(named: "CMU2_VoltagePage")
        let cell13 = try codec.handle(named: "CellVoltage013")
        let cell16 = try codec.handle(named: "CellVoltage016")
        var encoder = codec.encoder()
        try encoder.set(page, raw: 1)
        try encoder.set("CellVoltage016", 3712)
        try encoder.set("CellVoltage017", 3700)
        try encoder.set("CellVoltage018", valueNamed: "OpenWire")
        try encoder.set("CMU2_VoltageCounter", raw: 9)
        try encoder.set("CMU2_VoltageCRC", raw: 0)
        let decoded = try codec.decode(try encoder.frame())
        #expect(decoded.raw(page) == 1)
        #expect(decoded.physical(cell16) == 3712)
        #expect(decoded.physical(cell13) == nil && !decoded.isPresent(cell13), "page 0 signal absent on page 1")
        #expect(decoded.valueName(try codec.handle(named: "CellVoltage018")) == "OpenWire")
        #expect(decoded.signals.map(\.name) == [
            "CMU2_VoltagePage", "CMU2_VoltageCounter", "CellVoltage016", "CellVoltage017", "CellVoltage018", "CMU2_VoltageCRC",
        ])
        var buffer: [Double] = []
        try codec.decode(try encoder.frame(), into: &buffer)
        #expect(buffer.count == codec.signalCount)
        #expect(buffer[cell16.index] == 3712 && buffer[cell13.index].isNaN)
    }

    @Test func nestedMultiplexersSelectAlongTheTree() throws {
        let codec = try TestFiles.fixture("powertrain_motorola.dbc").codec(forMessageNamed: "DiagMux")
        let reset = try codec.handle(named: "ResetKind")
        let decoded = try codec.decode(try Self.frame(try CANID(standard: 0x400), "0110050000000000"))
        #expect(decoded.raw(reset) == 5)
        #expect(decoded.valueName(try codec.handle(named: "Subfunction")) == "Factory")
        #expect(decoded.physical(try codec.handle(named: "ReadValue")) == nil)
        let calibration = try codec.decode(try Self.frame(try CANID(standard: 0x400), "0300123456187c00"))
        #expect(calibration.raw(try codec.handle(named: "Blocks")) == 0x123456)
        #expect(calibration.physical(try codec.handle(named: "CalibrationWord")) == -1000)
        #expect(calibration.raw(reset) == nil)
        // Subfunction 2 selects nothing under Service 1: rejected like cantools does.
        #expect(throws: CANDecodeError.unknownMultiplexerValue(multiplexer: "Subfunction", value: 2)) {
            try codec.decode(try Self.frame(try CANID(standard: 0x400), "0102050000000000"))
        }
        #expect(throws: CANDecodeError.unknownMultiplexerValue(multiplexer: "Service", value: 9)) {
            try codec.decode(try Self.frame(try CANID(standard: 0x400), "0900000000000000"))
        }
    }

    @Test func decodeRejectsOtherFrames() throws {
        let codec = try TestFiles.bmsDatabase().codec(forMessageNamed: "BMS_PackStatus")
        #expect(throws: CANDecodeError.wrongLength(expected: 8, actual: 7)) {
            try codec.decode(try CANFrame(id: try CANID(standard: 0x301), data: [UInt8](repeating: 0, count: 7)))
        }
        #expect(throws: CANDecodeError.wrongIdentifier(expected: try CANID(standard: 0x301), actual: try CANID(standard: 0x302))) {
            try codec.decode(try CANFrame(id: try CANID(standard: 0x302), data: [UInt8](repeating: 0, count: 8)))
        }
        #expect(throws: CANDecodeError.wrongIdentifier(expected: try CANID(standard: 0x301), actual: try CANID(extended: 0x301))) {
            try codec.decode(try CANFrame(id: try CANID(extended: 0x301), data: [UInt8](repeating: 0, count: 8)))
        }
        #expect(throws: CANDecodeError.notADataFrame) {
            try codec.decode(try CANFrame(remoteRequest: try CANID(standard: 0x301), length: 8))
        }
    }

    @Test func encoderIsStrictAboutWhichSignalsAreSet() throws {
        let codec = try TestFiles.bmsDatabase().codec(forMessageNamed: "CMU1_CellVoltages")
        var encoder = codec.encoder()
        try encoder.set("CMU1_VoltagePage", raw: 0)
        try encoder.set("CMU1_VoltageCounter", raw: 0)
        try encoder.set("CMU1_VoltageCRC", raw: 0)
        try encoder.set("CellVoltage001", 3000)
        try encoder.set("CellVoltage002", 3000)
        #expect(throws: CANEncodeError.missingSignal("CellVoltage003")) { try encoder.frame() }
        try encoder.set("CellVoltage003", 3000)
        _ = try encoder.frame()
        try encoder.set("CellVoltage004", 3000)
        #expect(throws: CANEncodeError.inactiveSignal("CellVoltage004")) { try encoder.frame() }
        try encoder.clear(try codec.handle(named: "CellVoltage004"))
        _ = try encoder.frame()
        try encoder.set("CMU1_VoltagePage", raw: 7)
        #expect(throws: CANEncodeError.unknownMultiplexerValue(multiplexer: "CMU1_VoltagePage", value: 7)) {
            try encoder.frame()
        }
        #expect(throws: CANEncodeError.unknownSignal("CellVoltage099")) { try encoder.set("CellVoltage099", 1) }
        encoder.reset()
        #expect(throws: CANEncodeError.missingSignal("CMU1_VoltagePage")) { try encoder.frame() }
    }

    @Test func handlesOfAnotherMessageAreRejected() throws {
        let database = try TestFiles.bmsDatabase()
        let cells = try database.codec(forMessageNamed: "CMU1_CellVoltages")
        let pack = try database.codec(forMessageNamed: "BMS_PackStatus")
        let foreign = try cells.handle(named: "CellVoltage001")
        var encoder = pack.encoder()
        #expect(throws: CANEncodeError.self) { try encoder.set(foreign, 1) }
        let decoded = try pack.decode(try CANFrame(id: try CANID(standard: 0x301), data: [UInt8](repeating: 0, count: 8)))
        #expect(decoded.physical(foreign) == nil && decoded.raw(foreign) == nil && pack.signal(foreign) == nil)
        #expect(throws: DBCCodecError.unknownSignal(message: "BMS_PackStatus", signal: "Nope")) { try pack.handle(named: "Nope") }
        #expect(throws: DBCCodecError.unknownMessage("Nope")) { try database.codec(forMessageNamed: "Nope") }
    }

    @Test func compileRejectsLayoutsTheBusCannotCarry() throws {
        func compile(_ text: String) throws(DBCCodecError) {
            let database = try! CANDatabase.parse(text: text)
            _ = try MessageCodec(database.messages[0])
        }
        #expect(throws: DBCCodecError.signalOutsidePayload(message: "M", signal: "S", lastByte: 5, length: 4)) {
            try compile("BO_ 1 M: 4 N\n SG_ S : 28|16@1+ (1,0) [0|0] \"\" N")
        }
        #expect(throws: DBCCodecError.signalOutsidePayload(message: "M", signal: "S", lastByte: 1, length: 1)) {
            try compile("BO_ 1 M: 1 N\n SG_ S : 0|8@0+ (1,0) [0|0] \"\" N")
        }
        #expect(throws: DBCCodecError.invalidMessageLength(message: "M", length: 12)) { try compile("BO_ 1 M: 12 N") }
        #expect(throws: DBCCodecError.invalidFloatLength(message: "M", signal: "S", length: 16)) {
            try compile("BO_ 1 M: 8 N\n SG_ S : 0|16@1- (1,0) [0|0] \"\" N\nSIG_VALTYPE_ 1 S : 1;")
        }
    }

    @Test func monitorDecodesAnyFrameByIdentifier() throws {
        let database = try TestFiles.bmsDatabase()
        let codecs = DatabaseCodec(database)
        #expect(codecs.failures.isEmpty)
        #expect(codecs.codecs.count == database.messages.count)
        let result = try #require(codecs.decode(try CANFrame(candumpText: "521#0003FFFFCFC7")))
        let signals = try result.get().signals
        #expect(signals.last?.description == "IVT_Result_I = -12345.0 mA")
        #expect(signals.first?.description == "IVT_ID_Result_I = Result_I (0)")
        #expect(codecs.decode(try CANFrame(candumpText: "7FF#00")) == nil)
        #expect(throws: CANDecodeError.wrongLength(expected: 6, actual: 2)) {
            try codecs.decode(try CANFrame(candumpText: "521#0003"))?.get()
        }
    }
}
