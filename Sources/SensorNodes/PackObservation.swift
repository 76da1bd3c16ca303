public import CellPack

/// Per-cell truth the nodes read lazily: only the cells they sample, only when they sample.
///
/// `[CellTruth]` conforms (synthetic truth, log replay, tests). A pack model that computes cell truth on
/// demand (CellPack's `VirtualPack` has `cell(_:)` and `groupVolts(_:)`) conforms without building an array
/// every step; it should override the per-quantity accessors with cheap ones.
public protocol CellTruthSource {
    /// Number of cells, group by group (cell = group × parallel count + k).
    var cellCount: Int { get }
    /// The truth of one cell, `nil` outside the pack.
    func cell(_ index: Int) -> CellTruth?
    /// Terminal voltage of series group `group` (0-based) in a pack of `seriesCount` groups, V.
    func groupVolts(_ group: Int, seriesCount: Int) -> Double?
    /// Surface temperature of one cell, °C.
    func surfaceCelsius(_ index: Int) -> Double?
    /// Thickness of one cell, mm.
    func thicknessMillimetres(_ index: Int) -> Double?
    /// Thickness of one cell when new and discharged, mm: what a swelling sensor fitted at assembly is zeroed
    /// against. `nil` (the default) when unknown; the sensor then zeroes at its first sample.
    func assemblyThicknessMillimetres(_ index: Int) -> Double?
    /// ``groupVolts(_:seriesCount:)`` of every group in `groups`, in order, NaN for nil, written into `volts`
    /// (emptied first). A source whose per-group calls are costly reads them all at once.
    func groupVolts(_ groups: Range<Int>, seriesCount: Int, into volts: inout [Double])
    /// ``surfaceCelsius(_:)`` of every cell in `cells` (e.g. one per group), in order, NaN for nil, written
    /// into `celsius` (emptied first).
    func surfaceCelsius(_ cells: StrideTo<Int>, into celsius: inout [Double])
    /// The sum of ``thicknessMillimetres(_:)`` over `cells`, added in order (NaN when any is nil): a stack's
    /// thickness in one call.
    func summedThicknessMillimetres(_ cells: Range<Int>) -> Double
}

extension CellTruthSource {
    /// Unknown by default.
    public func assemblyThicknessMillimetres(_ index: Int) -> Double? { nil }

    /// Mean terminal voltage of the group's parallel cells.
    public func groupVolts(_ group: Int, seriesCount: Int) -> Double? {
        guard seriesCount > 0 else { return nil }
        let parallel = cellCount / seriesCount
        guard parallel > 0, group >= 0, group < seriesCount else { return nil }
        var sum = 0.0
        for k in 0..<parallel {
            guard let cell = cell(group * parallel + k) else { return nil }
            sum += cell.terminalVolts
        }
        return sum / Double(parallel)
    }

    public func surfaceCelsius(_ index: Int) -> Double? { cell(index)?.surfaceCelsius }

    public func thicknessMillimetres(_ index: Int) -> Double? { cell(index)?.thicknessMillimetres }

    /// One ``groupVolts(_:seriesCount:)`` call per group.
    public func groupVolts(_ groups: Range<Int>, seriesCount: Int, into volts: inout [Double]) {
        volts.removeAll(keepingCapacity: true)
        for group in groups { volts.append(groupVolts(group, seriesCount: seriesCount) ?? .nan) }
    }

    /// One ``thicknessMillimetres(_:)`` call per cell.
    public func summedThicknessMillimetres(_ cells: Range<Int>) -> Double {
        var sum = 0.0
        for index in cells { sum += thicknessMillimetres(index) ?? .nan }
        return sum
    }

    /// One ``surfaceCelsius(_:)`` call per cell.
    public func surfaceCelsius(_ cells: StrideTo<Int>, into celsius: inout [Double]) {
        celsius.removeAll(keepingCapacity: true)
        for index in cells { celsius.append(surfaceCelsius(index) ?? .nan) }
    }
}

extension Array: CellTruthSource where Element == CellTruth {
    public var cellCount: Int { count }

    public func cell(_ index: Int) -> CellTruth? { indices.contains(index) ? self[index] : nil }

    public func surfaceCelsius(_ index: Int) -> Double? { indices.contains(index) ? self[index].surfaceCelsius : nil }

    public func thicknessMillimetres(_ index: Int) -> Double? {
        indices.contains(index) ? self[index].thicknessMillimetres : nil
    }
}

/// What the nodes can observe of the pack at one instant, besides the cells: the pack-level readings after the
/// last pack step and the contactor positions (the contactor node's own physical state).
///
/// Cells are passed separately, as a generic ``CellTruthSource``, to the nodes that read them.
public struct PackObservation: Hashable, Sendable {
    /// Pack-level readings.
    public var pack: PackReadings
    /// Contactor positions (closed = true) as they physically are.
    public var contactors: ContactorStates

    public init(pack: PackReadings, contactors: ContactorStates) {
        self.pack = pack
        self.contactors = contactors
    }
}
