extension VirtualPack {
    /// Phase E: two-node thermal network per cell (core, surface), conduction between neighbouring cells of a
    /// module, cooling to coolant and ambient, external heaters, and the share of a vented cell's reaction heat
    /// that lands on its neighbours (flame and ejecta: propagation).
    ///
    /// Backward Euler on each cell's 2×2 system with the neighbours' surface temperatures from the start of the
    /// step: unconditionally stable, so a runaway stays bounded at 1 s steps.
    func conductHeat(_ inputs: PackInputs, seconds dt: Double, _ b: StepBuffers) {
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
        let coreCapacity = cellConstants.coreHeatCapacity / dt
        let surfaceCapacity = cellConstants.surfaceHeatCapacity / dt
        let coreToSurface = cellConstants.coreSurfaceConductance
        let snapshot = StepScratch.Field.surfaceSnapshot.rawValue * count
        let heat = StepScratch.Field.coreHeat.rawValue * count
        for index in 0..<count {
            b.work[snapshot + index] = b.slot(.surfaceKelvin, index).pointee
        }
        for index in 0..<count {
            var neighbourConductance = 0.0
            var neighbourFlow = 0.0
            if index > 0 {
                let g = packConstants.conductanceToNext(index - 1)
                neighbourConductance += g
                neighbourFlow += g * b.work[snapshot + index - 1]
            }
            if index + 1 < count {
                let g = packConstants.conductanceToNext(index)
                neighbourConductance += g
                neighbourFlow += g * b.work[snapshot + index + 1]
            }
            let received = thrownHeat(from: index - 1, b) + thrownHeat(from: index + 1, b)
            let kept = b.work[heat + index] - thrownHeat(from: index, b) * Double(neighbourCount(index))
            let heater = index < inputs.heaterWatts.count && inputs.heaterWatts[index].isFinite ? max(inputs.heaterWatts[index], 0) : 0
            // [a  −g] [Tc']   [bc]
            // [−g  d] [Ts'] = [bs]
            let a = coreCapacity + coreToSurface
            let d = surfaceCapacity + coreToSurface + coolant + ambient + neighbourConductance
            let bc = coreCapacity * b.slot(.coreKelvin, index).pointee + kept / dt
            let bs = surfaceCapacity * b.slot(.surfaceKelvin, index).pointee + received / dt + heater
                + coolant * coolantKelvin + ambient * ambientKelvin + neighbourFlow
            let determinant = a * d - coreToSurface * coreToSurface
            b.slot(.coreKelvin, index).pointee = (bc * d + coreToSurface * bs) / determinant
            b.slot(.surfaceKelvin, index).pointee = (a * bs + coreToSurface * bc) / determinant
        }
    }

    @inline(__always)
    func neighbourCount(_ index: Int) -> Int {
        (index > 0 ? 1 : 0) + (index + 1 < packConstants.cellCount ? 1 : 0)
    }

    /// Reaction heat (J) that vented cell `source` throws onto each of its neighbours this step.
    @inline(__always)
    func thrownHeat(from source: Int, _ b: StepBuffers) -> Double {
        guard source >= 0, source < b.count, b.slot(.vented, source).pointee > 0 else { return 0 }
        let reaction = b.work[StepScratch.Field.reactionHeat.rawValue * b.count + source]
        let neighbours = neighbourCount(source)
        guard reaction > 0, neighbours > 0 else { return 0 }
        return packConstants.ventHeatShare * reaction / Double(neighbours)
    }
}
