/// The pack parameters compiled into plain numbers (SI units).
struct PackConstants: Sendable {
    typealias K = PackParameterKey

    let seriesCount: Int
    let parallelCount: Int
    let cellCount: Int
    let groupsPerModule: Int
    let capacitySpread: Double
    let resistanceSpread: Double
    let selfDischargeSpread: Double
    let balancingSiemens: Double
    let prechargeOhms: Double
    let linkFarads: Double
    let bleedOhms: Double
    let interconnectOhms: Double
    let isolationHealthySiemens: Double
    let isolationSiemensPerGram: Double
    let neighbourConductance: Double
    let moduleGapConductance: Double
    let coolantConductance: Double
    let naturalCoolingShare: Double
    let ambientConductance: Double
    let ventHeatShare: Double
    let stackPressure: Double
    let enclosureCubicMetres: Double
    let airChangesPerSecond: Double

    init(_ p: PackParameters) {
        seriesCount = p.seriesCount
        parallelCount = p.parallelCount
        cellCount = p.cellCount
        groupsPerModule = max(1, Int(exactly: p[K.groupsPerModule].rounded()) ?? 1)
        capacitySpread = p[K.capacitySpread]
        resistanceSpread = p[K.resistanceSpread]
        selfDischargeSpread = p[K.selfDischargeSpread]
        balancingSiemens = 1 / p[K.balancingResistance]
        prechargeOhms = p[K.prechargeResistance]
        linkFarads = p[K.linkCapacitance] * 1e-6
        bleedOhms = p[K.linkBleedResistance] * 1_000
        interconnectOhms = p[K.interconnectResistance] / 1_000
        isolationHealthySiemens = 1 / (p[K.isolationResistance] * 1e6)
        isolationSiemensPerGram = p[K.isolationPerLeakedGram]
        neighbourConductance = p[K.neighbourConductance]
        moduleGapConductance = p[K.moduleGapConductance]
        coolantConductance = p[K.coolantConductance]
        naturalCoolingShare = p[K.naturalCoolingShare]
        ambientConductance = p[K.ambientConductance]
        ventHeatShare = p[K.ventHeatShare]
        stackPressure = p[K.stackPressure]
        enclosureCubicMetres = p[K.enclosureVolume] / 1_000
        airChangesPerSecond = p[K.airChanges] / 3_600
    }

    /// Thermal conductance between cell `index` and cell `index + 1`, W/K (module edges use the gap value).
    @inline(__always)
    func conductanceToNext(_ index: Int) -> Double {
        let group = index / parallelCount
        let nextGroup = (index + 1) / parallelCount
        if group / groupsPerModule == nextGroup / groupsPerModule { return neighbourConductance }
        return moduleGapConductance
    }
}
