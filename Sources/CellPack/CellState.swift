/// The working copy of one cell's state: loaded from the pack's structure-of-arrays columns, advanced by
/// the cell kernel, stored back. Plain stored `Double`s so the kernel works in registers.
struct CellState {
    /// Charge extracted from the cathode window (0 at SOC 0), Ah.
    var cathodeCharge: Double
    /// Cathode sites still active, Ah.
    var cathodeSites: Double
    /// First RC branch voltage, V.
    var v1: Double
    /// Second RC branch voltage, V.
    var v2: Double
    /// One-state hysteresis, −1 … 1.
    var hysteresis: Double
    /// Connected lithium metal, Ah.
    var anodeLithium: Double
    /// Lithium bound in SEI, Ah.
    var seiLithium: Double
    /// Isolated Li⁰, Ah.
    var deadLithium: Double
    /// Lithium trapped in lost cathode material, Ah.
    var trappedLithium: Double
    /// Calendar SEI lithium (√t law state), Ah.
    var calendarLoss: Double
    /// Electrolyte left, g.
    var electrolyte: Double
    /// Electrolyte that left the cell through a leak or vent, g.
    var leakedElectrolyte: Double
    /// Core temperature, K.
    var coreKelvin: Double
    /// Surface temperature, K.
    var surfaceKelvin: Double
    /// Anode roughness 0…1.
    var roughness: Double
    /// Longest connected dendrite, µm.
    var dendriteLength: Double
    /// Tip-scale depletion (signed, 1 = depleted).
    var tipDepletion: Double
    /// Dendrite-risk index (signed lag state).
    var riskIndex: Double
    /// Time since stripping began, s.
    var strippingAge: Double
    /// Median conductance of present soft shorts, S.
    var softMedian: Double
    /// Log-deviation of the soft-short conductance (OU state).
    var softLog: Double
    /// A dendrite soft short is present (0/1).
    var softNatural: Double
    /// Hard-short conductance (dendrite, meltdown, molten Li), S.
    var hardShort: Double
    /// Injected internal-short conductance, S.
    var nailShort: Double
    /// Injected soft-short median conductance, S.
    var forcedSoft: Double
    /// Fraction of separator thickness lost.
    var separatorDamage: Double
    /// Injected electrolyte leak, g/s.
    var leakRate: Double
    /// Metastable SEI that can still decompose, g.
    var seiMetastable: Double
    /// SEI decomposed by heat so far, g.
    var seiDecomposed: Double
    /// Cathode–electrolyte conversion α.
    var cathodeConversion: Double
    /// Lithium consumed by the Li–electrolyte abuse reaction, mol.
    var lithiumReacted: Double
    /// 0 intact, 1 shut down, 2 melted.
    var separatorState: Double
    /// Time since the separator melted down, s.
    var meltdownAge: Double
    /// Lithium has melted (0/1).
    var molten: Double
    /// Pouch has vented (0/1).
    var vented: Double
    /// ThermalRunawayState raw value.
    var runawayState: Double
    /// Exothermic self-heating in the last step, K/s.
    var selfHeatingRate: Double
    /// H₂ inside, mol.
    var hydrogen: Double
    /// CO inside, mol.
    var carbonMonoxide: Double
    /// CO₂ inside, mol.
    var carbonDioxide: Double
    /// Hydrocarbons (as C₂H₄) inside, mol.
    var hydrocarbons: Double
    /// O₂ inside, mol.
    var oxygen: Double
    /// Terminal voltage at the end of the step, V.
    var terminalVolts: Double
    /// OCV at the end of the step, V.
    var openCircuitVolts: Double
    /// Terminal current at the end of the step, A.
    var currentAmps: Double
    /// Internal heat in the last step, W.
    var heatWatts: Double
    /// Internal gauge pressure, kPa.
    var pressure: Double
    /// Gas volume inside the pouch, m³.
    var gasVolume: Double
    /// Sand's time at the last plating tip current density, s.
    var sandsTime: Double
    /// −1 charging, +1 discharging, 0 unknown.
    var cyclePhase: Double
    /// Charge put in during the present charge, Ah.
    var chargeIn: Double
    /// Charge taken out during the present discharge, Ah.
    var chargeOut: Double
    /// Charge put in during the last completed charge, Ah.
    var lastChargeIn: Double
    /// Coulombic efficiency of the last cycle.
    var lastEfficiency: Double
    /// Lithium lost during the present cycle, Ah.
    var cycleLoss: Double
    /// Lithium plated during the present cycle, Ah.
    var cyclePlated: Double
    /// Lithium efficiency of the last cycle.
    var lastLithiumEfficiency: Double
    /// Completed cycles.
    var completedCycles: Double
    /// R0 at the start of the last step, Ω.
    var ohmicResistance: Double
    /// R0 + R1 + R2 at the start of the last step, Ω.
    var totalResistance: Double
}

