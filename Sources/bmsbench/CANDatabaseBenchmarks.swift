import CANCore
import CANDatabase
import Foundation

/// DBC codec throughput on the two hottest messages of Firmware/bms.dbc: the multiplexed cell voltages
/// (the firmware decodes 320 of them a second) and the pack status. Each figure has an arithmetic
/// floor next to it: hand-written shift/mask code for exactly the same fields, measured in the same run.
enum CANDatabaseBenchmarks {
    static let frameCount = 4096

    static func run() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let bytes = [UInt8](try Data(contentsOf: root.appendingPathComponent("Firmware/bms.dbc")))
        _ = try Bench.measure("dbc: parse bms.dbc (per byte)", operations: bytes.count) {
            try CANDatabase.parse(bytes).messages.count
        }
        let database = try CANDatabase.parse(bytes)
        _ = Bench.measure("dbc: compile codecs (per message)", operations: database.messages.count) {
            DatabaseCodec(database).codecs.count
        }
        try cellVoltages(database)
        try packStatus(database)
    }

    // MARK: - Cell voltages (multiplexed, E2E protected)

    static func cellVoltages(_ database: CANDatabase) throws {
        let codec = try database.codec(forMessageNamed: "CMU1_CellVoltages")
        let page = try codec.handle(named: "CMU1_VoltagePage")
        let counter = try codec.handle(named: "CMU1_VoltageCounter")
        let crc = try codec.handle(named: "CMU1_VoltageCRC")
        let cells = try (0..<4).map { page in
            try (1...3).map { try codec.handle(named: "CellVoltage" + pad3(page * 3 + $0)) }
        }
        let profile = try E2EProfile(codec: codec)

        // Inputs: pages 0..3 in turn, voltages 3000...4199 mV.
        var millivolts: [[Double]] = []
        for index in 0..<frameCount {
            var row: [Double] = []
            for slot in 0..<3 {
                let offset: Int = (index * 7 + slot * 131) % 1200
                row.append(Double(3000 + offset))
            }
            millivolts.append(row)
        }
        var encoder = codec.encoder()
        var sender = E2ESender(profile: profile)
        var frames: [CANFrame] = []
        for index in 0..<frameCount {
            try encoder.set(page, raw: Int64(index % 4))
            for slot in 0..<3 { try encoder.set(cells[index % 4][slot], millivolts[index][slot]) }
            frames.append(try sender.protect(&encoder))
            encoder.reset()
        }

        let decoded = try Bench.measure("cells: decode by handle (page + 3 cells)", operations: frameCount) {
            var sum = 0.0
            for frame in frames {
                let view = try codec.decode(frame)
                let current = Int(view.raw(page) ?? 0)
                for slot in 0..<3 { sum += view.physical(cells[current][slot]) ?? 0 }
            }
            return sum
        }
        let floor = Bench.measure("cells: floor (shift/mask, same fields)", operations: frameCount) {
            var sum = 0.0
            for frame in frames {
                guard frame.id.value == 0x201, frame.data.count == 8 else { continue }
                let word = frame.data.littleEndianWord0
                guard word & 0xF < 4 else { continue }
                for slot in 0..<3 { sum += Double((word >> UInt64(8 + 16 * slot)) & 0xFFFF) * 1 + 0 }
            }
            return sum
        }
        ratio("cells: decode / floor", decoded, floor)
        var buffer: [Double] = []
        _ = try Bench.measure("cells: decode into buffer (all 15 signals)", operations: frameCount) {
            var sum = 0.0
            for frame in frames {
                try codec.decode(frame, into: &buffer)
                sum += buffer[cells[0][0].index].isNaN ? 0 : 1
            }
            return sum
        }
        _ = Bench.measure("cells: E2E receiver check + decode", operations: frameCount) {
            var receiver = E2EReceiver(profile: profile)
            var sum = 0.0
            for frame in frames where receiver.check(frame).isUsable {
                if let view = try? codec.decode(frame) { sum += view.physical(cells[0][0]) ?? 1 }
            }
            return sum
        }
        _ = try Bench.measure("cells: decode all with names (monitor)", operations: frameCount) {
            var count = 0
            for frame in frames { count += try codec.decode(frame).signals.count }
            return count
        }

        let encoded = try Bench.measure("cells: encode (physical, checked) + E2E", operations: frameCount) {
            var encoder = codec.encoder()
            var sender = E2ESender(profile: profile)
            var last = 0
            for index in 0..<frameCount {
                encoder.reset()
                try encoder.set(page, raw: Int64(index % 4))
                for slot in 0..<3 { try encoder.set(cells[index % 4][slot], millivolts[index][slot]) }
                last &+= Int(try sender.protect(&encoder).data[7])
            }
            return last
        }
        let encodeFloor = try Bench.measure("cells: encode floor (shift/or + CRC)", operations: frameCount) {
            let id = try CANID(standard: 0x201)
            var last = 0
            for index in 0..<frameCount {
                var word = UInt64(index % 4) | UInt64(index & 0xF) << 4
                for slot in 0..<3 { word |= UInt64(millivolts[index][slot]) << UInt64(8 + 16 * slot) }
                var state = CRC8SAEJ1850.update(CRC8SAEJ1850.update(0xFF, 0x01), 0x02)
                for byte in 0..<7 { state = CRC8SAEJ1850.update(state, UInt8(truncatingIfNeeded: word >> UInt64(8 * byte))) }
                word |= UInt64(state ^ 0xFF) << 56
                var payload = CANPayload()
                for byte in 0..<8 { payload.set(UInt8(truncatingIfNeeded: word >> UInt64(8 * byte)), at: byte) }
                last &+= Int(try CANFrame(id: id, payload: payload).data[7])
            }
            return last
        }
        ratio("cells: encode / floor", encoded, encodeFloor)
        _ = (counter, crc)
    }

    // MARK: - Pack status (plain message, signed 20-bit current)

    static func packStatus(_ database: CANDatabase) throws {
        let codec = try database.codec(forMessageNamed: "BMS_PackStatus")
        let names = ["Pack_Voltage", "Pack_BusVoltage", "Pack_Current", "Pack_CurrentValid", "Pack_VoltageValid",
                     "Pack_BusVoltageValid", "Pack_Counter"]
        let handles = try names.map { try codec.handle(named: $0) }
        var inputs: [[Double]] = []
        for index in 0..<frameCount {
            let voltage: Double = 350 + Double(index % 5000) * 0.01
            let bus: Double = 349 + Double(index % 4000) * 0.01
            let current: Double = Double(index % 20000) * 0.01 - 100
            inputs.append([voltage, bus, current, 1, 1, 1, Double(index % 16)])
        }
        var encoder = codec.encoder()
        let frames = try inputs.map { values -> CANFrame in
            for (handle, value) in zip(handles, values) { try encoder.set(handle, value) }
            return try encoder.frame()
        }

        let decoded = try Bench.measure("pack status: decode by handle (V, bus V, I)", operations: frameCount) {
            var sum = 0.0
            for frame in frames {
                let view = try codec.decode(frame)
                sum += (view.physical(handles[0]) ?? 0) + (view.physical(handles[1]) ?? 0) + (view.physical(handles[2]) ?? 0)
            }
            return sum
        }
        let floor = Bench.measure("pack status: floor (shift/mask, sign-extend)", operations: frameCount) {
            var sum = 0.0
            for frame in frames {
                guard frame.id.value == 0x301, frame.data.count == 8 else { continue }
                let word = frame.data.littleEndianWord0
                let voltage = Double(word & 0xFFFF) * 0.01
                let bus = Double((word >> 16) & 0xFFFF) * 0.01
                let current = Double(Int64(bitPattern: (word >> 32) << 44) >> 44) * 0.01
                sum += voltage + bus + current
            }
            return sum
        }
        ratio("pack status: decode / floor", decoded, floor)
        let encoded = try Bench.measure("pack status: encode (physical, checked)", operations: frameCount) {
            var encoder = codec.encoder()
            var last = 0
            for values in inputs {
                for (handle, value) in zip(handles, values) { try encoder.set(handle, value) }
                last &+= Int(try encoder.frame().data[0])
            }
            return last
        }
        let encodeFloor = try Bench.measure("pack status: encode floor (round, shift/or)", operations: frameCount) {
            let id = try CANID(standard: 0x301)
            var last = 0
            for values in inputs {
                var word = UInt64((values[0] / 0.01).rounded(.toNearestOrEven))
                word |= UInt64((values[1] / 0.01).rounded(.toNearestOrEven)) << 16
                word |= (UInt64(bitPattern: Int64((values[2] / 0.01).rounded(.toNearestOrEven))) & 0xFFFFF) << 32
                word |= 0b111 << 52 | UInt64(values[6]) << 56
                var payload = CANPayload()
                for byte in 0..<8 { payload.set(UInt8(truncatingIfNeeded: word >> UInt64(8 * byte)), at: byte) }
                last &+= Int(try CANFrame(id: id, payload: payload).data[0])
            }
            return last
        }
        ratio("pack status: encode / floor", encoded, encodeFloor)
    }

    static func ratio(_ name: String, _ measured: Bench.Result, _ floor: Bench.Result) {
        Bench.note(name, Bench.format(measured.nanosecondsPerOperation / max(floor.nanosecondsPerOperation, 0.001), 1) + " x")
    }

    static func pad3(_ number: Int) -> String {
        let text = String(number)
        return String(repeating: "0", count: max(0, 3 - text.count)) + text
    }
}
