public import CellPack

/// The pack-level quantities the nodes measure: the part of CellPack's ``PackTruth`` a sensor can see.
///
/// A plain value with a public initializer, so benches, log replay and tests can build it without a pack
/// model; ``init(_:)`` takes it from a pack's truth.
public struct PackReadings: Hashable, Sendable {
    /// Pack voltage before the contactors, V.
    public var packVolts: Double
    /// DC-link voltage after the contactors, V.
    public var linkVolts: Double
    /// Pack current at the end of the step, A (+ discharge, CellPack convention).
    public var packCurrentAmps: Double
    /// Charge out of the pack during the step divided by its duration, A (+ discharge).
    public var averageCurrentAmps: Double
    /// Gas in the enclosure air, ppm by volume.
    public var enclosureGasPPM: GasAmounts
    /// Smoke / particulate concentration in the enclosure, mg/m³.
    public var smokeMilligramsPerCubicMetre: Double
    /// Pack-to-chassis isolation resistance, Ω.
    public var isolationOhms: Double

    public init(
        packVolts: Double, linkVolts: Double, packCurrentAmps: Double = 0, averageCurrentAmps: Double? = nil,
        enclosureGasPPM: GasAmounts = GasAmounts(), smokeMilligramsPerCubicMetre: Double = 0, isolationOhms: Double = .infinity
    ) {
        self.packVolts = packVolts
        self.linkVolts = linkVolts
        self.packCurrentAmps = packCurrentAmps
        self.averageCurrentAmps = averageCurrentAmps ?? packCurrentAmps
        self.enclosureGasPPM = enclosureGasPPM
        self.smokeMilligramsPerCubicMetre = smokeMilligramsPerCubicMetre
        self.isolationOhms = isolationOhms
    }

    /// The readings of a pack's truth.
    public init(_ truth: PackTruth) {
        self.init(
            packVolts: truth.packVolts, linkVolts: truth.linkVolts, packCurrentAmps: truth.packCurrentAmps,
            averageCurrentAmps: truth.averageCurrentAmps, enclosureGasPPM: truth.enclosureGasPPM,
            smokeMilligramsPerCubicMetre: truth.smokeMilligramsPerCubicMetre, isolationOhms: truth.isolationOhms)
    }
}
