/// Plating stress per block since the last healing dose: the firmware's own estimate of how much the
/// lithium-metal anode has roughened, from what it measures (charge current, block temperature).
///
/// Roughening grows with the plated charge and faster at high current density [S3:L98, L102] and in the
/// cold [S4:L284, L316]. Per tick of charging, each block accrues
/// `q · J / J_ref · (1 + k · max(0, T_ref − T))`, with `q` the plated charge density (mAh/cm²) and `J`
/// the plating current density (mA/cm²) of one parallel cell. A 1C charge of the 5.15 Ah / 1428.6 cm² cell
/// model (3.6 mA/cm², 3.6 mAh/cm²) accrues ≈ 13. The stress is no measurement of the anode: it sets when a
/// preventive dose is due, so the dose interval adapts to how hard and how cold the pack is charged.
public struct PlatingStress: Sendable {
    /// Per block, mAh/cm² × J/J_ref since the last completed healing run.
    public private(set) var stress: [Double]

    init(cells: Int) {
        stress = Array(repeating: 0, count: cells)
    }

    /// Accrues one tick: `blockAmperes` discharge-positive (the firmware's sign), `celsius` per block.
    mutating func accrue(
        blockAmperes: [Double], celsius: [Double], valid: [Bool], seconds: Double, cellAreaSquareCentimetres: Double,
        parallelCells: Int, settings: HealingProfiles.Preventive
    ) {
        guard seconds > 0, settings.isEnabled, cellAreaSquareCentimetres > 0, parallelCells > 0 else { return }
        let perCell = 1000 / (Double(parallelCells) * cellAreaSquareCentimetres)  // mA/cm² per block ampere
        for index in stress.indices where index < blockAmperes.count && blockAmperes[index] < 0 {
            let density = -blockAmperes[index] * perCell
            let charge = density * seconds / 3600
            let temperature = index < celsius.count && index < valid.count && valid[index] ? celsius[index] : settings.referenceCelsius
            let cold = 1 + settings.coldSensitivityPerKelvin * max(0, settings.referenceCelsius - temperature)
            let added = charge * density / settings.referenceCurrentDensityMilliamperesPerSquareCentimetre * cold
            if added.isFinite { stress[index] += added }
        }
    }

    /// The highest block's stress.
    public var maximum: Double { stress.max() ?? 0 }

    /// Blocks at or above `threshold`, ascending.
    func blocks(atLeast threshold: Double) -> [Int] { stress.indices.filter { stress[$0] >= threshold } }

    /// A completed dose smoothed the anodes: the count starts again.
    mutating func reset() {
        for index in stress.indices { stress[index] = 0 }
    }
}
