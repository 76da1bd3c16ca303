import CellPack
import Emulator
import Foundation

/// One line a simulated interval: what the BMS reports next to the truth.
enum LiveSummary {
    static func line(_ runner: ScenarioRunner) -> String {
        let vehicle = runner.vehicle
        let truth = vehicle.pack.truth
        var sumSOC = 0.0
        var hottest = -Double.infinity
        for cell in 0..<vehicle.pack.cellCount {
            if let state = vehicle.pack.cell(cell) { sumSOC += state.usableStateOfCharge }  // the window the BMS reports
            hottest = max(hottest, vehicle.pack.surfaceCelsius(cell) ?? -.infinity)
        }
        let socTruth = sumSOC / Double(max(vehicle.pack.cellCount, 1)) * 100
        let observer = runner.observer
        let reported = observer.stateOfChargePercent.map { String(format: "%5.1f", $0) } ?? "  -  "
        return String(
            format: "t=%7.0f s  BMS %-12@ SOC %@ %% (truth %5.1f %%)  pack %6.1f V %7.1f A  max %5.1f °C  H2 %4.0f ppm",
            runner.simulatedSeconds, (observer.stateName ?? "silent") as NSString, reported, socTruth, truth.packVolts, truth.packCurrentAmps,
            hottest, truth.enclosureGasPPM.hydrogen)
    }
}
