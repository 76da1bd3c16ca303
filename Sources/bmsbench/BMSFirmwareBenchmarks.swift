import BMSFirmware
import FirmwareConfig

/// Controller step time for the shipped 96s2p pack: every 10 ms tick delivers 96 block voltages,
/// 96 temperatures, the current, pack and link voltage (and the slower inputs at their own rates),
/// then the tick runs the full cycle with one EKF per block. The scenario drives for 10 minutes and
/// rests for 32 (so SOC anchors, AWTLS capacity updates and the rest analysis all happen), with all
/// reports on. Reported: median, p99, p99.9 and worst step, and the same for copying the inputs alone
/// (the floor), measured in the same run.
enum BMSFirmwareBenchmarks {
    static func run() throws {
        let configuration: BMSConfiguration
        do {
            configuration = try BMSConfiguration.load(firmwareDirectory: "Firmware")
        } catch {
            print("firmware: cannot load Firmware/ (run from the package root): \(error)")
            return
        }
        // The scenario is deterministic, so every repetition runs the same ticks: the per-tick minimum
        // over repetitions is the tick's own cost with the other core's load and preemptions removed.
        let repetitions = 3
        var step: [Double] = []
        var tick: [Double] = []
        var copy: [Double] = []
        var rawWorst = 0.0
        var lastController: BMSController?
        for repetition in 0..<repetitions {
            let run = try scenario(configuration)
            if repetition == 0 {
                (step, tick, copy) = (run.step, run.tick, run.copy)
            } else {
                for index in step.indices {
                    step[index] = min(step[index], run.step[index])
                    tick[index] = min(tick[index], run.tick[index])
                    copy[index] = min(copy[index], run.copy[index])
                }
            }
            rawWorst = max(rawWorst, run.step.max() ?? 0)
            lastController = run.controller
        }
        report("firmware: 96s2p step (inputs + tick)", step)
        report("firmware: 96s2p tick alone", tick)
        report("firmware: copy inputs (floor)", copy)
        let slowest = tick.indices.sorted { tick[$0] > tick[$1] }.prefix(8)
        Bench.note("firmware: slowest ticks (index: µs)", slowest.map { "\($0): \(Bench.format(tick[$0] / 1000, 1))" }.joined(separator: ", "))
        Bench.note("firmware: raw worst step incl. preemption", "\(Bench.format(rawWorst / 1000, 1)) µs over \(repetitions) runs")
        if let controller = lastController {
            let estimates = controller.cellCapacityAmpereHours
            Bench.note(
                "firmware: scenario check",
                "state \(controller.state.name.rawValue), capacity \(Bench.format(estimates.min() ?? 0, 3))…\(Bench.format(estimates.max() ?? 0, 3)) Ah, SOC \(Bench.format(controller.cellSOC[0] * 100, 1)) %")
        }
        let worst = step.max() ?? 0
        Bench.note("firmware: budget", "worst step = \(Bench.format(worst / 10_000_000 * 100, 2)) % of the 10 ms task")
    }

    struct Run {
        var step: [Double]
        var tick: [Double]
        var copy: [Double]
        var controller: BMSController
    }

