@testable import BMSFirmware
import CellPack
import FirmwareConfig
import RealModule
import SeededRandom

/// Closed loop of the controller and the real pack model (CellPack `VirtualPack`): the harness measures
/// the pack through a sensor model with noise, offsets and quantisation, hands the readings to the
/// controller at its task period, and carries out its commands — contactors, charger (CC-CV and the
/// healing profiles as `CurrentWaveform`s), balancing — like the sensor nodes and actuators will.
///
/// The charger follows the BMS's setpoint with its own pack-voltage CV loop; a load draws the demanded
/// discharge current (within the BMS's discharge limit) in `normal`. Abuse switches: a charger that
/// ignores the BMS, contactors that do not open (welded), heaters, injected pack faults.
struct PackHarness {
    /// Sensor errors (1σ where random).
    struct Sensors {
        /// AFE cell-voltage noise (LTC681x-class: ~1 mV) and a fixed per-channel offset.
        var voltageSigma = 0.0012
        var voltageOffsetSigma = 0.0008
        /// Thermistor noise (0.1 °C quantisation on the bus).
        var temperatureSigma = 0.05
        /// Shunt: gain error, offset, noise (IVT-S class, bms-hil-anchors A1).
        var currentGain = 0.001
        var currentOffsetAmperes = 0.010
        var currentSigma = 0.020
        /// Hydrogen sensor noise (ppm) and its zero offset.
        var hydrogenSigma = 1.0
        var hydrogenOffset = 2.0
        /// Enclosure pressure sensor noise (Pa).
        var pressureSigma = 20.0
    }

    var pack: VirtualPack
    var controller: BMSController
    let configuration: BMSConfiguration
    var sensors = Sensors()
    var random: Xoshiro256
    var voltageOffsets: [Double]
    var now: Int64 = 0

    // Actuators as commanded.
    var contactors = ContactorStates.open
    var balancing: [Bool]
    var chargerCommand: ChargerCommand?
    /// The charger's present CC-CV amplitude (A, into the pack), tapered by its own CV loop.
    var chargerAmperes = 0.0
    var profileStartedAt: Int64 = 0
    var chargerConnected = true
    /// Demanded discharge current while the BMS is in `normal` (A).
    var loadAmperes = 0.0
    var request: ModeRequest = .standby
    var lastRequestAt: Int64 = .min
    /// Abuse: the charger keeps `abuseChargeAmperes` flowing whatever the BMS says.
    var abuseChargeAmperes: Double?
    /// Abuse: the contactors stay closed when commanded open.
    var contactorsWelded = false
    var heaterWatts: [Double] = []
    /// Called after every step (tests' probes).
    var onStep: ((PackHarness) -> Void)?
    var fineUntil: Int64 = .min
    var lastDemandSignature: [Double] = []
    var ambientCelsius = 25.0

    // Counters the sensors keep.
    var chargeCounterAmpereSeconds = 0.0
    var lastCurrentAmperes = 0.0
    /// Every command, when `recordCommands` is on.
    var commands: [BMSCommand] = []
    var recordCommands = false
    /// First time (ms) each thermal-runaway stage was broadcast.
    var firstAlarm: [ThermalRunawayLevel: Int64] = [:]
    /// Diagnosis rows that were set at least once.
    var setDiagnoses: Set<DiagnosisID> = []

    static let cellParameters: CellParameters = {
        do { return try CellParameterFile.load(path: Fixtures.firmwareDirectory + "/cells/li-metal-ncm811-pouch.yaml") } catch {
            fatalError("cell file: \(error)")
        }
    }()

    static let packParameters: PackParameters = {
        do { return try PackParameterFile.load(path: Fixtures.firmwareDirectory + "/packs/96s2p.yaml") } catch {
            fatalError("pack file: \(error)")
        }
    }()

    /// The shipped firmware configuration on a pack of `series` × `parallel` (modules of ≤ 12 blocks).
    static func configuration(series: Int, parallel: Int, reports: Bool = false) -> BMSConfiguration {
        var configuration = Fixtures.shipped
        configuration.topology = PackTopology(
            seriesCells: series, parallelCells: parallel, cellsPerModule: min(12, series), temperatureSensors: series,
            redundantTemperatures: false, gasSensors: 1, pressureSensors: 1, smokeSensors: 1)
        if !reports { configuration.reporting = .silent }
        return configuration
    }

