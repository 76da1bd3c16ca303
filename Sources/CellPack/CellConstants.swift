import RealModule

/// The cell parameters compiled into the plain numbers the hot loop uses (SI-ish units noted per field).
struct CellConstants: Sendable {
    typealias K = CellParameterKey

    // Design
    let nominalAh: Double
    let areaSquareCentimetres: Double
    let foilAh: Double
    let formationSEIAh: Double
    let cathodeGrams: Double
    let initialElectrolyteGrams: Double
    let heatCapacity: Double
    let coreHeatCapacity: Double
    let surfaceHeatCapacity: Double
    let faceCount: Double
    let faceAreaSquareMetres: Double
    let thicknessMillimetres: Double
    let gasVolumeLimit: Double
    let separatorMicrometres: Double
    let separatorPermeability: Double

    // Electrical
    let r0: Double, r1: Double, tau1: Double, r2: Double, tau2: Double
    let resistanceActivation: Double
    let socCurvature: Double
    let hysteresisVolts: Double
    let hysteresisRate: Double
    let leakageSiemens: Double
    let depletionVolts: Double
    let depletionReserveAh: Double
    let oxidationOnset: Double
    let oxidationWidth: Double
    let ocv: UniformOCV

    // Thermal
    let coreSurfaceConductance: Double

    // Lithium inventory
    let baseLoss: Double
    let deadShare: Double
    let referenceCurrentDensity: Double
    let lossCurrentSensitivity: Double
    let lossRoughnessSensitivity: Double
    let lossColdSensitivity: Double
    let seiActivation: Double
    let calendarAhPerSqrtSecond: Double
    let pressureFactor: Double
    let electrolytePerMole: Double
    let dryOutGramsPerAh: Double
    let dryOutGain: Double
    let interphaseOhmPerAh: Double
    let porousOhmPerMicrometre: Double
    let deadLayerSolidFraction: Double
    let deadAreaPerGram: Double
    let foilAreaPerGram: Double

    // Dendrites
    let diffusivity: Double
    let diffusionActivation: Double
    /// Sand's time × (current density)² at the reference diffusivity, s·(A/m²)².
    let sandCoefficient: Double
    let tipTau: Double
    let tipLimitingCurrent: Double
    let focusingGain: Double
    let tipGrowthGain: Double
    let rougheningRate: Double
    let rougheningRiskGain: Double
    let strippingRetraction: Double
    let tipSelectivity: Double
    let selectiveWindow: Double
    let selectiveSmoothing: Double
    let healThreshold: Double
    let healRate: Double
    let healActivation: Double
    let tipHeating: Double
    let softShortOnset: Double
    let softShortRate: Double
    let softShortConductance: Double
    let softShortFuseRate: Double
    let softShortNoise: Double
    let softShortCorrelation: Double
    let hardShortConductance: Double

    // Cathode
    let crackVolts: Double
    let crackSOC: Double
    let lossPerCrackCharge: Double
    let lossCRateGain: Double
    let lossResistanceGain: Double

    // Abuse
    let kineticsFloor: Double
    let seiOnset: Double
    let seiFrequency: Double, seiDecompositionActivation: Double, seiHeat: Double, seiMolarMass: Double
    let lithiumFrequency: Double, lithiumActivation: Double, lithiumHeat: Double, seiBreachFraction: Double
    let cathodeFrequency: Double, cathodeActivation: Double, cathodeHeat: Double, cathodeInitialConversion: Double
    let electrolyteFrequency: Double, electrolyteActivation: Double, electrolyteHeat: Double
    let shutdownKelvin: Double, shutdownFactor: Double
    let meltdownKelvin: Double, meltdownConductance: Double, meltdownSpread: Double
    let lithiumMeltKelvin: Double, moltenAreaFactor: Double
    let ventPressure: Double
    let runawayRate: Double
    let selfHeatingRate: Double
    let ejectaFraction: Double

    // Gas
    let seiFormationCO2: Double, seiFormationC2H4: Double, platingH2: Double
    let oxidationCO2: Double, oxidationCO: Double, oxidationH2: Double, latticeO2: Double
    let seiDecompositionCO2: Double, seiDecompositionC2H4: Double
    let lithiumElectrolyteC2H4: Double, lithiumElectrolyteH2: Double
    let cathodeO2: Double, electrolyteCO2: Double, electrolyteCO: Double, electrolyteH2: Double
    let hydrogenPermeance: Double, permeanceRatio: Double
    let vapourPressure45: Double, vapourActivation: Double

