import BMSFirmware
import FirmwareConfig
import Foundation
import SensorNodes
import Testing

/// Numbers in one `Firmware/` file that must agree with numbers in another.
@Suite("Firmware files agree with each other")
struct CrossFileConsistencyTests {
    static let firmware = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Firmware").path

    /// The precharge check compares the IVT's battery-side and link-side voltage channels; at equal true
    /// voltages they may disagree by twice (gain error at the highest pack voltage + offset + 3σ noise).
    /// A threshold below that fails the precharge of a healthy pack for an unlucky draw of sensor errors.
    @Test func prechargeThresholdExceedsTheCurrentSensorsVoltageChannelDisagreement() throws {
        let configuration = try BMSConfiguration.load(firmwareDirectory: Self.firmware)
        let nodes = try NodeConfigurationFile.load(path: Self.firmware + "/nodes/default.yaml")
        let highestCellVolts = Double(configuration.limits.cellVoltageMaximum.maximumSafety) / 1000
        let highestPackVolts: Double = highestCellVolts * Double(configuration.topology.seriesCells)
        let gainVolts: Double = nodes[.currentSensorVoltageGainError] * highestPackVolts
        let perChannelVolts: Double = gainVolts + nodes[.currentSensorVoltageOffset] + 3 * nodes[.currentSensorVoltageNoise]
        let thresholdVolts = Double(configuration.contactors.prechargeVoltageThresholdMillivolts) / 1000
        #expect(thresholdVolts >= 2 * perChannelVolts, "threshold \(thresholdVolts) V, channels may disagree by \(2 * perChannelVolts) V")
        // ... and still tight: under 1 % of the pack voltage.
        #expect(thresholdVolts < 0.01 * highestPackVolts)
    }
}
