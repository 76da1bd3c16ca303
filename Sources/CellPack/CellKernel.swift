import RealModule
import SeededRandom

/// Advances the cells of one tile (8 cells of ``CellColumns``) through one step: electrochemistry, lithium
/// inventory, cathode, dendrites, shorts, abuse kinetics and gas. Pure function of the state, the constants and
/// the step; no allocation.
///
/// The step is a fixed sequence of sub-models, each run as a pass over the tile's 8 cells. Every sub-model has
/// a *common* form — constant current over the step, nothing unusual going on in the cell — written as
/// straight-line arithmetic so the pass is a vectorised loop over contiguous memory, and a *general* form that
/// handles everything (two-level waveforms, shorts, abuse chemistry, venting …). A pass takes the common form
/// for the whole tile when no cell needs more, and otherwise the general form for the cells that do. The
/// common forms are the general forms with terms that are exactly zero left out (each skip is named where it is
/// made), so which form runs does not change the result; `FastPathTests` checks this bit for bit with
/// ``skipsQuietWork`` off, which sends every cell through the general forms.
struct CellKernel {
    /// The cell constants (held by value: the passes' loop-invariant loads are hoisted out of the loops).
    let c: CellConstants
    let schedule: WaveformSchedule
    /// Step duration and the time spent at level 0 and level 1, s.
    let duration: Double
    let t0: Double
    let t1: Double
    /// One constant segment (the common forms apply).
    let constant: Bool
    /// exp(−dt/τ₁) and exp(−dt/τ₂) for this step (shared by every cell).
    let decay1: Double
    let decay2: Double
    /// 1 − exp(−dt/τ₁) and 1 − exp(−dt/τ₂).
    let growth1: Double
    let growth2: Double
    /// τ·(1 − exp(−dt/τ)) of each RC branch: its ∫ response over a constant step (``Lag/memory(_:_:)``).
    let memory1: Double
    let memory2: Double
    /// exp(−dt/τ_tip) for this step, and the tip lag's memory over a constant step.
    let tipDecay: Double
    let tipMemory: Double
    /// 1 / step duration.
    let inverseDuration: Double
    /// The RC branches' and the tip depletion's responses over a two-level step (nil for a constant step).
    let periodicMaps: (rc1: LagMap, rc2: LagMap, tip: LagMap)?
    /// Skip work that is provably zero for quiet cells (default). Off: every cell runs the general forms.
    let skipsQuietWork: Bool
    /// The electrical and lithium passes may take their common forms (constant current, both RC branches).
    let commonElectrical: Bool
    /// The gas pass may take its common form (seal permeation present).
    let commonGas: Bool

    init(constants: borrowing CellConstants, schedule: WaveformSchedule, skipsQuietWork: Bool = true) {
        c = copy constants
        self.schedule = schedule
        self.skipsQuietWork = skipsQuietWork
        let dt = schedule.duration
        duration = dt
        (t0, t1) = schedule.levelSeconds
        constant = schedule.isConstant
        decay1 = Double.exp(-dt / constants.tau1)
        decay2 = Double.exp(-dt / constants.tau2)
        growth1 = 1 - decay1
        growth2 = 1 - decay2
        memory1 = constants.tau1 * growth1
        memory2 = constants.tau2 * growth2
        tipDecay = Double.exp(-dt / constants.tipTau)
        tipMemory = constants.tipTau * (1 - tipDecay)
        inverseDuration = 1 / dt
        periodicMaps = schedule.isConstant
            ? nil : (LagMap(schedule, tau: constants.tau1), LagMap(schedule, tau: constants.tau2), LagMap(schedule, tau: constants.tipTau))
        commonElectrical = schedule.isConstant && constants.r1 > 0 && constants.r2 > 0
        commonGas = constants.hydrogenPermeance > 0
    }

    /// Start-of-step Thevenin equivalents of the tile at `tile` (its first `active` lanes are cells; the rest are
    /// padding, never computed or reported).
    func prepareTile(_ tile: UnsafeMutablePointer<Double>, active: Int) {
        lookUpStartPass(tile, active: active)
        if !skipsQuietWork || anyPrepareIsRare(tile, active: active) {
            prepareMixedPass(tile, active: active)
        } else {
            prepareCommonPass(tile, active: active)
        }
    }

