#if canImport(Glibc)
import Glibc
#endif
// bmsemu benchmarks. Build and run with:  swift run -c release bmsbench [suite ...]
// Without arguments every suite runs. Each suite prints its own reference figures next to ours.

let suites: [(name: String, run: () throws -> Void)] = [
    ("candump", CANCoreBenchmarks.run),
    ("virtual-bus", VirtualBusBenchmarks.run),
    ("dbc", CANDatabaseBenchmarks.run),
    ("pack", CellPackBenchmarks.run),
    ("socketcan", SocketCANBenchmarks.run),
    ("realtime", RealTimeBenchmarks.run),
    ("firmware", BMSFirmwareBenchmarks.run),
    ("nodes", SensorNodesBenchmarks.run),
    ("closed-loop", ClosedLoopBenchmarks.run),
]

let requested = Set(CommandLine.arguments.dropFirst())
let unknown = requested.subtracting(suites.map(\.name))
if !unknown.isEmpty {
    print("unknown suite(s): \(unknown.sorted().joined(separator: ", ")); available: \(suites.map(\.name).joined(separator: ", "))")
    exit(2)
}
for suite in suites where requested.isEmpty || requested.contains(suite.name) {
    print("== \(suite.name)")
    try suite.run()
}
