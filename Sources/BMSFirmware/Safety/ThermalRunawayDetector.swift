import RealModule

/// Staged thermal-runaway detection with multi-signal voting.
///
/// Signals per sampling interval (default 100 ms):
/// - per block: voltage drop against a slow reference (GB rule a), deviation below the pack mean;
/// - per thermistor (only while classified valid): over the maximum operating temperature (GB rule b),
///   dT/dt ≥ 1 °C/s held for > 3 s (GB rule c), sustained heating above the warning rate, heating neighbours;
/// - pack: hydrogen and enclosure pressure over their baselines, smoke; soft-short suspects.
///
/// Stages:
/// - **warning**: any early signal — gas, pressure or smoke, a soft-short signature, or sustained
///   heating that a second signal (neighbour, voltage) confirms;
/// - **alarm**: a runaway-rate temperature rise corroborated by a second, independent signal, or a gas,
///   pressure or smoke alarm together with another class of signal;
/// - **confirmed**: the GB 38031-2025 C.5.3.7 rule, where path (b) (temperature) must be corroborated
///   by another sensor, so a single failing thermistor can never confirm a runaway.
/// Alarms and confirmations latch; a warning clears once its causes have been gone for the clear time.
struct ThermalRunawayDetector: Sendable {
    private(set) var level: ThermalRunawayLevel = .none
    private(set) var cells: [Int] = []
    private(set) var signals: ThermalRunawaySignals = []
    private(set) var propagation: [Int] = []
    private var warningQuietSince = Time.never
    private var voltageReference: [Double]
    /// Each block's estimated SOC at the last sample it did not deviate from the pack mean.
    private var socWhileAgreeing: [Double]
    private var hasReference: [Bool]
    private var confirmRateSince: [Int64]
    private var warningRateSince: [Int64]
    private(set) var gas: EnclosureSensorTracker
    private(set) var pressure: EnclosureSensorTracker
    /// Highest valid dT/dt at the last sample (°C/s).
    private(set) var maximumRate = 0.0
    private(set) var lastSampleAt = Time.never

    init(topology: PackTopology) {
        voltageReference = Array(repeating: 0, count: topology.seriesCells)
        socWhileAgreeing = Array(repeating: .nan, count: topology.seriesCells)
        hasReference = Array(repeating: false, count: topology.seriesCells)
        confirmRateSince = Array(repeating: Time.never, count: topology.temperatureSensors)
        warningRateSince = Array(repeating: Time.never, count: topology.temperatureSensors)
        gas = EnclosureSensorTracker(count: topology.gasSensors)
        pressure = EnclosureSensorTracker(count: topology.pressureSensors)
    }

    /// Inputs of one evaluation.
    struct Inputs {
        var now: Int64
        var cellVolts: [Double]
        var cellValid: [Bool]
        var meanCellVolts: Double
        /// Each block's estimated SOC (gates the deviation signal out of the end-of-discharge knee).
        var cellSOC: [Double] = []
        var temperatures: TemperatureTracker
        var smoke: Bool
        /// Blocks whose excess self-discharge is above the thermal-runaway soft-short threshold.
        var softShortCells: [Int]
    }

    /// Samples the gas and pressure sensors.
    mutating func sampleEnclosure(store: MeasurementStore, configuration: BMSConfiguration, now: Int64) {
        let settings = configuration.thermalRunaway
        let measurement = configuration.measurements
        gas.sample(
            values: store.hydrogenPartsPerMillion, receivedAt: store.gasReceivedAt, aliveAt: store.gasAliveAt, poweredOnAt: store.poweredOnAt, faultReported: store.gasFaultReported,
            limits: .init(
                valid: 0...measurement.gasFullScalePartsPerMillion, step: measurement.gasStepLimitPartsPerMillion,
                warningRise: settings.gasWarningRisePartsPerMillion, alarmRise: settings.gasAlarmRisePartsPerMillion,
                hold: settings.gasHoldMilliseconds, baselineTimeConstant: settings.gasBaselineTimeConstantMilliseconds,
                timeout: measurement.gasTimeoutMilliseconds),
            intervalMilliseconds: settings.sampleIntervalMilliseconds, now: now)
        pressure.sample(
            values: store.pressurePascals, receivedAt: store.pressureReceivedAt, aliveAt: store.pressureAliveAt, poweredOnAt: store.poweredOnAt, faultReported: store.pressureFaultReported,
            limits: .init(
                valid: measurement.pressureValidPascals, step: measurement.pressureStepLimitPascals,
                warningRise: settings.pressureWarningRisePascals, alarmRise: settings.pressureAlarmRisePascals,
                hold: settings.pressureHoldMilliseconds, baselineTimeConstant: settings.pressureBaselineTimeConstantMilliseconds,
                timeout: measurement.pressureTimeoutMilliseconds),
            intervalMilliseconds: settings.sampleIntervalMilliseconds, now: now)
    }

