/// Plausibility, sensor-fault and timeout rows (foxBMS `plausibility` and `DIAG_ID_*_TIMEOUT`), one
/// evaluation per tick.
enum PlausibilityEvaluator {
    struct Context {
        var snapshot: PackSnapshot
        var store: MeasurementStore
        var temperatures: TemperatureTracker
        var gas: EnclosureSensorTracker
        var pressure: EnclosureSensorTracker
        var configuration: BMSConfiguration
        /// The state-request stream is only required while the contactors are (being) closed.
        var stateRequestRequired: Bool
        var stateRequestReceivedAt: Int64
        var now: Int64
    }

    static func evaluate(_ context: Context, monitor: inout DiagnosisMonitor, transitions: inout [DiagnosisTransition]) {
        let snapshot = context.snapshot
        let settings = context.configuration.measurements
        let topology = context.configuration.topology
        let now = context.now

        // Timeouts.
        let staleCell = snapshot.cellStale.firstIndex(of: true)
        monitor.evaluate(.cellVoltageTimeout, ok: staleCell == nil, location: staleCell, now: now, into: &transitions)
        var staleSensor: Int?
        for sensor in 0..<topology.temperatureSensors where context.temperatures.status(sensor) == .stale
            || context.temperatures.status(sensor) == .unknown
        {
            staleSensor = sensor
            break
        }
        monitor.evaluate(.cellTemperatureTimeout, ok: staleSensor == nil, location: staleSensor, now: now, into: &transitions)
        monitor.evaluate(.currentTimeout, ok: !snapshot.currentStale, now: now, into: &transitions)
        monitor.evaluate(.packVoltageTimeout, ok: snapshot.packVoltageValid, now: now, into: &transitions)
        let requestStale = context.stateRequestReceivedAt == Time.never
            || Time.elapsed(from: context.stateRequestReceivedAt, to: now) > settings.stateRequestTimeoutMilliseconds
        monitor.evaluate(.stateRequestTimeout, ok: !(context.stateRequestRequired && requestStale), now: now, into: &transitions)
        monitor.evaluate(.gasTimeout, ok: !context.gas.anyStale, location: context.gas.firstStale, now: now, into: &transitions)
        monitor.evaluate(.pressureTimeout, ok: !context.pressure.anyStale, location: context.pressure.firstStale, now: now, into: &transitions)
        // A monitor in its self test is alive (no reading yet): only silence is a timeout.
        let insulationStale = context.store.isSilent(
            receivedAt: context.store.insulationReceivedAt, aliveAt: context.store.insulationAliveAt,
            timeout: settings.insulationTimeoutMilliseconds, now: now)
        monitor.evaluate(.insulationTimeout, ok: !insulationStale, now: now, into: &transitions)

        // Sensor faults (classified, never read as cell states).
        var faultCell: Int?
        for cell in 0..<topology.seriesCells where snapshot.cellOpenWire[cell] || snapshot.cellOutOfRange[cell] {
            faultCell = cell
            break
        }
        monitor.evaluate(.cellVoltageMeasurementFault, ok: faultCell == nil, location: faultCell, now: now, into: &transitions)
        var faultSensor: Int?
        for sensor in 0..<topology.temperatureSensors where context.temperatures.status(sensor).isFault {
            faultSensor = sensor
            break
        }
        monitor.evaluate(.temperatureSensorFault, ok: faultSensor == nil, location: faultSensor, now: now, into: &transitions)
        let currentFault = !snapshot.currentStale && !snapshot.currentValid
        monitor.evaluate(.currentSensorFault, ok: !currentFault, now: now, into: &transitions)
        monitor.evaluate(.gasSensorFault, ok: !context.gas.anyFault, location: context.gas.firstFault, now: now, into: &transitions)
        monitor.evaluate(
            .pressureSensorFault, ok: !context.pressure.anyFault, location: context.pressure.firstFault, now: now, into: &transitions)
        monitor.evaluate(.smokeSensorFault, ok: !snapshot.smokeFault, now: now, into: &transitions)

        // Plausibility.
        if snapshot.allCellsValid, snapshot.packVoltageValid {
            let difference = abs(snapshot.sumCellMillivolts - Int64(snapshot.packMillivolts))
            monitor.evaluate(
                .packVoltagePlausibility, ok: difference <= Int64(settings.packVoltageToleranceMillivolts), now: now, into: &transitions)
        } else {
            monitor.evaluate(.packVoltagePlausibility, ok: true, now: now, into: &transitions)
        }
        monitor.evaluate(
            .redundantTemperaturePlausibility, ok: !context.temperatures.redundantMismatch,
            location: context.temperatures.redundantMismatchSensor, now: now, into: &transitions)
        // foxBMS PL_CheckCellVoltageSpread: a block deviating from the string's mean by more than the tolerance.
        // (max − min would trip at the end of every deep discharge, where the OCV knee turns a 2 % capacity
        // spread into 200-300 mV between the weakest and the strongest block.)
        let meanMillivolts = snapshot.meanCellVolts * 1000
        let aboveMean = Double(snapshot.maximumCellMillivolts) - meanMillivolts
        let belowMean = meanMillivolts - Double(snapshot.minimumCellMillivolts)
        let voltageSpread = snapshot.validCellCount > 1 && max(aboveMean, belowMean) > Double(settings.cellVoltageSpreadMillivolts)
        monitor.evaluate(
            .cellVoltageSpread, ok: !voltageSpread, location: voltageSpread ? (belowMean >= aboveMean ? snapshot.minimumCell : snapshot.maximumCell) : nil,
            now: now, into: &transitions)
        let temperatureSpread = snapshot.validSensorCount > 1
            && Int64(snapshot.maximumDeciCelsius) - Int64(snapshot.minimumDeciCelsius) > Int64(settings.temperatureSpreadDeciCelsius)
        monitor.evaluate(
            .cellTemperatureSpread, ok: !temperatureSpread, location: temperatureSpread ? snapshot.maximumSensor : nil, now: now,
            into: &transitions)

        // Insulation (Ω/V of the pack voltage), from a reading within the timeout (none during a self test).
        let insulationReading = context.store.insulationReceivedAt != Time.never
            && Time.elapsed(from: context.store.insulationReceivedAt, to: now) <= settings.insulationTimeoutMilliseconds
        if insulationReading, snapshot.packVoltageValid, snapshot.packMillivolts > 0 {
            let ohms = Double(context.store.insulationKiloohms) * 1000
            let volts = Double(snapshot.packMillivolts) / 1000
            monitor.evaluate(.insulationWarning, ok: ohms >= Double(settings.insulationWarningOhmsPerVolt) * volts, now: now, into: &transitions)
            monitor.evaluate(.insulationError, ok: ohms >= Double(settings.insulationErrorOhmsPerVolt) * volts, now: now, into: &transitions)
        } else {
            monitor.evaluate(.insulationWarning, ok: true, now: now, into: &transitions)
            monitor.evaluate(.insulationError, ok: true, now: now, into: &transitions)
        }
        let chargerFault = context.store.charger.faulted
        monitor.evaluate(.chargerFault, ok: !chargerFault, now: now, into: &transitions)
    }
}