    /// Advances the tile at `tile` by the step in which the pack current is `packLevels.0` during level-0
    /// segments and `packLevels.1` during level-1 segments (each cell's share follows from its group's Norton
    /// equivalent in its ``CellWork``). `firstIndex` is the pack index of lane 0 (for the random streams in
    /// `random`). Writes the step's heat, end current and releases into each cell's ``CellWork``.
    func advanceTile(
        _ tile: UnsafeMutablePointer<Double>, active: Int, firstIndex: Int, random: UnsafeMutablePointer<Xoshiro256>,
        packLevels: (Double, Double)
    ) {
        // Electrical (RC branches, hysteresis, Joule, shunt and reversible heat), then lithium inventory.
        if commonElectrical {
            electricalCommonPass(tile, active: active, packLevels: packLevels)
            lookUpLithiumPass(tile, active: active)
            lithiumCommonPass(tile, active: active)
        } else {
            electricalGeneralPass(tile, active: active, packLevels: packLevels)
        }
        // Dendrites, roughness, Sand's time.
        if !(constant && skipsQuietWork) || anyFlagged(tile, active: active, { $0.dendritesRare }) {
            dendritesMixedPass(tile, active: active)
        } else {
            dendritesCommonPass(tile, active: active)
        }
        // Shorts, leaks, abuse kinetics.
        if !skipsQuietWork || anyFlagged(tile, active: active, { $0.hazardsRare }) {
            hazardsMixedPass(tile, active: active, random: random + firstIndex)
        } else {
            hazardsCommonPass(tile, active: active)
        }
        // Gas in the pouch.
        if !(commonGas && skipsQuietWork) || anyFlagged(tile, active: active, { $0.gasRare }) {
            gasMixedPass(tile, active: active)
        } else {
            gasCommonPass(tile, active: active)
        }
        finishPass(tile, active: active)
    }

    // Whether any of the tile's cells needs a general form (the lanes past `active` are padding and never count).

    @inline(never)
    func anyPrepareIsRare(_ tile: UnsafeMutablePointer<Double>, active: Int) -> Bool {
        var any = 0
        for lane in 0..<active { any |= prepareIsRare(tile + lane) ? 1 : 0 }
        return any != 0
    }

    /// Whether any cell of the tile was flagged (1) in the working value at `slot` (0 unflagged) by the pass before.
    @inline(__always)
    func anyFlagged(_ tile: UnsafeMutablePointer<Double>, active: Int, _ flag: (CellWork) -> Double) -> Bool {
        var sum = 0.0
        for lane in 0..<active { sum += flag(CellWork(cell: tile + lane)) }
        return sum != 0
    }

    // The passes: each loops over the tile's cells (all 8 lanes but in the last tile). The common ones are
    // straight-line code the compiler vectorises; each is its own function so the per-lane bodies are inlined
    // into a small loop. Padding lanes are never computed.

    @inline(never)
    func lookUpStartPass(_ tile: UnsafeMutablePointer<Double>, active: Int) {
        for lane in 0..<active { lookUpStart(tile + lane) }
    }

    @inline(never)
    func prepareCommonPass(_ tile: UnsafeMutablePointer<Double>, active: Int) {
        if active == CellColumns.tile {
            for lane in 0..<CellColumns.tile { prepareCommon(tile + lane, scaleFactor: 1, extraShunt: 0) }
        } else {
            for lane in 0..<active { prepareCommonOutlined(tile + lane) }
        }
    }

    @inline(never)
    func prepareMixedPass(_ tile: UnsafeMutablePointer<Double>, active: Int) {
        for lane in 0..<active {
            let cell = tile + lane
            if !skipsQuietWork || prepareIsRare(cell) {
                prepareGeneral(cell)
            } else {
                prepareCommon(cell, scaleFactor: 1, extraShunt: 0)
            }
        }
    }

    @inline(never)
    func electricalCommonPass(_ tile: UnsafeMutablePointer<Double>, active: Int, packLevels: (Double, Double)) {
        if active == CellColumns.tile {
            for lane in 0..<CellColumns.tile { electricalCommon(tile + lane, packLevels: packLevels) }
        } else {
            for lane in 0..<active { electricalCommonOutlined(tile + lane, packLevels: packLevels) }
        }
    }

    @inline(never)
    func lookUpLithiumPass(_ tile: UnsafeMutablePointer<Double>, active: Int) {
        for lane in 0..<active { lookUpLithium(tile + lane) }
    }

    @inline(never)
    func lithiumCommonPass(_ tile: UnsafeMutablePointer<Double>, active: Int) {
        if active == CellColumns.tile {
            for lane in 0..<CellColumns.tile { lithiumCommon(tile + lane) }
        } else {
            for lane in 0..<active { lithiumCommonOutlined(tile + lane) }
        }
    }

