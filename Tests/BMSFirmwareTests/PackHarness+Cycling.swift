@testable import BMSFirmware
import CellPack

/// The VCU's side of a cycling test: charge to full under the BMS, rest with open contactors, discharge
/// at a constant current to the BMS's limit, rest again.
extension PackHarness {
    struct CycleResult {
        /// From the charge request to `charging.complete` (s), including precharge and any healing run.
        var chargeSeconds = 0.0
        /// Charge delivered in the discharge (truth, Ah).
        var dischargeAmpereHours = 0.0
        var completedCharge = false
        var faulted = false
    }

    var inFaultOrEmergency: Bool {
        switch controller.state {
        case .fault, .emergencyShutdown: true
        default: false
        }
    }

    /// One full cycle at task period `tick` (ms).
    @discardableResult
    mutating func cycle(tick: Int64, dischargeAmperes: Double, restMinutes: Int64 = 40, chargeLimitHours: Int64 = 8, fineSteps: Bool = false) -> CycleResult {
        var result = CycleResult()
        let start = now
        request = .charge
        result.completedCharge = run(every: tick, for: chargeLimitHours * 3_600_000, fineSteps: fineSteps) {
            $0.controller.state.name == .chargingComplete || $0.inFaultOrEmergency
        }
        result.completedCharge = result.completedCharge && controller.state.name == .chargingComplete
        result.chargeSeconds = Double(now - start) / 1000
        request = .standby
        run(every: tick, for: restMinutes * 60_000, fineSteps: fineSteps) { $0.inFaultOrEmergency }
        request = .normal
        loadAmperes = dischargeAmperes
        let minimum = Double(configuration.limits.cellVoltageMinimum.maximumOperating) / 1000
        var discharged = 0.0
        let end = now + 4 * 3_600_000
        while now < end, !inFaultOrEmergency {
            let before = now
            run(every: tick, for: tick, fineSteps: fineSteps)
            discharged += pack.truth.averageCurrentAmps * Double(now - before) / 3_600_000
            let lowest = (0..<series).map { pack.groupVolts($0) ?? 0 }.min() ?? 0
            if lowest <= minimum + 0.02 { break }
            if case .normal = controller.state, controller.currentLimits.maximumDischargeMilliamperes < 50 * Int32(parallel) { break }
        }
        result.dischargeAmpereHours = discharged
        loadAmperes = 0
        request = .standby
        run(every: tick, for: restMinutes * 60_000, fineSteps: fineSteps) { $0.inFaultOrEmergency }
        result.faulted = inFaultOrEmergency
        return result
    }
}
