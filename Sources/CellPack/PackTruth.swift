/// Amounts of the gas species the model tracks. Units depend on where it appears: mol inside a cell
/// (``CellTruth/gasMoles``), ppm by volume in the enclosure (``PackTruth/enclosureGasPPM``).
public struct GasAmounts: Hashable, Sendable {
    /// H₂ (Li with trace water/binder, protons from electrolyte oxidation, electrolyte decomposition).
    public var hydrogen: Double
    /// CO.
    public var carbonMonoxide: Double
    /// CO₂.
    public var carbonDioxide: Double
    /// Hydrocarbons, counted as C₂H₄ (SEI decomposition, Li + carbonate).
    public var hydrocarbons: Double
    /// O₂ (lattice oxygen from the Ni-rich cathode).
    public var oxygen: Double

    public init(hydrogen: Double = 0, carbonMonoxide: Double = 0, carbonDioxide: Double = 0, hydrocarbons: Double = 0, oxygen: Double = 0) {
        self.hydrogen = hydrogen
        self.carbonMonoxide = carbonMonoxide
        self.carbonDioxide = carbonDioxide
        self.hydrocarbons = hydrocarbons
        self.oxygen = oxygen
    }

    /// Sum of all species.
    public var total: Double { hydrogen + carbonMonoxide + carbonDioxide + hydrocarbons + oxygen }
}

/// Thermal-runaway stage of a cell, from its self-heating rate (Feng's T1/T2 framework).
public enum ThermalRunawayState: UInt8, CaseIterable, Hashable, Sendable {
    /// No measurable self-heating.
    case normal = 0
    /// Exothermic reactions heat the cell faster than the onset rate (ARC detection, `abuse.self_heating_rate_k_per_min`).
    case selfHeating = 1
    /// Self-heating faster than `abuse.runaway_rate_k_per_s` (1 °C/s: GB 38031-2025 C.5.3.7 c).
    case runaway = 2
    /// Fuel exhausted after a runaway; the cell is dead.
    case burnedOut = 3
}

/// How far each exothermic abuse reaction has gone in a cell.
public struct AbuseExtents: Hashable, Sendable {
    /// SEI decomposed by heat, g (starts at 69 °C at the earliest [S0:L239]).
    public var seiDecomposedGrams: Double
    /// Lithium consumed by the Li–electrolyte reaction, mol.
    public var lithiumReactedMoles: Double
    /// Cathode–electrolyte conversion α (starts at the autocatalytic seed).
    public var cathodeConversion: Double
    /// Separator has shut down (pores closed).
    public var separatorShutDown: Bool
    /// Separator has melted down (internal short spreading).
    public var separatorMeltedDown: Bool
    /// Lithium has melted.
    public var lithiumMolten: Bool
}

/// Where the lithium of a cell is, Ah (lithium counted as charge). The sum is conserved.
public struct LithiumInventory: Hashable, Sendable {
    /// In the cathode, within its rated window.
    public var cathode: Double
    /// Metallic lithium still connected to the anode (foil reserve plus plated).
    public var anodeActive: Double
    /// Bound in the SEI (formation, calendar and cycling).
    public var sei: Double
    /// Isolated metallic Li⁰ ("dead lithium").
    public var dead: Double
    /// Trapped in cathode material that lost contact (LAM).
    public var trappedInCathode: Double

    /// Total lithium (conserved).
    public var total: Double { cathode + anodeActive + sei + dead + trappedInCathode }
}

