extension VehicleController {
    /// Advances the cycling program: charge until the BMS stops charging (current below C/50-ish for
    /// 30 s after charge current was seen), rest, discharge at the program's current until the BMS
    /// reports the minimum cell voltage at the cut-off or removes the discharge limit (or the charge timeout
    /// passes: `vehicle.discharge_timeout`), rest, repeat.
    mutating func runCycling(_ now: Int64, events: inout [TraceEvent]) {
        guard let cycling = program.cycling else { return }
        let inPhase = Double(now - phaseSinceNanoseconds) / 1e9
        func enter(_ next: CyclePhase) {
            phase = next
            phaseSinceNanoseconds = now
            events.append(TraceEvent(timeNanoseconds: now, kind: "vehicle.phase", subject: next.rawValue, value: Double(completedCycles), source: "pack"))
        }
        switch phase {
        case .idle, .finished:
            return
        case .charging:
            request = .charge
            load = .off
            let current = reportedPackCurrentAmps ?? 0  // + charges (bms.dbc)
            if current > 0.5 { chargeCurrentSeen = true }
            if chargeCurrentSeen, abs(current) < 0.2 {
                if quietSinceNanoseconds == nil { quietSinceNanoseconds = now }
            } else {
                quietSinceNanoseconds = nil
            }
            let quietLongEnough = quietSinceNanoseconds.map { now - $0 >= 30_000_000_000 } ?? false
            if quietLongEnough || inPhase > cycling.chargeTimeoutSeconds {
                if !quietLongEnough { events.append(TraceEvent(timeNanoseconds: now, kind: "vehicle.charge_timeout", value: inPhase, source: "pack")) }
                chargeCurrentSeen = false
                quietSinceNanoseconds = nil
                request = .standby
                enter(.restAfterCharge)
            }
        case .restAfterCharge:
            request = .standby
            if inPhase >= cycling.restSeconds {
                request = .discharge
                load = .constant(amps: cycling.dischargeAmps)
                loadSinceNanoseconds = now
                enter(.discharging)
            }
        case .discharging:
            request = .discharge
            // The discharge limit is zero until the BMS has precharged and closed its contactors: judge it
            // only 5 s after the BMS first reports Discharge.
            if reportedState == "Discharge", dischargeReportedSinceNanoseconds == nil { dischargeReportedSinceNanoseconds = now }
            let inDischarge = dischargeReportedSinceNanoseconds.map { now - $0 }
            let atCutoff = (reportedMinimumCellMillivolts ?? .infinity) <= cycling.dischargeCutoffMillivolts
            let limited = (inDischarge ?? 0) > 5_000_000_000 && (reportedDischargeLimitAmps ?? 1) <= 0.05
            let timedOut = inPhase > cycling.chargeTimeoutSeconds
            if timedOut { events.append(TraceEvent(timeNanoseconds: now, kind: "vehicle.discharge_timeout", value: inPhase, source: "pack")) }
            if atCutoff || limited || timedOut {
                dischargeReportedSinceNanoseconds = nil
                load = .off
                request = .standby
                enter(.restAfterDischarge)
            }
        case .restAfterDischarge:
            request = .standby
            load = .off
            if inPhase >= cycling.restSeconds {
                completedCycles += 1
                events.append(TraceEvent(timeNanoseconds: now, kind: "vehicle.cycle_completed", value: Double(completedCycles), source: "pack"))
                if completedCycles >= cycling.cycles {
                    enter(.finished)
                } else {
                    enter(.charging)
                }
            }
        }
    }
}
