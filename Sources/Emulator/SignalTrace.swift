/// Time series a run records for its report: truth and estimates side by side (cell voltages,
/// temperatures, SOC/SOH vs truth), bounded in memory however long the run.
///
/// Each series keeps at most `capacity` points. When full, it halves its resolution by merging
/// neighbouring buckets while keeping each bucket's minimum and maximum, so spikes (a voltage
/// collapse, a temperature jump) survive decimation.
public struct SignalTrace: Sendable {
    /// One named series.
    public struct Series: Sendable {
        public var name: String
        public var unit: String
        /// Which chart it belongs to (series with the same group share axes).
        public var group: String
        /// Points as (seconds, value), in time order.
        public fileprivate(set) var points: [(time: Double, value: Double)] = []
        fileprivate var bucketSeconds: Double
        fileprivate var pendingMinimum: (time: Double, value: Double)?
        fileprivate var pendingMaximum: (time: Double, value: Double)?
        fileprivate var pendingBucket: Int64 = .min
    }

    /// Maximum points per series.
    public let capacity: Int
    public private(set) var series: [Series] = []
    private var index: [String: Int] = [:]

    public init(capacity: Int = 2000, initialBucketSeconds: Double = 0.1) {
        self.capacity = max(capacity, 16)
        self.initialBucketSeconds = max(initialBucketSeconds, 1e-6)
    }

    private let initialBucketSeconds: Double

    /// Adds a sample to the named series (created on first use, in first-use order).
    public mutating func record(_ name: String, group: String, unit: String, timeSeconds: Double, value: Double) {
        guard value.isFinite else { return }
        let position: Int
        if let existing = index[name] {
            position = existing
        } else {
            position = series.count
            index[name] = position
            series.append(Series(name: name, unit: unit, group: group, bucketSeconds: initialBucketSeconds))
        }
        series[position].add(time: timeSeconds, value: value, capacity: capacity)
    }

    /// Flushes partially filled buckets so the last samples appear in ``series``.
    public mutating func finish() {
        for position in series.indices { series[position].flush() }
    }

    /// Series names grouped by chart, in first-use order.
    public var groups: [String] {
        var seen: [String] = []
        for entry in series where !seen.contains(entry.group) { seen.append(entry.group) }
        return seen
    }
}

extension SignalTrace.Series {
    fileprivate mutating func add(time: Double, value: Double, capacity: Int) {
        let bucket = Int64((time / bucketSeconds).rounded(.down))
        if bucket != pendingBucket {
            flush()
            pendingBucket = bucket
        }
        if pendingMinimum == nil || value < pendingMinimum!.value { pendingMinimum = (time, value) }
        if pendingMaximum == nil || value > pendingMaximum!.value { pendingMaximum = (time, value) }
        if points.count >= capacity { coarsen() }
    }

    fileprivate mutating func flush() {
        guard let minimum = pendingMinimum, let maximum = pendingMaximum else { return }
        if minimum.time == maximum.time {
            points.append(minimum)
        } else if minimum.time < maximum.time {
            points.append(minimum)
            points.append(maximum)
        } else {
            points.append(maximum)
            points.append(minimum)
        }
        pendingMinimum = nil
        pendingMaximum = nil
    }

    /// Doubles the bucket width and re-buckets the kept points, preserving each bucket's extremes.
    private mutating func coarsen() {
        bucketSeconds *= 2
        var merged: [(time: Double, value: Double)] = []
        merged.reserveCapacity(points.count / 2 + 2)
        var start = 0
        while start < points.count {
            let bucket = Int64((points[start].time / bucketSeconds).rounded(.down))
            var end = start
            var low = points[start]
            var high = points[start]
            while end < points.count, Int64((points[end].time / bucketSeconds).rounded(.down)) == bucket {
                if points[end].value < low.value { low = points[end] }
                if points[end].value > high.value { high = points[end] }
                end += 1
            }
            if low.time == high.time { merged.append(low) } else if low.time < high.time { merged.append(contentsOf: [low, high]) } else { merged.append(contentsOf: [high, low]) }
            start = end
        }
        points = merged
    }
}