/// The true state of one cell after the last step (what an ideal sensor would read).
public struct CellTruth: Hashable, Sendable {
    /// Terminal voltage at the end of the step, V.
    public var terminalVolts: Double
    /// Open-circuit voltage at the present SOC and temperature (without hysteresis), V.
    public var openCircuitVolts: Double
    /// State of charge: dischargeable charge / present capacity (0…1, above 1 when overcharged).
    public var stateOfCharge: Double
    /// Cathode state of charge in its rated window (drives the OCV).
    public var cathodeStateOfCharge: Double
    /// State of charge over the usable window a BMS reports: from the end of the cell's OCV curve (the
    /// end-of-lithiation knee below the cathode window's 0, e.g. −0.03 at 3.0 V) to full. A BMS that
    /// discharges to the cut-off counts that knee as usable; against ``stateOfCharge`` every BMS would read
    /// high by up to 3 % near empty.
    public var usableStateOfCharge: Double
    /// Core (jelly-roll) temperature, °C.
    public var coreCelsius: Double
    /// Surface temperature, °C.
    public var surfaceCelsius: Double
    /// Current out of the cell's terminals at the end of the step, A (+ discharge).
    public var currentAmps: Double
    /// Present capacity: min(cathode sites, cyclable lithium), Ah.
    public var capacityAh: Double
    /// Ohmic resistance R0 at the present temperature and SOC, Ω.
    public var ohmicResistance: Double
    /// DC resistance R0 + R1 + R2, Ω.
    public var totalResistance: Double
    /// Heat generated inside the cell during the last step (Joule, reversible, side reactions, shorts, abuse), W.
    public var heatWatts: Double
    /// Gas inside the cell, mol.
    public var gasMoles: GasAmounts
    /// Internal gauge pressure, kPa (0 until the pouch is taut).
    public var internalPressureKilopascals: Double
    /// Cell thickness including lithium plating, dead-lithium layer and gas, mm.
    public var thicknessMillimetres: Double
    /// The pouch has vented.
    public var vented: Bool
    /// Thermal-runaway stage.
    public var thermalRunaway: ThermalRunawayState
    /// Self-heating rate from exothermic reactions, K/s.
    public var selfHeatingKelvinPerSecond: Double
    /// Progress of the abuse reactions and the separator / lithium state changes.
    public var abuse: AbuseExtents
    /// Longest connected dendrite, µm (a hard short when it crosses the separator).
    public var dendriteLengthMicrometres: Double
    /// Longest dendrite over this cell's separator thickness (1 is a hard short; soft shorts can form from
    /// `soft_short_onset_fraction` on).
    public var dendriteReach: Double
    /// Anode roughness, 0 (flat foil) … 1 (fully mossy).
    public var roughness: Double
    /// Dendrite-risk index: 1 means the local current at the tips reaches Sand's time before diffusion relaxes it.
    public var dendriteRiskIndex: Double
    /// Sand's time at the local tip current density of the last step, s (infinite when not plating).
    public var sandsTimeSeconds: Double
    /// Present soft-short conductance, S (0 when none).
    public var softShortSiemens: Double
    /// A hard internal short is present (dendrite through the separator, meltdown, molten lithium or nail).
    public var hardShort: Bool
    /// Coulombic efficiency of the last completed cycle as a cycler would measure it (discharge / charge); nil
    /// before the first cycle. While excess lithium remains it reflects the cathode and stays near 1 [S0:L229].
    public var coulombicEfficiency: Double?
    /// Lithium efficiency of the anode in the last completed cycle: 1 − lithium lost / lithium plated; nil before
    /// the first cycle.
    public var lithiumEfficiency: Double?
    /// Completed charge–discharge cycles.
    public var completedCycles: Int
    /// Lithium inventory split.
    public var lithium: LithiumInventory
    /// Electrolyte left in the cell, g.
    public var electrolyteGrams: Double
    /// Cathode active material lost, fraction of the initial sites.
    public var cathodeLossFraction: Double
}

/// The true state of the pack after the last step.
public struct PackTruth: Hashable, Sendable {
    /// Simulated time since the pack was built, s.
    public var elapsedSeconds: Double
    /// Pack voltage before the contactors: sum of group voltages minus interconnect drop, V.
    public var packVolts: Double
    /// DC-link voltage after the contactors (what the precharge check measures), V.
    public var linkVolts: Double
    /// Pack current at the end of the step, A (+ discharge).
    public var packCurrentAmps: Double
    /// Charge that flowed out of the pack during the last step divided by its duration, A.
    public var averageCurrentAmps: Double
    /// Peak inrush current into the link capacitor during the last step, A (large when main closes unprecharged).
    public var inrushPeakAmps: Double
    /// Gas concentration in the enclosure air, ppm by volume.
    public var enclosureGasPPM: GasAmounts
    /// Smoke / particulate concentration in the enclosure, mg/m³.
    public var smokeMilligramsPerCubicMetre: Double
    /// Pack-to-chassis isolation resistance, Ω.
    public var isolationOhms: Double
    /// Number of cells that have vented.
    public var ventedCells: Int
    /// Number of cells in runaway or burned out.
    public var runawayCells: Int
}
