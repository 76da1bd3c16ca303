extension VirtualPack {
    /// Surface temperatures of cells `cells` (e.g. one per parallel group), °C, appended to `celsius` in
    /// order after emptying it (NaN for an index outside the pack): the values ``surfaceCelsius(_:)`` gives,
    /// read in one call. Sensor models sampling a board's cells use it because every call into this module
    /// copies the pack value.
    public func surfaceCelsius(_ cells: StrideTo<Int>, into celsius: inout [Double]) {
        celsius.removeAll(keepingCapacity: true)
        for index in cells {
            celsius.append(index >= 0 && index < packConstants.cellCount ? columns[.surfaceKelvin, index] - PhysicalConstants.zeroCelsius : .nan)
        }
    }

    /// Terminal voltages of series groups `range`, V, appended to `volts` in order after emptying it (NaN
    /// for a group outside the pack): the values ``groupVolts(_:)`` gives, read in one call.
    public func groupVolts(_ range: Range<Int>, into volts: inout [Double]) {
        volts.removeAll(keepingCapacity: true)
        for group in range {
            volts.append(group >= 0 && group < packConstants.seriesCount ? groups.volts[group] : .nan)
        }
    }
}