    @inline(never)
    func electricalGeneralPass(_ tile: UnsafeMutablePointer<Double>, active: Int, packLevels: (Double, Double)) {
        for lane in 0..<active {
            electricalGeneral(tile + lane, packLevels: packLevels)
            lithiumGeneral(tile + lane)
        }
    }

    @inline(never)
    func dendritesCommonPass(_ tile: UnsafeMutablePointer<Double>, active: Int) {
        if active == CellColumns.tile {
            for lane in 0..<CellColumns.tile { dendritesCommon(tile + lane, selective: 0, smoothing: 1, healing: 1) }
        } else {
            for lane in 0..<active { dendritesCommonOutlined(tile + lane) }
        }
    }

    @inline(never)
    func dendritesMixedPass(_ tile: UnsafeMutablePointer<Double>, active: Int) {
        for lane in 0..<active {
            let cell = tile + lane
            if !constant || !skipsQuietWork || CellWork(cell: cell).dendritesRare != 0 {
                dendritesGeneral(cell)
            } else {
                dendritesCommon(cell, selective: 0, smoothing: 1, healing: 1)
            }
        }
    }

    @inline(never)
    func hazardsCommonPass(_ tile: UnsafeMutablePointer<Double>, active: Int) {
        if active == CellColumns.tile {
            for lane in 0..<CellColumns.tile { hazardsCommon(tile + lane) }
        } else {
            for lane in 0..<active { hazardsCommonOutlined(tile + lane) }
        }
    }

    @inline(never)
    func hazardsMixedPass(_ tile: UnsafeMutablePointer<Double>, active: Int, random: UnsafeMutablePointer<Xoshiro256>) {
        for lane in 0..<active {
            let cell = tile + lane
            if !skipsQuietWork || CellWork(cell: cell).hazardsRare != 0 {
                hazardsGeneral(cell, random: &random[lane])
            } else {
                hazardsCommon(cell)
            }
        }
    }

    @inline(never)
    func gasCommonPass(_ tile: UnsafeMutablePointer<Double>, active: Int) {
        if active == CellColumns.tile {
            for lane in 0..<CellColumns.tile { gasCommon(tile + lane) }
        } else {
            for lane in 0..<active { gasCommonOutlined(tile + lane) }
        }
    }

    @inline(never)
    func gasMixedPass(_ tile: UnsafeMutablePointer<Double>, active: Int) {
        for lane in 0..<active {
            let cell = tile + lane
            if !commonGas || !skipsQuietWork || CellWork(cell: cell).gasRare != 0 { gasGeneral(cell) } else { gasCommon(cell) }
        }
    }

    /// Cycle counting, the table lookups at the new charge, then the end-of-step observables.
    @inline(never)
    func finishPass(_ tile: UnsafeMutablePointer<Double>, active: Int) {
        for lane in 0..<active {
            countCycle(CellState(cell: tile + lane), terminalCoulombs: CellWork(cell: tile + lane).terminalCoulombs)
            lookUpCharge(tile + lane)
        }
        finishCommonPass(tile, active: active)
    }

    @inline(never)
    func finishCommonPass(_ tile: UnsafeMutablePointer<Double>, active: Int) {
        if active == CellColumns.tile {
            for lane in 0..<CellColumns.tile { finishStep(tile + lane) }
        } else {
            for lane in 0..<active { finishStepOutlined(tile + lane) }
        }
    }

    // The last, partial tile runs the same per-cell code one cell at a time (kept out of line so the full-tile
    // loops above stay small enough to inline and vectorise).

    @inline(never)
    func prepareCommonOutlined(_ cell: UnsafeMutablePointer<Double>) { prepareCommon(cell, scaleFactor: 1, extraShunt: 0) }

    @inline(never)
    func electricalCommonOutlined(_ cell: UnsafeMutablePointer<Double>, packLevels: (Double, Double)) {
        electricalCommon(cell, packLevels: packLevels)
    }

    @inline(never)
    func lithiumCommonOutlined(_ cell: UnsafeMutablePointer<Double>) { lithiumCommon(cell) }

    @inline(never)
    func dendritesCommonOutlined(_ cell: UnsafeMutablePointer<Double>) { dendritesCommon(cell, selective: 0, smoothing: 1, healing: 1) }

    @inline(never)
    func hazardsCommonOutlined(_ cell: UnsafeMutablePointer<Double>) { hazardsCommon(cell) }

    @inline(never)
    func gasCommonOutlined(_ cell: UnsafeMutablePointer<Double>) { gasCommon(cell) }

    @inline(never)
    func finishStepOutlined(_ cell: UnsafeMutablePointer<Double>) { finishStep(cell) }
}
