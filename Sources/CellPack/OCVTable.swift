/// Open-circuit voltage of the cell against cathode state of charge, with its entropic coefficient.
///
/// The anode is lithium metal, whose potential is the reference, so the cell OCV is the cathode OCP vs Li/Li⁺.
/// SOC here is the cathode's charge in its rated window: 0 at the lower cut-off, 1 at the upper cut-off;
/// values above 1 describe overcharge (further delithiation), below 0 over-discharge.
public struct OCVTable: Hashable, Sendable {
    /// Cathode SOC grid, strictly increasing; must span 0…1.
    public var soc: [Double]
    /// OCV at 25 °C for each grid point, V; non-decreasing.
    public var volts: [Double]
    /// Entropic coefficient ∂U/∂T for each grid point, mV/K.
    public var entropicMillivoltsPerKelvin: [Double]
    /// Where the numbers come from.
    public var source: String

    public init(soc: [Double], volts: [Double], entropicMillivoltsPerKelvin: [Double], source: String) {
        self.soc = soc
        self.volts = volts
        self.entropicMillivoltsPerKelvin = entropicMillivoltsPerKelvin
        self.source = source
    }

    /// Every inconsistency, keyed `ocv.<field>`.
    func problems() -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        if soc.count < 2 { problems.append(ParameterProblem(key: "ocv.soc", reason: "needs at least 2 points, has \(soc.count)")) }
        if volts.count != soc.count {
            problems.append(ParameterProblem(key: "ocv.volts", reason: "has \(volts.count) values but ocv.soc has \(soc.count)"))
        }
        if entropicMillivoltsPerKelvin.count != soc.count {
            problems.append(
                ParameterProblem(
                    key: "ocv.entropic_mv_per_k", reason: "has \(entropicMillivoltsPerKelvin.count) values but ocv.soc has \(soc.count)"))
        }
        if soc.contains(where: { !$0.isFinite }) { problems.append(ParameterProblem(key: "ocv.soc", reason: "contains a value that is not finite")) }
        if volts.contains(where: { !$0.isFinite || $0 <= 0 || $0 > 10 }) {
            problems.append(ParameterProblem(key: "ocv.volts", reason: "every voltage must be finite and within 0…10 V"))
        }
        if entropicMillivoltsPerKelvin.contains(where: { !$0.isFinite || abs($0) > 10 }) {
            problems.append(ParameterProblem(key: "ocv.entropic_mv_per_k", reason: "every coefficient must be finite and within ±10 mV/K"))
        }
        if soc.count >= 2 {
            for index in 1..<soc.count where !(soc[index] > soc[index - 1]) {
                problems.append(ParameterProblem(key: "ocv.soc", reason: "must be strictly increasing (point \(index): \(soc[index]) after \(soc[index - 1]))"))
                break
            }
            if let first = soc.first, let last = soc.last, !(first <= 0 && last >= 1) {
                problems.append(ParameterProblem(key: "ocv.soc", reason: "must span the rated window 0…1 (spans \(first)…\(last))"))
            }
        }
        if volts.count == soc.count, volts.count >= 2 {
            for index in 1..<volts.count where volts[index] < volts[index - 1] {
                problems.append(
                    ParameterProblem(key: "ocv.volts", reason: "must not decrease with SOC (point \(index): \(volts[index]) V after \(volts[index - 1]) V)"))
                break
            }
        }
        if source.isEmpty { problems.append(ParameterProblem(key: "ocv.source", reason: "every table needs a source")) }
        return problems
    }

    /// Linear interpolation of `values` at `x`, clamped to the table ends (for validation and set-up, not the hot path).
    func interpolate(_ values: [Double], at x: Double) -> Double {
        guard let first = soc.first, let last = soc.last, values.count == soc.count else { return .nan }
        if x <= first { return values[0] }
        if x >= last { return values[values.count - 1] }
        var low = 0
        var high = soc.count - 1
        while high - low > 1 {
            let middle = (low + high) / 2
            if soc[middle] <= x { low = middle } else { high = middle }
        }
        let fraction = (x - soc[low]) / (soc[high] - soc[low])
        return values[low] + fraction * (values[high] - values[low])
    }
}

/// The OCV table resampled onto a uniform grid so the hot path looks it up in O(1).
struct UniformOCV: Sendable {
    let socMin: Double
    let socMax: Double
    let inverseStep: Double
    /// Interleaved (volts, entropic V/K) pairs, `2 * count` values.
    let samples: [Double]
    let lastIndex: Int

    init(_ table: OCVTable, points: Int = 1_024) {
        socMin = table.soc.first ?? 0
        socMax = table.soc.last ?? 1
        let step = (socMax - socMin) / Double(points - 1)
        inverseStep = 1 / step
        var samples: [Double] = []
        samples.reserveCapacity(2 * points)
        for index in 0..<points {
            let x = socMin + Double(index) * step
            samples.append(table.interpolate(table.volts, at: x))
            samples.append(table.interpolate(table.entropicMillivoltsPerKelvin, at: x) / 1_000)
        }
        self.samples = samples
        lastIndex = points - 1
    }

    /// OCV at 25 °C (V) and ∂U/∂T (V/K) at cathode SOC `soc`; clamped outside the table.
    @inline(__always)
    func lookup(_ soc: Double) -> (volts: Double, entropic: Double) {
        let position = (min(max(soc, socMin), socMax) - socMin) * inverseStep
        let index = min(Int(position), lastIndex - 1)
        let fraction = position - Double(index)
        let base = 2 * index
        let volts = samples[base] + fraction * (samples[base + 2] - samples[base])
        let entropic = samples[base + 1] + fraction * (samples[base + 3] - samples[base + 1])
        return (volts, entropic)
    }
}
