import BMSFirmware
import CANCore
import CANDatabase
import Foundation

/// `Firmware/bms.dbc` and small test-side peers that build the frames the sensor nodes and the VCU send
/// (and read the frames the BMS sends), independently of the firmware's bus interface.
enum BusFixtures {
    static let databaseText: String = {
        (try? String(contentsOfFile: Fixtures.firmwareDirectory + "/bms.dbc", encoding: .utf8)) ?? ""
    }()

    static let database: CANDatabase = {
        do {
            return try CANDatabase.parse(text: databaseText)
        } catch {
            fatalError("Firmware/bms.dbc does not parse: \(error)")
        }
    }()
}

/// Encodes one message by signal name, with counter and CRC when the database marks them.
struct PeerSender {
    let codec: MessageCodec
    var sender: E2ESender?

    init(_ name: String, database: CANDatabase = BusFixtures.database) throws {
        codec = try database.codec(forMessageNamed: name)
        sender = codec.message.signals.contains { $0.e2eRole != nil } ? E2ESender(profile: try E2EProfile(codec: codec)) : nil
    }

    /// A frame with these raw values (every other signal the page selects raw 0).
    mutating func frame(raw values: [String: Int64]) throws -> CANFrame {
        var encoder = codec.encoder()
        let multiplexers = Set(codec.message.topLevelMultiplexerIndices.map { codec.message.signals[$0].name })
        var page: Int64?
        for name in multiplexers { page = values[name] ?? 0 }
        for signal in codec.message.signals where signal.e2eRole == nil {
            if let condition = signal.multiplexCondition, let page, !condition.contains(page) { continue }
            try encoder.set(signal.name, raw: values[signal.name] ?? 0)
        }
        if var sender {
            defer { self.sender = sender }
            return try sender.protect(&encoder)
        }
        return try encoder.frame()
    }
}

/// Reads BMS frames by signal name.
struct PeerReader {
    let codec: DatabaseCodec

    init(database: CANDatabase = BusFixtures.database) { codec = DatabaseCodec(database) }

    /// Raw values of every present signal of `frame`, by name.
    func raw(_ frame: CANFrame) -> [String: Int64] {
        guard case .success(let decoded)? = codec.decode(frame) else { return [:] }
        var values: [String: Int64] = [:]
        for signal in decoded.signals { values[signal.name] = signal.raw }
        return values
    }

    /// Physical values of every present signal of `frame`, by name.
    func physical(_ frame: CANFrame) -> [String: Double] {
        guard case .success(let decoded)? = codec.decode(frame) else { return [:] }
        var values: [String: Double] = [:]
        for signal in decoded.signals { values[signal.name] = signal.physical }
        return values
    }

    func name(_ frame: CANFrame) -> String? { codec.codec(for: frame.id)?.message.name }
}
