/// Healing protocols and the margins inside which healing is allowed (`Firmware/healing-profiles.yaml`).
///
/// Protocols (see `Firmware/healing-profiles.yaml` for sources):
/// - self-heating dose: short high-current-density pulses in both directions, net charge zero, at or
///   above the ~9 mA/cm² self-heating threshold (Li et al., Science 359 (2018) 1513);
/// - asymmetric bidirectional current (ABC): forward charge with periodic reverse pulses
///   (Wang et al., iScience 23 (2020) 100781);
/// - pulse charging: 1 ms on / 3 ms off (Aryanfar et al., J. Phys. Chem. Lett. 5 (2014) 1721);
/// - rests (STCR): charge interrupted by shelve periods.
public struct HealingProfiles: Hashable, Sendable {
    /// Whether the controller schedules healing on its own when the diagnosis asks for it.
    public var automatic: Bool
    public var margins: Margins
    public var selfHeating: SelfHeatingDose
    public var asymmetricBidirectional: AsymmetricBidirectional
    public var pulseCharging: PulseCharging
    public var restInterleaved: RestInterleaved
    public var phases: Phases

    /// Healing is forbidden unless every block is inside these margins.
    public struct Margins: Hashable, Sendable {
        /// Highest block temperature must stay this far below the charge-maximum MOL.
        public var temperatureBelowChargeMaximumDeciCelsius: Int32
        /// Lowest block temperature must be at least this (cold Li plating forms dendrites).
        public var minimumTemperatureDeciCelsius: Int32
        /// Highest block voltage must stay this far below the maximum MOL.
        public var voltageBelowMaximumMillivolts: Int32
        /// Lowest block voltage must stay this far above the minimum MOL.
        public var voltageAboveMinimumMillivolts: Int32
        /// Pack SOC window.
        public var minimumSOC: Double
        public var maximumSOC: Double
        /// A run is aborted once any block has warmed this much since the run started.
        public var temperatureRiseBudgetDeciCelsius: Int32

        public init(
            temperatureBelowChargeMaximumDeciCelsius: Int32, minimumTemperatureDeciCelsius: Int32,
            voltageBelowMaximumMillivolts: Int32, voltageAboveMinimumMillivolts: Int32, minimumSOC: Double,
            maximumSOC: Double, temperatureRiseBudgetDeciCelsius: Int32
        ) {
            self.temperatureBelowChargeMaximumDeciCelsius = temperatureBelowChargeMaximumDeciCelsius
            self.minimumTemperatureDeciCelsius = minimumTemperatureDeciCelsius
            self.voltageBelowMaximumMillivolts = voltageBelowMaximumMillivolts
            self.voltageAboveMinimumMillivolts = voltageAboveMinimumMillivolts
            self.minimumSOC = minimumSOC
            self.maximumSOC = maximumSOC
            self.temperatureRiseBudgetDeciCelsius = temperatureRiseBudgetDeciCelsius
        }
    }

    public struct SelfHeatingDose: Hashable, Sendable {
        public var currentDensityMilliamperesPerSquareCentimetre: Double
        public var pulseMilliseconds: Int32
        public var restMilliseconds: Int32
        public var cycles: Int
        public init(currentDensityMilliamperesPerSquareCentimetre: Double, pulseMilliseconds: Int32, restMilliseconds: Int32, cycles: Int) {
            self.currentDensityMilliamperesPerSquareCentimetre = currentDensityMilliamperesPerSquareCentimetre
            self.pulseMilliseconds = pulseMilliseconds
            self.restMilliseconds = restMilliseconds
            self.cycles = cycles
        }
    }

    public struct AsymmetricBidirectional: Hashable, Sendable {
        /// Forward (charge) current as a C-rate of the nominal cell capacity.
        public var forwardCRate: Double
        /// Reverse charge / forward charge per period.
        public var reverseChargeRatio: Double
        public var forwardMilliseconds: Int32
        public var reverseMilliseconds: Int32
        /// Charges that use this profile after one diagnosis.
        public var charges: Int
        /// An ABC charge finishes as CC-CV once the highest block is this close to the charge-end voltage (mV):
        /// the CV loop tapers the forward pulses while the reverse pulses keep their amplitude, so the mean
        /// current would fall below zero before the charge could terminate.
        public var finishWithinMillivolts: Int32
        public init(
            forwardCRate: Double, reverseChargeRatio: Double, forwardMilliseconds: Int32, reverseMilliseconds: Int32, charges: Int,
            finishWithinMillivolts: Int32
        ) {
            self.forwardCRate = forwardCRate
            self.reverseChargeRatio = reverseChargeRatio
            self.forwardMilliseconds = forwardMilliseconds
            self.reverseMilliseconds = reverseMilliseconds
            self.charges = charges
            self.finishWithinMillivolts = finishWithinMillivolts
        }
    }

