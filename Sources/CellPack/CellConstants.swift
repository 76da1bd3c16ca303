import RealModule

/// The cell parameters compiled into the plain numbers the hot loop uses (SI-ish units noted per field).
struct CellConstants: Sendable {
    typealias K = CellParameterKey

    // Design
    let nominalAh: Double
    /// Cathode-window SOC where the cell's OCV curve ends (the end-of-lithiation knee, ≤ 0): the usable window
    /// a BMS reports runs from here to full.
    let usableWindowStartSOC: Double
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

    // Derived for the hot loop: reciprocals and products of the values above, computed once so the per-cell
    // step multiplies instead of dividing.
    /// 1 / nominal capacity, 1/Ah.
    let inverseNominalAh: Double
    /// 1 / R1 and 1 / R2 at 25 °C and 50 % SOC, S (infinite for an absent branch).
    let inverseR1: Double
    let inverseR2: Double
    /// Electrolyte mass below which the cell dries out, g.
    let dryOutGrams: Double
    /// Mean current density per ampere of cell current, mA/cm² per A (1000 / electrode area).
    let milliampsPerSquareCentimetrePerAmp: Double
    /// Thickness of the porous dead-lithium layer per Ah of dead lithium, µm/Ah.
    let deadLayerMicrometresPerAh: Double
    /// Ohmic resistance of the porous dead-lithium layer per Ah of dead lithium, Ω/Ah.
    let porousOhmPerDeadAh: Double
    /// 1 / depletion reserve, 1/Ah.
    let inverseDepletionReserveAh: Double
    /// 1 / reference current density of the lithium efficiency, cm²/mA.
    let inverseReferenceCurrentDensity: Double
    /// Lithium lost to SEI per Ah plated at the reference conditions: base loss × (1 − dead share).
    let seiLossPerPlated: Double
    /// Lithium lost as dead Li⁰ per Ah stripped at the reference conditions: base loss × dead share.
    let deadLossPerStripped: Double
    /// 1 / ampere-hours per mole of lithium, mol/Ah.
    let molesPerAmpereHour: Double
    /// 1 / separator thickness, 1/µm.
    let inverseSeparatorMicrometres: Double
    /// Hysteresis decay exponent per A·s of current and per Ah of cathode sites: γ / 3600.
    let hysteresisRatePerAmpereSecond: Double
    /// 1 / (salt diffusivity × separator permeability), s/m² (bulk relaxation time per path length², 25 °C).
    let inverseEffectiveDiffusivity: Double
    /// Dendrite-risk target per (mA/cm²)² of focused density, per (s of bulk relaxation) at 25 °C: 100 / sand coefficient.
    let riskPerDensitySquared: Double
    /// 1 / tip limiting current density, cm²/mA.
    let inverseTipLimitingCurrent: Double
    /// Dendrite tip growth per plated charge (mA·s/cm²) × tip depletion, µm.
    let tipGrowthPerCharge: Double
    /// Roughening exponent per (mA·s/cm²) of plating × (density/J_ref + gain × DRI).
    let rougheningPerCharge: Double
    /// Root retraction exponent per mAh/cm² of root stripping per µm of separator.
    let retractionPerCharge: Double
    /// Abuse chemistry, separator shutdown and meltdown and lithium melting are all impossible below this core
    /// temperature (the lowest of the kinetics floor, shutdown, meltdown and melting temperatures), K.
    let abuseQuietBelowKelvin: Double

    /// Compiles validated parameters; `stackPressure` (kPa) comes from the pack fixture.
    init(_ p: CellParameters, stackPressure: Double) {
        let gas = PhysicalConstants.gas
        nominalAh = p[K.nominalCapacityAh]
        usableWindowStartSOC = min(p.ocv.soc.first ?? 0, 0)
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
        inverseNominalAh = 1 / nominalAh
        inverseR1 = 1 / r1
        inverseR2 = 1 / r2
        dryOutGrams = dryOutGramsPerAh * nominalAh
        milliampsPerSquareCentimetrePerAmp = 1_000 / areaSquareCentimetres
        deadLayerMicrometresPerAh = 1_000 / areaSquareCentimetres * PhysicalConstants.micrometresPerMilliampereHourPerSquareCentimetre
            / deadLayerSolidFraction
        porousOhmPerDeadAh = porousOhmPerMicrometre * deadLayerMicrometresPerAh
        inverseDepletionReserveAh = 1 / depletionReserveAh
        inverseReferenceCurrentDensity = 1 / referenceCurrentDensity
        seiLossPerPlated = baseLoss * (1 - deadShare)
        deadLossPerStripped = baseLoss * deadShare
        molesPerAmpereHour = 1 / PhysicalConstants.ampereHoursPerMole
        inverseSeparatorMicrometres = 1 / separatorMicrometres
        hysteresisRatePerAmpereSecond = hysteresisRate / PhysicalConstants.coulombsPerAmpereHour
        inverseEffectiveDiffusivity = 1 / (diffusivity * separatorPermeability)
        riskPerDensitySquared = 100 / sandCoefficient
        inverseTipLimitingCurrent = 1 / tipLimitingCurrent
        let micrometresPerCharge = PhysicalConstants.micrometresPerMilliampereHourPerSquareCentimetre
        tipGrowthPerCharge = tipGrowthGain * micrometresPerCharge / PhysicalConstants.coulombsPerAmpereHour
        rougheningPerCharge = rougheningRate / PhysicalConstants.coulombsPerAmpereHour
        retractionPerCharge = strippingRetraction * micrometresPerCharge
        abuseQuietBelowKelvin = min(kineticsFloor, shutdownKelvin, meltdownKelvin, lithiumMeltKelvin)
        temperatureTable = TemperatureFactors.Table(self)
        oxidationTable = OxidationTable(onset: oxidationOnset, width: oxidationWidth)
    }

