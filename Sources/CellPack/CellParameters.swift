/// A cell chemistry and format: every scalar of the model (``CellParameterKey``), its source, and the OCV table.
///
/// Built by the shell from `Firmware/cells/<chemistry>-<format>.yaml`; tests may also build and alter one in
/// code. Nothing here is used until ``validate()`` reports no problems (``VirtualPack`` checks).
///
/// ```swift
/// var cell = try CellParameterFile.load(path: "Firmware/cells/li-metal-ncm811-pouch.yaml")
/// cell[.lithiumThickness] = 100          // a lab cell with thicker lithium
/// precondition(cell.validate().isEmpty)
/// ```
public struct CellParameters: Hashable, Sendable {
    /// Human-readable name, e.g. `Li-metal | NCM811 pouch 5 Ah`.
    public var name: String
    /// Scalar values by key; a missing key is reported by ``validate()``.
    public var values: [CellParameterKey: Double]
    /// Source of each value (citation or "[model assumption, calibrated to …]").
    public var sources: [CellParameterKey: String]
    /// OCV(SOC) at 25 °C and its entropic coefficient.
    public var ocv: OCVTable

    public init(name: String, values: [CellParameterKey: Double], sources: [CellParameterKey: String], ocv: OCVTable) {
        self.name = name
        self.values = values
        self.sources = sources
        self.ocv = ocv
    }

    /// The value of `key`, NaN when missing.
    public subscript(_ key: CellParameterKey) -> Double {
        get { values[key] ?? .nan }
        set { values[key] = newValue }
    }

    /// Electrode area (one side of the separator), cm²: capacity / cathode loading.
    public var electrodeAreaSquareCentimetres: Double { self[.nominalCapacityAh] * 1_000 / self[.cathodeLoading] }

    /// Lithium foil capacity (the anode's "N"), Ah.
    public var lithiumFoilAh: Double {
        self[.lithiumThickness] / PhysicalConstants.micrometresPerMilliampereHourPerSquareCentimetre
            * electrodeAreaSquareCentimetres / 1_000
    }

    /// Negative-to-positive capacity ratio N/P of the foil against the cathode.
    public var negativeToPositiveRatio: Double { lithiumFoilAh / self[.nominalCapacityAh] }

    /// Every problem: missing, non-finite or out-of-range values, an inconsistent OCV table, and
    /// inconsistencies between keys (e.g. the upper cut-off at or below the lower one). Empty when usable.
    public func validate() -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        if name.isEmpty { problems.append(ParameterProblem(key: "name", reason: "must not be empty")) }
        for key in CellParameterKey.allCases {
            guard let value = values[key] else {
                problems.append(ParameterProblem(key: key.rawValue, reason: "missing (\(key.spec.meaning))"))
                continue
            }
            let range = key.spec.range
            if !value.isFinite {
                problems.append(ParameterProblem(key: key.rawValue, reason: "\(value) is not a finite number"))
            } else if !range.contains(value) {
                problems.append(
                    ParameterProblem(key: key.rawValue, reason: "\(value) is outside \(range.lowerBound)…\(range.upperBound) (\(key.spec.meaning))"))
            }
        }
        problems += ocv.problems()
        if problems.isEmpty { problems += consistencyProblems() }
        return problems
    }

    /// Relations between keys, checked once every value is individually admissible.
    private func consistencyProblems() -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        func require(_ condition: Bool, _ key: CellParameterKey, _ reason: String) {
            if !condition { problems.append(ParameterProblem(key: key.rawValue, reason: reason)) }
        }
        let lower = self[.lowerCutoff]
        let upper = self[.upperCutoff]
        require(lower < upper, .lowerCutoff, "\(lower) V must be below electrical.upper_cutoff_v (\(upper) V)")
        let atFull = ocv.interpolate(ocv.volts, at: 1)
        let atEmpty = ocv.interpolate(ocv.volts, at: 0)
        if abs(atFull - upper) > 0.05 {
            problems.append(ParameterProblem(key: "ocv.volts", reason: "OCV at SOC 1 is \(atFull) V but electrical.upper_cutoff_v is \(upper) V (more than 50 mV apart)"))
        }
        if atEmpty < lower {
            problems.append(ParameterProblem(key: "ocv.volts", reason: "OCV at SOC 0 is \(atEmpty) V, below electrical.lower_cutoff_v (\(lower) V)"))
        }
        require(self[.oxidationOnset] > upper, .oxidationOnset, "\(self[.oxidationOnset]) V must be above the upper cut-off (\(upper) V)")
        require(self[.separatorMeltdown] > self[.separatorShutdown], .separatorMeltdown,
                "\(self[.separatorMeltdown]) °C must be above abuse.separator_shutdown_c (\(self[.separatorShutdown]) °C)")
        require(self[.kineticsFloor] <= self[.seiDecompositionOnset], .kineticsFloor,
                "\(self[.kineticsFloor]) °C must not exceed abuse.sei_onset_c (\(self[.seiDecompositionOnset]) °C), or SEI decomposition would be skipped")
        require(self[.dryOutThreshold] < self[.electrolytePerCapacity], .dryOutThreshold,
                "\(self[.dryOutThreshold]) g/Ah must be below design.electrolyte_g_per_ah (\(self[.electrolytePerCapacity]) g/Ah), or the cell is dry when new")
        require(self[.electrodeFaceArea] <= electrodeAreaSquareCentimetres, .electrodeFaceArea,
                "\(self[.electrodeFaceArea]) cm² exceeds the total electrode area \(electrodeAreaSquareCentimetres) cm² (capacity / loading)")
        let cathodeGrams = self[.nominalCapacityAh] * 1_000 / self[.cathodeSpecificCapacity]
        let lithiumGrams = lithiumFoilAh / PhysicalConstants.ampereHoursPerMole * PhysicalConstants.lithiumMolarMass
        let electrolyteGrams = self[.electrolytePerCapacity] * self[.nominalCapacityAh]
        let components = cathodeGrams + lithiumGrams + electrolyteGrams
        require(components < self[.cellMass], .cellMass,
                "\(self[.cellMass]) g is less than cathode + lithium + electrolyte (\((components * 10).rounded() / 10) g)")
        require(self[.crackVoltage] < self[.oxidationOnset], .crackVoltage, "must be below electrical.electrolyte_oxidation_onset_v")
        require(self[.softShortOnset] < 1, .softShortOnset, "must be below 1 (a tip at the separator is a hard short)")
        return problems
    }
}
