/// Minimal timing harness for `-c release` benchmarks: repeats a body, reports the best of several
/// runs (least disturbed by the other core's load) and prints one aligned line per result.
///
/// Benchmarks compare against a reference measured in the same run (can-utils, an arithmetic floor)
/// because absolute figures on these shared machines move by tens of percent between runs.
enum Bench {
    /// One measured figure.
    struct Result {
        var name: String
        var operations: Int
        var bestNanoseconds: Double
        var medianNanoseconds: Double

        var nanosecondsPerOperation: Double { bestNanoseconds / Double(max(operations, 1)) }
        var operationsPerSecond: Double { Double(operations) * 1e9 / max(bestNanoseconds, 1) }
    }

    /// Times `body` `runs` times; `body` performs `operations` operations and returns a value that is
    /// consumed so the optimiser cannot drop the work.
    static func measure<T>(_ name: String, operations: Int, runs: Int = 5, _ body: () throws -> T) rethrows -> Result {
        var samples: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<runs {
            let start = clock.now
            let value = try body()
            let elapsed = clock.now - start
            blackHole(value)
            let (seconds, attoseconds) = elapsed.components
            samples.append(Double(seconds) * 1e9 + Double(attoseconds) / 1e9)
        }
        samples.sort()
        let result = Result(name: name, operations: operations, bestNanoseconds: samples[0], medianNanoseconds: samples[samples.count / 2])
        report(result)
        return result
    }

    /// Prints a result line: name, ns/op, ops/s, and the spread between best and median run.
    static func report(_ result: Result) {
        let spread = (result.medianNanoseconds / max(result.bestNanoseconds, 1) - 1) * 100
        print(
            pad(result.name, 48) + pad(format(result.nanosecondsPerOperation, 1) + " ns/op", 16)
                + pad(format(result.operationsPerSecond / 1e6, 2) + " M/s", 14) + "(median +" + format(spread, 0) + "%)")
    }

    /// Prints a free-form figure (ratios, percentiles) aligned with the results.
    static func note(_ name: String, _ value: String) {
        print(pad(name, 48) + value)
    }

    static func format(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let rounded = (value * scale).rounded() / scale
        var text = String(rounded)
        if decimals == 0, text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
    }
}

@inline(never)
func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}