    /// Evaluates all signals; returns an alarm to broadcast when the stage rises or the runaway spreads.
    mutating func evaluate(_ inputs: Inputs, configuration: BMSConfiguration) -> ThermalRunawayAlarm? {
        let settings = configuration.thermalRunaway
        let topology = configuration.topology
        let now = inputs.now
        let interval = lastSampleAt == Time.never ? settings.sampleIntervalMilliseconds : max(Time.elapsed(from: lastSampleAt, to: now), 0)
        lastSampleAt = now
        // A rate first seen over a sample spacing longer than the nominal one held over that spacing: hold
        // times start where the spacing began (a 30 s task meets "held for 3 s" at the sample that sees it).
        let onset = Time.adding(-max(interval - settings.sampleIntervalMilliseconds, 0), to: now)
        let maximumOperating = Double(configuration.limits.dischargeTemperatureMaximum.maximumOperating) / 10

        // Per-block voltage signals.
        var drop = Array(repeating: false, count: topology.seriesCells)
        var deviation = Array(repeating: false, count: topology.seriesCells)
        var dropFraction = Array(repeating: 0.0, count: topology.seriesCells)
        // Exponential mean over the actual time since the last evaluation (exact at any task period).
        let alpha = -Double.expMinusOne(-Double(interval) / Double(max(settings.voltageReferenceTimeConstantMilliseconds, 1)))
        for cell in 0..<topology.seriesCells {
            guard inputs.cellValid[cell] else { continue }
            let volts = inputs.cellVolts[cell]
            if !hasReference[cell] {
                voltageReference[cell] = volts
                hasReference[cell] = true
            }
            let reference = voltageReference[cell]
            if reference > 0 {
                dropFraction[cell] = (reference - volts) / reference
                drop[cell] = dropFraction[cell] > settings.confirmationVoltageDropFraction
            }
            if inputs.meanCellVolts > 0 {
                let below = (inputs.meanCellVolts - volts) / inputs.meanCellVolts > settings.voltageDeviationFraction
                // The SOC the block had while it still agreed with the pack: a block that was already in the
                // end-of-discharge knee deviates by design; one that collapses at mid SOC keeps that SOC even
                // when its filter follows the collapse down.
                if !below, cell < inputs.cellSOC.count { socWhileAgreeing[cell] = inputs.cellSOC[cell] }
                deviation[cell] = below && !(socWhileAgreeing[cell] < settings.voltageDeviationMinimumSOC)
            }
            // The reference follows slowly and stops following once the cell is collapsing.
            if !deviation[cell] { voltageReference[cell] += alpha * (volts - reference) }
        }

        // Per-thermistor signals.
        let temperatures = inputs.temperatures
        var heating = Array(repeating: false, count: topology.temperatureSensors)
        var rising = Array(repeating: false, count: topology.temperatureSensors)
        maximumRate = 0
        for sensor in 0..<topology.temperatureSensors {
            guard temperatures.isValid(sensor) else {
                confirmRateSince[sensor] = Time.never
                warningRateSince[sensor] = Time.never
                continue
            }
            let rate = temperatures.rate(sensor)
            maximumRate = max(maximumRate, rate)
            if rate >= settings.confirmationRateCelsiusPerSecond {
                if confirmRateSince[sensor] == Time.never { confirmRateSince[sensor] = onset }
            } else {
                confirmRateSince[sensor] = Time.never
            }
            // Sustained heating, neighbour corroboration and propagation use the slow (10 s) rate: the fast
            // rate's noise would let one noisy neighbour corroborate a single failing thermistor.
            if temperatures.slowRate(sensor) >= settings.warningRateCelsiusPerSecond {
                rising[sensor] = true
                if warningRateSince[sensor] == Time.never { warningRateSince[sensor] = onset }
                heating[sensor] = Time.elapsed(from: warningRateSince[sensor], to: now) >= settings.warningRateHoldMilliseconds
            } else {
                warningRateSince[sensor] = Time.never
            }
        }

        let gasWarning = gas.exceeds(alarm: false, hold: settings.gasHoldMilliseconds, now: now)
        let gasAlarm = gas.exceeds(alarm: true, hold: settings.gasHoldMilliseconds, now: now)
        let pressureWarning = pressure.exceeds(alarm: false, hold: settings.pressureHoldMilliseconds, now: now)
        let pressureAlarm = pressure.exceeds(alarm: true, hold: settings.pressureHoldMilliseconds, now: now)
        let smoke = inputs.smoke
        var packSignals: ThermalRunawaySignals = []
        if gasWarning { packSignals.insert(.gas) }
        if gasAlarm { packSignals.insert(.gasAlarm) }
        if pressureWarning { packSignals.insert(.pressure) }
        if pressureAlarm { packSignals.insert(.pressureAlarm) }
        if smoke { packSignals.insert(.smoke) }
        let anyHeating = heating.contains(true)
        let packCorroboration = gasWarning || pressureWarning || smoke

        var computed: ThermalRunawayLevel = .none
        var triggerCells: [Int] = []
        var triggerSignals: ThermalRunawaySignals = []
        func raise(_ stage: ThermalRunawayLevel, cell: Int?, _ signals: ThermalRunawaySignals) {
            if stage > computed {
                computed = stage
                triggerCells = []
                triggerSignals = []
            }
            if stage == computed {
                if let cell, !triggerCells.contains(cell) { triggerCells.append(cell) }
                triggerSignals.formUnion(signals)
            }
        }

        for sensor in 0..<topology.temperatureSensors where temperatures.isValid(sensor) {
            let cell = topology.cell(forTemperatureSensor: sensor)
            let celsius = temperatures.celsius(sensor)
            let over = celsius >= maximumOperating
            let held = confirmRateSince[sensor] == Time.never ? 0 : Time.elapsed(from: confirmRateSince[sensor], to: now)
            let neighbourRising = temperatures.neighbourSensors(sensor, topology: topology).contains { rising[$0] }
            var local: ThermalRunawaySignals = []
            if drop[cell] { local.insert(.voltageDrop) }
            if deviation[cell] { local.insert(.voltageDeviation) }
            if over { local.insert(.overTemperature) }
            if held > settings.confirmationRateHoldMilliseconds { local.insert(.temperatureRate) }
            if heating[sensor] { local.insert(.heating) }
            if neighbourRising { local.insert(.neighbourHeating) }
            let corroborated = drop[cell] || deviation[cell] || neighbourRising || packCorroboration
            let rule = ThermalRunawayRule.isMet(
                voltageDropFraction: inputs.cellValid[cell] ? dropFraction[cell] : 0, temperatureCelsius: celsius,
                maximumOperatingCelsius: maximumOperating, rateHeldMilliseconds: held, settings: settings)
            if rule, drop[cell] || corroborated {
                raise(.confirmed, cell: cell, local.union(packSignals))
            } else if held > settings.confirmationRateHoldMilliseconds, corroborated {
                raise(.alarm, cell: cell, local.union(packSignals))
            } else if heating[sensor], neighbourRising || drop[cell] || deviation[cell] {
                raise(.warning, cell: cell, local)
            } else if over, corroborated {
                raise(.warning, cell: cell, local.union(packSignals))
            }
        }
        if gasAlarm, pressureWarning || smoke || anyHeating { raise(.alarm, cell: nil, packSignals) }
        if pressureAlarm, gasWarning || smoke || anyHeating { raise(.alarm, cell: nil, packSignals) }
        if smoke, gasWarning || pressureWarning || anyHeating { raise(.alarm, cell: nil, packSignals) }
        if packCorroboration { raise(.warning, cell: nil, packSignals) }
        for cell in inputs.softShortCells { raise(.warning, cell: cell, .softShort) }

        return advance(to: computed, cells: triggerCells.sorted(), signals: triggerSignals, rising: rising, topology: topology, configuration: configuration, now: now)
    }

