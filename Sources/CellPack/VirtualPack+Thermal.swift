/// The pack's thermal network: cell heat capacities, core–surface, neighbour, coolant and ambient conductances.
struct ThermalNetwork: Sendable {
    let pack: PackConstants
    let coreHeatCapacity: Double
    let surfaceHeatCapacity: Double
    let coreSurfaceConductance: Double
    /// Thermal conductance between cell i and cell i + 1, W/K (module edges use the gap value).
    let neighbourConductances: [Double]

    init(pack: PackConstants, cell: CellConstants) {
        self.pack = pack
        coreHeatCapacity = cell.coreHeatCapacity
        surfaceHeatCapacity = cell.surfaceHeatCapacity
        coreSurfaceConductance = cell.coreSurfaceConductance
        neighbourConductances = (0..<max(pack.cellCount - 1, 0)).map { pack.conductanceToNext($0) }
    }

    /// Phase E: two-node thermal network per cell (core, surface), conduction between neighbouring cells of a
    /// module, cooling to coolant and ambient, external heaters, and the share of a vented cell's reaction heat
    /// that lands on its neighbours (flame and ejecta: propagation).
    ///
    /// Backward Euler on each cell's 2×2 system with the neighbours' surface temperatures from the start of the
    /// step: unconditionally stable, so a runaway stays bounded at 1 s steps.
    func conductHeat(_ inputs: PackInputs, seconds dt: Double, anyVented: Bool, _ b: StepBuffers) {
        let packConstants = pack
        let count = packConstants.cellCount
        let coolantKelvin = PhysicalConstants.kelvin(celsius: inputs.coolantCelsius.isFinite ? inputs.coolantCelsius : 25)
        let ambientKelvin = PhysicalConstants.kelvin(celsius: inputs.ambientCelsius.isFinite ? inputs.ambientCelsius : 25)
        let coolant: Double
        switch inputs.cooling {
        case .on: coolant = packConstants.coolantConductance
        case .off: coolant = packConstants.coolantConductance * packConstants.naturalCoolingShare
        case .failed: coolant = 0
        }
        let ambient = packConstants.ambientConductance
        let inverseDuration = 1 / dt
        let coreCapacity = coreHeatCapacity * inverseDuration
        let surfaceCapacity = surfaceHeatCapacity * inverseDuration
        let coreToSurface = coreSurfaceConductance
        let heaters = inputs.heaterWatts
        let a = coreCapacity + coreToSurface
        let surfaceDiagonal = surfaceCapacity + coreToSurface + coolant + ambient
        let boundary = coolant * coolantKelvin + ambient * ambientKelvin
        let couplingSquared = coreToSurface * coreToSurface
        neighbourConductances.withUnsafeBufferPointer { links in
            // Cells update in order: the left neighbour's start-of-step surface temperature is carried over before
            // it is overwritten, the right neighbour's is still in place.
            var leftSurface = 0.0
            for index in 0..<count {
                let core = b.slot(.coreKelvin, index)
                let surface = b.slot(.surfaceKelvin, index)
                let startSurface = surface.pointee
                var neighbourConductance = 0.0
                var neighbourFlow = 0.0
                if index > 0 {
                    let g = links[index - 1]
                    neighbourConductance += g
                    neighbourFlow += g * leftSurface
                }
                if index + 1 < count {
                    let g = links[index]
                    neighbourConductance += g
                    neighbourFlow += g * b.slot(.surfaceKelvin, index + 1).pointee
                }
                var received = 0.0
                var kept = b.work(index).coreHeat
                if anyVented {
                    received = thrownHeat(from: index - 1, b) + thrownHeat(from: index + 1, b)
                    kept -= thrownHeat(from: index, b) * Double(neighbourCount(index))
                }
                let heater = index < heaters.count && heaters[index].isFinite ? max(heaters[index], 0) : 0
                // [a  −g] [Tc']   [bc]
                // [−g  d] [Ts'] = [bs]
                let d = surfaceDiagonal + neighbourConductance
                let bc = coreCapacity * core.pointee + kept * inverseDuration
                let bs = surfaceCapacity * startSurface + received * inverseDuration + heater + boundary + neighbourFlow
                let inverseDeterminant = 1 / (a * d - couplingSquared)
                core.pointee = (bc * d + coreToSurface * bs) * inverseDeterminant
                surface.pointee = (a * bs + coreToSurface * bc) * inverseDeterminant
                leftSurface = startSurface
            }
        }
    }

    @inline(__always)
    func neighbourCount(_ index: Int) -> Int {
        (index > 0 ? 1 : 0) + (index + 1 < pack.cellCount ? 1 : 0)
    }

    /// Reaction heat (J) that vented cell `source` throws onto each of its neighbours this step.
    @inline(__always)
    func thrownHeat(from source: Int, _ b: StepBuffers) -> Double {
        guard source >= 0, source < b.count, b.slot(.vented, source).pointee > 0 else { return 0 }
        let reaction = b.work(source).reactionHeat
        let neighbours = neighbourCount(source)
        guard reaction > 0, neighbours > 0 else { return 0 }
        return pack.ventHeatShare * reaction / Double(neighbours)
    }
}