    public struct PulseCharging: Hashable, Sendable {
        public var onMilliseconds: Int32
        public var offMilliseconds: Int32
        /// Mean current as a C-rate (the on-pulse is mean / duty).
        public var meanCRate: Double
        public init(onMilliseconds: Int32, offMilliseconds: Int32, meanCRate: Double) {
            self.onMilliseconds = onMilliseconds
            self.offMilliseconds = offMilliseconds
            self.meanCRate = meanCRate
        }
    }

    public struct RestInterleaved: Hashable, Sendable {
        public var chargeMilliseconds: Int32
        public var restMilliseconds: Int32
        public var cRate: Double
        public init(chargeMilliseconds: Int32, restMilliseconds: Int32, cRate: Double) {
            self.chargeMilliseconds = chargeMilliseconds
            self.restMilliseconds = restMilliseconds
            self.cRate = cRate
        }
    }

    /// Durations of the sense → diagnose → heal → verify phases.
    public struct Phases: Hashable, Sendable {
        /// Rest before a dose to confirm the signature and take the "before" metrics.
        public var diagnoseRestMilliseconds: Int64
        /// How long the controller waits for the margins to allow the run before giving up.
        public var scheduleTimeoutMilliseconds: Int64
        /// Length of a run for the time-based protocols (pulse charging, rests).
        public var runMilliseconds: Int64
        /// Rest after the run to take the "after" metrics.
        public var verifyRestMilliseconds: Int64
        /// A suspect metric must fall by this fraction for the run to count as an improvement.
        public var improvementFraction: Double
        /// Least time between two runs.
        public var minimumIntervalMilliseconds: Int64
        public init(
            diagnoseRestMilliseconds: Int64, scheduleTimeoutMilliseconds: Int64, runMilliseconds: Int64,
            verifyRestMilliseconds: Int64, improvementFraction: Double, minimumIntervalMilliseconds: Int64
        ) {
            self.diagnoseRestMilliseconds = diagnoseRestMilliseconds
            self.scheduleTimeoutMilliseconds = scheduleTimeoutMilliseconds
            self.runMilliseconds = runMilliseconds
            self.verifyRestMilliseconds = verifyRestMilliseconds
            self.improvementFraction = improvementFraction
            self.minimumIntervalMilliseconds = minimumIntervalMilliseconds
        }
    }

    /// Adaptive preventive dosing: a dose once the plating stress since the last one reaches `doseAfter`.
    public struct Preventive: Hashable, Sendable {
        /// Current density the stress is counted relative to, mA/cm².
        public var referenceCurrentDensityMilliamperesPerSquareCentimetre: Double
        /// Extra stress per kelvin below `referenceCelsius` (cold plating).
        public var coldSensitivityPerKelvin: Double
        public var referenceCelsius: Double
        /// Stress (mAh/cm² × J/J_ref) that makes a dose due; 0 turns preventive dosing off.
        public var doseAfter: Double
        public init(
            referenceCurrentDensityMilliamperesPerSquareCentimetre: Double, coldSensitivityPerKelvin: Double, referenceCelsius: Double,
            doseAfter: Double
        ) {
            self.referenceCurrentDensityMilliamperesPerSquareCentimetre = referenceCurrentDensityMilliamperesPerSquareCentimetre
            self.coldSensitivityPerKelvin = coldSensitivityPerKelvin
            self.referenceCelsius = referenceCelsius
            self.doseAfter = doseAfter
        }
        /// No preventive dosing.
        public static let off = Preventive(
            referenceCurrentDensityMilliamperesPerSquareCentimetre: 1, coldSensitivityPerKelvin: 0, referenceCelsius: 25, doseAfter: 0)
        var isEnabled: Bool { doseAfter > 0 && referenceCurrentDensityMilliamperesPerSquareCentimetre > 0 }
    }

    public var preventive: Preventive

    public init(
        automatic: Bool, margins: Margins, selfHeating: SelfHeatingDose, asymmetricBidirectional: AsymmetricBidirectional,
        pulseCharging: PulseCharging, restInterleaved: RestInterleaved, phases: Phases, preventive: Preventive = .off
    ) {
        self.preventive = preventive
        self.automatic = automatic
        self.margins = margins
        self.selfHeating = selfHeating
        self.asymmetricBidirectional = asymmetricBidirectional
        self.pulseCharging = pulseCharging
        self.restInterleaved = restInterleaved
        self.phases = phases
    }

    /// The self-heating threshold current density (mA/cm²) below which a dose has no healing effect
    /// (Li et al., Science 2018; [S2:L348]).
    public static let selfHeatingThresholdMilliamperesPerSquareCentimetre = 9.0