/// Structure-of-arrays storage of every cell's state: one preallocated column per variable, indexed by cell.
struct CellColumns: Sendable {
    var cathodeCharge: [Double]
    var cathodeSites: [Double]
    var v1: [Double]
    var v2: [Double]
    var hysteresis: [Double]
    var anodeLithium: [Double]
    var seiLithium: [Double]
    var deadLithium: [Double]
    var trappedLithium: [Double]
    var calendarLoss: [Double]
    var electrolyte: [Double]
    var leakedElectrolyte: [Double]
    var coreKelvin: [Double]
    var surfaceKelvin: [Double]
    var roughness: [Double]
    var dendriteLength: [Double]
    var tipDepletion: [Double]
    var riskIndex: [Double]
    var strippingAge: [Double]
    var softMedian: [Double]
    var softLog: [Double]
    var softNatural: [Double]
    var hardShort: [Double]
    var nailShort: [Double]
    var forcedSoft: [Double]
    var separatorDamage: [Double]
    var leakRate: [Double]
    var seiMetastable: [Double]
    var seiDecomposed: [Double]
    var cathodeConversion: [Double]
    var lithiumReacted: [Double]
    var separatorState: [Double]
    var meltdownAge: [Double]
    var molten: [Double]
    var vented: [Double]
    var runawayState: [Double]
    var selfHeatingRate: [Double]
    var hydrogen: [Double]
    var carbonMonoxide: [Double]
    var carbonDioxide: [Double]
    var hydrocarbons: [Double]
    var oxygen: [Double]
    var terminalVolts: [Double]
    var openCircuitVolts: [Double]
    var currentAmps: [Double]
    var heatWatts: [Double]
    var pressure: [Double]
    var gasVolume: [Double]
    var sandsTime: [Double]
    var cyclePhase: [Double]
    var chargeIn: [Double]
    var chargeOut: [Double]
    var lastChargeIn: [Double]
    var lastEfficiency: [Double]
    var cycleLoss: [Double]
    var cyclePlated: [Double]
    var lastLithiumEfficiency: [Double]
    var completedCycles: [Double]
    var ohmicResistance: [Double]
    var totalResistance: [Double]

