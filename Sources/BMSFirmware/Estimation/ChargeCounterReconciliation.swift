/// Reconciles the sampled string current with the current sensor's own charge counter (IVT-S `As`).
///
/// The estimators count charge from the current sampled at each tick, held over the interval since the
/// previous tick. That is exact for a current held constant, but a 1 ms / 3 ms pulse train or a 1 s / 0.2 s
/// bidirectional healing profile sampled every 10–60 s is aliased: each sample catches one phase of the
/// waveform. The sensor integrates its own current continuously, so between two counter readings the
/// charge it counted minus the charge the samples accounted for is charge the samples missed; the
/// controller adds it to every block's coulomb count. At a 10 ms task the difference is only the
/// counter's 1 A·s quantisation, which telescopes: the corrections sum to (last − first reading) minus
/// the sampled integral, so no error accumulates. The sensor's offset is in both terms and cancels.
///
/// Corrections accumulate and only the part beyond ±2 A·s (two counts) is handed out, so the counter's
/// quantisation and the sensor noise never reach the estimators as many tiny charge and discharge
/// amounts (which would inflate the charge-in and charge-out sums of the Coulombic-efficiency loops);
/// aliased pulse charge, which grows without bound, passes through.
///
/// A counter step the sensor could not have counted (larger than its range over the interval: a
/// counter reset or restart) or a gap in valid current samples restarts the reconciliation without a
/// correction.
struct ChargeCounterReconciliation: Sendable {
    private var lastCount: Int64?
    private var lastCountAt = Time.never
    private var sampledAmpereSeconds = 0.0
    private var continuous = false
    /// Missed charge not yet handed out (A·s), within ± ``deadbandAmpereSeconds``.
    private var pendingAmpereSeconds = 0.0
    static let deadbandAmpereSeconds = 2.0
    /// Mean string current over the last counter interval (A, positive = discharge), set on the tick the
    /// reading arrived when the interval is long enough to resolve the rest threshold; nil otherwise.
    private(set) var intervalAverageAmperes: Double?

    /// Integrates this tick's sample (`nil`: no valid current this tick, which breaks the reconciliation).
    mutating func follow(sampleAmperes: Double?, seconds: Double) {
        intervalAverageAmperes = nil
        guard let sampleAmperes, sampleAmperes.isFinite else {
            continuous = false
            return
        }
        sampledAmpereSeconds += sampleAmperes * seconds
    }

    /// A new counter reading at `now`: returns the charge the samples missed since the previous reading (A·s,
    /// positive = discharge), 0 when there is nothing to reconcile.
    mutating func reading(
        ampereSeconds count: Int64, now: Int64, rangeAmperes: Double, restAmperes: Double
    ) -> Double {
        defer {
            lastCount = count
            lastCountAt = now
            sampledAmpereSeconds = 0
            continuous = true
        }
        guard continuous, let last = lastCount, lastCountAt != Time.never else {
            pendingAmpereSeconds = 0
            return 0
        }
        let (delta, overflow) = count.subtractingReportingOverflow(last)
        let seconds = Double(max(Time.elapsed(from: lastCountAt, to: now), 0)) / 1000
        guard !overflow, seconds > 0 else { return 0 }
        let counted = Double(delta)
        // One count of quantisation on each reading.
        guard abs(counted) <= rangeAmperes * seconds + 2 else {
            pendingAmpereSeconds = 0
            return 0
        }
        // The interval mean resolves the rest threshold once 2 A·s of quantisation is below half of it.
        if seconds * restAmperes >= 4 { intervalAverageAmperes = counted / seconds }
        pendingAmpereSeconds += counted - sampledAmpereSeconds
        let limit = Self.deadbandAmpereSeconds
        guard abs(pendingAmpereSeconds) > limit else { return 0 }
        let handed = pendingAmpereSeconds > 0 ? pendingAmpereSeconds - limit : pendingAmpereSeconds + limit
        pendingAmpereSeconds -= handed
        return handed
    }

    /// Forgets the history (the next reading starts afresh).
    mutating func restart() {
        continuous = false
        lastCount = nil
        pendingAmpereSeconds = 0
    }
}
