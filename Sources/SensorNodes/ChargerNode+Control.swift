public import CANCore
import CANDatabase
import CellPack
import SeededRandom

extension ChargerNode {
    /// Runs the control loop and sends the status when due.
    public mutating func step(nowNanoseconds now: Int64, observation: PackObservation, into output: inout [CANFrame]) {
        guard now >= nextDueNanoseconds else { return }
        if !commandTimedOut, let last = lastValidCommand, now - last >= timeoutNanoseconds {
            commandTimedOut = true
            controlRequested = true
        }
        sampleForwardPulse(at: now, linkVolts: observation.pack.linkVolts)
        if now >= nextControl || controlRequested {
            let scheduled = now >= nextControl
            controlRequested = false
            control(at: now, observation: observation, scheduled: scheduled)
        }
        if statusSchedule.fire(at: now) { sendStatus(at: now, into: &output) }
        transmitter.flush(at: now, into: &output)
        updateNextDue()
    }

    mutating func updateNextDue() {
        var due = min(controlRequested ? .min : nextControl, statusSchedule.dueNanoseconds, transmitter.nextDueNanoseconds)
        due = min(due, nextForwardSample)
        if !commandTimedOut, let last = lastValidCommand { due = min(due, last &+ timeoutNanoseconds) }
        nextDueNanoseconds = due
    }

    // MARK: Control loop

    /// Computes the regulated and delivered waveforms at `now`; `scheduled` is false for an update a
    /// command asked for between the scheduled ones.
    mutating func control(at now: Int64, observation: PackObservation, scheduled: Bool) {
        let elapsed = lastControl.map { seconds(now - $0) } ?? 0
        lastControl = now
        let linkVolts = observation.pack.linkVolts
        lastLinkVolts = linkVolts
        let connected = observation.contactors.mainPositive && observation.contactors.mainNegative
        var next = Int64.max
        var target = Levels.off
        var waveStart = regulatedSince
        var newMode = Mode.off

        if outputFault || commandTimedOut {
            running = nil
            newMode = .fault
        } else if !command.enable {
            running = nil
        } else if command.profile == .none {
            running = nil
            let share = overtemperature ? deratingShare : 1
            let wanted = command.setpointAmps * share
            let allowed = cvAllowance(at: now, linkVolts: linkVolts)
            let limited = min(wanted, allowed)
            let previous = regulated.average
            // The ramp runs from the later of the last update and the command that changed the target.
            let rampSeconds = min(elapsed, seconds(now - max(lastCommandChange, now - controlPeriodNanoseconds * 1_000)))
            let step = slewAmpsPerSecond * max(rampSeconds, 0)
            let level = connected ? min(max(limited, previous - step), previous + step) : 0
            target = .constant(max(level, 0))
            waveStart = now
            newMode = !connected || allowed < wanted ? .constantVoltage : overtemperature ? .derating : .constantCurrent
            next = now &+ controlPeriodNanoseconds
        } else {
            (target, waveStart, next, newMode) = profileStep(at: now, linkVolts: linkVolts, scheduled: scheduled)
            if !connected { target = .off }
        }
        mode = newMode
        if target != regulated || waveStart != regulatedSince && target.secondSeconds > 0 {
            regulated = target
            regulatedSince = waveStart
        }
        delivered = deliver(regulated, connected: connected, at: now)
        deliveredAverageAmps = delivered.average * (runningBlockShare ?? 1)
        if !faults.isEmpty { next = min(next, now &+ controlPeriodNanoseconds) }
        nextControl = next
    }

    /// The highest charge current that keeps the link at or below the voltage limit, A.
    ///
    /// `I + (V_limit − V − rise)/R` with R the loop resistance: with R ≥ the pack's resistance it converges to
    /// the CV current from below; `rise` feeds forward how much the pack's voltage at constant current (its
    /// estimate V − R·I) rose since the last update, so a charging pack does not push the link over the limit.
    /// While a profile runs, V and I come from the last sample taken in the middle of a forward pulse.
    mutating func cvAllowance(at now: Int64, linkVolts: Double) -> Double {
        var volts = linkVolts
        var level = regulated.level(before: now - regulatedSince)
        if running != nil, let sample = forwardSample {
            volts = sample.volts
            level = sample.level
        }
        guard volts.isFinite else { return 0 }
        let estimate = volts - loopResistanceOhms * level
        let rise = previousEstimate.map { max(estimate - $0, 0) } ?? 0
        previousEstimate = estimate
        return max(level + (command.voltageLimitVolts - volts - rise) / loopResistanceOhms, 0)
    }