    /// Compiles validated parameters; `stackPressure` (kPa) comes from the pack fixture.
    init(_ p: CellParameters, stackPressure: Double) {
        let gas = PhysicalConstants.gas
        nominalAh = p[K.nominalCapacityAh]
        areaSquareCentimetres = p.electrodeAreaSquareCentimetres
        foilAh = p.lithiumFoilAh
        formationSEIAh = p[K.formationSEIFraction] * nominalAh
        cathodeGrams = nominalAh * 1_000 / p[K.cathodeSpecificCapacity]
        initialElectrolyteGrams = p[K.electrolytePerCapacity] * nominalAh
        heatCapacity = p[K.cellMass] / 1_000 * p[K.specificHeat]
        coreHeatCapacity = heatCapacity * p[K.coreHeatFraction]
        surfaceHeatCapacity = heatCapacity - coreHeatCapacity
        faceCount = areaSquareCentimetres / p[K.electrodeFaceArea]
        faceAreaSquareMetres = p[K.electrodeFaceArea] / 10_000
        thicknessMillimetres = p[K.cellThickness]
        gasVolumeLimit = p[K.gasVolumeLimit] * 1e-6
        separatorMicrometres = p[K.separatorThickness]
        separatorPermeability = p[K.separatorPorosity] / p[K.separatorTortuosity]

        r0 = p[K.r0]; r1 = p[K.r1]; tau1 = p[K.tau1]; r2 = p[K.r2]; tau2 = p[K.tau2]
        resistanceActivation = p[K.resistanceActivation] * 1_000 / gas
        socCurvature = p[K.resistanceSOCCurvature]
        hysteresisVolts = p[K.hysteresisAmplitude] / 1_000
        hysteresisRate = p[K.hysteresisRate]
        // Leakage conductance that loses `selfDischarge` % of capacity per 30-day month at the rated upper voltage.
        leakageSiemens = p[K.selfDischarge] / 100 * nominalAh * 3_600 / (30 * 86_400) / p[K.upperCutoff]
        depletionVolts = p[K.anodeDepletionVolts]
        depletionReserveAh = p[K.anodeDepletionReserve] * nominalAh
        oxidationOnset = p[K.oxidationOnset]
        oxidationWidth = p[K.oxidationWidth]
        ocv = UniformOCV(p.ocv)

        coreSurfaceConductance = p[K.coreSurfaceConductance]

        baseLoss = 1 - p[K.lithiumEfficiency]
        deadShare = p[K.deadShare]
        referenceCurrentDensity = p[K.efficiencyReferenceCurrent]
        lossCurrentSensitivity = p[K.lossCurrentSensitivity]
        lossRoughnessSensitivity = p[K.lossRoughnessSensitivity]
        lossColdSensitivity = p[K.lossColdSensitivity]
        seiActivation = p[K.seiActivation] * 1_000 / gas
        calendarAhPerSqrtSecond = p[K.calendarLoss] * nominalAh / 86_400.0.squareRoot()
        let deviation = (stackPressure - p[K.pressureOptimum]) / p[K.pressureOptimum]
        pressureFactor = 1 + p[K.pressureSensitivity] * deviation * deviation
        electrolytePerMole = p[K.electrolytePerLithium]
        dryOutGramsPerAh = p[K.dryOutThreshold]
        dryOutGain = p[K.dryOutResistanceGain]
        interphaseOhmPerAh = p[K.interphaseResistance]
        porousOhmPerMicrometre = p[K.porousLayerResistance]
        deadLayerSolidFraction = 1 - p[K.deadLayerPorosity]
        deadAreaPerGram = p[K.deadSpecificArea]
        // One exposed face of a dense foil: area / mass = 1 / (ρ_Li · thickness).
        foilAreaPerGram = 1 / (PhysicalConstants.lithiumDensity * 1e6 * p[K.lithiumThickness] * 1e-6)

        diffusivity = p[K.diffusivity]
        diffusionActivation = p[K.diffusionActivation] * 1_000 / gas
        let concentration = p[K.saltConcentration] * 1_000
        let oneMinusT = 1 - p[K.transferenceNumber]
        let fc = PhysicalConstants.faraday * concentration
        sandCoefficient = Double.pi * diffusivity * fc * fc / (4 * oneMinusT * oneMinusT)
        tipTau = p[K.tipRelaxation] / 1_000
        tipLimitingCurrent = p[K.tipLimitingCurrent]
        focusingGain = p[K.focusingGain]
        tipGrowthGain = p[K.tipGrowthGain]
        rougheningRate = p[K.rougheningRate]
        rougheningRiskGain = p[K.rougheningRiskGain]
        strippingRetraction = p[K.strippingRetraction]
        tipSelectivity = p[K.tipSelectivity]
        selectiveWindow = p[K.selectiveWindow]
        selectiveSmoothing = p[K.selectiveSmoothing]
        healThreshold = p[K.healThreshold]
        healRate = p[K.healRate]
        healActivation = p[K.healActivation] * 1_000 / gas
        tipHeating = p[K.tipHeating]
        softShortOnset = p[K.softShortOnset]
        softShortRate = p[K.softShortRate] / 3_600
        softShortConductance = p[K.softShortConductance]
        softShortFuseRate = p[K.softShortFuseRate] / 3_600
        softShortNoise = p[K.softShortNoise]
        softShortCorrelation = p[K.softShortCorrelation]
        hardShortConductance = 1 / p[K.hardShortResistance]

        crackVolts = p[K.crackVoltage]
        crackSOC = p[K.crackSOC]
        lossPerCrackCharge = p[K.lossPerCrackCharge]
        lossCRateGain = p[K.lossCRateGain]
        lossResistanceGain = p[K.lossResistanceGain]

        kineticsFloor = PhysicalConstants.kelvin(celsius: p[K.kineticsFloor])
        seiOnset = PhysicalConstants.kelvin(celsius: p[K.seiDecompositionOnset])
        seiFrequency = p[K.seiFrequency]
        seiDecompositionActivation = p[K.seiDecompositionActivation] * 1_000 / gas
        seiHeat = p[K.seiHeat]
        seiMolarMass = p[K.seiMolarMass]
        lithiumFrequency = p[K.lithiumFrequency]
        lithiumActivation = p[K.lithiumActivation] * 1_000 / gas
        lithiumHeat = p[K.lithiumHeat] * 1_000
        seiBreachFraction = p[K.seiBreachFraction]
        cathodeFrequency = p[K.cathodeFrequency]
        cathodeActivation = p[K.cathodeActivation] * 1_000 / gas
        cathodeHeat = p[K.cathodeHeat]
        cathodeInitialConversion = p[K.cathodeInitialConversion]
        electrolyteFrequency = p[K.electrolyteFrequency]
        electrolyteActivation = p[K.electrolyteActivation] * 1_000 / gas
        electrolyteHeat = p[K.electrolyteHeat]
        shutdownKelvin = PhysicalConstants.kelvin(celsius: p[K.separatorShutdown])
        shutdownFactor = p[K.shutdownResistanceFactor]
        meltdownKelvin = PhysicalConstants.kelvin(celsius: p[K.separatorMeltdown])
        meltdownConductance = 1 / p[K.meltdownShortResistance]
        meltdownSpread = p[K.meltdownSpread]
        lithiumMeltKelvin = PhysicalConstants.kelvin(celsius: p[K.lithiumMelting])
        moltenAreaFactor = p[K.moltenAreaFactor]
        ventPressure = p[K.ventPressure]
        runawayRate = p[K.runawayRate]
        selfHeatingRate = p[K.selfHeatingRate] / 60
        ejectaFraction = p[K.ejectaFraction]

        seiFormationCO2 = p[K.seiFormationCO2]; seiFormationC2H4 = p[K.seiFormationC2H4]; platingH2 = p[K.platingH2]
        oxidationCO2 = p[K.oxidationCO2]; oxidationCO = p[K.oxidationCO]; oxidationH2 = p[K.oxidationH2]
        latticeO2 = p[K.latticeO2]
        seiDecompositionCO2 = p[K.seiDecompositionCO2]; seiDecompositionC2H4 = p[K.seiDecompositionC2H4]
        lithiumElectrolyteC2H4 = p[K.lithiumElectrolyteC2H4]; lithiumElectrolyteH2 = p[K.lithiumElectrolyteH2]
        cathodeO2 = p[K.cathodeO2]; electrolyteCO2 = p[K.electrolyteCO2]; electrolyteCO = p[K.electrolyteCO]
        electrolyteH2 = p[K.electrolyteH2]
        hydrogenPermeance = p[K.hydrogenPermeance]; permeanceRatio = p[K.permeanceRatio]
        vapourPressure45 = p[K.vapourPressure45]
        vapourActivation = p[K.vapourEnthalpy] * 1_000 / gas
    }

    /// Arrhenius factor exp(−(E/R)(1/T − 1/T_ref)) for an activation `activation` = E/R in kelvin.
    @inline(__always)
    static func arrhenius(_ activation: Double, _ kelvin: Double) -> Double {
        Double.exp(-activation * (1 / kelvin - 1 / PhysicalConstants.referenceKelvin))
    }

    /// Thickness of dense lithium for `ampereHours` spread over the electrode area, µm.
    @inline(__always)
    func micrometres(lithiumAh ampereHours: Double) -> Double {
        ampereHours * 1_000 / areaSquareCentimetres * PhysicalConstants.micrometresPerMilliampereHourPerSquareCentimetre
    }

    /// Sand's time at local current density `milliampsPerSquareCentimetre` and relative diffusivity, s.
    @inline(__always)
    func sandsTime(milliampsPerSquareCentimetre j: Double, diffusivityRatio: Double) -> Double {
        let ampsPerSquareMetre = j * 10
        return sandCoefficient * diffusivityRatio / (ampsPerSquareMetre * ampsPerSquareMetre)
    }
}
