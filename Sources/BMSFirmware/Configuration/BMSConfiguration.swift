/// Everything the controller boots with, as plain values; built by the shell from the files under
/// `Firmware/` (see `FirmwareConfig`), or directly in tests.
public struct BMSConfiguration: Hashable, Sendable {
    public var topology: PackTopology
    public var limits: SafetyLimits
    public var diagnosis: DiagnosisTable
    public var cell: CellModel
    public var estimation: EstimationSettings
    public var contactors: ContactorSettings
    public var measurements: MeasurementSettings
    public var balancing: BalancingSettings
    public var charging: ChargingSettings
    public var reporting: ReportingSettings
    public var thermalRunaway: ThermalRunawaySettings
    public var dendrite: DendriteDiagnosisSettings
    public var healing: HealingProfiles

    public init(
        topology: PackTopology, limits: SafetyLimits, diagnosis: DiagnosisTable, cell: CellModel,
        estimation: EstimationSettings, contactors: ContactorSettings, measurements: MeasurementSettings,
        balancing: BalancingSettings, charging: ChargingSettings, reporting: ReportingSettings,
        thermalRunaway: ThermalRunawaySettings, dendrite: DendriteDiagnosisSettings, healing: HealingProfiles
    ) {
        self.topology = topology
        self.limits = limits
        self.diagnosis = diagnosis
        self.cell = cell
        self.estimation = estimation
        self.contactors = contactors
        self.measurements = measurements
        self.balancing = balancing
        self.charging = charging
        self.reporting = reporting
        self.thermalRunaway = thermalRunaway
        self.dendrite = dendrite
        self.healing = healing
    }

    /// Every violated rule, in file order (empty when the configuration is usable).
    public func validate() -> [ConfigurationIssue] {
        var issues = limits.validate()
        issues += diagnosis.validate()
        var cellIssues = IssueCollector(file: .cellModel)
        cell.validate(into: &cellIssues)
        estimation.validate(into: &cellIssues)
        issues += cellIssues.issues
        var controller = IssueCollector(file: .controller)
        topology.validate(into: &controller)
        contactors.validate(into: &controller)
        measurements.validate(into: &controller)
        balancing.validate(into: &controller)
        charging.validate(into: &controller)
        reporting.validate(into: &controller)
        issues += controller.issues
        var runaway = IssueCollector(file: .thermalRunaway)
        thermalRunaway.validate(into: &runaway)
        issues += runaway.issues
        var dendriteIssues = IssueCollector(file: .dendriteDiagnosis)
        dendrite.validate(into: &dendriteIssues)
        issues += dendriteIssues.issues
        var healingIssues = IssueCollector(file: .healingProfiles)
        healing.validate(into: &healingIssues, cell: cell, limits: limits)
        let pulse = healing.pulseCharging
        let duty = Double(pulse.onMilliseconds) / Double(max(1, Int64(pulse.onMilliseconds) + Int64(pulse.offMilliseconds)))
        let onCurrent = pulse.meanCRate * cell.nominalCapacityAmpereHours * 1000 / max(duty, 1e-9)
        healingIssues.check(
            onCurrent <= Double(limits.healingPulse.chargeMilliamperesPerCell), ["pulse_charging", "mean_c_rate"],
            "on-pulse of \(Int(onCurrent)) mA per cell exceeds the cell's healing pulse charge rating")
        issues += healingIssues.issues
        return issues
    }

    /// Cell-level currents in the pack: milliamperes per cell times parallel cells.
    func packMilliamperes(perCell milliamperes: Int32) -> Int64 {
        Int64(milliamperes) * Int64(topology.parallelCells)
    }
}

extension BMSConfiguration {
    /// The charger's CV voltage for the whole string: series count × ``SafetyLimits/chargeEndCellMillivolts``.
    /// Every charger command carries it (CC-CV, the ABC profile and the healing doses).
    public var chargeVoltageLimitMillivolts: Int32 {
        Int32(clamping: Int64(limits.chargeEndCellMillivolts) * Int64(topology.seriesCells))
    }
}