    init(
        series: Int, parallel: Int, seed: UInt64, soc: Double = 0.5, celsius: Double = 25, configure: (inout BMSConfiguration) -> Void = { _ in },
        cell: CellParameters = PackHarness.cellParameters
    ) throws {
        var parameters = Self.packParameters
        parameters[.seriesCount] = Double(series)
        parameters[.parallelCount] = Double(parallel)
        parameters[.groupsPerModule] = Double(min(12, series))
        pack = try VirtualPack(cell: cell, pack: parameters, seed: seed, initialStateOfCharge: soc, initialCelsius: celsius)
        var configuration = Self.configuration(series: series, parallel: parallel)
        configure(&configuration)
        self.configuration = configuration
        controller = try BMSController(configuration: configuration)
        random = Xoshiro256(seed: seed, stream: 0xB45)
        var offsets = Xoshiro256(seed: seed, stream: 0x0FF)
        voltageOffsets = (0..<series).map { _ in 0.0008 * offsets.nextGaussian() }
        balancing = Array(repeating: false, count: series)
        ambientCelsius = celsius
    }

    var series: Int { pack.seriesCount }
    var parallel: Int { pack.parallelCount }

    // MARK: Truth

    /// True capacity of every block (Ah): the sum over its parallel cells.
    var blockCapacities: [Double] {
        (0..<series).map { group in (0..<parallel).reduce(0) { $0 + (pack.cell(group * parallel + $1)?.capacityAh ?? 0) } }
    }

    /// True ohmic resistance of every block (Ω): its cells in parallel.
    var blockOhmicResistances: [Double] {
        (0..<series).map { group in
            1 / (0..<parallel).reduce(0) { $0 + 1 / max(pack.cell(group * parallel + $1)?.ohmicResistance ?? 1, 1e-9) }
        }
    }

    /// True SOC of every block (dischargeable charge / capacity, summed over its cells).
    var blockSOC: [Double] {
        (0..<series).map { group in
            var charge = 0.0
            var capacity = 0.0
            for k in 0..<parallel {
                if let cell = pack.cell(group * parallel + k) {
                    charge += cell.stateOfCharge * cell.capacityAh
                    capacity += cell.capacityAh
                }
            }
            return capacity > 0 ? charge / capacity : 0
        }
    }

    var anyHardShort: Bool { (0..<pack.cellCount).contains { pack.cell($0)?.hardShort ?? false } }

    // MARK: Stepping

    /// The current the outside world demands for the next `seconds` (A, + discharge), as segments.
    func demand(seconds: Double) -> [(waveform: CurrentWaveform, seconds: Double)] {
        if let abuse = abuseChargeAmperes { return [(.constant(-abuse), seconds)] }
        if let command = chargerCommand, chargerConnected {
            let amplitude = chargerAmperes
            let current = Double(command.currentMilliamperes) / 1000
            let scale = current > 0 ? min(1, amplitude / current) : 0
            let on = current * scale
            switch command.profile {
            case .constantCurrentConstantVoltage:
                return [(.constant(-amplitude), seconds)]
            case .pulsed(let onMilliseconds, let offMilliseconds):
                return [(.pulses(amps: -on, onSeconds: Double(onMilliseconds) / 1000, offSeconds: Double(offMilliseconds) / 1000), seconds)]
            case .asymmetricBidirectional(let forward, let reverse, let reverseMilliamperes):
                return [
                    (
                        .bidirectional(
                            forwardAmps: -on, forwardSeconds: Double(forward) / 1000, reverseAmps: Double(reverseMilliamperes) / 1000 * scale,
                            reverseSeconds: Double(reverse) / 1000), seconds
                    )
                ]
            case .restInterleaved(let charge, let rest):
                return [(.pulses(amps: -on, onSeconds: Double(charge) / 1000, offSeconds: Double(rest) / 1000), seconds)]
            case .selfHeatingDose(let pulse, let rest, let cycles):
                // Charge pulse, rest, discharge pulse, rest: four levels, so the segments are laid out here
                // (the pack's waveforms have two), from the dose's own clock.
                let pulseSeconds = Double(pulse) / 1000
                let restSeconds = Double(rest) / 1000
                let period = 2 * (pulseSeconds + restSeconds)
                let doseSeconds = period * Double(cycles)
                var segments: [(CurrentWaveform, Double)] = []
                var t = Double(max(now - profileStartedAt, 0)) / 1000
                var left = seconds
                while left > 1e-9 {
                    if t >= doseSeconds {
                        segments.append((.rest, left))
                        break
                    }
                    let phase = t.truncatingRemainder(dividingBy: period)
                    let (level, end): (Double, Double) =
                        phase < pulseSeconds ? (-current, pulseSeconds)
                        : phase < pulseSeconds + restSeconds ? (0, pulseSeconds + restSeconds)
                        : phase < 2 * pulseSeconds + restSeconds ? (current, 2 * pulseSeconds + restSeconds) : (0, period)
                    let length = min(left, end - phase)
                    segments.append((.constant(level), length))
                    t += length
                    left -= length
                }
                return segments
            }
        }
        if case .normal = controller.state, loadAmperes > 0 {
            let limit = Double(controller.currentLimits.maximumDischargeMilliamperes) / 1000
            return [(.constant(min(loadAmperes, limit)), seconds)]
        }
        return [(.rest, seconds)]
    }

