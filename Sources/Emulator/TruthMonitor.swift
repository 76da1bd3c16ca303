public import CellPack

/// Watches the pack's ground truth and reports the moments scenario expectations refer to: a cell
/// crossing a safety limit, a soft or hard short, self-heating, runaway, venting, the first hydrogen.
///
/// Voltage limits are checked every call (group voltages are cheap); per-cell temperature and state
/// scans run every `scanPeriodNanoseconds` (default 10 ms), so their events are at most that late.
public struct TruthMonitor: Sendable {
    /// Limits the "limit crossed" events refer to (the firmware's maximum safety limits, MSL).
    public struct Limits: Hashable, Sendable {
        public var cellVoltageMaximumMillivolts: Double
        public var cellVoltageMinimumMillivolts: Double
        public var temperatureMaximumCelsius: Double

        public init(cellVoltageMaximumMillivolts: Double, cellVoltageMinimumMillivolts: Double, temperatureMaximumCelsius: Double) {
            self.cellVoltageMaximumMillivolts = cellVoltageMaximumMillivolts
            self.cellVoltageMinimumMillivolts = cellVoltageMinimumMillivolts
            self.temperatureMaximumCelsius = temperatureMaximumCelsius
        }
    }

    public let limits: Limits
    public let scanPeriodNanoseconds: Int64
    var nextScanNanoseconds: Int64 = 0
    var groupAbove: [Bool]
    var groupBelow: [Bool]
    var cellHot: [Bool]
    var cellVented: [Bool]
    var cellState: [ThermalRunawayState]
    var cellHardShort: [Bool]
    var cellSoftShort: [Bool]
    var hydrogenSeen = false

    public init(limits: Limits, seriesCount: Int, cellCount: Int, scanPeriodNanoseconds: Int64 = 10_000_000) {
        self.limits = limits
        self.scanPeriodNanoseconds = max(scanPeriodNanoseconds, 1)
        groupAbove = Array(repeating: false, count: seriesCount)
        groupBelow = Array(repeating: false, count: seriesCount)
        cellHot = Array(repeating: false, count: cellCount)
        cellVented = Array(repeating: false, count: cellCount)
        cellState = Array(repeating: .normal, count: cellCount)
        cellHardShort = Array(repeating: false, count: cellCount)
        cellSoftShort = Array(repeating: false, count: cellCount)
    }

    /// Checks the pack after a step at `now`; appends `pack.*` events for what changed.
    public mutating func check(_ pack: VirtualPack, nowNanoseconds now: Int64, events: inout [TraceEvent]) {
        func event(_ kind: String, _ subject: String, _ value: Double? = nil) {
            events.append(TraceEvent(timeNanoseconds: now, kind: kind, subject: subject, value: value, source: "pack"))
        }
        for group in groupAbove.indices {
            guard let volts = pack.groupVolts(group) else { continue }
            let millivolts = volts * 1000
            let above = millivolts > limits.cellVoltageMaximumMillivolts
            if above != groupAbove[group] {
                groupAbove[group] = above
                if above { event("pack.cell_voltage_above_msl", "\(group + 1)", millivolts) }
            }
            let below = millivolts < limits.cellVoltageMinimumMillivolts
            if below != groupBelow[group] {
                groupBelow[group] = below
                if below { event("pack.cell_voltage_below_msl", "\(group + 1)", millivolts) }
            }
        }
        guard now >= nextScanNanoseconds else { return }
        nextScanNanoseconds = now + scanPeriodNanoseconds
        for cell in cellHot.indices {
            let celsius = pack.surfaceCelsius(cell) ?? 0
            let hot = celsius > limits.temperatureMaximumCelsius
            if hot != cellHot[cell] {
                cellHot[cell] = hot
                if hot { event("pack.cell_temperature_above_msl", "\(cell)", celsius) }
            }
            let state = pack.runawayState(cell)
            if state != cellState[cell] {
                if state.rawValue > cellState[cell].rawValue {
                    switch state {
                    case .selfHeating: event("pack.cell_self_heating", "\(cell)", pack.coreCelsius(cell))
                    case .runaway: event("pack.cell_thermal_runaway", "\(cell)", pack.coreCelsius(cell))
                    case .burnedOut: event("pack.cell_burned_out", "\(cell)")
                    case .normal: break
                    }
                }
                cellState[cell] = state
            }
            if !cellVented[cell], pack.hasVented(cell) {
                cellVented[cell] = true
                event("pack.cell_vented", "\(cell)")
            }
            if !cellHardShort[cell], pack.hasHardShort(cell) {
                cellHardShort[cell] = true
                event("pack.cell_hard_short", "\(cell)")
            }
            let soft = pack.softShortSiemens(cell) > 0
            if soft != cellSoftShort[cell] {
                cellSoftShort[cell] = soft
                if soft { event("pack.cell_soft_short", "\(cell)", pack.softShortSiemens(cell)) }
            }
        }
        if !hydrogenSeen {
            let hydrogen = pack.truth.enclosureGasPPM.hydrogen
            if hydrogen >= 1 {
                hydrogenSeen = true
                event("pack.hydrogen_detected", "enclosure", hydrogen)
            }
        }
    }
}