    /// The temperature-dependent factors at `kelvin`: tabulated (0.25 K grid, relative error < 1e-4) between
    /// −53 °C and 207 °C, computed exactly outside.
    @inline(__always)
    func factors(_ kelvin: Double) -> TemperatureFactors {
        temperatureTable.lookup(kelvin) ?? TemperatureFactors(self, kelvin)
    }

    /// Temperature factors tabulated over the operating range (see ``TemperatureFactors``).
    var temperatureTable = TemperatureFactors.Table()
    /// Share of charge current oxidising electrolyte, tabulated over OCV.
    var oxidationTable = OxidationTable()

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

/// The Arrhenius-type factors the cell kernel needs every step, relative to 25 °C.
struct TemperatureFactors {
    /// ECM resistance multiplier (higher when cold).
    var resistance: Double
    /// SEI growth and leakage rate multiplier.
    var sei: Double
    /// Salt diffusivity multiplier.
    var diffusion: Double
    /// Solvent vapour pressure, kPa.
    var vapour: Double

    init(resistance: Double, sei: Double, diffusion: Double, vapour: Double) {
        self.resistance = resistance
        self.sei = sei
        self.diffusion = diffusion
        self.vapour = vapour
    }

    /// Exact evaluation.
    init(_ c: CellConstants, _ kelvin: Double) {
        resistance = CellConstants.arrhenius(-c.resistanceActivation, kelvin)
        sei = CellConstants.arrhenius(c.seiActivation, kelvin)
        diffusion = CellConstants.arrhenius(c.diffusionActivation, kelvin)
        vapour = c.vapourPressure45 * Double.exp(-c.vapourActivation * (1 / kelvin - 1 / (PhysicalConstants.zeroCelsius + 45)))
    }

    /// The factors on a uniform temperature grid, interleaved four per point.
    struct Table: Sendable {
        static let lowest = 220.0
        static let step = 0.25
        static let points = 1_041
        var samples: [Double] = []

        init() {}

        init(_ c: CellConstants) {
            samples.reserveCapacity(4 * Self.points)
            for index in 0..<Self.points {
                let f = TemperatureFactors(c, Self.lowest + Double(index) * Self.step)
                samples += [f.resistance, f.sei, f.diffusion, f.vapour]
            }
        }

        @inline(__always)
        func lookup(_ kelvin: Double) -> TemperatureFactors? {
            let position = (kelvin - Self.lowest) / Self.step
            guard position >= 0, position < Double(Self.points - 1), samples.count == 4 * Self.points else { return nil }
            let index = Int(position)
            let fraction = position - Double(index)
            return samples.withUnsafeBufferPointer { b in
                let base = 4 * index
                @inline(__always) func mix(_ k: Int) -> Double { b[base + k] + fraction * (b[base + 4 + k] - b[base + k]) }
                return TemperatureFactors(resistance: mix(0), sei: mix(1), diffusion: mix(2), vapour: mix(3))
            }
        }
    }
}

/// Share of charge current that oxidises electrolyte, 1/(1 + e^(−(U − U_ox)/w)), tabulated over OCV at 0.5 mV.
struct OxidationTable: Sendable {
    static let lowest = 2.5
    static let step = 0.000_5
    static let points = 6_001
    var samples: [Double] = []
    var onset = 0.0
    var width = 1.0

    init() {}

    init(onset: Double, width: Double) {
        self.onset = onset
        self.width = width
        samples = (0..<Self.points).map { 1 / (1 + Double.exp(-(Self.lowest + Double($0) * Self.step - onset) / width)) }
    }

    @inline(__always)
    func share(atVolts volts: Double) -> Double {
        let position = (volts - Self.lowest) / Self.step
        guard position >= 0, position < Double(Self.points - 1), samples.count == Self.points else {
            return 1 / (1 + Double.exp(-(volts - onset) / width))
        }
        let index = Int(position)
        let fraction = position - Double(index)
        return samples.withUnsafeBufferPointer { $0[index] + fraction * ($0[index + 1] - $0[index]) }
    }
}
