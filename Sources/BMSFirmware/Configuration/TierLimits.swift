/// The three foxBMS limit tiers of one quantity in one direction, in the quantity's integer unit
/// (millivolts, deci-degrees Celsius or milliamperes).
///
/// - MOL, maximum operating limit: information; current limits start derating.
/// - RSL, recommended safety limit: warning; current limits reach zero.
/// - MSL, maximum safety limit: fatal; contactors open after the row's reaction delay.
///
/// For an upper limit the order is `mol <= rsl <= msl`; for a lower limit it is `mol >= rsl >= msl`.
/// A flag set above (below) a limit clears only once the value is back by `hysteresis`.
public struct TierLimits: Hashable, Sendable {
    /// Whether the limits bound the quantity from above or from below.
    public enum Direction: String, Hashable, Sendable, CaseIterable {
        case upper
        case lower
    }

    public var direction: Direction
    public var maximumOperating: Int32
    public var recommendedSafety: Int32
    public var maximumSafety: Int32
    public var hysteresis: Int32

    public init(direction: Direction, mol: Int32, rsl: Int32, msl: Int32, hysteresis: Int32) {
        self.direction = direction
        self.maximumOperating = mol
        self.recommendedSafety = rsl
        self.maximumSafety = msl
        self.hysteresis = hysteresis
    }

    /// The limit of one tier.
    public func limit(_ tier: LimitTier) -> Int32 {
        switch tier {
        case .maximumOperating: maximumOperating
        case .recommendedSafety: recommendedSafety
        case .maximumSafety: maximumSafety
        }
    }

    /// True when `value` lies beyond the tier's limit (strictly above an upper, strictly below a lower limit).
    public func isViolated(_ value: Int32, tier: LimitTier) -> Bool {
        let limit = limit(tier)
        return direction == .upper ? value > limit : value < limit
    }

    /// True when `value` is back inside the limit by at least the hysteresis.
    public func isRecovered(_ value: Int32, tier: LimitTier) -> Bool {
        let limit = Int64(limit(tier))
        return direction == .upper ? Int64(value) <= limit - Int64(hysteresis) : Int64(value) >= limit + Int64(hysteresis)
    }

    func validate(into collector: inout IssueCollector, keyPath: [String], unit: String) {
        collector.check(hysteresis >= 0, keyPath + ["hysteresis_\(unit)"], "hysteresis must not be negative")
        switch direction {
        case .upper:
            collector.check(
                maximumOperating <= recommendedSafety, keyPath + ["rsl_\(unit)"],
                "RSL (\(recommendedSafety)) must not be below MOL (\(maximumOperating)) for an upper limit")
            collector.check(
                recommendedSafety <= maximumSafety, keyPath + ["msl_\(unit)"],
                "MSL (\(maximumSafety)) must not be below RSL (\(recommendedSafety)) for an upper limit")
        case .lower:
            collector.check(
                maximumOperating >= recommendedSafety, keyPath + ["rsl_\(unit)"],
                "RSL (\(recommendedSafety)) must not be above MOL (\(maximumOperating)) for a lower limit")
            collector.check(
                recommendedSafety >= maximumSafety, keyPath + ["msl_\(unit)"],
                "MSL (\(maximumSafety)) must not be above RSL (\(recommendedSafety)) for a lower limit")
        }
    }
}

/// One of the three foxBMS limit tiers.
public enum LimitTier: String, Hashable, Sendable, CaseIterable {
    case maximumOperating = "mol"
    case recommendedSafety = "rsl"
    case maximumSafety = "msl"
}