    private mutating func advance(
        to computed: ThermalRunawayLevel, cells newCells: [Int], signals newSignals: ThermalRunawaySignals, rising: [Bool],
        topology: PackTopology, configuration: BMSConfiguration, now: Int64
    ) -> ThermalRunawayAlarm? {
        if computed > level {
            level = computed
            cells = newCells
            signals = newSignals
            warningQuietSince = Time.never
            return ThermalRunawayAlarm(level: level, cells: cells, signals: signals, propagation: propagation, atMilliseconds: now)
        }
        if level == .warning, computed == .none {
            if warningQuietSince == Time.never { warningQuietSince = now }
            if Time.elapsed(from: warningQuietSince, to: now) >= configuration.thermalRunaway.warningClearMilliseconds {
                level = .none
                cells = []
                signals = []
                warningQuietSince = Time.never
            }
            return nil
        }
        if computed == level { warningQuietSince = Time.never }
        guard level >= .alarm else { return nil }
        // Propagation: blocks other than the triggering ones that start heating after the alarm.
        var spread = propagation
        for sensor in 0..<topology.temperatureSensors where rising[sensor] {
            let cell = topology.cell(forTemperatureSensor: sensor)
            if !cells.contains(cell), !spread.contains(cell) { spread.append(cell) }
        }
        guard spread.count > propagation.count else { return nil }
        propagation = spread.sorted()
        return ThermalRunawayAlarm(level: level, cells: cells, signals: signals, propagation: propagation, atMilliseconds: now)
    }
}
