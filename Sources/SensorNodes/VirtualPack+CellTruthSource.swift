public import CellPack

/// The virtual pack is read lazily by the nodes: only the groups and cells they sample.
extension VirtualPack: CellTruthSource {
    /// The group's shared terminal voltage, V.
    public func groupVolts(_ group: Int, seriesCount: Int) -> Double? {
        groupVolts(group)
    }
}
