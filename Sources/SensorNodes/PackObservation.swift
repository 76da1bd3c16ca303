public import CellPack

/// What the nodes can observe of the pack at one instant: the true cell and pack state after the last pack
/// step, and the contactor positions (the contactor node's own physical state).
///
/// Holding the arrays costs a reference count, not a copy; nodes read cells only when they sample.
/// Cell index = series group × parallel count + k, as ``PackParameters`` documents; the parallel count is
/// derived from `cells.count / seriesGroupCount`.
public struct PackObservation: Sendable {
    /// Every cell, group by group.
    public var cells: [CellTruth]
    /// Pack-level truth.
    public var pack: PackTruth
    /// Contactor positions (closed = true) as they physically are.
    public var contactors: ContactorStates

    public init(cells: [CellTruth], pack: PackTruth, contactors: ContactorStates) {
        self.cells = cells
        self.pack = pack
        self.contactors = contactors
    }

    /// Cells per series group for a pack of `seriesGroups` groups (0 when the array is too short).
    @inline(__always)
    func parallelCount(seriesGroups: Int) -> Int {
        seriesGroups > 0 ? cells.count / seriesGroups : 0
    }

    /// Mean terminal voltage of series group `group` (0-based), V; NaN when the group has no cells.
    func groupVolts(_ group: Int, parallel: Int) -> Double {
        guard parallel > 0 else { return .nan }
        let first = group * parallel
        guard first >= 0, first + parallel <= cells.count else { return .nan }
        var sum = 0.0
        for index in first..<(first + parallel) { sum += cells[index].terminalVolts }
        return sum / Double(parallel)
    }
}
