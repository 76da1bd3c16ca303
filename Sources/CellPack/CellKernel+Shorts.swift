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
    @inline(__always)
    func evolveShorts(_ s: inout CellState, random: inout Xoshiro256) {
        let damage = s.separatorDamage
        let separator = c.separatorMicrometres * (1 - damage)
        let reach = s.dendriteLength * (damage == 0 ? c.inverseSeparatorMicrometres : 1 / separator)
        if reach >= 1 { s.hardShort = max(s.hardShort, c.hardShortConductance) }
        let softNatural = s.softNatural
        if softNatural == 0, reach <= c.softShortOnset, s.forcedSoft == 0 {
            // No dendrite near the separator and no injected soft short: nothing random can happen.
            s.softMedian = 0
            s.softLog = 0
            return
        }
        evolveSoftShorts(&s, reach: reach, separator: separator, random: &random)
    }

    /// Soft-short formation, fusing and conductance noise (random draws from the cell's stream).
    @inline(never)
    func evolveSoftShorts(_ s: inout CellState, reach: Double, separator: Double, random: inout Xoshiro256) {
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
