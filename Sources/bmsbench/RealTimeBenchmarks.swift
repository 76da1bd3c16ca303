import CANCore
import CANTransport
import Emulator
import EmulatorRuntime
import Foundation

/// Real-time cycle jitter: how late a periodic task wakes up after its absolute deadline, at 10 ms and
/// 1 ms periods, bare and with the pack side (96s2p physics + sensor nodes) as the workload. The
/// reference in the same run is rt-tests' `cyclictest` (clock_nanosleep, one thread) when installed.
enum RealTimeBenchmarks {
    static func run() throws {
        if let reference = cyclictest(intervalMicroseconds: 1000, loops: 3000) {
            Bench.note("cyclictest 1 ms (reference)", reference)
        } else {
            Bench.note("cyclictest", "not installed (apt install rt-tests) - no reference in this run")
        }
        Bench.note("bare scheduler 1 ms", "\(bare(periodNanoseconds: 1_000_000, cycles: 3000))")
        Bench.note("bare scheduler 10 ms", "\(bare(periodNanoseconds: 10_000_000, cycles: 300))")
        let bundle: FirmwareBundle
        do { bundle = try FirmwareBundle(directory: "Firmware") } catch {
            print("realtime: cannot load Firmware/ (run from the package root): \(error)")
            return
        }
        for (period, cycles) in [(10_000_000 as Int64, 300), (1_000_000, 3000)] {
            var vehicle = try bundle.makeVehicle(for: Scenario(name: "jitter", durationSeconds: 60, stepMilliseconds: Double(period) / 1e6))
            var output = StepOutput()
            var scheduler = DeadlineScheduler(periodNanoseconds: period)
            var worstStep: Int64 = 0
            let start = MonotonicClock.nanoseconds()
            for _ in 0..<cycles {
                let deadline = scheduler.waitForNextCycle()
                let before = MonotonicClock.nanoseconds()
                output.frames.removeAll(keepingCapacity: true)
                output.events.removeAll(keepingCapacity: true)
                vehicle.step(nowNanoseconds: deadline - start, inbox: [], output: &output)
                worstStep = max(worstStep, MonotonicClock.nanoseconds() - before)
            }
            Bench.note("pack side 96s2p every \(period / 1_000_000) ms", "\(scheduler.jitterSummary); worst step \(worstStep / 1000) µs")
        }
    }

    static func bare(periodNanoseconds: Int64, cycles: Int) -> JitterSummary {
        var scheduler = DeadlineScheduler(periodNanoseconds: periodNanoseconds)
        for _ in 0..<cycles { _ = scheduler.waitForNextCycle() }
        return scheduler.jitterSummary
    }

    /// Runs `cyclictest` and returns its summary line's Min/Avg/Max (µs), or nil when it is not installed.
    static func cyclictest(intervalMicroseconds: Int, loops: Int) -> String? {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/cyclictest") else { return nil }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/cyclictest")
        process.arguments = ["-t1", "-i", "\(intervalMicroseconds)", "-l", "\(loops)", "-q"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = Pipe()
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let line = text.split(separator: "\n").first(where: { $0.contains("Max:") }) else { return "no summary (\(text.prefix(80)))" }
        let fields = line.split(separator: " ").map(String.init)
        func value(_ key: String) -> String { fields.firstIndex(of: key).map { $0 + 1 < fields.count ? fields[$0 + 1] : "?" } ?? "?" }
        return "lateness min \(value("Min:")) µs, avg \(value("Avg:")) µs, max \(value("Max:")) µs over \(loops) cycles"
    }
}
