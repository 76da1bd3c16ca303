/// Every scalar in a pack parameter file (`Firmware/packs/*.yaml`), named by its dotted YAML key path.
public enum PackParameterKey: String, CaseIterable, Sendable, Comparable {
    case seriesCount = "topology.series"
    case parallelCount = "topology.parallel"
    case groupsPerModule = "topology.groups_per_module"
    case capacitySpread = "spread.capacity_sigma"
    case resistanceSpread = "spread.resistance_sigma"
    case selfDischargeSpread = "spread.self_discharge_sigma"
    case balancingResistance = "electrical.balancing_resistor_ohm"
    case prechargeResistance = "electrical.precharge_resistor_ohm"
    case linkCapacitance = "electrical.link_capacitance_uf"
    case linkBleedResistance = "electrical.link_bleed_resistor_kohm"
    case interconnectResistance = "electrical.interconnect_mohm"
    case isolationResistance = "electrical.isolation_healthy_mohm"
    case isolationPerLeakedGram = "electrical.isolation_siemens_per_leaked_g"
    case neighbourConductance = "thermal.neighbour_conductance_w_per_k"
    case moduleGapConductance = "thermal.module_gap_conductance_w_per_k"
    case coolantConductance = "thermal.coolant_conductance_w_per_k"
    case naturalCoolingShare = "thermal.natural_cooling_share"
    case ambientConductance = "thermal.ambient_conductance_w_per_k"
    case ventHeatShare = "thermal.vent_heat_share"
    case stackPressure = "mechanical.stack_pressure_kpa"
    case enclosureVolume = "enclosure.volume_l"
    case airChanges = "enclosure.air_changes_per_h"

    /// Meaning, admissible range and whether the value must be a whole number.
    public var spec: (meaning: String, range: ClosedRange<Double>, integer: Bool) {
        switch self {
        case .seriesCount: ("cell groups in series", 1...10_000, true)
        case .parallelCount: ("cells in parallel per group", 1...1_000, true)
        case .groupsPerModule: ("series groups per module (thermal neighbours stop at module edges)", 1...10_000, true)
        case .capacitySpread: ("relative standard deviation of cell capacity", 0...0.5, false)
        case .resistanceSpread: ("relative standard deviation of cell resistance", 0...1, false)
        case .selfDischargeSpread: ("standard deviation of log self-discharge", 0...5, false)
        case .balancingResistance: ("passive balancing resistor per group, Ω", 0.01...1e7, false)
        case .prechargeResistance: ("precharge resistor, Ω", 0.01...1e7, false)
        case .linkCapacitance: ("DC-link capacitance after the contactors, µF", 0.001...1e9, false)
        case .linkBleedResistance: ("DC-link bleed resistance, kΩ", 0.001...1e9, false)
        case .interconnectResistance: ("busbar and contactor resistance per series connection, mΩ", 0...1e4, false)
        case .isolationResistance: ("healthy pack-to-chassis isolation resistance, MΩ", 1e-3...1e6, false)
        case .isolationPerLeakedGram: ("chassis conductance per gram of leaked electrolyte, S/g", 0...1, false)
        case .neighbourConductance: ("thermal conductance between adjacent cells in a module, W/K", 0...1e4, false)
        case .moduleGapConductance: ("thermal conductance across a module boundary, W/K", 0...1e4, false)
        case .coolantConductance: ("cell-surface-to-coolant conductance with cooling on, W/K", 0...1e4, false)
        case .naturalCoolingShare: ("share of coolant conductance left with the pump off", 0...1, false)
        case .ambientConductance: ("cell-surface-to-ambient conductance, W/K", 0...1e4, false)
        case .ventHeatShare: ("share of a venting cell's reaction heat that lands on its neighbours", 0...1, false)
        case .stackPressure: ("stack pressure applied by the module fixture, kPa", 0...1e6, false)
        case .enclosureVolume: ("free gas volume of the pack enclosure, L", 0.001...1e7, false)
        case .airChanges: ("enclosure air changes per hour (leakage / ventilation)", 0...1e4, false)
        }
    }

    /// The YAML section the key lives in.
    public var section: String { String(rawValue.prefix { $0 != "." }) }
    /// The key's name inside its section.
    public var name: String { String(rawValue.drop { $0 != "." }.dropFirst()) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Pack topology, cell-to-cell spread, balancing, precharge, thermal coupling and enclosure.
///
/// Built by the shell from `Firmware/packs/<topology>.yaml`. Cell indices run group by group: cell
/// `group * parallelCount + k` is the k-th parallel cell of series group `group`, and adjacent indices are
/// physical neighbours inside a module.
public struct PackParameters: Hashable, Sendable {
    /// Human-readable name, e.g. `96s2p`.
    public var name: String
    /// Values by key; a missing key is reported by ``validate()``.
    public var values: [PackParameterKey: Double]
    /// Source of each value.
    public var sources: [PackParameterKey: String]

    public init(name: String, values: [PackParameterKey: Double], sources: [PackParameterKey: String]) {
        self.name = name
        self.values = values
        self.sources = sources
    }

    /// The value of `key`, NaN when missing.
    public subscript(_ key: PackParameterKey) -> Double {
        get { values[key] ?? .nan }
        set { values[key] = newValue }
    }

    /// Series groups (S in NsMp).
    public var seriesCount: Int { Int(exactly: self[.seriesCount].rounded()) ?? 0 }
    /// Cells per group (M in NsMp).
    public var parallelCount: Int { Int(exactly: self[.parallelCount].rounded()) ?? 0 }
    /// Total number of cells.
    public var cellCount: Int { seriesCount * parallelCount }

    /// Every problem: missing, non-finite, out-of-range or fractional-where-whole values.
    public func validate() -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        if name.isEmpty { problems.append(ParameterProblem(key: "name", reason: "must not be empty")) }
        for key in PackParameterKey.allCases {
            guard let value = values[key] else {
                problems.append(ParameterProblem(key: key.rawValue, reason: "missing (\(key.spec.meaning))"))
                continue
            }
            let spec = key.spec
            if !value.isFinite {
                problems.append(ParameterProblem(key: key.rawValue, reason: "\(value) is not a finite number"))
            } else if !spec.range.contains(value) {
                problems.append(ParameterProblem(key: key.rawValue, reason: "\(value) is outside \(spec.range.lowerBound)…\(spec.range.upperBound) (\(spec.meaning))"))
            } else if spec.integer, value != value.rounded() {
                problems.append(ParameterProblem(key: key.rawValue, reason: "\(value) must be a whole number (\(spec.meaning))"))
            }
        }
        if problems.isEmpty, cellCount > 1_000_000 {
            problems.append(ParameterProblem(key: PackParameterKey.parallelCount.rawValue, reason: "series × parallel = \(cellCount) cells exceeds 1 000 000"))
        }
        return problems
    }
}
