/// One cell's state, viewed in place inside the pack's storage: each property reads and writes its slot in the
/// cell's tile of ``CellColumns``. The kernel touches only the variables it needs, with no copying of the whole
/// state in and out. A view is only valid while the storage it points into is held (inside one step, or inside
/// ``CellColumns/withCell(_:_:)``).
struct CellState {
    /// The cell's first slot; variable k lives at `cell[k · tile]`.
    let cell: UnsafeMutablePointer<Double>

    /// Charge extracted from the cathode window (0 at SOC 0), Ah.
    var cathodeCharge: Double { get { cell[0] } nonmutating set { cell[0] = newValue } }
    /// Cathode sites still active, Ah.
    var cathodeSites: Double { get { cell[8] } nonmutating set { cell[8] = newValue } }
    /// First RC branch voltage, V.
    var v1: Double { get { cell[16] } nonmutating set { cell[16] = newValue } }
    /// Second RC branch voltage, V.
    var v2: Double { get { cell[24] } nonmutating set { cell[24] = newValue } }
    /// One-state hysteresis, −1 … 1.
    var hysteresis: Double { get { cell[32] } nonmutating set { cell[32] = newValue } }
    /// Connected lithium metal, Ah.
    var anodeLithium: Double { get { cell[40] } nonmutating set { cell[40] = newValue } }
    /// Lithium bound in SEI, Ah.
    var seiLithium: Double { get { cell[48] } nonmutating set { cell[48] = newValue } }
    /// Isolated Li⁰, Ah.
    var deadLithium: Double { get { cell[56] } nonmutating set { cell[56] = newValue } }
    /// Lithium trapped in lost cathode material, Ah.
    var trappedLithium: Double { get { cell[64] } nonmutating set { cell[64] = newValue } }
    /// Calendar SEI lithium (√t law state), Ah.
    var calendarLoss: Double { get { cell[72] } nonmutating set { cell[72] = newValue } }
    /// Electrolyte left, g.
    var electrolyte: Double { get { cell[80] } nonmutating set { cell[80] = newValue } }
    /// Electrolyte that left the cell through a leak or vent, g.
    var leakedElectrolyte: Double { get { cell[88] } nonmutating set { cell[88] = newValue } }
    /// Core temperature, K.
    var coreKelvin: Double { get { cell[96] } nonmutating set { cell[96] = newValue } }
    /// Surface temperature, K.
    var surfaceKelvin: Double { get { cell[104] } nonmutating set { cell[104] = newValue } }
    /// Anode roughness 0…1.
    var roughness: Double { get { cell[112] } nonmutating set { cell[112] = newValue } }
    /// Longest connected dendrite, µm.
    var dendriteLength: Double { get { cell[120] } nonmutating set { cell[120] = newValue } }
    /// Tip-scale depletion (signed, 1 = depleted).
    var tipDepletion: Double { get { cell[128] } nonmutating set { cell[128] = newValue } }
    /// Dendrite-risk index (signed lag state).
    var riskIndex: Double { get { cell[136] } nonmutating set { cell[136] = newValue } }
    /// Time since stripping began, s.
    var strippingAge: Double { get { cell[144] } nonmutating set { cell[144] = newValue } }
    /// Median conductance of present soft shorts, S.
    var softMedian: Double { get { cell[152] } nonmutating set { cell[152] = newValue } }
    /// Log-deviation of the soft-short conductance (OU state).
    var softLog: Double { get { cell[160] } nonmutating set { cell[160] = newValue } }
    /// A dendrite soft short is present (0/1).
    var softNatural: Double { get { cell[168] } nonmutating set { cell[168] = newValue } }
    /// Hard-short conductance (dendrite, meltdown, molten Li), S.
    var hardShort: Double { get { cell[176] } nonmutating set { cell[176] = newValue } }
    /// Injected internal-short conductance, S.
    var nailShort: Double { get { cell[184] } nonmutating set { cell[184] = newValue } }
    /// Injected soft-short median conductance, S.
    var forcedSoft: Double { get { cell[192] } nonmutating set { cell[192] = newValue } }
    /// Fraction of separator thickness lost.
    var separatorDamage: Double { get { cell[200] } nonmutating set { cell[200] = newValue } }
    /// Injected electrolyte leak, g/s.
    var leakRate: Double { get { cell[208] } nonmutating set { cell[208] = newValue } }
    /// Metastable SEI that can still decompose, g.
    var seiMetastable: Double { get { cell[216] } nonmutating set { cell[216] = newValue } }
    /// SEI decomposed by heat so far, g.
    var seiDecomposed: Double { get { cell[224] } nonmutating set { cell[224] = newValue } }
    /// Cathode–electrolyte conversion α.
    var cathodeConversion: Double { get { cell[232] } nonmutating set { cell[232] = newValue } }
    /// Lithium consumed by the Li–electrolyte abuse reaction, mol.
    var lithiumReacted: Double { get { cell[240] } nonmutating set { cell[240] = newValue } }
    /// 0 intact, 1 shut down, 2 melted.
    var separatorState: Double { get { cell[248] } nonmutating set { cell[248] = newValue } }
    /// Time since the separator melted down, s.
    var meltdownAge: Double { get { cell[256] } nonmutating set { cell[256] = newValue } }
    /// Lithium has melted (0/1).
    var molten: Double { get { cell[264] } nonmutating set { cell[264] = newValue } }
    /// Pouch has vented (0/1).
    var vented: Double { get { cell[272] } nonmutating set { cell[272] = newValue } }
    /// ThermalRunawayState raw value.
    var runawayState: Double { get { cell[280] } nonmutating set { cell[280] = newValue } }
    /// Exothermic self-heating in the last step, K/s.
    var selfHeatingRate: Double { get { cell[288] } nonmutating set { cell[288] = newValue } }
    /// H₂ inside, mol.
    var hydrogen: Double { get { cell[296] } nonmutating set { cell[296] = newValue } }
    /// CO inside, mol.
    var carbonMonoxide: Double { get { cell[304] } nonmutating set { cell[304] = newValue } }
    /// CO₂ inside, mol.
    var carbonDioxide: Double { get { cell[312] } nonmutating set { cell[312] = newValue } }
    /// Hydrocarbons (as C₂H₄) inside, mol.
    var hydrocarbons: Double { get { cell[320] } nonmutating set { cell[320] = newValue } }
    /// O₂ inside, mol.
    var oxygen: Double { get { cell[328] } nonmutating set { cell[328] = newValue } }
    /// Terminal voltage at the end of the step, V.
    var terminalVolts: Double { get { cell[336] } nonmutating set { cell[336] = newValue } }
    /// OCV at the end of the step, V.
    var openCircuitVolts: Double { get { cell[344] } nonmutating set { cell[344] = newValue } }
    /// Terminal current at the end of the step, A.
    var currentAmps: Double { get { cell[352] } nonmutating set { cell[352] = newValue } }
    /// Internal heat in the last step, W.
    var heatWatts: Double { get { cell[360] } nonmutating set { cell[360] = newValue } }
    /// Internal gauge pressure, kPa.
    var pressure: Double { get { cell[368] } nonmutating set { cell[368] = newValue } }
    /// Gas volume inside the pouch, m³.
    var gasVolume: Double { get { cell[376] } nonmutating set { cell[376] = newValue } }
    /// Sand's time at the last plating tip current density, s.
    var sandsTime: Double { get { cell[384] } nonmutating set { cell[384] = newValue } }
    /// −1 charging, +1 discharging, 0 unknown.
    var cyclePhase: Double { get { cell[392] } nonmutating set { cell[392] = newValue } }
    /// Charge put in during the present charge, Ah.
    var chargeIn: Double { get { cell[400] } nonmutating set { cell[400] = newValue } }
    /// Charge taken out during the present discharge, Ah.
    var chargeOut: Double { get { cell[408] } nonmutating set { cell[408] = newValue } }
    /// Charge put in during the last completed charge, Ah.
    var lastChargeIn: Double { get { cell[416] } nonmutating set { cell[416] = newValue } }
    /// Coulombic efficiency of the last cycle.
    var lastEfficiency: Double { get { cell[424] } nonmutating set { cell[424] = newValue } }
    /// Lithium lost during the present cycle, Ah.
    var cycleLoss: Double { get { cell[432] } nonmutating set { cell[432] = newValue } }
    /// Lithium plated during the present cycle, Ah.
    var cyclePlated: Double { get { cell[440] } nonmutating set { cell[440] = newValue } }
    /// Lithium efficiency of the last cycle.
    var lastLithiumEfficiency: Double { get { cell[448] } nonmutating set { cell[448] = newValue } }
    /// Completed cycles.
    var completedCycles: Double { get { cell[456] } nonmutating set { cell[456] = newValue } }
    /// R0 at the start of the last step, Ω.
    var ohmicResistance: Double { get { cell[464] } nonmutating set { cell[464] = newValue } }
    /// R0 + R1 + R2 at the start of the last step, Ω.
    var totalResistance: Double { get { cell[472] } nonmutating set { cell[472] = newValue } }
}

