// Layout of a cell's slots in its tile (each slot is `CellColumns.tile` doubles apart): state variables 0…59
// (``CellState``, `CellField` order), working values 60…100, fixed values 101…106 (``CellColumns`` counts).

/// One cell's working values for the current step, viewed in place in its tile of ``CellColumns`` (after the
/// state variables): the start-of-step Thevenin equivalent, the currents the group solve assigns, what the
/// sub-models pass to each other, and what the cell hands back to the pack. Valid only inside one step.
struct CellWork {
    /// The cell's first slot (the same pointer as its ``CellState``); value k lives at `cell[(60 + k) · tile]`.
    let cell: UnsafeMutablePointer<Double>

    /// OCV at the start of the step at the core temperature, including the anode-depletion collapse, V.
    var openCircuitVolts: Double { get { cell[480] } nonmutating set { cell[480] = newValue } }
    /// OCV table value (25 °C) at the present SOC, V (set at the end of a step for the next).
    var tableVolts: Double { get { cell[488] } nonmutating set { cell[488] = newValue } }
    /// ∂U/∂T at the present SOC, V/K (set at the end of a step for the next).
    var tableEntropic: Double { get { cell[496] } nonmutating set { cell[496] = newValue } }
    /// Ohmic resistance for the step, Ω.
    var r0: Double { get { cell[504] } nonmutating set { cell[504] = newValue } }
    /// First RC resistance for the step, Ω.
    var r1: Double { get { cell[512] } nonmutating set { cell[512] = newValue } }
    /// Second RC resistance for the step, Ω.
    var r2: Double { get { cell[520] } nonmutating set { cell[520] = newValue } }
    /// Source voltage of the step's Thevenin equivalent: OCV + hysteresis − decayed RC voltages, V.
    var sourceVolts: Double { get { cell[528] } nonmutating set { cell[528] = newValue } }
    /// Resistance of the step's Thevenin equivalent (exact for a constant current), Ω.
    var effectiveOhms: Double { get { cell[536] } nonmutating set { cell[536] = newValue } }
    /// Conductance across the electrodes: leakage + soft + hard + injected shorts, S.
    var shuntSiemens: Double { get { cell[544] } nonmutating set { cell[544] = newValue } }
    /// Arrhenius factor of SEI growth (and leakage) at the core temperature.
    var seiRate: Double { get { cell[552] } nonmutating set { cell[552] = newValue } }
    /// Salt diffusivity relative to 25 °C at the core temperature.
    var diffusion: Double { get { cell[560] } nonmutating set { cell[560] = newValue } }
    /// Solvent vapour pressure at the core temperature, kPa.
    var vapour: Double { get { cell[568] } nonmutating set { cell[568] = newValue } }
    /// Cathode SOC (at the start of the step; set at the end of a step for the next).
    var stateOfCharge: Double { get { cell[576] } nonmutating set { cell[576] = newValue } }
    /// Arrhenius factor of the ECM resistances at the core temperature.
    var resistanceFactor: Double { get { cell[584] } nonmutating set { cell[584] = newValue } }
    /// 1 / `effectiveOhms` (group solve).
    var inverseOhms: Double { get { cell[592] } nonmutating set { cell[592] = newValue } }
    /// Internal current during level-0 segments, A (+ discharge).
    var current0: Double { get { cell[600] } nonmutating set { cell[600] = newValue } }
    /// Internal current during level-1 segments, A (+ discharge).
    var current1: Double { get { cell[608] } nonmutating set { cell[608] = newValue } }
    /// Heat released in the core so far this step, J.
    var heat: Double { get { cell[616] } nonmutating set { cell[616] = newValue } }
    /// Charge through the cell during the step, C (+ discharge).
    var coulombs: Double { get { cell[624] } nonmutating set { cell[624] = newValue } }
    /// Charge through the terminals during the step (internal minus shunt), C.
    var terminalCoulombs: Double { get { cell[632] } nonmutating set { cell[632] = newValue } }
    /// Share of charge current that oxidises electrolyte at the start-of-step OCV.
    var oxidationShare: Double { get { cell[640] } nonmutating set { cell[640] = newValue } }
    /// Exothermic abuse-reaction heat during the step (part of `coreHeat`), J.
    var reactionHeat: Double { get { cell[648] } nonmutating set { cell[648] = newValue } }
    /// Heat released in the core node during the step, J.
    var coreHeat: Double { get { cell[656] } nonmutating set { cell[656] = newValue } }
    /// Internal current at the end of the step, A (+ discharge).
    var endCurrent: Double { get { cell[664] } nonmutating set { cell[664] = newValue } }
    /// H₂ that left the cell this step, mol.
    var releasedHydrogen: Double { get { cell[672] } nonmutating set { cell[672] = newValue } }
    /// CO that left the cell this step, mol.
    var releasedCarbonMonoxide: Double { get { cell[680] } nonmutating set { cell[680] = newValue } }
    /// CO₂ that left the cell this step, mol.
    var releasedCarbonDioxide: Double { get { cell[688] } nonmutating set { cell[688] = newValue } }
    /// Hydrocarbons that left the cell this step, mol.
    var releasedHydrocarbons: Double { get { cell[696] } nonmutating set { cell[696] = newValue } }
    /// O₂ that left the cell this step, mol.
    var releasedOxygen: Double { get { cell[704] } nonmutating set { cell[704] = newValue } }
    /// Aerosol that left the cell this step, g.
    var smokeGrams: Double { get { cell[712] } nonmutating set { cell[712] = newValue } }
    /// Electrolyte that left the cell this step, g.
    var leakedGrams: Double { get { cell[720] } nonmutating set { cell[720] = newValue } }
    /// √(y² + k²·dt) of the calendar SEI law (a libm call on Linux: kept out of the vectorised passes).
    var calendarRoot: Double { get { cell[728] } nonmutating set { cell[728] = newValue } }
    /// 1 / cathode sites, 1/Ah (set at the end of a step for the next).
    var inverseSites: Double { get { cell[736] } nonmutating set { cell[736] = newValue } }
    /// Anode-depletion voltage loss at the present connected lithium, V (set at the end of a step for the next).
    var depletionVolts: Double { get { cell[744] } nonmutating set { cell[744] = newValue } }
    /// 1 when the dendrite pass needs the general form for this cell (set by the lithium pass), else 0.
    var dendritesRare: Double { get { cell[752] } nonmutating set { cell[752] = newValue } }
    /// 1 when the hazards pass needs the general form for this cell (set by the dendrite pass), else 0.
    var hazardsRare: Double { get { cell[760] } nonmutating set { cell[760] = newValue } }
    /// 1 when the gas pass needs the general form for this cell (set by the hazards pass), else 0.
    var gasRare: Double { get { cell[768] } nonmutating set { cell[768] = newValue } }
    /// 1 / the Norton conductance of the cell's parallel group, Ω (group solve).
    var groupInverseConductance: Double { get { cell[776] } nonmutating set { cell[776] = newValue } }
    /// Open-circuit voltage of the cell's parallel group, V (group solve).
    var groupOpenCircuit: Double { get { cell[784] } nonmutating set { cell[784] = newValue } }
    /// 1 / `r1`, S.
    var inverseR1: Double { get { cell[792] } nonmutating set { cell[792] = newValue } }
    /// 1 / `r2`, S.
    var inverseR2: Double { get { cell[800] } nonmutating set { cell[800] = newValue } }
}

