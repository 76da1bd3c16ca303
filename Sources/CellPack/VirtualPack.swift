import RealModule
import SeededRandom

/// The virtual cell pack the firmware is tested against: NsMp lithium-metal | NCM cells with a 2RC ECM,
/// two-node thermal model, degradation, dendrites, shorts, healing response, abuse reactions and gas, behind
/// contactors, a precharge resistor and a DC-link capacitor.
///
/// Pure and deterministic: time enters as the step duration, randomness from per-cell ``Xoshiro256`` streams of
/// the seed; the same seed, parameters and inputs give a bit-identical trajectory. State is stored as
/// structure-of-arrays columns preallocated at construction; ``step(_:duration:)`` does not allocate and its cost
/// grows linearly with the number of cells.
///
/// ```swift
/// let cell = try CellParameterFile.load(path: "Firmware/cells/li-metal-ncm811-pouch.yaml")
/// let topology = try PackParameterFile.load(path: "Firmware/packs/96s2p.yaml")
/// var pack = try VirtualPack(cell: cell, pack: topology, seed: 42, initialStateOfCharge: 0.2)
/// let charge = PackInputs(current: .constant(-5), contactors: .closed)
/// for _ in 0..<3_600 { pack.step(charge, duration: 1) }
/// print(pack.truth.packVolts, pack.cell(0)?.terminalVolts ?? .nan)
/// ```
public struct VirtualPack: Sendable {
    /// The cell parameters the pack was built from.
    public let cellParameters: CellParameters
    /// The pack parameters the pack was built from.
    public let packParameters: PackParameters
    /// Seed of every random stream (spread and soft-short noise).
    public let seed: UInt64

    let cellConstants: CellConstants
    let packConstants: PackConstants
    var columns: CellColumns
    var random: [Xoshiro256]
    /// Skip work that is provably zero for quiet cells (see ``CellKernel``); tests turn it off to compare.
    var skipsQuietWork = true
    var groups: GroupColumns
    var link: LinkState
    var enclosure: EnclosureState
    let thermalNetwork: ThermalNetwork
    var elapsed: Double = 0
    var enclosureKelvin: Double = PhysicalConstants.referenceKelvin
    var waveform: CurrentWaveform = .rest
    var phase: Double = 0

