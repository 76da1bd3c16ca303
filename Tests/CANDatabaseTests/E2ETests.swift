import CANCore
import CANDatabase
import Testing

@Suite("E2E protection")
struct E2ETests {
    @Test func crcMatchesTheSAEJ1850CheckValues() {
        // Catalogue check value of CRC-8/SAE-J1850 and AUTOSAR SWS_CRCLibrary example vectors.
        #expect(CRC8SAEJ1850.checksum(Array("123456789".utf8)) == 0x4B)
        #expect(CRC8SAEJ1850.checksum([0x00, 0x00, 0x00, 0x00]) == 0x59)
        #expect(CRC8SAEJ1850.checksum([0xF2, 0x01, 0x83]) == 0x37)
        #expect(CRC8SAEJ1850.checksum([0x0F, 0xAA, 0x00, 0x55]) == 0x79)
        #expect(CRC8SAEJ1850.checksum([0x00, 0xFF, 0x55, 0x11]) == 0xB8)
        #expect(CRC8SAEJ1850.checksum([0x33, 0x22, 0x55, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF]) == 0xCB)
        #expect(CRC8SAEJ1850.checksum([0x92, 0x6B, 0x55]) == 0x8C)
        #expect(CRC8SAEJ1850.checksum([0xFF, 0xFF, 0xFF, 0xFF]) == 0x74)
    }

    struct StateRequest {
        let codec: MessageCodec
        let profile: E2EProfile
        var encoder: MessageEncoder

        init() throws {
            codec = try TestFiles.bmsDatabase().codec(forMessageNamed: "VCU_StateRequest")
            profile = try E2EProfile(codec: codec)
            encoder = codec.encoder()
            try encoder.set("StateRequest_Mode", valueNamed: "Charge")
            for name in ["StateRequest_ResetFaults", "StateRequest_ChargerConnected", "StateRequest_HealingAllowed",
                         "StateRequest_BalancingAllowed", "StateRequest_HealingProtocol"] { try encoder.set(name, 0) }
            try encoder.set("StateRequest_BalancingThreshold", 10)
        }
    }

    @Test func senderFillsCounterAndCRCOverDataIDAndPayload() throws {
        var request = try StateRequest()
        #expect(request.profile.checksumByte == 3)
        var sender = E2ESender(profile: request.profile)
        var counters: [Int64] = []
        for _ in 0..<17 {
            let frame = try sender.protect(&request.encoder)
            let decoded = try request.codec.decode(frame)
            counters.append(decoded.raw(request.profile.counter) ?? -1)
            // CRC over 0xA0 0x00 (identifier low, high byte) and payload bytes 0...2.
            let expected = CRC8SAEJ1850.checksum([0xA0, 0x00] + Array(frame.data.prefix(3)))
            #expect(frame.data[3] == expected)
        }
        #expect(counters == Array(0...15) + [0])
        #expect(sender.nextCounter == 1)
    }

    @Test func receiverClassifiesEveryCase() throws {
        var request = try StateRequest()
        var sender = E2ESender(profile: request.profile)
        var receiver = E2EReceiver(profile: request.profile)
        let frames = try (0..<21).map { _ in try sender.protect(&request.encoder) }

        #expect(receiver.check(frames[0]) == .initial)
        #expect(receiver.check(frames[1]) == .ok)
        #expect(receiver.check(frames[1]) == .repeated, "same frame again")
        #expect(receiver.check(frames[4]) == .skipped(lost: 2), "frames 2 and 3 lost")
        #expect(receiver.check(frames[5]) == .ok)
        #expect(receiver.check(frames[5 + 15]) == .skipped(lost: 14), "counter 4 after 5: 14 frames lost (wrap)")

        var corrupted = Array(frames[6].data)
        corrupted[1] ^= 0x04
        let bad = try CANFrame(id: frames[6].id, data: corrupted)
        guard case .badCRC(let expected, let received) = receiver.check(bad) else {
            Issue.record("bit flip not detected")
            return
        }
        #expect(received == frames[6].data[3] && expected != received)
        #expect(receiver.lastCounter == 4, "a bad CRC does not move the reference")
        #expect(receiver.check(try CANFrame(id: frames[6].id, data: Array(frames[6].data.prefix(3)))) == .wrongLength(expected: 4, actual: 3))
        #expect(receiver.check(try CANFrame(id: try CANID(standard: 0x0A1), data: Array(frames[6].data))) == .wrongFrame)
        #expect(receiver.check(try CANFrame(remoteRequest: frames[6].id, length: 4)) == .wrongFrame)

        // A frame from a sender with another data id (same payload, other identifier) fails the CRC.
        let masquerade = try CANFrame(id: frames[6].id, data: Array(frames[6].data.prefix(3)) + [CRC8SAEJ1850.checksum([0xB0, 0x00] + Array(frames[6].data.prefix(3)))])
        #expect(!receiver.check(masquerade).isUsable)

        receiver.reset()
        #expect(receiver.check(frames[9]) == .initial)
        #expect(E2ECheck.skipped(lost: 1).isUsable && !E2ECheck.repeated.isUsable)
    }

