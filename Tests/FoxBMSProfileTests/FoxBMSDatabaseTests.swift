import CANCore
import CANDatabase
import Testing

/// `Firmware/foxbms/foxbms-compat.dbc` against what foxBMS 2 v1.11.0 reads and what bmsemu's IVT-S sends.
@Suite("foxbms-compat.dbc")
struct FoxBMSDatabaseTests {
    @Test func parsesWithoutWarningsOrConsistencyIssues() throws {
        let database = try Files.compat()
        #expect(database.warnings.isEmpty, "\(database.warnings)")
        #expect(database.consistencyIssues().isEmpty, "\(database.consistencyIssues())")
        #expect(database.nodes.map(\.name) == ["foxBMS", "AFE", "IVT", "VCU"])
        #expect(database.bitRate == 500_000)
        #expect(database.messages.count == 30)
        // Every frame is classic CAN with an 11-bit identifier; foxBMS's messages are 8 bytes, the IVT results 6.
        for message in database.messages {
            #expect(!message.id.isExtended && !message.isFD, "\(message.name)")
            #expect(message.length == (message.name.hasPrefix("IVT_Msg_Result") ? 6 : 8), "\(message.name)")
            #expect(message.signals.allSatisfy { $0.byteOrder == .bigEndian || $0.length == 1 }, "\(message.name) is not Motorola")
        }
    }

    @Test func stateRequestCarriesTheCycleTimeFoxBMSChecksButDoesNotDeclare() throws {
        let message = try #require(try Files.compat().message(id: CANID(standard: 0x210)))
        #expect(message.name == "f_BmsStateRequest")
        #expect(message.timing == .cyclic(milliseconds: 100))
        #expect(message.senders == ["VCU"])
        #expect(message.comment?.contains("95..105 ms") == true)
    }

    @Test func afeMessagesHaveFoxBMSsPageCountsAndTheValidityPolarity() throws {
        let database = try Files.compat()
        for (name, pages, perPage, cycle) in [("AFE_CellVoltages", 54, 4, 1080), ("AFE_CellTemperatures", 30, 6, 600)] {
            let message = try #require(database.message(named: name))
            #expect(message.senders == ["AFE"])
            #expect(message.timing == .cyclic(milliseconds: cycle), "\(name): \(cycle / pages) ms per frame")
            let multiplexed = message.signals.filter { $0.multiplexCondition != nil }
            #expect(Set(multiplexed.compactMap { $0.multiplexCondition?.values.first?.lowerBound }) == Set((0..<pages).map(Int64.init)))
            #expect(multiplexed.count == pages * perPage * 2)
            for flag in multiplexed where flag.name.hasSuffix("_invalidFlag") {
                // foxBMS's debug-can AFE takes 1 as VALID (debug_can.c: DECAN_DATA_IS_VALID = 1).
                #expect(flag.valueTable?.name(for: 1) == "Valid" && flag.valueTable?.name(for: 0) == "Invalid", "\(flag.name)")
            }
        }
        // The signal foxBMS reads for voltage index 213 sits on page 53, slot 1: bits 30...18 (Motorola start 30).
        let voltage = try #require(database.message(named: "AFE_CellVoltages")?.signal(named: "CellVoltage_213"))
        #expect(voltage.startBit == 30 && voltage.length == 13 && !voltage.isSigned)
        #expect(voltage.multiplexCondition?.values.first?.lowerBound == 53)
        let temperature = try #require(database.message(named: "AFE_CellTemperatures")?.signal(named: "CellTemperature_179"))
        #expect(temperature.startBit == 63 && temperature.length == 8 && temperature.isSigned)
    }

    /// The IVT-S part is the same bus in both databases, so the same emulated sensor serves both profiles.
    @Test func ivtMessagesAreIdenticalToBmsemusOwnDatabase() throws {
        let compat = try Files.compat()
        let own = try Files.bms()
        for identifier in [0x411, 0x511] + Array(0x521...0x528) {
            let id = try CANID(standard: UInt32(identifier))
            let ours = try #require(compat.message(id: id))
            let reference = try #require(own.message(id: id))
            #expect(ours.name == reference.name && ours.length == reference.length && ours.timing == reference.timing, "\(ours.name)")
            #expect(ours.signals.map(\.name) == reference.signals.map(\.name), "\(ours.name)")
            for (a, b) in zip(ours.signals, reference.signals) {
                #expect(a.startBit == b.startBit && a.length == b.length && a.byteOrder == b.byteOrder && a.isSigned == b.isSigned, "\(a.name)")
                #expect(a.factor == b.factor && a.offset == b.offset && a.e2eRole == b.e2eRole, "\(a.name)")
                #expect(a.multiplexCondition == b.multiplexCondition, "\(a.name)")
            }
        }
    }

    /// Bytes built by an independent bit packer from foxBMS's own bit definitions
    /// (can_cbs_rx_afe_cell-voltages.c: mux 7|8, flags 12...15, values 11, 30, 33, 52, 13 bits each, big endian)
    /// equal what the codec encodes.
    @Test func encodingMatchesFoxBMSsBitDefinitions() throws {
        var encoder = try Files.compat().codec(forMessageNamed: "AFE_CellVoltages").encoder()
        let values: [Int64] = [3712, 4095, 8191, 1]
        let valid: [Int64] = [1, 0, 1, 1]
        try encoder.set("AFE_CellVoltages_Mux", raw: 13)
        for slot in 0..<4 {
            try encoder.set("CellVoltage_0\(52 + slot)", raw: values[slot])
            try encoder.set("CellVoltage_0\(52 + slot)_invalidFlag", raw: valid[slot])
        }
        let encoded = try encoder.frame()
        var word: UInt64 = 0
        func put(_ value: Int64, start: Int, length: Int) {
            // foxBMS big-endian: the MSB sits at `start` in sawtooth numbering; count positions from the MSB of
            // byte 0 in a 64-bit big-endian word.
            let msb = 63 - (8 * (start / 8) + 7 - start % 8)
            word |= (UInt64(value) & ((1 << UInt64(length)) - 1)) << UInt64(msb - length + 1)
        }
        put(13, start: 7, length: 8)
        for (slot, start) in [11, 30, 33, 52].enumerated() {
            put(values[slot], start: start, length: 13)
            put(valid[slot], start: 12 + slot, length: 1)
        }
        let expected = (0..<8).map { UInt8(truncatingIfNeeded: word >> UInt64(56 - 8 * $0)) }
        #expect(Array(encoded.data) == expected)
        #expect(encoded.candumpText == "270#0D" + expected.dropFirst().map { String($0, radix: 16, uppercase: true).leftPadded(2) }.joined())
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(width - count, 0)) + self }
}