    /// Records the link voltage in the middle of a forward pulse (what the CV loop limits while a profile runs).
    mutating func sampleForwardPulse(at now: Int64, linkVolts: Double) {
        guard now >= nextForwardSample else { return }
        forwardSample = (linkVolts, regulated.level(before: now - regulatedSince))
        nextForwardSample = .max
        guard let running, !running.completed else { return }
        let segments = running.parameters.segments(for: running.profile)
        let period = segments.reduce(Int64(0)) { $0 + $1.milliseconds } * 1_000_000
        guard period > 0, let forward = segments.first, forward.amps > 0 else { return }
        let phase = (now - running.startNanoseconds) % period
        let middle = forward.milliseconds * 500_000
        nextForwardSample = now - phase + middle + (phase >= middle ? period : 0)
    }

    /// Share of a period the forward/reverse block of a three-segment profile lasts (to report its average
    /// over the whole period); `nil` otherwise.
    var runningBlockShare: Double? {
        guard let running, !running.completed else { return nil }
        let segments = running.parameters.segments(for: running.profile)
        guard segments.count == 3, regulated.secondSeconds > 0 else { return nil }
        let total = segments.reduce(Int64(0)) { $0 + $1.milliseconds }
        return Double(segments[0].milliseconds + segments[1].milliseconds) / Double(total)
    }

    /// One control update of a running healing profile: target levels, waveform start, next update, mode.
    private mutating func profileStep(at now: Int64, linkVolts: Double, scheduled: Bool) -> (Levels, Int64, Int64, Mode) {
        let set = Int(command.profileSet)
        let parameters = profileSets[set]
        guard parameters.isComplete, parameters.isRunnable(for: command.profile) else {
            running = nil
            return (.off, now, .max, .off)
        }
        let unchanged = running?.profile == command.profile && running?.set == command.profileSet
            && running?.parameters == parameters
        if !unchanged {
            running = RunningProfile(profile: command.profile, set: command.profileSet, parameters: parameters, startNanoseconds: now)
            progressPercent = 0
            forwardSample = nil
            nextForwardSample = now
        } else if !scheduled, running?.completed == false {
            // A command between period boundaries confirms the running profile: keep its waveform (its phase
            // runs on in the pack) and update at the scheduled boundary.
            return (regulated, regulatedSince, nextControl, .profile)
        }
        guard let profile = running else { return (.off, now, .max, .off) }
        let segments = parameters.segments(for: profile.profile)
        let period = segments.reduce(Int64(0)) { $0 + $1.milliseconds } * 1_000_000
        guard period > 0 else { return (.off, now, .max, .off) }
        let elapsed = now - profile.startNanoseconds
        if parameters.count > 0 {
            let (dose, overflow) = period.multipliedReportingOverflow(by: parameters.count)
            if !overflow, elapsed >= dose {
                running?.completed = true
                progressPercent = 100
                return (.off, now, .max, .off)
            }
            progressPercent = overflow ? 0 : min(100, 100 * Double(elapsed) / Double(dose))
        }
        let phase = elapsed % period
        let periodStart = now - phase
        // Amplitude changes are aligned to period boundaries (phase 0 of the waveform).
        let alignedNext = periodStart + ((phase + controlPeriodNanoseconds + period - 1) / period) * period
        var levels: Levels
        var start = profile.startNanoseconds
        var next = alignedNext
        if segments.count == 3 {
            let block = (segments[0].milliseconds + segments[1].milliseconds) * 1_000_000
            if phase < block {
                levels = Levels(
                    first: segments[0].amps, firstSeconds: Double(segments[0].milliseconds) / 1000, second: segments[1].amps,
                    secondSeconds: Double(segments[1].milliseconds) / 1000)
                start = periodStart
                next = periodStart + block
            } else {
                levels = .off
                start = periodStart + block
                next = periodStart + period
            }
        } else {
            let second = segments.count > 1 ? segments[1] : segments[0]
            levels = Levels(
                first: segments[0].amps, firstSeconds: Double(segments[0].milliseconds) / 1000, second: second.amps,
                secondSeconds: segments.count > 1 ? Double(second.milliseconds) / 1000 : 0)
        }
        if overtemperature {
            levels.first *= deratingShare
            levels.second *= deratingShare
        }
        // CV: charge levels never above what keeps the link at the limit.
        let allowed = cvAllowance(at: now, linkVolts: linkVolts)
        levels.first = levels.first > 0 ? min(levels.first, allowed) : levels.first
        levels.second = levels.second > 0 ? min(levels.second, allowed) : levels.second
        if parameters.count > 0 { next = min(next, profile.startNanoseconds + period * parameters.count) }
        return (slewLimited(levels), start, next, .profile)
    }

