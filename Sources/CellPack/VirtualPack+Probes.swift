import RealModule

/// Cheap single-value reads of one cell's truth, for per-step monitors (sensor sampling, event
/// detection) that must not build a whole ``CellTruth`` per cell per millisecond.
extension VirtualPack {
    /// Surface temperature of cell `index`, °C, or nil outside the pack.
    public func surfaceCelsius(_ index: Int) -> Double? {
        guard index >= 0, index < packConstants.cellCount else { return nil }
        return columns[.surfaceKelvin, index] - PhysicalConstants.zeroCelsius
    }

    /// Thickness of cell `index` (electrodes, plated and dead lithium, gas), mm, or nil outside the pack.
    public func thicknessMillimetres(_ index: Int) -> Double? {
        guard index >= 0, index < packConstants.cellCount else { return nil }
        return columns.readCell(index) { s, f in thicknessMillimetres(of: s, f) }
    }

    /// Core temperature of cell `index`, °C, or nil outside the pack.
    public func coreCelsius(_ index: Int) -> Double? {
        guard index >= 0, index < packConstants.cellCount else { return nil }
        return columns[.coreKelvin, index] - PhysicalConstants.zeroCelsius
    }

    /// Whether cell `index` has vented (false outside the pack).
    public func hasVented(_ index: Int) -> Bool {
        guard index >= 0, index < packConstants.cellCount else { return false }
        return columns[.vented, index] > 0
    }

    /// Thermal-runaway stage of cell `index` (`.normal` outside the pack).
    public func runawayState(_ index: Int) -> ThermalRunawayState {
        guard index >= 0, index < packConstants.cellCount else { return .normal }
        return ThermalRunawayState(rawValue: UInt8(max(0, min(columns[.runawayState, index], 3)))) ?? .normal
    }

    /// Whether cell `index` has a hard internal short (dendrite, separator meltdown, molten lithium or nail).
    public func hasHardShort(_ index: Int) -> Bool {
        guard index >= 0, index < packConstants.cellCount else { return false }
        return columns[.hardShort, index] > 0 || columns[.nailShort, index] > 0 || columns[.separatorState, index] >= 2
    }

    /// Present soft-short conductance of cell `index`, S (0 when none or outside the pack).
    public func softShortSiemens(_ index: Int) -> Double {
        guard index >= 0, index < packConstants.cellCount else { return 0 }
        let median = columns[.softMedian, index]
        return median > 0 ? median * Double.exp(columns[.softLog, index]) : 0
    }
}

extension VirtualPack {
    /// Charge that left the pack during the last step divided by its duration, A (+ discharge); cheap,
    /// unlike ``truth``, for callers that integrate current every step.
    public var lastStepAverageCurrentAmps: Double { link.averageCurrent }
}
