/// Traffic and timing figures of the virtual bus, for bus-load and latency budgets.
public struct BusStatistics: Hashable, Sendable {
    /// Frames that completed transmission (or were delivered, without a bus model).
    public var framesTransmitted: UInt64 = 0
    /// Copies handed to receivers' queues.
    public var framesDelivered: UInt64 = 0
    /// Frames lost to `drop` faults.
    public var framesDroppedByFaults: UInt64 = 0
    /// Frames lost because a receiver's queue was full.
    public var framesDroppedByReceivers: UInt64 = 0
    /// Frames refused at send time (node bus-off, bus down, transmit queue full).
    public var framesRefused: UInt64 = 0
    /// Nanoseconds the bus was busy transmitting (bus model only).
    public var busyNanoseconds: Int64 = 0
    /// Queuing latency from send to start of transmission (bus model only).
    public var queuingLatency = LatencyHistogram()

    public init() {}

    /// Bus load over `elapsedNanoseconds`, 0...1.
    public func load(overNanoseconds elapsedNanoseconds: Int64) -> Double {
        elapsedNanoseconds > 0 ? Double(busyNanoseconds) / Double(elapsedNanoseconds) : 0
    }
}

/// A latency histogram with power-of-two buckets (1 ns ... 2^40 ns): constant memory however long the run.
public struct LatencyHistogram: Hashable, Sendable {
    private var buckets = [UInt64](repeating: 0, count: 41)
    /// Samples recorded.
    public private(set) var count: UInt64 = 0
    /// Largest sample.
    public private(set) var maximumNanoseconds: Int64 = 0
    private var sumNanoseconds: Double = 0

    public init() {}

    /// Records one sample (negative samples count as zero).
    public mutating func record(_ nanoseconds: Int64) {
        let value = max(nanoseconds, 0)
        let bucket = value == 0 ? 0 : min(64 - value.leadingZeroBitCount, 40)
        buckets[bucket] &+= 1
        count &+= 1
        maximumNanoseconds = max(maximumNanoseconds, value)
        sumNanoseconds += Double(value)
    }

    /// Mean of all samples.
    public var meanNanoseconds: Double { count > 0 ? sumNanoseconds / Double(count) : 0 }

    /// Upper bound of the bucket holding the given quantile (0...1); within a factor of two.
    public func quantileUpperBoundNanoseconds(_ quantile: Double) -> Int64 {
        guard count > 0 else { return 0 }
        let target = UInt64((Double(count) * min(max(quantile, 0), 1)).rounded(.up))
        var seen: UInt64 = 0
        for (index, bucketCount) in buckets.enumerated() {
            seen &+= bucketCount
            if seen >= max(target, 1) { return index == 0 ? 0 : min(Int64(1) << Int64(index), maximumNanoseconds) }
        }
        return maximumNanoseconds
    }
}
