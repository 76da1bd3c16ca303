import RealModule

/// Zero-current calibration of the string current sensor: while every contactor has been open for a
/// while the true string current is zero, so the mean reading is the sensor's offset. The estimators
/// count charge with the offset removed; the protections keep using the raw reading.
///
/// The estimate is a time-weighted mean with exponential forgetting (time constant τ), so it averages
/// every zero-current sample regardless of the sampling interval and follows a slow offset drift.
public struct CurrentOffsetCalibration: Hashable, Sendable {
    public private(set) var offsetAmperes = 0.0
    public private(set) var calibrated = false
    private var weightSeconds = 0.0
    private var weightedSum = 0.0

    public init() {}

    /// Follows the reading when the current is known to be zero.
    public mutating func follow(measuredAmperes: Double, knownZero: Bool, seconds: Double, settings: MeasurementSettings) {
        guard knownZero, seconds > 0, measuredAmperes.isFinite else { return }
        let limit = Double(settings.currentOffsetLimitMilliamperes) / 1000
        guard abs(measuredAmperes) <= limit else { return }
        let forgetting = Double.exp(-seconds * 1000 / Double(settings.currentOffsetTimeConstantMilliseconds))
        weightSeconds = forgetting * weightSeconds + seconds
        weightedSum = forgetting * weightedSum + seconds * measuredAmperes
        offsetAmperes = weightedSum / weightSeconds
        calibrated = true
    }

    /// The reading with the offset removed.
    @inline(__always)
    public func corrected(_ measuredAmperes: Double) -> Double { measuredAmperes - offsetAmperes }
}
