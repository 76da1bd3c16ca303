public import Emulator
import CANDatabase
import Foundation
public import SensorNodes

extension FirmwareBundle {
    /// Path of the foxBMS 2 compatibility database inside the firmware directory.
    public var foxBMSDatabasePath: String { directory + "/foxbms/foxbms-compat.dbc" }

    /// The foxBMS profile for `options` on a pack with `nodes`: `foxbms/foxbms-compat.dbc` parsed, the topology
    /// given or the one mirroring the node configuration. Whether the topology fits the pack is checked when the
    /// nodes are built (``makeVehicle(for:)``).
    ///
    /// - Throws: ``RuntimeError`` naming the DBC file, line and column when it does not parse.
    public func foxBMSProfile(_ options: FoxBMSOptions, nodes: NodeConfiguration) throws(RuntimeError) -> FoxBMSProfile {
        let path = foxBMSDatabasePath
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw RuntimeError("cannot read \(path) (the foxBMS profile's database)")
        }
        let database: CANDatabase
        do {
            database = try CANDatabase.parse(bytes)
        } catch {
            throw RuntimeError("\(path):\(error.line):\(error.column): \(error.reason)")
        }
        return FoxBMSProfile(
            database: database, topology: options.topology ?? .matching(nodes), positiveCurrentDischarges: options.positiveCurrentDischarges,
            contactors: options.contactors, reportTimeoutMilliseconds: options.reportTimeoutMilliseconds)
    }
}