/// One state variable of every cell: its column in ``CellColumns``.
enum CellField: Int, CaseIterable {
    case cathodeCharge, cathodeSites, v1, v2, hysteresis, anodeLithium, seiLithium, deadLithium, trappedLithium, calendarLoss, electrolyte, leakedElectrolyte, coreKelvin, surfaceKelvin, roughness, dendriteLength, tipDepletion, riskIndex, strippingAge, softMedian, softLog, softNatural, hardShort, nailShort, forcedSoft, separatorDamage, leakRate, seiMetastable, seiDecomposed, cathodeConversion, lithiumReacted, separatorState, meltdownAge, molten, vented, runawayState, selfHeatingRate, hydrogen, carbonMonoxide, carbonDioxide, hydrocarbons, oxygen, terminalVolts, openCircuitVolts, currentAmps, heatWatts, pressure, gasVolume, sandsTime, cyclePhase, chargeIn, chargeOut, lastChargeIn, lastEfficiency, cycleLoss, cyclePlated, lastLithiumEfficiency, completedCycles, ohmicResistance, totalResistance
}

/// Storage of every cell's state, per-step working values and fixed values in one preallocated buffer, tiled
/// in blocks of ``tile`` cells ("AoSoA"): within a block each variable's values for the block's cells are
/// contiguous (one cache line), and the blocks follow each other. A cell is reached through one pointer (its
/// first slot) and every variable sits at a constant offset from it, so a loop over a block's 8 cells is a loop
/// over contiguous memory that the compiler vectorises, and the block's ~6 KB stay in L1 while the step's
/// passes run over it. Views: ``CellState`` (state, `CellField` order), ``CellWork``, ``CellFixed``.
struct CellColumns: Sendable {
    /// Cells per tile: 8 doubles = one 64-byte cache line per variable.
    static let tile = 8
    /// State variables (``CellField``), working values (``CellWork``), fixed values (``CellFixed``).
    static let stateFields = 60
    static let workFields = 41
    static let fixedFields = 6
    static let fields = stateFields + workFields + fixedFields
    /// Doubles per tile.
    static let tileStride = tile * fields
    /// Variable f of cell i is at `(i / 8)·8·fields + f·8 + i % 8`.
    var storage: [Double]
    /// Number of cells.
    let count: Int