    /// Columns of `count` zeros.
    init(count: Int) {
        cathodeCharge = Array(repeating: 0, count: count)
        cathodeSites = Array(repeating: 0, count: count)
        v1 = Array(repeating: 0, count: count)
        v2 = Array(repeating: 0, count: count)
        hysteresis = Array(repeating: 0, count: count)
        anodeLithium = Array(repeating: 0, count: count)
        seiLithium = Array(repeating: 0, count: count)
        deadLithium = Array(repeating: 0, count: count)
        trappedLithium = Array(repeating: 0, count: count)
        calendarLoss = Array(repeating: 0, count: count)
        electrolyte = Array(repeating: 0, count: count)
        leakedElectrolyte = Array(repeating: 0, count: count)
        coreKelvin = Array(repeating: 0, count: count)
        surfaceKelvin = Array(repeating: 0, count: count)
        roughness = Array(repeating: 0, count: count)
        dendriteLength = Array(repeating: 0, count: count)
        tipDepletion = Array(repeating: 0, count: count)
        riskIndex = Array(repeating: 0, count: count)
        strippingAge = Array(repeating: 0, count: count)
        softMedian = Array(repeating: 0, count: count)
        softLog = Array(repeating: 0, count: count)
        softNatural = Array(repeating: 0, count: count)
        hardShort = Array(repeating: 0, count: count)
        nailShort = Array(repeating: 0, count: count)
        forcedSoft = Array(repeating: 0, count: count)
        separatorDamage = Array(repeating: 0, count: count)
        leakRate = Array(repeating: 0, count: count)
        seiMetastable = Array(repeating: 0, count: count)
        seiDecomposed = Array(repeating: 0, count: count)
        cathodeConversion = Array(repeating: 0, count: count)
        lithiumReacted = Array(repeating: 0, count: count)
        separatorState = Array(repeating: 0, count: count)
        meltdownAge = Array(repeating: 0, count: count)
        molten = Array(repeating: 0, count: count)
        vented = Array(repeating: 0, count: count)
        runawayState = Array(repeating: 0, count: count)
        selfHeatingRate = Array(repeating: 0, count: count)
        hydrogen = Array(repeating: 0, count: count)
        carbonMonoxide = Array(repeating: 0, count: count)
        carbonDioxide = Array(repeating: 0, count: count)
        hydrocarbons = Array(repeating: 0, count: count)
        oxygen = Array(repeating: 0, count: count)
        terminalVolts = Array(repeating: 0, count: count)
        openCircuitVolts = Array(repeating: 0, count: count)
        currentAmps = Array(repeating: 0, count: count)
        heatWatts = Array(repeating: 0, count: count)
        pressure = Array(repeating: 0, count: count)
        gasVolume = Array(repeating: 0, count: count)
        sandsTime = Array(repeating: 0, count: count)
        cyclePhase = Array(repeating: 0, count: count)
        chargeIn = Array(repeating: 0, count: count)
        chargeOut = Array(repeating: 0, count: count)
        lastChargeIn = Array(repeating: 0, count: count)
        lastEfficiency = Array(repeating: 0, count: count)
        cycleLoss = Array(repeating: 0, count: count)
        cyclePlated = Array(repeating: 0, count: count)
        lastLithiumEfficiency = Array(repeating: 0, count: count)
        completedCycles = Array(repeating: 0, count: count)
        ohmicResistance = Array(repeating: 0, count: count)
        totalResistance = Array(repeating: 0, count: count)
    }

    /// The state of cell `index`.
    @inline(__always)
    func load(_ index: Int) -> CellState {
        CellState(
            cathodeCharge: cathodeCharge[index],
            cathodeSites: cathodeSites[index],
            v1: v1[index],
            v2: v2[index],
            hysteresis: hysteresis[index],
            anodeLithium: anodeLithium[index],
            seiLithium: seiLithium[index],
            deadLithium: deadLithium[index],
            trappedLithium: trappedLithium[index],
            calendarLoss: calendarLoss[index],
            electrolyte: electrolyte[index],
            leakedElectrolyte: leakedElectrolyte[index],
            coreKelvin: coreKelvin[index],
            surfaceKelvin: surfaceKelvin[index],
            roughness: roughness[index],
            dendriteLength: dendriteLength[index],
            tipDepletion: tipDepletion[index],
            riskIndex: riskIndex[index],
            strippingAge: strippingAge[index],
            softMedian: softMedian[index],
            softLog: softLog[index],
            softNatural: softNatural[index],
            hardShort: hardShort[index],
            nailShort: nailShort[index],
            forcedSoft: forcedSoft[index],
            separatorDamage: separatorDamage[index],
            leakRate: leakRate[index],
            seiMetastable: seiMetastable[index],
            seiDecomposed: seiDecomposed[index],
            cathodeConversion: cathodeConversion[index],
            lithiumReacted: lithiumReacted[index],
            separatorState: separatorState[index],
            meltdownAge: meltdownAge[index],
            molten: molten[index],
            vented: vented[index],
            runawayState: runawayState[index],
            selfHeatingRate: selfHeatingRate[index],
            hydrogen: hydrogen[index],
            carbonMonoxide: carbonMonoxide[index],
            carbonDioxide: carbonDioxide[index],
            hydrocarbons: hydrocarbons[index],
            oxygen: oxygen[index],
            terminalVolts: terminalVolts[index],
            openCircuitVolts: openCircuitVolts[index],
            currentAmps: currentAmps[index],
            heatWatts: heatWatts[index],
            pressure: pressure[index],
            gasVolume: gasVolume[index],
            sandsTime: sandsTime[index],
            cyclePhase: cyclePhase[index],
            chargeIn: chargeIn[index],
            chargeOut: chargeOut[index],
            lastChargeIn: lastChargeIn[index],
            lastEfficiency: lastEfficiency[index],
            cycleLoss: cycleLoss[index],
            cyclePlated: cyclePlated[index],
            lastLithiumEfficiency: lastLithiumEfficiency[index],
            completedCycles: completedCycles[index],
            ohmicResistance: ohmicResistance[index],
            totalResistance: totalResistance[index])
    }

