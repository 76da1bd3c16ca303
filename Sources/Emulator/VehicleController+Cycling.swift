extension VehicleController {
    /// Advances the cycling program: charge until the BMS stops charging (current below C/50-ish for
    /// 30 s after charge current was seen), rest, discharge at the program's current until the BMS
    /// reports the minimum cell voltage at the cut-off or removes the discharge limit (or the charge timeout
    /// passes: `vehicle.discharge_timeout`), rest, repeat. Stops (`vehicle.cycling_stopped`) when the BMS reports a
    /// thermal-runaway warning or a latched fault, as a cycler stops on its device's safety flags.
    mutating func runCycling(_ now: Int64, events: inout [TraceEvent]) {
        guard let cycling = program.cycling else { return }
        let inPhase = Double(now - phaseSinceNanoseconds) / 1e9
        func enter(_ next: CyclePhase) {
            phase = next
            phaseSinceNanoseconds = now
            events.append(TraceEvent(timeNanoseconds: now, kind: "vehicle.phase", subject: next.rawValue, value: Double(completedCycles), source: "pack"))
        }
        if phase != .idle, phase != .finished, reportedThermalRunaway || reportedState == "Error" {
            // A cycler stops on the device's safety flags: a latched fault or a thermal-runaway warning ends the program.
            events.append(TraceEvent(
                timeNanoseconds: now, kind: "vehicle.cycling_stopped", subject: reportedThermalRunaway ? "thermal-runaway warning" : "BMS fault",
                value: Double(completedCycles), source: "pack"))
            request = .standby
            load = .off
            enter(.finished)
            return
        }
        switch phase {
        case .idle, .finished:
            return
        case .charging:
            let healsThisCycle = cycling.healEveryCycles.map { completedCycles % $0 == 0 } ?? false
            // The BMS takes a heal request only while it charges (and inside its SOC and temperature window): charge
            // first, then ask for the dose until it runs.
            if healsThisCycle, !healRequestedThisCycle, reportedState == "Charge" || reportedState == "Healing" {
                request = .heal
                healing = cycling.healProtocol
                if reportedState == "Healing" { healRequestedThisCycle = true }
            } else {
                request = .charge
            }
            load = .off
            let current = reportedPackCurrentAmps ?? 0  // + charges (bms.dbc)
            if current > 0.5 { chargeCurrentSeen = true }
            // A healing dose's rests and its verification rest are not the end of the charge, nor are the steps
            // after it until the charge current is back (a coarse lock-step takes a step per hop: command,
            // charger, current sensor, report).
            if reportedState == "Healing" {
                quietSinceNanoseconds = nil
                chargeCurrentSeen = false
            }
            if chargeCurrentSeen, abs(current) < 0.2, reportedState != "Healing" {
                if quietSinceNanoseconds == nil { quietSinceNanoseconds = now }
            } else {
                quietSinceNanoseconds = nil
            }
            let quietLongEnough = quietSinceNanoseconds.map { now - $0 >= 30_000_000_000 } ?? false
            if quietLongEnough || inPhase > cycling.chargeTimeoutSeconds {
                if !quietLongEnough { events.append(TraceEvent(timeNanoseconds: now, kind: "vehicle.charge_timeout", value: inPhase, source: "pack")) }
                chargeCurrentSeen = false
                quietSinceNanoseconds = nil
                healRequestedThisCycle = false
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
