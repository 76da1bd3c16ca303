extension BMSController {
    /// Emits every cyclic report that is due, in ``ReportKind`` order, then pending event reports.
    mutating func emitReports(now: Int64, commands: inout [BMSCommand]) {
        for report in pendingDendriteReports { commands.append(.report(.dendriteHealth(report))) }
        pendingDendriteReports.removeAll(keepingCapacity: true)
        let reporting = configuration.reporting
        for kind in ReportKind.allCases {
            let period = period(of: kind, reporting)
            guard period > 0 else { continue }
            let due = nextReportAt[kind.rawValue]
            guard due == Time.never || now >= due else { continue }
            // Next slot: one period later, skipping missed slots after a gap in ticks.
            var next = due == Time.never ? Time.adding(period, to: now) : Time.adding(period, to: due)
            if next <= now { next = Time.adding(period, to: now) }
            nextReportAt[kind.rawValue] = next
            commands.append(.report(makeReport(kind)))
        }
    }

    private func period(of kind: ReportKind, _ reporting: ReportingSettings) -> Int64 {
        switch kind {
        case .status: reporting.statusMilliseconds
        case .limits: reporting.limitsMilliseconds
        case .cellVoltageExtremes: reporting.extremesMilliseconds
        case .temperatureExtremes: reporting.extremesMilliseconds
        case .packValues: reporting.packValuesMilliseconds
        case .stateEstimates: reporting.stateEstimatesMilliseconds
        case .cellEstimates: reporting.cellEstimatesMilliseconds
        case .thermalRunaway: reporting.thermalRunawayMilliseconds
        case .lithiumInventory: reporting.lithiumInventoryMilliseconds
        }
    }

    private mutating func makeReport(_ kind: ReportKind) -> BMSReport {
        switch kind {
        case .status:
            return .status(
                StatusReport(
                    state: state.name, activeFatalCount: diagnosis.activeCount(severity: .fatal),
                    activeWarningCount: diagnosis.activeCount(severity: .warning), activeInfoCount: diagnosis.activeCount(severity: .info),
                    closedContactors: contactors.closedContactors, stateRequestValid: stateRequestValid,
                    thermalRunaway: thermalRunaway.level, balancingCellCount: balancer.activeCells.count, chargerOn: chargerOn))
        case .limits:
            return .limits(currentLimits)
        case .cellVoltageExtremes:
            return .cellVoltageExtremes(
                CellVoltageExtremesReport(
                    minimumMillivolts: snapshot.minimumCellMillivolts, minimumCell: snapshot.minimumCell,
                    maximumMillivolts: snapshot.maximumCellMillivolts, maximumCell: snapshot.maximumCell,
                    meanMillivolts: Int32(clamping: snapshot.meanCellVolts * 1000), validCells: snapshot.validCellCount))
        case .temperatureExtremes:
            return .temperatureExtremes(
                TemperatureExtremesReport(
                    minimumDeciCelsius: snapshot.minimumDeciCelsius, minimumSensor: snapshot.minimumSensor,
                    maximumDeciCelsius: snapshot.maximumDeciCelsius, maximumSensor: snapshot.maximumSensor,
                    validSensors: snapshot.validSensorCount, meanDeciCelsius: meanValidDeciCelsius,
                    maximumRateCentiCelsiusPerSecond: Int32(clamping: thermalRunaway.maximumRate * 100)))
        case .packValues:
            let power = Double(snapshot.packMillivolts) / 1000 * Double(snapshot.currentMilliamperes) / 1000
            return .packValues(
                PackValuesReport(
                    packMillivolts: snapshot.packMillivolts, linkMillivolts: snapshot.linkMillivolts,
                    currentMilliamperes: snapshot.currentMilliamperes, powerWatts: Int32(clamping: power),
                    packVoltageValid: snapshot.packVoltageValid, linkVoltageValid: snapshot.linkVoltageValid,
                    currentValid: snapshot.currentValid))
        case .stateEstimates:
            return .stateEstimates(stateEstimatesReport())
        case .cellEstimates:
            let count = configuration.reporting.cellsPerEstimateReport
            let first = cellEstimateCursor
            let last = min(first + count, filters.count)
            let cells = (first..<last).map { cellEstimate($0) }
            cellEstimateCursor = last >= filters.count ? 0 : last
            return .cellEstimates(firstCell: first, cells: cells)
        case .thermalRunaway:
            return .thermalRunaway(
                ThermalRunawayStatusReport(
                    level: thermalRunaway.level, signals: thermalRunaway.signals, cells: thermalRunaway.cells,
                    maximumRateCentiCelsiusPerSecond: Int32(clamping: thermalRunaway.maximumRate * 100),
                    gasRisePartsPerMillion: Int32(clamping: thermalRunaway.gas.maximumRise),
                    pressureRisePascals: Int32(clamping: thermalRunaway.pressure.maximumRise)))
        case .lithiumInventory:
            let efficiency = stateOfHealth.coulombicEfficiency.compactMap { $0 }.min()
            return .lithiumInventory(
                LithiumInventoryReport(
                    coulombicEfficiencyPartsPerMillion: Int32(clamping: (efficiency ?? 0) * 1_000_000),
                    fadePerHundredCyclesBasisPoints: Int32(clamping: stateOfHealth.fadePerHundredCycles * 10_000),
                    kneeDetected: stateOfHealth.kneeDetected,
                    equivalentFullCyclesHundredths: Int32(clamping: stateOfHealth.equivalentFullCycles * 100)))
        }
    }

    func basisPoints(_ fraction: Double) -> Int32 { Int32(clamping: fraction * 10_000) }

    /// Mean temperature of the valid sensors (0.1 °C), 0 without one.
    var meanValidDeciCelsius: Int32 {
        var sum: Int64 = 0
        var count: Int64 = 0
        for sensor in 0..<configuration.topology.temperatureSensors where temperatures.isValid(sensor) {
            sum += Int64(temperatures.deciCelsius(sensor))
            count += 1
        }
        return count > 0 ? Int32(clamping: (Double(sum) / Double(count)).rounded()) : 0
    }

    func stateEstimatesReport() -> StateEstimatesReport {
        let socs = filters.map(\.soc)
        let nominal = stateOfHealth.nominalBlockAmpereHours
        let capacities = stateOfHealth.capacity
        let weakest = capacities.indices.min { capacities[$0].capacityAmpereHours < capacities[$1].capacityAmpereHours } ?? 0
        let resistances = stateOfHealth.resistance.map(\.ohms)
        let nominalOhms = stateOfHealth.nominalBlockOhms
        let count = Double(max(filters.count, 1))
        return StateEstimatesReport(
            socMinimumBasisPoints: basisPoints(socs.min() ?? 0), socMeanBasisPoints: basisPoints(socs.reduce(0, +) / count),
            socMaximumBasisPoints: basisPoints(socs.max() ?? 0),
            socSigmaBasisPoints: basisPoints(filters.map { $0.reportedStandardDeviation(modelStandardDeviation: configuration.estimation.socModelStandardDeviation) }.max() ?? 0),
            sohCapacityMinimumBasisPoints: basisPoints(capacities[weakest].capacityAmpereHours / nominal),
            sohCapacityMeanBasisPoints: basisPoints(capacities.reduce(0) { $0 + $1.capacityAmpereHours } / count / nominal),
            sohCapacitySigmaBasisPoints: basisPoints(capacities[weakest].standardDeviationAmpereHours / nominal),
            resistanceMaximumBasisPoints: basisPoints((resistances.max() ?? nominalOhms) / nominalOhms),
            packResistanceBasisPoints: basisPoints(resistances.reduce(0, +) / (nominalOhms * count)),
            usableCapacityMilliampereHours: Int32(clamping: capacities[weakest].capacityAmpereHours * 1000))
    }

    func cellEstimate(_ cell: Int) -> CellEstimateReport {
        let nominal = stateOfHealth.nominalBlockAmpereHours
        return CellEstimateReport(
            socBasisPoints: basisPoints(filters[cell].soc), socSigmaBasisPoints: basisPoints(filters[cell].reportedStandardDeviation(modelStandardDeviation: configuration.estimation.socModelStandardDeviation)),
            sohCapacityBasisPoints: basisPoints(stateOfHealth.capacity[cell].capacityAmpereHours / nominal),
            sohCapacitySigmaBasisPoints: basisPoints(stateOfHealth.capacity[cell].standardDeviationAmpereHours / nominal),
            resistanceBasisPoints: basisPoints(stateOfHealth.resistance[cell].ohms / stateOfHealth.nominalBlockOhms))
    }
}