    /// Columns of `count` zeros.
    init(count: Int) {
        precondition(CellField.allCases.count == Self.stateFields)
        self.count = count
        storage = Array(repeating: 0, count: Self.tiles(count) * Self.tileStride)
    }

    /// Tiles needed for `count` cells.
    static func tiles(_ count: Int) -> Int { (count + tile - 1) / tile }

    /// Position of cell `index`'s first variable: its block plus its lane.
    @inline(__always)
    static func offset(_ index: Int) -> Int {
        (index >> 3) &* tileStride &+ (index & 7)
    }

    /// The value of `field` for cell `index` (set-up and reporting; the step uses pointers).
    subscript(_ field: CellField, _ index: Int) -> Double {
        get { storage[Self.offset(index) + field.rawValue * Self.tile] }
        set { storage[Self.offset(index) + field.rawValue * Self.tile] = newValue }
    }

    /// Runs `body` with writable views of cell `index` (set-up).
    mutating func withCell<Result>(_ index: Int, _ body: (CellState, CellFixed) -> Result) -> Result {
        storage.withUnsafeMutableBufferPointer {
            let cell = $0.baseAddress! + Self.offset(index)
            return body(CellState(cell: cell), CellFixed(cell: cell))
        }
    }

    /// Runs `body` with views of cell `index` that it must only read (reporting).
    func readCell<Result>(_ index: Int, _ body: (CellState, CellFixed) -> Result) -> Result {
        storage.withUnsafeBufferPointer {
            let cell = UnsafeMutablePointer(mutating: $0.baseAddress! + Self.offset(index))
            return body(CellState(cell: cell), CellFixed(cell: cell))
        }
    }
}