    static func scenario(_ configuration: BMSConfiguration) throws -> Run {
        let cells = configuration.topology.seriesCells
        let sensors = configuration.topology.temperatureSensors
        let ticks = 42 * 60 * 100
        var controller = try BMSController(configuration: configuration)
        var plant = Plant(cells: cells, sensors: sensors)
        let clock = ContinuousClock()
        var stepNanoseconds: [Double] = []
        var tickNanoseconds: [Double] = []
        var copyNanoseconds: [Double] = []
        stepNanoseconds.reserveCapacity(ticks)
        tickNanoseconds.reserveCapacity(ticks)
        copyNanoseconds.reserveCapacity(ticks)
        var commandCount = 0
        var request = ModeRequest.normal
        for tick in 0..<ticks {
            let now = Int64(tick) * 10
            let driving = tick < 10 * 60 * 100
            plant.step(tick: tick, driving: driving)
            if tick == 10 * 60 * 100 { request = .standby }
            let copyStart = clock.now
            let voltages = plant.millivolts
            let temperatures = plant.deciCelsius
            blackHole(copyInputs(voltages, temperatures, plant.milliamperes))
            copyNanoseconds.append(nanoseconds(clock.now - copyStart))

            let stepStart = clock.now
            var commands = controller.handle(.cellVoltagesMeasured(firstCell: 0, millivolts: voltages))
            commands += controller.handle(.cellTemperaturesMeasured(firstSensor: 0, deciCelsius: temperatures, channel: .primary))
            commands += controller.handle(.packCurrentMeasured(milliamperes: plant.milliamperes))
            commands += controller.handle(.packVoltageMeasured(millivolts: plant.packMillivolts))
            commands += controller.handle(.linkVoltageMeasured(millivolts: controller.closedContactors.isEmpty ? 0 : plant.packMillivolts))
            for contactor in Contactor.allCases {
                commands += controller.handle(.contactorFeedback(contactor, closed: controller.closedContactors.contains(contactor)))
            }
            if tick % 10 == 0 { commands += controller.handle(.stateRequested(request)) }
            if tick % 100 == 0 {
                commands += controller.handle(.gasMeasured(sensor: 0, hydrogenPartsPerMillion: 3))
                commands += controller.handle(.pressureMeasured(sensor: 0, pascals: 101_325))
                commands += controller.handle(.smokeMeasured(sensor: 0, detected: false))
                commands += controller.handle(.insulationMeasured(kiloohms: 50_000))
                commands += controller.handle(.chargerStatus(ChargerStatus(connected: false, bidirectional: false, faulted: false)))
            }
            let tickStart = clock.now
            commands += controller.handle(.tick(nowMilliseconds: now))
            let end = clock.now
            tickNanoseconds.append(nanoseconds(end - tickStart))
            stepNanoseconds.append(nanoseconds(end - stepStart))
            commandCount += commands.count
        }
        blackHole(commandCount)
        return Run(step: stepNanoseconds, tick: tickNanoseconds, copy: copyNanoseconds, controller: controller)
    }

    /// A deterministic stand-in for the pack: 2RC-free blocks with a small spread, a sine-and-steps load.
    struct Plant {
        var soc: [Double]
        var millivolts: [Int32]
        var deciCelsius: [Int32]
        var milliamperes: Int32 = 0
        var packMillivolts: Int32 = 0

        init(cells: Int, sensors: Int) {
            soc = (0..<cells).map { 0.8 + 0.002 * Double($0 % 7) }
            millivolts = Array(repeating: 3_900, count: cells)
            deciCelsius = Array(repeating: 250, count: sensors)
        }

        mutating func step(tick: Int, driving: Bool) {
            let seconds = Double(tick) / 100
            let amperes = driving ? 30 + 20 * sin(seconds / 7) + (tick % 500 < 50 ? 40 : 0) : 0
            milliamperes = Int32(amperes * 1000)
            var sum: Int64 = 0
            for index in soc.indices {
                soc[index] -= amperes * 0.01 / (10 * 3600)
                let ocv = 3.5 + 0.7 * soc[index]
                let value = Int32(((ocv - 0.004 * amperes) * 1000).rounded()) + Int32(tick &* 7 &+ index &* 13) % 3 - 1
                millivolts[index] = value
                sum += Int64(value)
            }
            packMillivolts = Int32(sum)
            if tick % 100 == 0 {
                for index in deciCelsius.indices { deciCelsius[index] = 250 + Int32(seconds / 120) + Int32(index % 3) }
            }
        }
    }

    @inline(never)
    static func copyInputs(_ voltages: [Int32], _ temperatures: [Int32], _ current: Int32) -> Int {
        var copy = voltages
        copy.append(contentsOf: temperatures)
        copy.append(current)
        return copy.count
    }

    static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))]
    }

    static func report(_ name: String, _ samples: [Double]) {
        let sorted = samples.sorted()
        func at(_ fraction: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction))] }
        Bench.note(
            name,
            "median \(Bench.format(at(0.5) / 1000, 2)) µs, p99 \(Bench.format(at(0.99) / 1000, 2)) µs, p99.9 \(Bench.format(at(0.999) / 1000, 2)) µs, worst \(Bench.format(sorted.last! / 1000, 1)) µs (\(sorted.count) ticks)")
    }
}

private func sin(_ x: Double) -> Double {
    // Taylor series around the nearest multiple of 2π keeps the bench free of Foundation.
    let twoPi = 2 * Double.pi
    var y = x - (x / twoPi).rounded() * twoPi
    if y > .pi / 2 { y = .pi - y } else if y < -.pi / 2 { y = -.pi - y }
    let y2 = y * y
    return y * (1 - y2 / 6 * (1 - y2 / 20 * (1 - y2 / 42 * (1 - y2 / 72))))
}
