import RealModule
import SeededRandom

extension VirtualPack {
    /// Advances the pack by `seconds` of simulated time under `inputs`.
    ///
    /// Order inside a step: every cell's Thevenin equivalent at the start of the step; per-group current
    /// sharing (parallel cells share one voltage, so a weak or shorted cell draws current from its neighbours);
    /// contactors, precharge and DC link; each cell's electrochemistry, degradation, dendrites, shorts, abuse
    /// kinetics and gas; the thermal network; the enclosure. A non-finite or non-positive duration does nothing.
    public mutating func step(_ inputs: PackInputs, duration seconds: Double) {
        guard seconds.isFinite, seconds > 0 else { return }
        let demand = inputs.current.sanitized
        if demand != waveform {
            waveform = demand
            phase = 0
        }
        let schedule = WaveformSchedule(demand, phase: phase, duration: seconds)
        if !demand.isConstant {
            phase = (phase + seconds).truncatingRemainder(dividingBy: demand.periodSeconds)
        }
        let kernel = CellKernel(constants: cellConstants, schedule: schedule, skipsQuietWork: skipsQuietWork)
        let thermal = thermalNetwork
        // Move the columns out of `self` for the step so the hot loops work through raw pointers: one
        // uniqueness check per buffer per step instead of one per element. Inside the closures only locals and
        // mutating methods are used: a non-mutating method of `self` there copies the whole pack.
        var cellStorage: [Double] = []
        var generators: [Xoshiro256] = []
        swap(&cellStorage, &columns.storage)
        swap(&generators, &random)
        let count = packConstants.cellCount
        cellStorage.withUnsafeMutableBufferPointer { cells in
            generators.withUnsafeMutableBufferPointer { generator in
                guard let c = cells.baseAddress, let g = generator.baseAddress else { return }
                let buffers = StepBuffers(cells: c, random: g, count: count)
                kernel.prepareCells(buffers)
                let (sourceVolts, ohms) = solveGroups(inputs.balancing, buffers)
                let levels = connectLink(inputs.contactors, demand: demand, schedule: schedule, packSource: sourceVolts, packOhms: ohms)
                let anyVented = advanceCells(kernel, packLevels: levels, buffers)
                thermal.conductHeat(inputs, seconds: seconds, anyVented: anyVented, buffers)
            }
        }
        swap(&cellStorage, &columns.storage)
        swap(&generators, &random)
        updateEnclosure(ambientCelsius: inputs.ambientCelsius, seconds: seconds)
        elapsed += seconds
    }

    /// Phase B: per-group Norton sums; returns the pack's Thevenin source voltage and resistance.
    mutating func solveGroups(_ balancing: [Bool], _ b: StepBuffers) -> (Double, Double) {
        let m = packConstants.parallelCount
        var packSource = 0.0
        var packOhms = 0.0
        for group in 0..<packConstants.seriesCount {
            let bleeding = group < balancing.count && balancing[group]
            groups.balancing[group] = bleeding
            var current = 0.0
            var conductance = bleeding ? packConstants.balancingSiemens : 0
            for index in group * m..<group * m + m {
                let work = b.work(index)
                let inverse = work.inverseOhms
                current += work.sourceVolts * inverse
                conductance += inverse + work.shuntSiemens
            }
            groups.sourceCurrent[group] = current
            groups.conductance[group] = conductance
            let inverseConductance = 1 / conductance
            let openCircuit = current * inverseConductance
            for index in group * m..<group * m + m {
                let work = b.work(index)
                work.groupInverseConductance = inverseConductance
                work.groupOpenCircuit = openCircuit
            }
            packSource += openCircuit
            packOhms += inverseConductance + packConstants.interconnectOhms
        }
        return (packSource, packOhms)
    }

    /// Phase C: contactors, precharge and DC link. Returns the pack current during level 0 and level 1 of the
    /// demand waveform (A, + discharge) and updates the link voltage.
    ///
    /// The link capacitor sees the pack's Thevenin source through the pack resistance (main path) or the
    /// precharge resistor (precharge path); its voltage is a first-order lag solved exactly over the waveform, so
    /// closing unprecharged gives the real inrush and precharge the real RC rise. The charger/load current source
    /// draws only while the main path is closed.
    mutating func connectLink(
        _ contactors: ContactorStates, demand: CurrentWaveform, schedule: WaveformSchedule, packSource: Double, packOhms: Double
    ) -> (Double, Double) {
        let dt = schedule.duration
        let capacitance = packConstants.linkFarads
        let shunt = 1 / packConstants.bleedOhms + link.externalShortSiemens
        let startVolts = link.linkVolts
        let main = contactors.mainNegative && contactors.mainPositive
        guard main || (contactors.mainNegative && contactors.precharge) else {
            // Open: the link discharges through its bleed resistor (and an external short, if any).
            link.linkVolts = startVolts * Double.exp(-dt * shunt / capacitance)
            link.averageCurrent = 0
            link.packCurrent = 0
            link.inrushPeak = 0
            return (0, 0)
        }
        let series = main ? packOhms : packConstants.prechargeOhms + packOhms
        let load = main ? (demand.firstAmps, demand.isConstant ? demand.firstAmps : demand.secondAmps) : (0, 0)
        let conductance = 1 / series + shunt
        let tau = capacitance / conductance
        let target = ((packSource / series - load.0) / conductance, (packSource / series - load.1) / conductance)
        let response = Lag.respond(schedule, from: startVolts, tau: (tau, tau), target: target)
        let (t0, t1) = schedule.levelSeconds
        // Pack current = (E − V)/R_series, averaged over each level's time.
        let levels = (
            t0 > 0 ? (packSource * t0 - response.integral.0) / series / t0 : (packSource - startVolts) / series,
            t1 > 0 ? (packSource * t1 - response.integral.1) / series / t1 : (packSource - startVolts) / series
        )
        link.inrushPeak = max(abs(packSource - startVolts) / series - abs(load.0), 0)
        link.linkVolts = response.end
        link.averageCurrent = (levels.0 * t0 + levels.1 * t1) / dt
        link.packCurrent = (packSource - response.end) / series
        return levels
    }

