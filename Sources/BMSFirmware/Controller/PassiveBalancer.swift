/// Passive balancing by voltage with hysteresis (foxBMS `bal/voltage`): a block bleeds while it is more
/// than the threshold above the lowest block, down to `threshold − hysteresis`, never below the
/// minimum voltage or above the maximum temperature, and only for valid readings.
struct PassiveBalancer: Sendable {
    private(set) var active: [Bool]
    private var nextEvaluationAt = Time.never

    init(cells: Int) { active = Array(repeating: false, count: cells) }

    var activeCells: [Int] { active.indices.filter { active[$0] } }

    /// Re-evaluates at the balancing period; returns the new bleed set when it changed.
    mutating func evaluate(snapshot: PackSnapshot, settings: BalancingSettings, now: Int64) -> [Int]? {
        guard nextEvaluationAt == Time.never || now >= nextEvaluationAt else { return nil }
        nextEvaluationAt = Time.adding(settings.periodMilliseconds, to: now)
        var next = Array(repeating: false, count: active.count)
        if snapshot.validCellCount > 1 {
            let minimum = Int64(snapshot.minimumCellMillivolts)
            let maximumTemperature = Double(settings.maximumTemperatureDeciCelsius) / 10
            for cell in active.indices where snapshot.cellValid[cell] {
                let millivolts = Int64((snapshot.cellVolts[cell] * 1000).rounded())
                guard millivolts >= Int64(settings.minimumCellMillivolts), snapshot.cellCelsius[cell] < maximumTemperature else { continue }
                let above = millivolts - minimum
                let threshold = Int64(settings.thresholdMillivolts) - (active[cell] ? Int64(settings.hysteresisMillivolts) : 0)
                next[cell] = above > threshold
            }
        }
        guard next != active else { return nil }
        active = next
        return activeCells
    }

    /// Stops all bleeding; returns true when something was active.
    mutating func stop() -> Bool {
        nextEvaluationAt = Time.never
        guard active.contains(true) else { return false }
        for cell in active.indices { active[cell] = false }
        return true
    }
}