    /// Advances the pack by `milliseconds`, measures, runs the controller's tick, carries out its commands.
    @discardableResult
    mutating func step(milliseconds: Int64) -> [BMSCommand] {
        let seconds = Double(milliseconds) / 1000
        var inputs = PackInputs(
            current: .rest, contactors: contactors, balancing: balancing, ambientCelsius: ambientCelsius, coolantCelsius: ambientCelsius,
            heaterWatts: heaterWatts)
        var charge = 0.0
        for segment in demand(seconds: seconds) {
            inputs.current = segment.waveform
            pack.step(inputs, duration: segment.seconds)
            charge += pack.truth.averageCurrentAmps * segment.seconds
        }
        now += milliseconds
        // The shunt counts its own (offset- and gain-afflicted) current, exactly, at any step size.
        chargeCounterAmpereSeconds += charge * (1 + sensors.currentGain) + sensors.currentOffsetAmperes * seconds
        followChargerVoltageLimit(seconds: seconds)
        measure()
        let produced = controller.handle(.tick(nowMilliseconds: now))
        apply(produced)
        onStep?(self)
        return produced
    }

    /// The charger's own CV loop on the pack voltage (it does not trust the BMS alone), at any step size:
    /// the next amplitude moves by the voltage error over a pack DC resistance.
    mutating func followChargerVoltageLimit(seconds: Double) {
        guard let command = chargerCommand else {
            chargerAmperes = 0
            return
        }
        let setpoint = Double(command.currentMilliamperes) / 1000
        let limit = Double(command.voltageLimitMillivolts) / 1000
        let packOhms = Double(series) * 0.02 / Double(parallel)
        let next = chargerAmperes + (limit - pack.truth.packVolts) / packOhms
        chargerAmperes = min(setpoint, max(0, next))
    }

    mutating func measure() {
        var millivolts: [Int32] = []
        millivolts.reserveCapacity(series)
        for group in 0..<series {
            let volts = (pack.groupVolts(group) ?? 0) + voltageOffsets[group] + sensors.voltageSigma * random.nextGaussian()
            millivolts.append(Int32((volts * 1000).rounded()))
        }
        var deciCelsius: [Int32] = []
        for group in 0..<series {
            let surface = pack.cell(group * parallel)?.surfaceCelsius ?? 25
            deciCelsius.append(Int32(((surface + sensors.temperatureSigma * random.nextGaussian()) * 10).rounded()))
        }
        let truth = pack.truth
        let amperes = truth.packCurrentAmps * (1 + sensors.currentGain) + sensors.currentOffsetAmperes + sensors.currentSigma * random.nextGaussian()
        lastCurrentAmperes = truth.packCurrentAmps
        send(.cellVoltagesMeasured(firstCell: 0, millivolts: millivolts))
        send(.cellTemperaturesMeasured(firstSensor: 0, deciCelsius: deciCelsius, channel: .primary))
        send(.packCurrentMeasured(milliamperes: Int32((amperes * 1000).rounded())))
        send(.chargeCounterMeasured(ampereSeconds: Int64(chargeCounterAmpereSeconds.rounded(.down))))
        send(.packVoltageMeasured(millivolts: Int32((truth.packVolts * 1000).rounded())))
        send(.linkVoltageMeasured(millivolts: Int32((truth.linkVolts * 1000).rounded())))
        let hydrogen = truth.enclosureGasPPM.hydrogen + sensors.hydrogenOffset + sensors.hydrogenSigma * random.nextGaussian()
        send(.gasMeasured(sensor: 0, hydrogenPartsPerMillion: Int32(max(0, hydrogen).rounded())))
        // Gas released into the closed enclosure raises its pressure by its mole fraction.
        let pascals = 101_325 * (1 + truth.enclosureGasPPM.total * 1e-6) + sensors.pressureSigma * random.nextGaussian()
        send(.pressureMeasured(sensor: 0, pascals: Int32(pascals.rounded())))
        send(.smokeMeasured(sensor: 0, detected: truth.smokeMilligramsPerCubicMetre > 5))
        send(.insulationMeasured(kiloohms: Int32(min(truth.isolationOhms / 1000, 50_000).rounded())))
        send(.chargerStatus(ChargerStatus(connected: chargerConnected, bidirectional: true, faulted: false)))
        send(.contactorFeedback(.mainMinus, closed: contactors.mainNegative))
        send(.contactorFeedback(.precharge, closed: contactors.precharge))
        send(.contactorFeedback(.mainPlus, closed: contactors.mainPositive))
        if lastRequestAt == .min || now - lastRequestAt >= 100 {
            send(.stateRequested(request))
            lastRequestAt = now
        }
    }

