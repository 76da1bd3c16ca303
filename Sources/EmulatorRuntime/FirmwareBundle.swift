public import BMSFirmware
public import CANDatabase
import CellPack
public import Emulator
import FirmwareConfig
import Foundation
import SensorNodes

/// Everything the emulator boots with from the `Firmware/` directory: the CAN database, the firmware
/// configuration, and the pack/node parameter files a scenario names. Loading turns every problem into
/// a ``RuntimeError`` that names the file, line and reason.
public struct FirmwareBundle: Sendable {
    public let directory: String
    public let database: CANDatabase
    public let controller: BMSConfiguration

    /// Loads `bms.dbc` and the controller configuration from `directory`.
    public init(directory: String) throws(RuntimeError) {
        self.directory = directory
        let dbcPath = directory + "/bms.dbc"
        guard let bytes = FileManager.default.contents(atPath: dbcPath) else {
            throw RuntimeError("cannot read \(dbcPath)")
        }
        do {
            database = try CANDatabase.parse(bytes)
        } catch {
            throw RuntimeError("\(dbcPath):\(error.line):\(error.column): \(error.reason)")
        }
        do {
            controller = try BMSConfiguration.load(firmwareDirectory: directory)
        } catch {
            throw RuntimeError(error.description)
        }
    }

    /// Loads a scenario file, checking sensor-fault texts with the sensor-node parser.
    public func loadScenario(path: String) throws(RuntimeError) -> Scenario {
        do {
            return try ScenarioFile.load(path: path, firmwareDirectory: directory) { text in
                do {
                    _ = try SensorFault(parsing: text)
                    return nil
                } catch {
                    return "sensor fault: \(error)"
                }
            }
        } catch {
            throw RuntimeError(error.description)
        }
    }

    /// Builds the emulated firmware with the scenario's task period (or the configuration's).
    public func makeFirmware(for scenario: Scenario) throws(RuntimeError) -> FirmwareParticipant {
        if scenario.pack.busProfile != .bms {
            throw RuntimeError(
                "scenario '\(scenario.name)' runs the pack side in the foxBMS profile (pack.profile: foxbms), which needs a "
                    + "foxBMS 2 master on the bus; bmsemu's firmware speaks Firmware/bms.dbc (run the pack alone: bmsemu pack --profile foxbms)")
        }
        do {
            let node = try BMSFirmwareNode(
                configuration: controller, database: database,
                taskPeriodMilliseconds: scenario.firmwareTaskMilliseconds.map { Int64($0.rounded()) })
            return FirmwareParticipant(node: node)
        } catch {
            throw RuntimeError("cannot build the firmware: \(error)")
        }
    }

    /// Builds the pack side (pack, nodes, vehicle, truth monitor) a scenario describes.
    public func makeVehicle(for scenario: Scenario) throws(RuntimeError) -> VehicleParticipant {
        let cell: CellParameters
        let topology: PackParameters
        let nodeConfiguration: NodeConfiguration
        do {
            cell = try CellParameterFile.load(path: directory + "/" + scenario.pack.cellFile)
            topology = try PackParameterFile.load(path: directory + "/" + scenario.pack.packFile)
            nodeConfiguration = try NodeConfigurationFile.load(path: directory + "/" + scenario.pack.nodesFile)
        } catch {
            throw RuntimeError(error.description)
        }
        do {
            let pack = try VirtualPack(
                cell: cell, pack: topology, seed: scenario.seed, initialStateOfCharge: scenario.pack.initialStateOfCharge,
                initialCelsius: scenario.pack.initialCelsius)
            let foxBMS = try scenario.pack.busProfile.foxBMSOptions.map { options throws(RuntimeError) in
                try foxBMSProfile(options, nodes: nodeConfiguration)
            }
            let nodes = try PackNodes(
                configuration: nodeConfiguration, database: database, seed: scenario.seed, profile: foxBMS.map { .foxBMS($0) } ?? .bmsemu)
            let vehicle = try VehicleController(program: scenario.vehicle, database: database, foxBMS: foxBMS)
            let limits = controller.limits
            let monitor = TruthMonitor(
                limits: TruthMonitor.Limits(
                    cellVoltageMaximumMillivolts: Double(limits.cellVoltageMaximum.maximumSafety),
                    cellVoltageMinimumMillivolts: Double(limits.cellVoltageMinimum.maximumSafety),
                    temperatureMaximumCelsius: Double(max(limits.dischargeTemperatureMaximum.maximumSafety, limits.chargeTemperatureMaximum.maximumSafety)) / 10),
                seriesCount: pack.seriesCount, cellCount: pack.cellCount)
            return VehicleParticipant(
                pack: pack, nodes: nodes, vehicle: vehicle, monitor: monitor, ambientCelsius: scenario.pack.ambientCelsius,
                coolantCelsius: scenario.pack.coolantCelsius)
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError("cannot build the pack side: \(error)")
        }
    }
}
