/// Builds the tick's ``PackSnapshot`` from the raw store: staleness, range checks and the open-wire
/// signature for cell voltages (a block reading near zero next to a block reading far above the pack
/// mean is a broken sense wire between them, not an empty cell and an overcharged one), current-sensor
/// range and status, temperatures from the ``TemperatureTracker``, extremes and rest detection.
enum SensorClassifier {
    static func classify(
        store: inout MeasurementStore, snapshot: inout PackSnapshot, temperatures: TemperatureTracker,
        configuration: BMSConfiguration, now: Int64
    ) {
        let settings = configuration.measurements
        let topology = configuration.topology
        let cells = topology.seriesCells

        // Cell voltages: staleness and range.
        var inRangeSum = 0.0
        var inRangeCount = 0
        for cell in 0..<cells {
            let received = store.cellVoltageReceivedAt[cell]
            let stale = received == Time.never || Time.elapsed(from: received, to: now) > settings.cellVoltageTimeoutMilliseconds
            let raw = store.cellMillivolts[cell]
            snapshot.cellStale[cell] = stale
            snapshot.cellFresh[cell] = store.cellVoltageFresh[cell] && !stale
            store.cellVoltageFresh[cell] = false
            snapshot.cellOutOfRange[cell] = !stale && !settings.cellVoltageValidMillivolts.contains(raw)
            snapshot.cellOpenWire[cell] = store.openWireReported[cell]
            snapshot.cellVolts[cell] = Double(raw) / 1000
            if !stale, !snapshot.cellOutOfRange[cell], !store.openWireReported[cell] {
                inRangeSum += Double(raw)
                inRangeCount += 1
            }
        }
        // Open-wire signature against the mean of the in-range readings.
        if inRangeCount > 2 {
            let mean = inRangeSum / Double(inRangeCount)
            for cell in 0..<cells where !snapshot.cellStale[cell] && store.cellMillivolts[cell] < settings.openWireLowMillivolts {
                for neighbour in topology.neighbours(ofCell: cell)
                where !snapshot.cellStale[neighbour] && Double(store.cellMillivolts[neighbour]) > settings.openWireHighFactor * mean {
                    snapshot.cellOpenWire[cell] = true
                    snapshot.cellOpenWire[neighbour] = true
                }
            }
        }
        var validCount = 0
        var sum: Int64 = 0
        var minimum = Int32.max
        var maximum = Int32.min
        var minimumCell = 0
        var maximumCell = 0
        for cell in 0..<cells {
            let valid = !snapshot.cellStale[cell] && !snapshot.cellOutOfRange[cell] && !snapshot.cellOpenWire[cell]
            snapshot.cellValid[cell] = valid
            if !valid { snapshot.cellFresh[cell] = false }
            guard valid else { continue }
            let raw = store.cellMillivolts[cell]
            validCount += 1
            sum += Int64(raw)
            if raw < minimum {
                minimum = raw
                minimumCell = cell
            }
            if raw > maximum {
                maximum = raw
                maximumCell = cell
            }
        }
        snapshot.validCellCount = validCount
        snapshot.sumCellMillivolts = sum
        snapshot.minimumCellMillivolts = validCount > 0 ? minimum : 0
        snapshot.maximumCellMillivolts = validCount > 0 ? maximum : 0
        snapshot.minimumCell = minimumCell
        snapshot.maximumCell = maximumCell
        snapshot.meanCellVolts = validCount > 0 ? Double(sum) / Double(validCount) / 1000 : 0

        // Temperatures (classified by the tracker at its sampling interval).
        var sensorSum = 0.0
        var sensorCount = 0
        var minimumTemperature = Int32.max
        var maximumTemperature = Int32.min
        var minimumSensor = 0
        var maximumSensor = 0
        for sensor in 0..<topology.temperatureSensors where temperatures.isValid(sensor) {
            let value = temperatures.deciCelsius(sensor)
            sensorSum += temperatures.celsius(sensor)
            sensorCount += 1
            if value < minimumTemperature {
                minimumTemperature = value
                minimumSensor = sensor
            }
            if value > maximumTemperature {
                maximumTemperature = value
                maximumSensor = sensor
            }
        }
        snapshot.validSensorCount = sensorCount
        snapshot.minimumDeciCelsius = sensorCount > 0 ? minimumTemperature : 0
        snapshot.maximumDeciCelsius = sensorCount > 0 ? maximumTemperature : 0
        snapshot.minimumSensor = minimumSensor
        snapshot.maximumSensor = maximumSensor
        let meanCelsius = sensorCount > 0 ? sensorSum / Double(sensorCount) : configuration.cell.referenceTemperatureCelsius
        for cell in 0..<cells {
            let sensor = topology.temperatureSensor(forCell: cell)
            snapshot.cellCelsius[cell] = temperatures.isValid(sensor) ? temperatures.celsius(sensor) : meanCelsius
        }

        // Current.
        let currentStale = store.currentReceivedAt == Time.never
            || Time.elapsed(from: store.currentReceivedAt, to: now) > settings.currentTimeoutMilliseconds
        let range = Int64(settings.currentSensorRangeMilliamperes)
        let currentInRange = abs(Int64(store.currentMilliamperes)) <= range
        snapshot.currentStale = currentStale
        snapshot.currentValid = !currentStale && currentInRange && !store.currentFaultReported
        snapshot.currentMilliamperes = snapshot.currentValid ? store.currentMilliamperes : 0
        snapshot.currentAmperes = Double(snapshot.currentMilliamperes) / 1000

        // Pack and link voltage.
        snapshot.packVoltageValid = store.packVoltageReceivedAt != Time.never
            && Time.elapsed(from: store.packVoltageReceivedAt, to: now) <= settings.packVoltageTimeoutMilliseconds
            && store.packMillivolts >= 0
        snapshot.packMillivolts = store.packMillivolts
        snapshot.linkVoltageValid = store.linkVoltageReceivedAt != Time.never
            && Time.elapsed(from: store.linkVoltageReceivedAt, to: now) <= settings.packVoltageTimeoutMilliseconds
            && store.linkMillivolts >= 0
        snapshot.linkMillivolts = store.linkMillivolts

        // Rest: valid current below the rest threshold.
        let resting = snapshot.currentValid && abs(Int64(snapshot.currentMilliamperes)) < Int64(settings.restCurrentMilliamperes)
        if resting {
            if !snapshot.atRest { snapshot.restSince = now }
            snapshot.atRest = true
        } else {
            snapshot.atRest = false
            snapshot.restSince = Time.never
        }

        // Smoke: any valid, fresh detector reporting smoke.
        var smoke = false
        var smokeFault = false
        for sensor in store.smokeDetected.indices {
            if store.smokeFaultReported[sensor] {
                smokeFault = true
                continue
            }
            let fresh = store.smokeReceivedAt[sensor] != Time.never
                && Time.elapsed(from: store.smokeReceivedAt[sensor], to: now) <= settings.gasTimeoutMilliseconds
            if fresh, store.smokeDetected[sensor] { smoke = true }
        }
        snapshot.smoke = smoke
        snapshot.smokeFault = smokeFault
    }
}