    /// Builds a pack of new cells at `initialStateOfCharge` (0…1 of the rated window) and `initialCelsius`,
    /// with cell-to-cell spread drawn from `seed`. Throws every parameter problem at once.
    public init(
        cell: CellParameters, pack: PackParameters, seed: UInt64, initialStateOfCharge: Double = 0.5, initialCelsius: Double = 25
    ) throws(InvalidParameters) {
        var problems = cell.validate() + pack.validate()
        if !(initialStateOfCharge.isFinite && (0...1).contains(initialStateOfCharge)) {
            problems.append(ParameterProblem(key: "initialStateOfCharge", reason: "\(initialStateOfCharge) is outside 0…1"))
        }
        if !(initialCelsius.isFinite && (-60...150).contains(initialCelsius)) {
            problems.append(ParameterProblem(key: "initialCelsius", reason: "\(initialCelsius) is outside −60…150 °C"))
        }
        guard problems.isEmpty else { throw InvalidParameters(problems: problems) }
        cellParameters = cell
        packParameters = pack
        self.seed = seed
        let pc = PackConstants(pack)
        let cc = CellConstants(cell, stackPressure: pc.stackPressure)
        cellConstants = cc
        packConstants = pc
        let count = pc.cellCount
        columns = CellColumns(count: count)
        random = []
        random.reserveCapacity(count)
        groups = GroupColumns(count: pc.seriesCount)
        let kelvin = PhysicalConstants.kelvin(celsius: initialCelsius)
        link = LinkState()
        enclosure = EnclosureState()
        thermalNetwork = ThermalNetwork(pack: pc, cell: cc)
        for index in 0..<count {
            var generator = Xoshiro256(seed: seed, stream: UInt64(index))
            let capacityScale = min(max(1 + pc.capacitySpread * generator.nextGaussian(), 0.5), 1.5)
            let resistanceScale = min(max(1 + pc.resistanceSpread * generator.nextGaussian(), 0.2), 5)
            let leakageScale = Double.exp(pc.selfDischargeSpread * generator.nextGaussian())
            random.append(generator)
            let sites = cc.nominalAh * capacityScale
            let anodeAtEmpty = cc.foilAh - cc.formationSEIAh
            columns.withCell(index) { state, fixed in
                fixed.resistanceScale = resistanceScale
                fixed.leakageSiemens = cc.leakageSiemens * leakageScale
                fixed.initialSites = sites
                fixed.initialAnode = anodeAtEmpty
                fixed.inverseInitialSites = 1 / sites
                fixed.inverseSeparatorMicrometres = cc.inverseSeparatorMicrometres
                state.cathodeSites = sites
                state.cathodeCharge = initialStateOfCharge * sites
                state.anodeLithium = anodeAtEmpty + initialStateOfCharge * sites
                state.seiLithium = cc.formationSEIAh
                state.seiMetastable = cc.formationSEIAh / PhysicalConstants.ampereHoursPerMole * cc.seiMolarMass
                state.electrolyte = cc.initialElectrolyteGrams
                state.coreKelvin = kelvin
                state.surfaceKelvin = kelvin
                state.cathodeConversion = cc.cathodeInitialConversion
                state.lastEfficiency = .nan
                state.lastLithiumEfficiency = .nan
                state.sandsTime = .infinity
                state.strippingAge = 1e9
            }
        }
        // Padding lanes of the last tile: copies of the last cell as built, at rest, never reported, so the tile's
        // passes compute ordinary numbers there.
        columns.storage.withUnsafeMutableBufferPointer { storage in
            guard let base = storage.baseAddress, count % CellColumns.tile != 0 else { return }
            let last = base + CellColumns.offset(count - 1)
            for lane in count % CellColumns.tile..<CellColumns.tile {
                let pad = base + CellColumns.offset(count - 1) - (count - 1) % CellColumns.tile + lane
                for field in 0..<CellColumns.fields { pad[field * CellColumns.tile] = last[field * CellColumns.tile] }
            }
        }
        // Consistent start-of-life observables before the first step.
        let kernel = CellKernel(constants: cc, schedule: WaveformSchedule(.rest, phase: 0, duration: 1))
        columns.storage.withUnsafeMutableBufferPointer { storage in
            guard let base = storage.baseAddress else { return }
            for tile in 0..<CellColumns.tiles(count) {
                let first = base + tile * CellColumns.tileStride
                for lane in 0..<CellColumns.tile { kernel.lookUpCharge(first + lane) }
                kernel.prepareTile(first, active: min(CellColumns.tile, count - tile * CellColumns.tile))
                for lane in 0..<CellColumns.tile {
                    let state = CellState(cell: first + lane)
                    let prepared = CellWork(cell: first + lane)
                    state.openCircuitVolts = prepared.openCircuitVolts
                    state.terminalVolts = prepared.openCircuitVolts
                    state.ohmicResistance = prepared.r0
                    state.totalResistance = prepared.r0 + prepared.r1 + prepared.r2
                }
            }
        }
        var packVolts = 0.0
        for group in 0..<pc.seriesCount {
            var sum = 0.0
            for k in 0..<pc.parallelCount { sum += columns[.terminalVolts, group * pc.parallelCount + k] }
            groups.volts[group] = sum / Double(pc.parallelCount)
            packVolts += groups.volts[group]
        }
        link.packVolts = packVolts
    }

    /// Number of cells (series × parallel).
    public var cellCount: Int { packConstants.cellCount }
    /// Series groups.
    public var seriesCount: Int { packConstants.seriesCount }
    /// Cells per group.
    public var parallelCount: Int { packConstants.parallelCount }
    /// Simulated time since construction, s.
    public var elapsedSeconds: Double { elapsed }
}

/// Per-group columns: Thevenin equivalent of the step, voltages and balancing currents.
struct GroupColumns: Sendable {
    /// Σ E_k/R_k over the group's cells, A.
    var sourceCurrent: [Double]
    /// Σ (1/R_k + G_k) + balancing conductance, S.
    var conductance: [Double]
    var volts: [Double]
    var balancingAmps: [Double]
    var balancing: [Bool]

    init(count: Int) {
        sourceCurrent = Array(repeating: 0, count: count)
        conductance = Array(repeating: 1, count: count)
        volts = Array(repeating: 0, count: count)
        balancingAmps = Array(repeating: 0, count: count)
        balancing = Array(repeating: false, count: count)
    }
}

/// Contactors, DC link and pack-level electrical results.
struct LinkState: Sendable {
    var linkVolts = 0.0
    var packVolts = 0.0
    var packCurrent = 0.0
    var averageCurrent = 0.0
    var inrushPeak = 0.0
    var externalShortSiemens = 0.0
    var isolationFaultSiemens = 0.0
}

/// What the cells release into the enclosure during a step, summed in cell order.
struct EnclosureInflow {
    /// Gas that left the cells (permeation or venting), mol.
    var gas = GasAmounts()
    /// Aerosol / particulate that left the cells, g.
    var smokeGrams = 0.0
    /// Electrolyte that left the cells, g.
    var leakedGrams = 0.0
}

/// Enclosure air: gas released by cells, smoke, electrolyte that leaked out.
struct EnclosureState: Sendable {
    var gas = GasAmounts()
    var smokeGrams = 0.0
    var leakedGrams = 0.0
}