    /// Writes `state` back as cell `index`.
    @inline(__always)
    mutating func store(_ state: CellState, at index: Int) {
        cathodeCharge[index] = state.cathodeCharge
        cathodeSites[index] = state.cathodeSites
        v1[index] = state.v1
        v2[index] = state.v2
        hysteresis[index] = state.hysteresis
        anodeLithium[index] = state.anodeLithium
        seiLithium[index] = state.seiLithium
        deadLithium[index] = state.deadLithium
        trappedLithium[index] = state.trappedLithium
        calendarLoss[index] = state.calendarLoss
        electrolyte[index] = state.electrolyte
        leakedElectrolyte[index] = state.leakedElectrolyte
        coreKelvin[index] = state.coreKelvin
        surfaceKelvin[index] = state.surfaceKelvin
        roughness[index] = state.roughness
        dendriteLength[index] = state.dendriteLength
        tipDepletion[index] = state.tipDepletion
        riskIndex[index] = state.riskIndex
        strippingAge[index] = state.strippingAge
        softMedian[index] = state.softMedian
        softLog[index] = state.softLog
        softNatural[index] = state.softNatural
        hardShort[index] = state.hardShort
        nailShort[index] = state.nailShort
        forcedSoft[index] = state.forcedSoft
        separatorDamage[index] = state.separatorDamage
        leakRate[index] = state.leakRate
        seiMetastable[index] = state.seiMetastable
        seiDecomposed[index] = state.seiDecomposed
        cathodeConversion[index] = state.cathodeConversion
        lithiumReacted[index] = state.lithiumReacted
        separatorState[index] = state.separatorState
        meltdownAge[index] = state.meltdownAge
        molten[index] = state.molten
        vented[index] = state.vented
        runawayState[index] = state.runawayState
        selfHeatingRate[index] = state.selfHeatingRate
        hydrogen[index] = state.hydrogen
        carbonMonoxide[index] = state.carbonMonoxide
        carbonDioxide[index] = state.carbonDioxide
        hydrocarbons[index] = state.hydrocarbons
        oxygen[index] = state.oxygen
        terminalVolts[index] = state.terminalVolts
        openCircuitVolts[index] = state.openCircuitVolts
        currentAmps[index] = state.currentAmps
        heatWatts[index] = state.heatWatts
        pressure[index] = state.pressure
        gasVolume[index] = state.gasVolume
        sandsTime[index] = state.sandsTime
        cyclePhase[index] = state.cyclePhase
        chargeIn[index] = state.chargeIn
        chargeOut[index] = state.chargeOut
        lastChargeIn[index] = state.lastChargeIn
        lastEfficiency[index] = state.lastEfficiency
        cycleLoss[index] = state.cycleLoss
        cyclePlated[index] = state.cyclePlated
        lastLithiumEfficiency[index] = state.lastLithiumEfficiency
        completedCycles[index] = state.completedCycles
        ohmicResistance[index] = state.ohmicResistance
        totalResistance[index] = state.totalResistance
    }
}
