public import CellPack

extension LoadSetting {
    /// The load current averaged over `[startSeconds, endSeconds)` of time since the setting took effect
    /// (profiles integrate their piecewise-linear table exactly; repeating profiles wrap around).
    public func averageAmps(fromSeconds startSeconds: Double, toSeconds endSeconds: Double) -> Double {
        switch self {
        case .off: return 0
        case .constant(let amps): return amps
        case .waveform(let waveform): return waveform.averageAmps
        case .profile(_, let points, let scale, let repeats):
            guard endSeconds > startSeconds else { return scale * LoadSetting.value(points, at: startSeconds, repeats: repeats) }
            let integral = LoadSetting.integral(points, to: endSeconds, repeats: repeats) - LoadSetting.integral(points, to: startSeconds, repeats: repeats)
            return scale * integral / (endSeconds - startSeconds)
        }
    }

    /// The waveform a load applies within a step: periodic waveforms keep their shape, everything else
    /// is its average over the step.
    public func waveform(fromSeconds startSeconds: Double, toSeconds endSeconds: Double) -> CurrentWaveform {
        if case .waveform(let waveform) = self { return waveform }
        return .constant(averageAmps(fromSeconds: startSeconds, toSeconds: endSeconds))
    }

    static func value(_ points: [ProfilePoint], at time: Double, repeats: Bool) -> Double {
        guard let first = points.first, let last = points.last else { return 0 }
        var t = time
        let period = last.seconds - first.seconds
        if repeats, period > 0, t > last.seconds {
            t = first.seconds + (t - first.seconds).truncatingRemainder(dividingBy: period)
        }
        if t <= first.seconds { return t < first.seconds && !repeats ? 0 : first.amps }
        if t >= last.seconds { return repeats ? last.amps : 0 }
        var low = 0
        var high = points.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if points[middle].seconds <= t { low = middle } else { high = middle }
        }
        let a = points[low], b = points[high]
        return a.amps + (b.amps - a.amps) * (t - a.seconds) / (b.seconds - a.seconds)
    }

    /// ∫₀ᵗ of the profile (zero before the first and, without repeat, after the last point).
    static func integral(_ points: [ProfilePoint], to time: Double, repeats: Bool) -> Double {
        guard let first = points.first, let last = points.last, time > first.seconds else { return 0 }
        let period = last.seconds - first.seconds
        func within(_ t: Double) -> Double {
            var sum = 0.0
            for index in 1..<points.count {
                let a = points[index - 1], b = points[index]
                if t <= a.seconds { break }
                let end = min(t, b.seconds)
                let valueAtEnd = a.amps + (b.amps - a.amps) * (end - a.seconds) / (b.seconds - a.seconds)
                sum += (a.amps + valueAtEnd) / 2 * (end - a.seconds)
            }
            return sum
        }
        guard repeats, period > 0, time > last.seconds else { return within(min(time, last.seconds)) }
        let full = within(last.seconds)
        let elapsed = time - first.seconds
        let periods = (elapsed / period).rounded(.down)
        return periods * full + within(first.seconds + elapsed - periods * period)
    }
}
