public import CellPack

/// The virtual pack is read lazily by the nodes: only the groups and cells they sample.
extension VirtualPack: CellTruthSource {
    /// The group's shared terminal voltage, V.
    public func groupVolts(_ group: Int, seriesCount: Int) -> Double? {
        groupVolts(group)
    }

    /// The groups' voltages in one call into CellPack (each call copies the pack value).
    public func groupVolts(_ groups: Range<Int>, seriesCount: Int, into volts: inout [Double]) {
        groupVolts(groups, into: &volts)
    }

    /// The cells' thicknesses summed in one call into CellPack (each witness call copies the pack value).
    public func summedThicknessMillimetres(_ cells: Range<Int>) -> Double {
        var sum = 0.0
        for index in cells { sum += thicknessMillimetres(index) ?? .nan }
        return sum
    }

    /// The cell file's `design.cell_thickness_mm` (new and discharged), for every cell of the pack.
    public func assemblyThicknessMillimetres(_ index: Int) -> Double? {
        index >= 0 && index < cellCount ? cellParameters[.cellThickness] : nil
    }
}
