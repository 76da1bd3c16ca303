import RealModule

extension VirtualPack {
    /// The true state of cell `index` (cells run group by group: `group * parallelCount + k`), or nil when the
    /// index is outside the pack.
    public func cell(_ index: Int) -> CellTruth? {
        guard index >= 0, index < packConstants.cellCount else { return nil }
        return columns.readCell(index) { s, f in truth(of: s, f) }
    }

    /// ``CellTruth/thicknessMillimetres`` of one cell (also read alone, by ``thicknessMillimetres(_:)``).
    func thicknessMillimetres(of s: CellState, _ fixedCell: CellFixed) -> Double {
        let c = cellConstants
        // Per-face thickness changes (charge per total electrode area), stacked over every anode face.
        let anodeGrowth = c.micrometres(lithiumAh: s.anodeLithium - fixedCell.initialAnode)
        let deadLayer = c.micrometres(lithiumAh: s.deadLithium) / c.deadLayerSolidFraction
        let gasMillimetres = s.gasVolume / c.faceAreaSquareMetres * 1_000
        return c.thicknessMillimetres + (anodeGrowth + deadLayer) * c.faceCount / 1_000 + gasMillimetres
    }

    private func truth(of s: CellState, _ fixedCell: CellFixed) -> CellTruth {
        let c = cellConstants
        // Capacity = min(cathode sites, cyclable lithium in anode and cathode window) [S0:L229].
        let lithiumInCathode = s.cathodeSites - s.cathodeCharge
        let capacity = min(s.cathodeSites, max(s.anodeLithium, 0) + lithiumInCathode)
        let dischargeable = min(max(s.cathodeCharge, 0), max(s.anodeLithium, 0))
        let thickness = thicknessMillimetres(of: s, fixedCell)
        let stateOfCharge = capacity > 0 ? dischargeable / capacity : 0
        let cathodeStateOfCharge = s.cathodeCharge / s.cathodeSites
        // Below the cathode window's 0 the cell still gives charge down to the knee.
        let knee = c.usableWindowStartSOC
        let windowSOC = stateOfCharge > 0 ? stateOfCharge : min(max(cathodeStateOfCharge, knee), 0)
        return CellTruth(
            terminalVolts: s.terminalVolts,
            openCircuitVolts: s.openCircuitVolts,
            stateOfCharge: stateOfCharge,
            cathodeStateOfCharge: cathodeStateOfCharge,
            usableStateOfCharge: (windowSOC - knee) / (1 - knee),
            coreCelsius: s.coreKelvin - PhysicalConstants.zeroCelsius,
            surfaceCelsius: s.surfaceKelvin - PhysicalConstants.zeroCelsius,
            currentAmps: s.currentAmps,
            capacityAh: max(capacity, 0),
            ohmicResistance: s.ohmicResistance,
            totalResistance: s.totalResistance,
            heatWatts: s.heatWatts,
            gasMoles: GasAmounts(
                hydrogen: s.hydrogen, carbonMonoxide: s.carbonMonoxide, carbonDioxide: s.carbonDioxide,
                hydrocarbons: s.hydrocarbons, oxygen: s.oxygen),
            internalPressureKilopascals: s.pressure,
            thicknessMillimetres: thickness,
            vented: s.vented > 0,
            thermalRunaway: ThermalRunawayState(rawValue: UInt8(s.runawayState)) ?? .normal,
            selfHeatingKelvinPerSecond: s.selfHeatingRate,
            abuse: AbuseExtents(
                seiDecomposedGrams: s.seiDecomposed, lithiumReactedMoles: s.lithiumReacted, cathodeConversion: s.cathodeConversion,
                separatorShutDown: s.separatorState >= 1, separatorMeltedDown: s.separatorState >= 2, lithiumMolten: s.molten > 0),
            dendriteLengthMicrometres: s.dendriteLength,
            dendriteReach: s.dendriteLength * fixedCell.inverseSeparatorMicrometres,
            roughness: s.roughness,
            dendriteRiskIndex: max(s.riskIndex, 0),
            sandsTimeSeconds: s.sandsTime,
            softShortSiemens: s.softMedian > 0 ? s.softMedian * Double.exp(s.softLog) : 0,
            hardShort: s.hardShort > 0 || s.nailShort > 0 || s.separatorState >= 2,
            coulombicEfficiency: s.lastEfficiency.isNaN ? nil : s.lastEfficiency,
            lithiumEfficiency: s.lastLithiumEfficiency.isNaN ? nil : s.lastLithiumEfficiency,
            completedCycles: Int(s.completedCycles),
            lithium: LithiumInventory(
                cathode: lithiumInCathode, anodeActive: s.anodeLithium, sei: s.seiLithium, dead: s.deadLithium,
                trappedInCathode: s.trappedLithium),
            electrolyteGrams: s.electrolyte,
            cathodeLossFraction: 1 - s.cathodeSites / fixedCell.initialSites)
    }

    /// Voltage of series group `group` at the end of the last step, or nil outside the pack.
    public func groupVolts(_ group: Int) -> Double? {
        guard group >= 0, group < packConstants.seriesCount else { return nil }
        return groups.volts[group]
    }

    /// Current through the balancing resistor of series group `group`, A, or nil outside the pack.
    public func balancingAmps(_ group: Int) -> Double? {
        guard group >= 0, group < packConstants.seriesCount else { return nil }
        return groups.balancingAmps[group]
    }

    /// The true pack-level state after the last step.
    public var truth: PackTruth {
        let air = enclosureAirMoles
        let perMillion = 1e6 / air
        var vented = 0
        var runaway = 0
        for index in 0..<packConstants.cellCount {
            if columns[.vented, index] > 0 { vented += 1 }
            if columns[.runawayState, index] >= Double(ThermalRunawayState.runaway.rawValue) { runaway += 1 }
        }
        let isolation = packConstants.isolationHealthySiemens + link.isolationFaultSiemens
            + packConstants.isolationSiemensPerGram * enclosure.leakedGrams
        return PackTruth(
            elapsedSeconds: elapsed,
            packVolts: link.packVolts,
            linkVolts: link.linkVolts,
            packCurrentAmps: link.packCurrent,
            averageCurrentAmps: link.averageCurrent,
            inrushPeakAmps: link.inrushPeak,
            enclosureGasPPM: GasAmounts(
                hydrogen: enclosure.gas.hydrogen * perMillion, carbonMonoxide: enclosure.gas.carbonMonoxide * perMillion,
                carbonDioxide: enclosure.gas.carbonDioxide * perMillion, hydrocarbons: enclosure.gas.hydrocarbons * perMillion,
                oxygen: enclosure.gas.oxygen * perMillion),
            smokeMilligramsPerCubicMetre: enclosure.smokeGrams * 1_000 / packConstants.enclosureCubicMetres,
            isolationOhms: 1 / isolation,
            ventedCells: vented,
            runawayCells: runaway)
    }
}