/// Per-cell values fixed when the pack is built (production spread; the separator reciprocal changes on injected
/// damage), viewed in place in the cell's tile of ``CellColumns`` (after the working values).
struct CellFixed {
    /// The cell's first slot (the same pointer as its ``CellState``); value k lives at `cell[(101 + k) · tile]`.
    let cell: UnsafeMutablePointer<Double>

    /// Relative resistance of this cell.
    var resistanceScale: Double { get { cell[808] } nonmutating set { cell[808] = newValue } }
    /// Electronic leakage (self-discharge) conductance at 25 °C, S.
    var leakageSiemens: Double { get { cell[816] } nonmutating set { cell[816] = newValue } }
    /// Cathode sites when new, Ah.
    var initialSites: Double { get { cell[824] } nonmutating set { cell[824] = newValue } }
    /// Connected lithium at SOC 0 when new, Ah (reference for anode thickness).
    var initialAnode: Double { get { cell[832] } nonmutating set { cell[832] = newValue } }
    /// 1 / `initialSites`, 1/Ah.
    var inverseInitialSites: Double { get { cell[840] } nonmutating set { cell[840] = newValue } }
    /// 1 / remaining separator thickness, 1/µm (changes only when separator damage is injected).
    var inverseSeparatorMicrometres: Double { get { cell[848] } nonmutating set { cell[848] = newValue } }
}