    mutating func send(_ event: BMSEvent) {
        apply(controller.handle(event))
    }

    mutating func apply(_ produced: [BMSCommand]) {
        if recordCommands { commands += produced }
        for command in produced {
            switch command {
            case .closeContactor(let contactor): set(contactor, closed: true)
            case .openContactor(let contactor): set(contactor, closed: false)
            case .openAllContactors: for contactor in Contactor.allCases { set(contactor, closed: false) }
            case .commandCharger(let setpoint):
                if chargerCommand?.profile != setpoint.profile {
                    profileStartedAt = now
                    if case .constantCurrentConstantVoltage = setpoint.profile {} else { chargerAmperes = Double(setpoint.currentMilliamperes) / 1000 }
                }
                chargerCommand = setpoint
                if case .constantCurrentConstantVoltage = setpoint.profile {} else { chargerAmperes = Double(setpoint.currentMilliamperes) / 1000 }
            case .chargerOff:
                chargerCommand = nil
                chargerAmperes = 0
            case .setBalancing(let cells):
                balancing = Array(repeating: false, count: series)
                for cell in cells where cell < series { balancing[cell] = true }
            case .broadcastAlarm(let alarm):
                if firstAlarm[alarm.level] == nil { firstAlarm[alarm.level] = now }
            case .recordDiagnosis(let transition):
                if transition.active { setDiagnoses.insert(transition.id) }
            default:
                break
            }
        }
    }

    mutating func set(_ contactor: Contactor, closed: Bool) {
        if !closed, contactorsWelded { return }
        switch contactor {
        case .mainMinus: contactors.mainNegative = closed
        case .precharge: contactors.precharge = closed
        case .mainPlus: contactors.mainPositive = closed
        }
    }

    /// Steps until `condition` holds or `limit` ms passed; returns whether it held. With `fineSteps`, the
    /// first second after the pack current changed runs at 100 ms (as the firmware's 10-100 ms sampling
    /// would see the step), the rest at `milliseconds`.
    @discardableResult
    mutating func run(
        every milliseconds: Int64, for limit: Int64, fineSteps: Bool = false, until condition: (PackHarness) -> Bool = { _ in false }
    ) -> Bool {
        let end = now + limit
        while now < end {
            if condition(self) { return true }
            var size = milliseconds
            if fineSteps, milliseconds > 100 {
                let demand = demandSignature
                if demand != lastDemandSignature {
                    fineUntil = now + 1_000
                    lastDemandSignature = demand
                }
                if now < fineUntil { size = 100 }
            }
            step(milliseconds: min(size, end - now))
        }
        return condition(self)
    }

    /// What the outside world demands now (to notice a current step before it is taken).
    var demandSignature: [Double] {
        let segments = demand(seconds: 1)
        return segments.flatMap { [$0.waveform.firstAmps, $0.waveform.secondAmps] } + [contactors.mainPositive ? 1 : 0, contactors.mainNegative ? 1 : 0]
    }
}
