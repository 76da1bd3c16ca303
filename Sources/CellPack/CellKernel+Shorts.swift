import RealModule
import SeededRandom

extension CellKernel {
    /// Internal shorts from dendrites and injected faults.
    ///
    /// A dendrite that crosses the (possibly damaged) separator is a hard short [S2:L268, L473–L479]. Before
    /// that, once the tip reaches `soft_short_onset_fraction` of the separator, soft shorts form at a rate that
    /// rises with the square of the remaining gap closed; a soft short's conductance fluctuates (log-normal
    /// Ornstein–Uhlenbeck) and it can fuse open, burning the tip back. Injected soft shorts fluctuate the same
    /// way but do not fuse. Random draws come from the cell's own stream, only while a soft short is possible.
    func evolveShorts(_ s: CellState, random: inout Xoshiro256) {
        let separator = c.separatorMicrometres * (1 - s.separatorDamage)
        let reach = s.dendriteLength * CellFixed(cell: s.cell).inverseSeparatorMicrometres
        if reach >= 1 { s.hardShort = max(s.hardShort, c.hardShortConductance) }
        if skipsQuietWork, softShortsAreQuiet(s, reach: reach) {
            // The general code below would draw nothing and set the same two values.
            s.softMedian = 0
            s.softLog = 0
            return
        }
        evolveSoftShorts(s, reach: reach, separator: separator, random: &random)
    }

    /// No dendrite near the separator and no soft short, natural or injected: nothing random can happen.
    @inline(__always)
    func softShortsAreQuiet(_ s: CellState, reach: Double) -> Bool {
        allOf(allOf(s.softNatural == 0, reach <= c.softShortOnset), s.forcedSoft == 0)
    }

    /// The hazards of a quiet cell: shorts (a hard short when a dendrite crosses the separator), no leak, no abuse
    /// chemistry. Branch-free.
    @inline(__always)
    func hazardsCommon(_ cell: UnsafeMutablePointer<Double>) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        let reach = s.dendriteLength * CellFixed(cell: cell).inverseSeparatorMicrometres
        let hard = s.hardShort
        let bridged = max(hard, c.hardShortConductance)
        s.hardShort = reach >= 1 ? bridged : hard
        s.softMedian = 0
        s.softLog = 0
        // Below every abuse threshold (``abuseIsQuiet(_:)``).
        s.selfHeatingRate = 0
        let runaway = s.runawayState
        s.runawayState = runaway == Double(ThermalRunawayState.selfHeating.rawValue) ? 0 : runaway
        p.reactionHeat = 0
        p.coreHeat = p.heat + 0
        p.gasRare = gasIsRare(cell) ? 1 : 0
    }

    /// A soft short is possible or present, electrolyte leaks, or the cell is warm enough for abuse chemistry.
    @inline(__always)
    func hazardsAreRare(_ cell: UnsafeMutablePointer<Double>) -> Bool {
        let s = CellState(cell: cell)
        let reach = s.dendriteLength * CellFixed(cell: s.cell).inverseSeparatorMicrometres
        return anyOf(anyOf(!softShortsAreQuiet(s, reach: reach), s.leakRate > 0), !abuseIsQuiet(s))
    }

    /// Shorts, leak and abuse kinetics for any cell.
    @inline(never)
    func hazardsGeneral(_ cell: UnsafeMutablePointer<Double>, random: inout Xoshiro256) {
        let s = CellState(cell: cell)
        let p = CellWork(cell: cell)
        evolveShorts(s, random: &random)
        if s.leakRate > 0 { leakElectrolyte(s, p) }
        let reaction = runAbuseKinetics(s, p)
        p.reactionHeat = reaction
        p.coreHeat = p.heat + reaction
        p.gasRare = gasIsRare(cell) ? 1 : 0
    }

    /// Soft-short formation, fusing and conductance noise (random draws from the cell's stream).
    func evolveSoftShorts(_ s: CellState, reach: Double, separator: Double, random: inout Xoshiro256) {
        let softNatural = s.softNatural
        let dt = schedule.duration
        if softNatural == 0, reach > c.softShortOnset, reach < 1, c.softShortRate > 0 {
            let closed = (reach - c.softShortOnset) / (1 - c.softShortOnset)
            let probability = -Double.expMinusOne(-c.softShortRate * closed * closed * dt)
            if random.nextUnit() < probability {
                s.softNatural = 1
                s.softLog = 0
            }
        }
        if s.softNatural > 0, c.softShortFuseRate > 0 {
            let probability = -Double.expMinusOne(-c.softShortFuseRate * dt)
            if random.nextUnit() < probability {
                s.softNatural = 0
                s.dendriteLength = min(s.dendriteLength, c.softShortOnset * separator)
            }
        }
        s.softMedian = s.forcedSoft + (s.softNatural > 0 ? c.softShortConductance : 0)
        if s.softMedian > 0, c.softShortNoise > 0 {
            let decay = Double.exp(-dt / c.softShortCorrelation)
            let stationary = c.softShortNoise * (0.5 * c.softShortCorrelation).squareRoot()
            s.softLog = s.softLog * decay + stationary * (1 - decay * decay).squareRoot() * random.nextGaussian()
        } else if s.softMedian == 0 {
            s.softLog = 0
        }
    }
}