    @Test func counterOnlyProfileForTheCurrentSensor() throws {
        let codec = try TestFiles.bmsDatabase().codec(forMessageNamed: "IVT_Msg_Result_I")
        let profile = try E2EProfile(codec: codec)
        #expect(profile.checksum == nil && profile.checksumByte == nil)
        var receiver = E2EReceiver(profile: profile)
        #expect(receiver.check(try CANFrame(candumpText: "521#0003FFFFCFC7")) == .initial)
        #expect(receiver.check(try CANFrame(candumpText: "521#0004FFFFCFC7")) == .ok)
        #expect(receiver.check(try CANFrame(candumpText: "521#0004FFFFCFC7")) == .repeated)
        #expect(receiver.check(try CANFrame(candumpText: "521#0007FFFFCFC7")) == .skipped(lost: 2))
        #expect(receiver.check(try CANFrame(candumpText: "521#0008FFFFCF")) == .wrongLength(expected: 6, actual: 5))
    }

    @Test func resealKeepsEditedFramesValid() throws {
        var request = try StateRequest()
        var sender = E2ESender(profile: request.profile, initialCounter: 7)
        let frame = try sender.protect(&request.encoder)
        var payload = frame.data
        payload.set(payload[0] ^ 0x01, at: 0)
        var receiver = E2EReceiver(profile: request.profile)
        #expect(receiver.check(try CANFrame(id: frame.id, payload: payload)) != .initial)
        #expect(receiver.check(try CANFrame(id: frame.id, payload: request.profile.resealed(payload))) == .initial)
        #expect(request.profile.counterValue(in: payload) == 7)
    }

    @Test func profilesOfEverySafetyMessageAreValid() throws {
        let database = try TestFiles.bmsDatabase()
        let protected = database.messages.filter { $0.signals.contains { $0.e2eRole == .checksum } }.map(\.name)
        for name in ["VCU_StateRequest", "BMS_ContactorCommand", "CONT_ContactorFeedback", "BMS_Alarms",
                     "BMS_ChargerCommand", "BMS_ChargerProfile", "BMS_BalancingCommand", "CMU1_CellVoltages",
                     "CMU8_CellTemperatures"] {
            #expect(protected.contains(name), "\(name) carries counter and CRC")
        }
        for message in database.messages where message.signals.contains(where: { $0.e2eRole != nil }) {
            let profile = try E2EProfile(codec: try MessageCodec(message))
            #expect(profile.messageID == message.id)
        }
    }

    @Test func invalidE2ESignalsAreRejected() throws {
        func profile(_ signals: String) throws(E2EProfile.ConfigurationError) {
            let text = """
                BO_ 16 M: 8 N
                \(signals)
                BA_DEF_ SG_ "SigType" ENUM "Default","MessageCounter","MessageChecksum";
                BA_ "SigType" SG_ 16 C 1;
                BA_ "SigType" SG_ 16 K 2;
                """
            let database = try! CANDatabase.parse(text: text)
            _ = try E2EProfile(codec: try! MessageCodec(database.messages[0]))
        }
        #expect(throws: E2EProfile.ConfigurationError.invalidCounter(message: "M", signal: "C")) {
            try profile(" SG_ C : 0|3@1+ (1,0) [0|0] \"\" N\n SG_ K : 8|8@1+ (1,0) [0|0] \"\" N")
        }
        #expect(throws: E2EProfile.ConfigurationError.invalidChecksum(message: "M", signal: "K")) {
            try profile(" SG_ C : 0|4@1+ (1,0) [0|0] \"\" N\n SG_ K : 9|8@1+ (1,0) [0|0] \"\" N")
        }
        #expect(throws: E2EProfile.ConfigurationError.noCounter(message: "M")) {
            try profile(" SG_ K : 8|8@1+ (1,0) [0|0] \"\" N")
        }
        // Motorola checksum aligned on a byte: start bit 15 is the MSB of byte 1.
        try profile(" SG_ C : 0|4@1+ (1,0) [0|0] \"\" N\n SG_ K : 15|8@0+ (1,0) [0|0] \"\" N")
    }
}