    /// The charge-equivalent waveform of a slew-limited converter: a swing it cannot complete within the
    /// shorter segment is reduced by moving that segment's level towards the longer one's.
    func slewLimited(_ levels: Levels) -> Levels {
        guard levels.secondSeconds > 0 else { return levels }
        let shorter = min(levels.firstSeconds, levels.secondSeconds)
        let maximumSwing = slewAmpsPerSecond * shorter
        let swing = levels.first - levels.second
        guard abs(swing) > maximumSwing else { return levels }
        var limited = levels
        let direction: Double = swing > 0 ? 1 : -1
        if levels.firstSeconds <= levels.secondSeconds {
            limited.first = levels.second + direction * maximumSwing
        } else {
            limited.second = levels.first - direction * maximumSwing
        }
        return limited
    }

    /// The delivered levels: gain and offset errors on non-zero levels, then injected output faults (a stuck
    /// output delivers even when the charger is off). Nothing flows while the link is disconnected.
    mutating func deliver(_ levels: Levels, connected: Bool, at now: Int64) -> Levels {
        guard connected else { return .off }
        var result = levels
        result.first = deliveredLevel(levels.first, at: now)
        result.second = levels.secondSeconds > 0 ? deliveredLevel(levels.second, at: now) : result.first
        return result
    }

    private mutating func deliveredLevel(_ amps: Double, at now: Int64) -> Double {
        var value = amps == 0 ? 0 : amps * (1 + gainError) + offsetAmps
        if faults.affects(2) {
            value = faults.apply(value, channel: 2, at: now)
            if faults.isDropped(2) { value = 0 }
        }
        return value.isFinite ? value : 0
    }

    // MARK: Status

    private mutating func sendStatus(at now: Int64, into output: inout [CANFrame]) {
        var amps = deliveredAverageAmps + noise.nextGaussian() * measurementNoiseAmps
        var volts = lastLinkVolts
        if !faults.isEmpty {
            amps = faults.apply(amps, channel: 0, at: now)
            volts = faults.apply(volts, channel: 1, at: now)
            if faults.isDropped(0) { amps = lastReportedAmps }
        }
        lastReportedAmps = amps
        let activeProfile = running?.profile ?? .none
        statusMessage.begin()
        var complete = statusMessage.set(statusCurrent.handle, raw: statusCurrent.raw(amps) ?? 0)
        complete = statusMessage.set(statusVoltage.handle, raw: statusVoltage.raw(max(volts, 0)) ?? 0) && complete
        complete = statusMessage.set(statusMode, raw: mode.rawValue) && complete
        complete = statusMessage.set(statusProfile, raw: activeProfile.rawValue) && complete
        complete = statusMessage.set(statusSet, raw: running?.set ?? command.profileSet) && complete
        complete = statusMessage.set(statusOvertemperature, raw: overtemperature ? 1 : 0) && complete
        complete = statusMessage.set(statusOutputFault, raw: outputFault ? 1 : 0) && complete
        complete = statusMessage.set(statusTimeout, raw: commandTimedOut ? 1 : 0) && complete
        complete = statusMessage.set(statusE2E, raw: lastCommandFailedE2E ? 1 : 0) && complete
        complete = statusMessage.set(statusProgress.handle, raw: statusProgress.raw(running == nil ? 0 : progressPercent) ?? 0) && complete
        if !(complete && transmitter.transmit(&statusMessage, at: now, into: &output)) { encodeFailures += 1 }
    }
}
