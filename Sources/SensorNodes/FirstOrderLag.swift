import RealModule

/// A first-order sensor lag `dx/dt = (u − x)/τ`, parameterised by its response time t90 (time to 90 % of a
/// step: t90 = τ·ln 10). Updated at sample instants with the input held over the interval.
struct FirstOrderLag: Hashable, Sendable {
    /// Time constant τ, s (0: no lag).
    let timeConstantSeconds: Double
    /// Present output; `nil` before the first sample (the first sample starts settled).
    private(set) var value: Double?

    init(t90Seconds: Double) {
        timeConstantSeconds = t90Seconds > 0 ? t90Seconds / Double.log(10) : 0
    }

    init(timeConstantSeconds: Double) {
        self.timeConstantSeconds = max(timeConstantSeconds, 0)
    }

    /// Advances by `seconds` towards `input` and returns the new output.
    mutating func update(towards input: Double, seconds: Double) -> Double {
        guard let previous = value, timeConstantSeconds > 0, previous.isFinite, input.isFinite else {
            value = input
            return input
        }
        let decay = Double.exp(-max(seconds, 0) / timeConstantSeconds)
        let next = input + (previous - input) * decay
        value = next
        return next
    }
}
