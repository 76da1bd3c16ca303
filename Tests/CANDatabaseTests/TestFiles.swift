import CANDatabase
import Foundation

/// Locates files next to the tests and in the package (tests may use Foundation; the module may not).
enum TestFiles {
    static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let packageRoot = testsDirectory.deletingLastPathComponent().deletingLastPathComponent()
    static let firmwareDatabase = packageRoot.appendingPathComponent("Firmware/bms.dbc")
    static let fixtures = testsDirectory.appendingPathComponent("Fixtures")
    static let fixtureNames = ["powertrain_motorola.dbc", "vendor_cp1252.dbc"]

    static func bytes(_ url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }

    static func fixture(_ name: String) throws -> CANDatabase {
        try CANDatabase.parse(bytes(fixtures.appendingPathComponent(name)))
    }

    /// The default pack's database, parsed once per process.
    static let bms: Result<CANDatabase, any Error> = Result { try CANDatabase.parse(bytes(firmwareDatabase)) }

    static func bmsDatabase() throws -> CANDatabase { try bms.get() }
}
