import RealModule

/// Follows pack-level gas or pressure sensors: validity, slow baseline, and how long the rise over the
/// baseline has exceeded the warning and alarm levels.
///
/// A reading is a sensor fault when the node reports it, when it lies outside the sensor's range, or
/// when it jumps by more than the step limit between two samples (a real vent builds up over samples;
/// a stuck or shorted sensor jumps). A stepped sensor is trusted again once it is back near its baseline.
/// The step limit holds per nominal sampling interval and grows in proportion with the actual spacing of
/// the samples (a slow task sees a real vent's build-up as one large rise, which must count as real); the
/// baseline's exponential mean uses the actual spacing too, so both mean the same at any task period.
/// The baseline (exponential mean) freezes while the sensor is above its warning level, so a slow
/// event cannot hide itself by dragging the baseline up.
struct EnclosureSensorTracker: Sendable {
    enum Status: UInt8, Sendable {
        case unknown
        case ok
        case stale
        /// Alive on the bus without a reading yet (warming up, or before its first frame after power-on).
        case startingUp
        case reported
        case outOfRange
        case step
    }

    private(set) var status: [Status]
    private(set) var baseline: [Double]
    private(set) var rise: [Double]
    private var hasBaseline: [Bool]
    private var lastValue: [Int32]
    private var hasPrevious: [Bool]
    private var warningSince: [Int64]
    private var alarmSince: [Int64]
    private var lastSampleAt = Time.never

    init(count: Int) {
        status = Array(repeating: .unknown, count: count)
        baseline = Array(repeating: 0, count: count)
        rise = Array(repeating: 0, count: count)
        hasBaseline = Array(repeating: false, count: count)
        lastValue = Array(repeating: 0, count: count)
        hasPrevious = Array(repeating: false, count: count)
        warningSince = Array(repeating: Time.never, count: count)
        alarmSince = Array(repeating: Time.never, count: count)
    }

    struct Limits {
        var valid: ClosedRange<Int32>
        var step: Int32
        var warningRise: Int32
        var alarmRise: Int32
        var hold: Int64
        var baselineTimeConstant: Int64
        var timeout: Int64
    }

    /// Samples every sensor once (called at the detector's sampling interval).
    /// `aliveAt` holds each sensor's last starting-up frame, `poweredOnAt` the controller's first tick: a
    /// sensor without a recent reading is starting up while either lies within the timeout, else stale.
    mutating func sample(
        values: [Int32], receivedAt: [Int64], aliveAt: [Int64], poweredOnAt: Int64, faultReported: [Bool], limits: Limits,
        intervalMilliseconds: Int64, now: Int64
    ) {
        let spacing = lastSampleAt == Time.never ? intervalMilliseconds : max(Time.elapsed(from: lastSampleAt, to: now), intervalMilliseconds)
        lastSampleAt = now
        let stepScale = Double(spacing) / Double(max(intervalMilliseconds, 1))
        let alpha = -Double.expMinusOne(-Double(spacing) / Double(max(limits.baselineTimeConstant, 1)))
        // A rise first seen after a long spacing started where the spacing began (hold times count from there).
        let onset = Time.adding(-max(spacing - intervalMilliseconds, 0), to: now)
        for sensor in status.indices {
            let received = receivedAt[sensor]
            guard received != Time.never, Time.elapsed(from: received, to: now) <= limits.timeout else {
                let silent = MeasurementStore.isSilent(
                    receivedAt: received, aliveAt: aliveAt.indices.contains(sensor) ? aliveAt[sensor] : Time.never,
                    poweredOnAt: poweredOnAt, timeout: limits.timeout, now: now)
                status[sensor] = silent ? .stale : .startingUp
                clearTimers(sensor)
                continue
            }
            if faultReported[sensor] {
                status[sensor] = .reported
                clearTimers(sensor)
                continue
            }
            let value = values[sensor]
            guard limits.valid.contains(value) else {
                status[sensor] = .outOfRange
                clearTimers(sensor)
                continue
            }
            let previous = lastValue[sensor]
            let comparable = hasPrevious[sensor]
            lastValue[sensor] = value
            hasPrevious[sensor] = true
            if !hasBaseline[sensor] {
                baseline[sensor] = Double(value)
                hasBaseline[sensor] = true
                status[sensor] = .ok
                rise[sensor] = 0
                continue
            }
            if status[sensor] == .step {
                // Trusted again once back near the baseline.
                if abs(Double(value) - baseline[sensor]) <= Double(limits.warningRise) / 2 { status[sensor] = .ok } else { continue }
            } else if comparable, Double(abs(Int64(value) - Int64(previous))) > Double(limits.step) * stepScale {
                status[sensor] = .step
                clearTimers(sensor)
                continue
            }
            status[sensor] = .ok
            rise[sensor] = Double(value) - baseline[sensor]
            if rise[sensor] >= Double(limits.warningRise) {
                if warningSince[sensor] == Time.never { warningSince[sensor] = onset }
            } else {
                warningSince[sensor] = Time.never
                baseline[sensor] += alpha * (Double(value) - baseline[sensor])
            }
            if rise[sensor] >= Double(limits.alarmRise) {
                if alarmSince[sensor] == Time.never { alarmSince[sensor] = onset }
            } else {
                alarmSince[sensor] = Time.never
            }
        }
    }

    private mutating func clearTimers(_ sensor: Int) {
        hasPrevious[sensor] = status[sensor] == .step
        warningSince[sensor] = Time.never
        alarmSince[sensor] = Time.never
        rise[sensor] = 0
    }

    /// True when any valid sensor has been above the warning (alarm) level for the hold time.
    func exceeds(alarm: Bool, hold: Int64, now: Int64) -> Bool {
        let since = alarm ? alarmSince : warningSince
        for sensor in status.indices where status[sensor] == .ok && since[sensor] != Time.never {
            if Time.elapsed(from: since[sensor], to: now) >= hold { return true }
        }
        return false
    }

    var anyFault: Bool { status.contains { $0 == .reported || $0 == .outOfRange || $0 == .step } }
    var firstFault: Int? { status.firstIndex { $0 == .reported || $0 == .outOfRange || $0 == .step } }
    var anyStale: Bool { status.contains { $0 == .stale } }
    var firstStale: Int? { status.firstIndex { $0 == .stale } }
    var maximumRise: Double { zip(status, rise).filter { $0.0 == .ok }.map(\.1).max() ?? 0 }
}
