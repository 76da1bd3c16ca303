import CANCore
import CellPack
import FirmwareConfig
import Foundation
import SensorNodes
import Testing

/// The nodes in a closed loop with CellPack's virtual pack: the pack's truth goes in, the actuators drive it.
@Suite("Nodes on the virtual pack")
struct VirtualPackLoopTests {
    func virtualPack() throws -> VirtualPack {
        let cell = try CellParameterFile.load(path: Fixtures.packageRoot.appendingPathComponent("Firmware/cells/li-metal-ncm811-pouch.yaml").path)
        let pack = try PackParameterFile.load(path: Fixtures.packageRoot.appendingPathComponent("Firmware/packs/96s2p.yaml").path)
        return try VirtualPack(cell: cell, pack: pack, seed: 5)
    }

    @Test func chargingThroughTheNodesMovesThePackAndTheSensorsSeeIt() throws {
        var pack = try virtualPack()
        var nodes = try Fixtures.nodes([.cellNoise: 0, .cellTotalError: 0])
        var contactor = try CommandBuilder("BMS_ContactorCommand")
        var charger = try CommandBuilder("BMS_ChargerCommand")
        let step: Int64 = 10 * millisecond
        var now: Int64 = 0
        var log: [(Int64, CANFrame)] = []
        let startSOC = try #require(pack.cell(0)).stateOfCharge
        var chargedAmpereSeconds = 0.0
        let duration: Int64 = 30 * second
        while now <= duration {
            if now % (50 * millisecond) == 0 {
                nodes.receive(try contactor.frame([:], raw: [
                    "ContactorCmd_MainPlus": now > 300 * millisecond ? 1 : 0, "ContactorCmd_MainMinus": 1,
                    "ContactorCmd_Precharge": now <= 400 * millisecond ? 1 : 0, "ContactorCmd_EmergencyOpen": 0,
                ]), atNanoseconds: now)
            }
            if now % (100 * millisecond) == 0 {
                nodes.receive(try charger.frame(
                    ["ChargerCmd_CurrentSetpoint": 10, "ChargerCmd_VoltageLimit": 420],
                    raw: ["ChargerCmd_Enable": 1, "ChargerCmd_HealingProfile": 0, "ChargerCmd_ProfileSet": 0]), atNanoseconds: now)
            }
            for frame in nodes.step(nowNanoseconds: now, pack: PackReadings(pack.truth), cells: pack) { log.append((now, frame)) }
            pack.step(nodes.actuators.packInputs(loadAmps: 0), duration: Double(step) / 1e9)
            chargedAmpereSeconds -= pack.truth.averageCurrentAmps * Double(step) / 1e9
            now += step
        }
        #expect(nodes.actuators.contactors == .closed)
        // 10 A with the charger's 0.5 % gain and 0.1 A offset flows into the pack.
        let delivered = (10 * 1.005 + 0.1)
        #expect(abs(pack.truth.averageCurrentAmps + delivered) < 0.05)
        #expect(try #require(pack.cell(0)).stateOfCharge > startSOC)
        // The IVT counted it, within its own offset and gain error (≤ 0.02 A and 0.1 %), one step behind.
        let counted = nodes.currentSensor.chargeAmpereSeconds
        let sensor = nodes.currentSensor
        let expected = (chargedAmpereSeconds - delivered * 0.01) * sensor.currentGain + sensor.currentOffsetAmps * Double(duration) / 1e9
        #expect(chargedAmpereSeconds > 290)
        #expect(abs(counted - expected) < 0.05, "IVT counted \(counted) As, expected \(expected) As")
        // The boards report the pack's group voltages (no static error or noise configured: ADC rounding only).
        let id = try Fixtures.identifier("CMU2_CellVoltages")
        let decoded = try log.filter { $0.1.id == id }.suffix(4).map { try Fixtures.values($0.1) }
        for values in decoded {
            for (name, millivolts) in values where name.hasPrefix("CellVoltage") {
                let group = Int(name.dropFirst("CellVoltage".count))! - 1
                let truth = try #require(pack.groupVolts(group)) * 1000
                #expect(abs(millivolts - truth) <= 1.5, "\(name): \(millivolts) mV vs \(truth) mV")
            }
        }
        #expect(nodes.encodeFailures == 0)
    }
}