    func validate(into collector: inout IssueCollector, cell: CellModel, limits: SafetyLimits) {
        let margin = ["forbidden_unless"]
        collector.check(margins.temperatureBelowChargeMaximumDeciCelsius >= 0, margin + ["temperature_below_charge_max_ddegc"], "must not be negative")
        collector.check(margins.voltageBelowMaximumMillivolts >= 0, margin + ["voltage_below_max_mv"], "must not be negative")
        collector.check(margins.voltageAboveMinimumMillivolts >= 0, margin + ["voltage_above_min_mv"], "must not be negative")
        collector.check(
            margins.minimumSOC >= 0 && margins.minimumSOC < margins.maximumSOC && margins.maximumSOC <= 1, margin + ["soc_window"],
            "must satisfy 0 <= min < max <= 1")
        collector.check(margins.temperatureRiseBudgetDeciCelsius > 0, margin + ["temperature_rise_budget_ddegc"], "must be positive")
        let heating = ["self_heating_dose"]
        collector.check(
            selfHeating.currentDensityMilliamperesPerSquareCentimetre >= Self.selfHeatingThresholdMilliamperesPerSquareCentimetre,
            heating + ["current_density_ma_per_cm2"],
            "must be at least the 9 mA/cm² self-heating threshold (Li et al., Science 2018), else the dose cannot heal")
        let pulseCurrentPerCell = selfHeating.currentDensityMilliamperesPerSquareCentimetre * cell.electrodeAreaSquareCentimetres
        collector.check(
            pulseCurrentPerCell <= Double(min(limits.healingPulse.chargeMilliamperesPerCell, limits.healingPulse.dischargeMilliamperesPerCell)),
            heating + ["current_density_ma_per_cm2"],
            "needs \(Int(pulseCurrentPerCell)) mA per cell, above the cell's healing pulse rating in the limits table")
        collector.check(
            selfHeating.pulseMilliseconds > 0 && selfHeating.pulseMilliseconds <= limits.healingPulse.maximumPulseMilliseconds,
            heating + ["pulse_ms"], "must lie in 1...healing_pulse_per_cell.maximum_pulse_ms")
        collector.check(selfHeating.restMilliseconds >= 0, heating + ["rest_ms"], "must not be negative")
        collector.check((1...1000).contains(selfHeating.cycles), heating + ["cycles"], "must lie in 1...1000")
        let abc = ["asymmetric_bidirectional"]
        collector.check(asymmetricBidirectional.forwardCRate > 0 && asymmetricBidirectional.forwardCRate <= 3, abc + ["forward_c_rate"], "must lie in (0, 3]")
        collector.check(
            asymmetricBidirectional.reverseChargeRatio > 0 && asymmetricBidirectional.reverseChargeRatio < 1,
            abc + ["reverse_charge_ratio"], "must lie in (0, 1) so net charge flows forward")
        collector.check(asymmetricBidirectional.forwardMilliseconds > 0, abc + ["forward_ms"], "must be positive")
        collector.check(asymmetricBidirectional.reverseMilliseconds > 0, abc + ["reverse_ms"], "must be positive")
        collector.check(asymmetricBidirectional.charges >= 1, abc + ["charges"], "must be at least 1")
        let prevent = ["preventive"]
        collector.check(preventive.doseAfter >= 0 && preventive.doseAfter.isFinite, prevent + ["dose_after"], "must be 0 (off) or positive")
        collector.check(
            preventive.referenceCurrentDensityMilliamperesPerSquareCentimetre > 0, prevent + ["reference_current_density_ma_per_cm2"], "must be positive")
        collector.check(preventive.coldSensitivityPerKelvin >= 0 && preventive.coldSensitivityPerKelvin < 1, prevent + ["cold_sensitivity_per_k"], "must lie in [0, 1)")
        collector.check(
            asymmetricBidirectional.finishWithinMillivolts >= 0 && asymmetricBidirectional.finishWithinMillivolts <= 1000,
            abc + ["finish_cc_cv_within_mv"], "must lie in [0, 1000]")
        let pulse = ["pulse_charging"]
        collector.check(pulseCharging.onMilliseconds > 0, pulse + ["on_ms"], "must be positive")
        collector.check(pulseCharging.offMilliseconds >= 0, pulse + ["off_ms"], "must not be negative")
        collector.check(pulseCharging.meanCRate > 0 && pulseCharging.meanCRate <= 3, pulse + ["mean_c_rate"], "must lie in (0, 3]")
        let rest = ["rest_interleaved"]
        collector.check(restInterleaved.chargeMilliseconds > 0, rest + ["charge_ms"], "must be positive")
        collector.check(restInterleaved.restMilliseconds > 0, rest + ["rest_ms"], "must be positive")
        collector.check(restInterleaved.cRate > 0 && restInterleaved.cRate <= 3, rest + ["c_rate"], "must lie in (0, 3]")
        let phase = ["phases"]
        collector.check(phases.diagnoseRestMilliseconds >= 0, phase + ["diagnose_rest_ms"], "must not be negative")
        collector.check(phases.scheduleTimeoutMilliseconds > 0, phase + ["schedule_timeout_ms"], "must be positive")
        collector.check(phases.runMilliseconds > 0, phase + ["run_ms"], "must be positive")
        collector.check(phases.verifyRestMilliseconds >= 0, phase + ["verify_rest_ms"], "must not be negative")
        collector.check(phases.improvementFraction > 0 && phases.improvementFraction < 1, phase + ["improvement_fraction"], "must lie in (0, 1)")
        collector.check(phases.minimumIntervalMilliseconds >= 0, phase + ["minimum_interval_ms"], "must not be negative")
    }
}
