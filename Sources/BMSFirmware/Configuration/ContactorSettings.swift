/// Contactor sequencing and precharge verification (foxBMS `bms_cfg.h`).
public struct ContactorSettings: Hashable, Sendable {
    /// When true, every step waits for the contactor's feedback; when false it waits `settleMilliseconds`.
    public var feedbackRequired: Bool
    /// Time a contactor may take to report the commanded position (foxBMS BMS_*_CLOSE/OPEN_TIMEOUT 500 ms).
    public var feedbackTimeoutMilliseconds: Int64
    /// Assumed switching time when there is no feedback.
    public var settleMilliseconds: Int64
    /// Precharge attempts before giving up (foxBMS BMS_PRECHARGE_TRIES 3).
    public var prechargeTries: Int
    /// Link voltage must come within this of the battery voltage (foxBMS 1000 mV).
    public var prechargeVoltageThresholdMillivolts: Int32
    /// And the precharge current must fall below this (foxBMS 50 mA).
    public var prechargeCurrentThresholdMilliamperes: Int32
    /// Longest a precharge attempt may take (foxBMS BMS_MAXIMUM_PRECHARGE_DURATION_ms 2000).
    public var prechargeTimeoutMilliseconds: Int64
    /// Pause after a failed attempt (foxBMS BMS_TIME_WAIT_AFTER_PRECHARGE_FAIL 300 ms).
    public var waitAfterPrechargeFailureMilliseconds: Int64

    public init(
        feedbackRequired: Bool, feedbackTimeoutMilliseconds: Int64, settleMilliseconds: Int64, prechargeTries: Int,
        prechargeVoltageThresholdMillivolts: Int32, prechargeCurrentThresholdMilliamperes: Int32,
        prechargeTimeoutMilliseconds: Int64, waitAfterPrechargeFailureMilliseconds: Int64
    ) {
        self.feedbackRequired = feedbackRequired
        self.feedbackTimeoutMilliseconds = feedbackTimeoutMilliseconds
        self.settleMilliseconds = settleMilliseconds
        self.prechargeTries = prechargeTries
        self.prechargeVoltageThresholdMillivolts = prechargeVoltageThresholdMillivolts
        self.prechargeCurrentThresholdMilliamperes = prechargeCurrentThresholdMilliamperes
        self.prechargeTimeoutMilliseconds = prechargeTimeoutMilliseconds
        self.waitAfterPrechargeFailureMilliseconds = waitAfterPrechargeFailureMilliseconds
    }

    func validate(into collector: inout IssueCollector) {
        let path = ["contactors"]
        collector.check(feedbackTimeoutMilliseconds > 0, path + ["feedback_timeout_ms"], "must be positive")
        collector.check(settleMilliseconds >= 0, path + ["settle_ms"], "must not be negative")
        collector.check((1...10).contains(prechargeTries), path + ["precharge_tries"], "must lie in 1...10")
        collector.check(prechargeVoltageThresholdMillivolts > 0, path + ["precharge_voltage_threshold_mv"], "must be positive")
        collector.check(prechargeCurrentThresholdMilliamperes > 0, path + ["precharge_current_threshold_ma"], "must be positive")
        collector.check(prechargeTimeoutMilliseconds > 0, path + ["precharge_timeout_ms"], "must be positive")
        collector.check(waitAfterPrechargeFailureMilliseconds >= 0, path + ["wait_after_precharge_failure_ms"], "must not be negative")
    }
}