    /// Phase D: per-group current sharing and every cell's step. Returns whether any cell has vented.
    mutating func advanceCells(_ kernel: CellKernel, packLevels: (Double, Double), _ b: StepBuffers) -> Bool {
        let m = packConstants.parallelCount
        for tile in 0..<CellColumns.tiles(b.count) {
            kernel.advanceTile(
                b.cells + tile * CellColumns.tileStride, active: min(CellColumns.tile, b.count - tile * CellColumns.tile),
                firstIndex: tile * CellColumns.tile, random: b.random, packLevels: packLevels)
        }
        var inflow = EnclosureInflow()
        var packVolts = 0.0
        var anyVented = false
        for group in 0..<packConstants.seriesCount {
            var groupVolts = 0.0
            var weights = 0.0
            for index in group * m..<group * m + m {
                let work = b.work(index)
                let inverse = work.inverseOhms
                groupVolts += b.cell(index).terminalVolts * inverse
                weights += inverse
                inflow.gas.hydrogen += work.releasedHydrogen
                inflow.gas.carbonMonoxide += work.releasedCarbonMonoxide
                inflow.gas.carbonDioxide += work.releasedCarbonDioxide
                inflow.gas.hydrocarbons += work.releasedHydrocarbons
                inflow.gas.oxygen += work.releasedOxygen
                inflow.smokeGrams += work.smokeGrams
                inflow.leakedGrams += work.leakedGrams
                if b.cell(index).vented > 0 { anyVented = true }
            }
            // Parallel cells share one terminal voltage; each cell's terminal current follows from it.
            groupVolts /= weights
            for index in group * m..<group * m + m {
                let work = b.work(index)
                let state = b.cell(index)
                state.terminalVolts = groupVolts
                state.currentAmps = work.endCurrent - work.shuntSiemens * groupVolts
            }
            groups.volts[group] = groupVolts
            groups.balancingAmps[group] = groups.balancing[group] ? groupVolts * packConstants.balancingSiemens : 0
            packVolts += groupVolts
        }
        enclosure.gas.hydrogen += inflow.gas.hydrogen
        enclosure.gas.carbonMonoxide += inflow.gas.carbonMonoxide
        enclosure.gas.carbonDioxide += inflow.gas.carbonDioxide
        enclosure.gas.hydrocarbons += inflow.gas.hydrocarbons
        enclosure.gas.oxygen += inflow.gas.oxygen
        enclosure.smokeGrams += inflow.smokeGrams
        enclosure.leakedGrams += inflow.leakedGrams
        let endAmps = kernel.schedule.endLevel == 0 ? packLevels.0 : packLevels.1
        link.packVolts = packVolts - endAmps * packConstants.interconnectOhms * Double(packConstants.seriesCount)
        return anyVented
    }
}

extension CellKernel {
    /// Phase A: every cell's Thevenin equivalent for the step, tile by tile.
    func prepareCells(_ b: StepBuffers) {
        for tile in 0..<CellColumns.tiles(b.count) {
            prepareTile(b.cells + tile * CellColumns.tileStride, active: min(CellColumns.tile, b.count - tile * CellColumns.tile))
        }
    }
}

/// Raw pointers to the pack's columns for the duration of one step (see ``VirtualPack/step(_:duration:)``).
struct StepBuffers {
    let cells: UnsafeMutablePointer<Double>
    let random: UnsafeMutablePointer<Xoshiro256>
    let count: Int

    @inline(__always)
    func cell(_ index: Int) -> CellState { CellState(cell: cells + CellColumns.offset(index)) }

    @inline(__always)
    func work(_ index: Int) -> CellWork { CellWork(cell: cells + CellColumns.offset(index)) }

    @inline(__always)
    func slot(_ field: CellField, _ index: Int) -> UnsafeMutablePointer<Double> {
        cells + (CellColumns.offset(index) &+ field.rawValue &* CellColumns.tile)
    }
}
