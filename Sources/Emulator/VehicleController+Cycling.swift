extension VehicleController {
    /// Advances the cycling program: charge until the BMS stops charging (current below C/50-ish for
    /// 30 s after charge current was seen), rest, discharge at the program's current until the BMS
    /// reports the minimum cell voltage at the cut-off or removes the discharge limit, rest, repeat.
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
            let atCutoff = (reportedMinimumCellMillivolts ?? .infinity) <= cycling.dischargeCutoffMillivolts
            let limited = inPhase > 5 && (reportedDischargeLimitAmps ?? 1) <= 0.05
            if atCutoff || limited {
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
