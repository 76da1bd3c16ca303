import BMSFirmware
import Testing

@Suite("Smoke")
struct SmokeTests {
    @Test func bootsToStandbyAndCloses() throws {
        var rig = try Rig()
        rig.boot()
        #expect(rig.controller.state == .standby)
        rig.closeContactors()
        #expect(rig.controller.state == .normal, "\(rig.log.actions)")
        #expect(rig.controller.activeDiagnoses.isEmpty, "\(rig.controller.activeDiagnoses)")
    }
}
